#include "driftless/core/value.h"

#include <algorithm>
#include <charconv>

#include "driftless/core/error.h"

namespace driftless::core {

namespace {

[[noreturn]] void throwTypeMismatch(Value::Type want, Value::Type got) {
  throw Error(std::string("expected ") + Value::typeName(want) + ", got " + Value::typeName(got));
}

bool numericEqual(const Value& a, const Value& b) noexcept {
  if (a.isInt() && b.isInt()) return a.asInt() == b.asInt();
  return a.asDouble() == b.asDouble();
}

// Objects are equal as maps: same keys with equal values, in any order.
bool objectsEqual(const Object& a, const Object& b) noexcept {
  if (a.size() != b.size()) return false;
  for (const auto& m : a) {
    const Value* other = b.find(m.key);
    if (other == nullptr || !(m.value == *other)) return false;
  }
  return true;
}

}  // namespace

const Value& nullValue() noexcept {
  static const Value kNull;
  return kNull;
}

// ---- Object ----

const Value* Object::find(std::string_view key) const noexcept {
  for (const auto& m : members_) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

Value* Object::find(std::string_view key) noexcept {
  for (auto& m : members_) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

Value& Object::set(std::string_view key, Value value) {
  if (Value* existing = find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  return append(std::string(key), std::move(value));
}

Value& Object::operator[](std::string_view key) {
  if (Value* existing = find(key)) return *existing;
  return append(std::string(key), Value());
}

Value& Object::append(std::string key, Value value) {
  return members_.emplace_back(Member{std::move(key), std::move(value)}).value;
}

bool Object::erase(std::string_view key) {
  auto it =
      std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.key == key; });
  if (it == members_.end()) return false;
  members_.erase(it);
  return true;
}

bool operator==(const Object& a, const Object& b) {
  return a.members_ == b.members_;
}

// ---- Path ----

Path::Path(std::initializer_list<std::string_view> keys) {
  for (auto k : keys)
    key(k);
}

Path& Path::key(std::string_view k) {
  elements_.push_back(PathElement{std::string(k), 0, false});
  return *this;
}

Path& Path::index(std::size_t i) {
  elements_.push_back(PathElement{{}, i, true});
  return *this;
}

Path Path::parse(std::string_view text) {
  Path path;
  std::size_t i = 0;
  auto fail = [&](const char* what) {
    throw Error("invalid path \"" + std::string(text) + "\": " + what);
  };
  while (i < text.size()) {
    if (text[i] == '.') {
      if (i == 0 || i + 1 == text.size()) fail("empty key");
      ++i;
      continue;
    }
    if (text[i] == '[') {
      std::size_t close = text.find(']', i);
      if (close == std::string_view::npos) fail("unterminated [");
      std::string_view inner = text.substr(i + 1, close - i - 1);
      if (inner.size() >= 2 && (inner.front() == '"' || inner.front() == '\'') &&
          inner.back() == inner.front()) {
        path.key(inner.substr(1, inner.size() - 2));
      } else {
        std::size_t idx = 0;
        auto [ptr, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), idx);
        if (ec != std::errc() || ptr != inner.data() + inner.size() || inner.empty()) {
          fail("index is not a number");
        }
        path.index(idx);
      }
      i = close + 1;
      continue;
    }
    std::size_t end = text.find_first_of(".[", i);
    if (end == std::string_view::npos) end = text.size();
    path.key(text.substr(i, end - i));
    i = end;
  }
  return path;
}

std::string Path::toString() const {
  std::string out;
  for (const auto& e : elements_) {
    if (e.isIndex) {
      out += '[';
      out += std::to_string(e.index);
      out += ']';
    } else if (e.key.find_first_of(".[]") != std::string::npos) {
      out += "[\"" + e.key + "\"]";
    } else {
      if (!out.empty()) out += '.';
      out += e.key;
    }
  }
  return out;
}

// ---- Value ----

const char* Value::typeName(Type t) noexcept {
  switch (t) {
    case Type::Null:
      return "null";
    case Type::Bool:
      return "bool";
    case Type::Int:
      return "integer";
    case Type::Double:
      return "number";
    case Type::String:
      return "string";
    case Type::Array:
      return "array";
    case Type::Object:
      return "object";
  }
  return "unknown";
}

std::string Value::stringOr(std::string_view fallback) const {
  return isString() ? asString() : std::string(fallback);
}

bool Value::asBool() const {
  if (!isBool()) throwTypeMismatch(Type::Bool, type());
  return std::get<bool>(data_);
}

std::int64_t Value::asInt() const {
  if (isInt()) return std::get<std::int64_t>(data_);
  if (isDouble()) {
    double d = std::get<double>(data_);
    auto i = static_cast<std::int64_t>(d);
    if (d >= -9.2233720368547758e18 && d < 9.2233720368547758e18 && static_cast<double>(i) == d) {
      return i;
    }
  }
  throwTypeMismatch(Type::Int, type());
}

double Value::asDouble() const {
  if (isDouble()) return std::get<double>(data_);
  if (isInt()) return static_cast<double>(std::get<std::int64_t>(data_));
  throwTypeMismatch(Type::Double, type());
}

const std::string& Value::asString() const {
  if (!isString()) throwTypeMismatch(Type::String, type());
  return std::get<std::string>(data_);
}

std::string& Value::asString() {
  if (!isString()) throwTypeMismatch(Type::String, type());
  return std::get<std::string>(data_);
}

const Array& Value::asArray() const {
  if (!isArray()) throwTypeMismatch(Type::Array, type());
  return std::get<Array>(data_);
}

Array& Value::asArray() {
  if (!isArray()) throwTypeMismatch(Type::Array, type());
  return std::get<Array>(data_);
}

const Object& Value::asObject() const {
  if (!isObject()) throwTypeMismatch(Type::Object, type());
  return std::get<Object>(data_);
}

Object& Value::asObject() {
  if (!isObject()) throwTypeMismatch(Type::Object, type());
  return std::get<Object>(data_);
}

const Value* Value::find(std::string_view key) const noexcept {
  if (!isObject()) return nullptr;
  return std::get<Object>(data_).find(key);
}

Value* Value::find(std::string_view key) noexcept {
  if (!isObject()) return nullptr;
  return std::get<Object>(data_).find(key);
}

const Value* Value::find(const Path& path) const noexcept {
  const Value* cur = this;
  for (const auto& e : path.elements()) {
    if (e.isIndex) {
      if (!cur->isArray() || e.index >= cur->size()) return nullptr;
      cur = &std::get<Array>(cur->data_)[e.index];
    } else {
      cur = cur->find(e.key);
      if (cur == nullptr) return nullptr;
    }
  }
  return cur;
}

Value* Value::find(const Path& path) noexcept {
  return const_cast<Value*>(std::as_const(*this).find(path));
}

const Value& Value::operator[](std::string_view key) const noexcept {
  const Value* v = find(key);
  return v != nullptr ? *v : nullValue();
}

const Value& Value::operator[](std::size_t index) const noexcept {
  if (!isArray() || index >= size()) return nullValue();
  return std::get<Array>(data_)[index];
}

Value& Value::operator[](std::string_view key) {
  if (isNull()) data_ = Object{};
  return asObject()[key];
}

Value& Value::operator[](std::size_t index) {
  Array& arr = asArray();
  if (index >= arr.size()) {
    throw Error("index " + std::to_string(index) + " out of range (size " +
                std::to_string(arr.size()) + ")");
  }
  return arr[index];
}

Value& Value::set(const Path& path, Value value) {
  Value* cur = this;
  for (const auto& e : path.elements()) {
    if (e.isIndex) {
      if (cur->isNull()) cur->data_ = Array{};
      Array& arr = cur->asArray();
      if (arr.size() <= e.index) arr.resize(e.index + 1);
      cur = &arr[e.index];
    } else {
      cur = &(*cur)[e.key];
    }
  }
  *cur = std::move(value);
  return *cur;
}

bool Value::erase(const Path& path) {
  if (path.empty()) return false;
  const auto& elems = path.elements();
  Value* parent = this;
  for (std::size_t i = 0; i + 1 < elems.size(); ++i) {
    Path one;
    if (elems[i].isIndex) {
      one.index(elems[i].index);
    } else {
      one.key(elems[i].key);
    }
    parent = parent->find(one);
    if (parent == nullptr) return false;
  }
  const auto& last = elems.back();
  if (last.isIndex) {
    if (!parent->isArray() || last.index >= parent->size()) return false;
    auto& arr = parent->asArray();
    arr.erase(arr.begin() + static_cast<std::ptrdiff_t>(last.index));
    return true;
  }
  if (!parent->isObject()) return false;
  return parent->asObject().erase(last.key);
}

std::size_t Value::size() const noexcept {
  if (isArray()) return std::get<Array>(data_).size();
  if (isObject()) return std::get<Object>(data_).size();
  return 0;
}

void Value::push_back(Value v) {
  if (isNull()) data_ = Array{};
  asArray().push_back(std::move(v));
}

bool operator==(const Value& a, const Value& b) noexcept {
  if (a.isNumber() && b.isNumber()) return numericEqual(a, b);
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::Null:
      return true;
    case Value::Type::Bool:
      return std::get<bool>(a.data_) == std::get<bool>(b.data_);
    case Value::Type::String:
      return std::get<std::string>(a.data_) == std::get<std::string>(b.data_);
    case Value::Type::Array:
      return std::get<Array>(a.data_) == std::get<Array>(b.data_);
    case Value::Type::Object:
      return objectsEqual(std::get<Object>(a.data_), std::get<Object>(b.data_));
    default:
      return false;
  }
}

bool strictlyEqual(const Value& a, const Value& b) noexcept {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::Array: {
      const Array& x = a.asArray();
      const Array& y = b.asArray();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!strictlyEqual(x[i], y[i])) return false;
      }
      return true;
    }
    case Value::Type::Object: {
      const Object& x = a.asObject();
      const Object& y = b.asObject();
      if (x.size() != y.size()) return false;
      for (const auto& m : x) {
        const Value* other = y.find(m.key);
        if (other == nullptr || !strictlyEqual(m.value, *other)) return false;
      }
      return true;
    }
    default:
      return a == b;  // scalars of the same type
  }
}

}  // namespace driftless::core
