#pragma once

// The one value model of the toolkit: a JSON/YAML tree ("unstructured" in Kubernetes terms).
// Objects keep their keys in insertion order; numbers are int64 or double, as in Kubernetes'
// unstructured objects.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace driftless::core {

class Value;
struct Member;

using Array = std::vector<Value>;

// An ordered map from string keys to values. Lookups are linear, which is the fastest choice for
// the small objects Kubernetes is made of; keys are unique (set() replaces).
class Object {
 public:
  using iterator = std::vector<Member>::iterator;
  using const_iterator = std::vector<Member>::const_iterator;

  Object() = default;
  Object(std::initializer_list<Member> members);

  [[nodiscard]] bool empty() const noexcept { return members_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }
  iterator begin() noexcept { return members_.begin(); }
  iterator end() noexcept { return members_.end(); }
  [[nodiscard]] const_iterator begin() const noexcept { return members_.begin(); }
  [[nodiscard]] const_iterator end() const noexcept { return members_.end(); }

  [[nodiscard]] const Value* find(std::string_view key) const noexcept;
  Value* find(std::string_view key) noexcept;
  [[nodiscard]] bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }

  // Inserts or replaces; a replaced key keeps its position.
  Value& set(std::string_view key, Value value);
  // Returns the value for key, appending a null value when absent.
  Value& operator[](std::string_view key);
  // Appends without checking for an existing key (parsers check themselves).
  Value& append(std::string key, Value value);
  bool erase(std::string_view key);
  void reserve(std::size_t n) { members_.reserve(n); }
  void clear() noexcept { members_.clear(); }

  [[nodiscard]] const std::vector<Member>& members() const noexcept { return members_; }
  std::vector<Member>& members() noexcept { return members_; }

  // Order-sensitive comparison of members; Value::operator== compares objects ignoring order.
  friend bool operator==(const Object& a, const Object& b);

 private:
  std::vector<Member> members_;
};

// One element of a path into a value: an object key or an array index.
struct PathElement {
  std::string key;
  std::size_t index = 0;
  bool isIndex = false;
};

// A parsed path such as `spec.template.spec.containers[0].image`. Keys containing dots or
// brackets can be quoted: `metadata.labels["app.kubernetes.io/name"]`.
class Path {
 public:
  Path() = default;
  Path(std::initializer_list<std::string_view> keys);
  static Path parse(std::string_view text);  // throws core::Error on malformed text

  Path& key(std::string_view k);
  Path& index(std::size_t i);
  [[nodiscard]] const std::vector<PathElement>& elements() const noexcept { return elements_; }
  [[nodiscard]] bool empty() const noexcept { return elements_.empty(); }
  [[nodiscard]] std::string toString() const;

 private:
  std::vector<PathElement> elements_;
};

class Value {
 public:
// The enumerators are scoped (Type::Array), so they cannot clash with core::Array.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
  enum class Type : std::uint8_t { Null, Bool, Int, Double, String, Array, Object };
#pragma GCC diagnostic pop

  Value() noexcept = default;
  Value(std::nullptr_t) noexcept {}
  Value(bool b) noexcept : data_(b) {}
  Value(int i) noexcept : data_(static_cast<std::int64_t>(i)) {}
  Value(long i) noexcept : data_(static_cast<std::int64_t>(i)) {}
  Value(long long i) noexcept : data_(static_cast<std::int64_t>(i)) {}
  Value(unsigned i) noexcept : data_(static_cast<std::int64_t>(i)) {}
  Value(double d) noexcept : data_(d) {}
  Value(std::string s) noexcept : data_(std::move(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(Array a) noexcept : data_(std::move(a)) {}
  Value(Object o) noexcept : data_(std::move(o)) {}

  static Value array() {
    return Value(Array{});
  }
  static Value object() {
    return Value(Object{});
  }

  [[nodiscard]] Type type() const noexcept {
    return static_cast<Type>(data_.index());
  }
  [[nodiscard]] bool isNull() const noexcept {
    return type() == Type::Null;
  }
  [[nodiscard]] bool isBool() const noexcept {
    return type() == Type::Bool;
  }
  [[nodiscard]] bool isInt() const noexcept {
    return type() == Type::Int;
  }
  [[nodiscard]] bool isDouble() const noexcept {
    return type() == Type::Double;
  }
  [[nodiscard]] bool isNumber() const noexcept {
    return isInt() || isDouble();
  }
  [[nodiscard]] bool isString() const noexcept {
    return type() == Type::String;
  }
  [[nodiscard]] bool isArray() const noexcept {
    return type() == Type::Array;
  }
  [[nodiscard]] bool isObject() const noexcept {
    return type() == Type::Object;
  }

  // Typed access; throws core::Error (naming the expected and actual type) on a mismatch.
  [[nodiscard]] bool asBool() const;
  [[nodiscard]] std::int64_t asInt() const;  // a double with an integral value is accepted
  [[nodiscard]] double asDouble() const;     // an int is converted
  [[nodiscard]] const std::string& asString() const;
  std::string& asString();
  [[nodiscard]] const Array& asArray() const;
  Array& asArray();
  [[nodiscard]] const Object& asObject() const;
  // The string, or fallback when the value is not a string (absent fields are null).
  [[nodiscard]] std::string stringOr(std::string_view fallback = {}) const;
  Object& asObject();

  // Object lookup: nullptr when this is not an object or the key is absent.
  [[nodiscard]] const Value* find(std::string_view key) const noexcept;
  Value* find(std::string_view key) noexcept;
  [[nodiscard]] const Value* find(const Path& path) const noexcept;
  Value* find(const Path& path) noexcept;
  // Read access that never throws: a shared null value when absent.
  const Value& operator[](std::string_view key) const noexcept;
  const Value& operator[](std::size_t index) const noexcept;
  // Write access: a null value becomes an object; throws when this is another type.
  Value& operator[](std::string_view key);
  // Write access to an existing array element; throws when absent.
  Value& operator[](std::size_t index);
  // Sets the value at path, creating intermediate objects (and null-padding arrays).
  Value& set(const Path& path, Value value);
  // Removes the value at path; false when it was absent.
  bool erase(const Path& path);

  [[nodiscard]] std::size_t size() const noexcept;  // elements of an array/object, else 0
  void push_back(Value v);                          // null becomes an array

  // Deep equality. Objects compare as maps (key order ignored); ints and doubles compare
  // by numeric value.
  friend bool operator==(const Value& a, const Value& b) noexcept;

  // A string that was quoted in the YAML it was read from (`"${replicas}"`), so that it can be
  // printed quoted again (kyaml keeps scalar styles; Flux's variable substitution relies on
  // it). Not part of equality; lost when the value is replaced.
  [[nodiscard]] bool quotedStyle() const noexcept {
    return quoted_;
  }
  void setQuotedStyle(bool quoted) noexcept {
    quoted_ = quoted;
  }

  [[nodiscard]] static const char* typeName(Type t) noexcept;
  [[nodiscard]] const char* typeName() const noexcept {
    return typeName(type());
  }

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> data_;
  bool quoted_ = false;  // fits in the variant's padding
};

struct Member {
  std::string key;
  Value value;
  friend bool operator==(const Member& a, const Member& b) noexcept {
    return a.key == b.key && a.value == b.value;
  }
};

inline Object::Object(std::initializer_list<Member> members) {
  members_.reserve(members.size());
  for (const auto& m : members)
    set(m.key, m.value);
}

const Value& nullValue() noexcept;

// Deep equality as Go's reflect.DeepEqual sees decoded JSON: like operator== (object key order
// ignored) except that an integer never equals a double (1 and 1.0 differ).
bool strictlyEqual(const Value& a, const Value& b) noexcept;

}  // namespace driftless::core
