#include "driftless/api/codec.h"

#include <limits>

#include "driftless/core/error.h"
#include "driftless/core/json.h"

namespace driftless::api::codec {

namespace {

bool isPlainKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
    if (!plain) return false;
  }
  return true;
}

// Whole numbers written as doubles (`3.0`, `1e3`) are integers too, as in Kubernetes.
bool isInteger(const core::Value& value) {
  if (value.isInt()) return true;
  if (!value.isDouble()) return false;
  double d = value.asDouble();
  return d >= -9.2233720368547758e18 && d < 9.2233720368547758e18 &&
         static_cast<double>(static_cast<std::int64_t>(d)) == d;
}

std::int64_t integerAt(const core::Value& value, std::string_view path) {
  if (!isInteger(value)) throwTypeError(path, "integer", value);
  return value.asInt();
}

}  // namespace

std::string childPath(std::string_view path, std::string_view key) {
  std::string out;
  out.reserve(path.size() + key.size() + 1);
  out.append(path);
  if (!path.empty()) out.push_back('.');
  out.append(key);
  return out;
}

std::string indexPath(std::string_view path, std::size_t index) {
  std::string out(path);
  out.push_back('[');
  out.append(std::to_string(index));
  out.push_back(']');
  return out;
}

std::string entryPath(std::string_view path, std::string_view key) {
  if (isPlainKey(key)) return childPath(path, key);
  std::string out(path);
  out.push_back('[');
  core::appendJsonString(out, key, false);
  out.push_back(']');
  return out;
}

const char* jsonTypeName(const core::Value& value) noexcept {
  switch (value.type()) {
    case core::Value::Type::Null:
      return "null";
    case core::Value::Type::Bool:
      return "boolean";
    case core::Value::Type::Int:
    case core::Value::Type::Double:
      return "number";
    case core::Value::Type::String:
      return "string";
    case core::Value::Type::Array:
      return "array";
    case core::Value::Type::Object:
      return "object";
  }
  return "unknown";
}

void throwTypeError(std::string_view path, std::string_view expected, const core::Value& got) {
  throw core::TypeError(std::string(path),
                        "expected " + std::string(expected) + ", got " + jsonTypeName(got));
}

const core::Object& objectAt(const core::Value& value, std::string_view path) {
  if (!value.isObject()) throwTypeError(path, "object", value);
  return value.asObject();
}

void expectKind(std::string_view kind, std::string_view expected, std::string_view path) {
  if (kind.empty() || kind == expected) return;
  throw core::TypeError(childPath(path, "kind"),
                        "expected " + std::string(expected) + ", got " + std::string(kind));
}

void decode(const core::Value& value, std::string_view path, std::string& out) {
  if (!value.isString()) throwTypeError(path, "string", value);
  out = value.asString();
}

void decode(const core::Value& value, std::string_view path, bool& out) {
  if (!value.isBool()) throwTypeError(path, "boolean", value);
  out = value.asBool();
}

void decode(const core::Value& value, std::string_view path, std::int32_t& out) {
  std::int64_t i = integerAt(value, path);
  if (i < std::numeric_limits<std::int32_t>::min() ||
      i > std::numeric_limits<std::int32_t>::max()) {
    throw core::TypeError(std::string(path), std::to_string(i) + " is out of range for int32");
  }
  out = static_cast<std::int32_t>(i);
}

void decode(const core::Value& value, std::string_view path, std::int64_t& out) {
  out = integerAt(value, path);
}

void decode(const core::Value& value, std::string_view path, double& out) {
  if (!value.isNumber()) throwTypeError(path, "number", value);
  out = value.asDouble();
}

void decode(const core::Value& value, std::string_view path, Duration& out) {
  if (!value.isString()) throwTypeError(path, "string", value);
  std::optional<Duration> parsed = Duration::tryParse(value.asString());
  if (!parsed) {
    throw core::TypeError(std::string(path), "time: invalid duration \"" + value.asString() + "\"");
  }
  out = std::move(*parsed);
}

void decode(const core::Value& value, std::string_view /*path*/, core::Value& out) {
  out = value;
}

void readAny(const core::Object& in, std::string_view path, std::string_view key, core::Value& out,
             AnyKind kind) {
  const core::Value* value = in.find(key);
  if (value == nullptr || value->isNull()) return;
  if (kind == AnyKind::Object && !value->isObject()) {
    throwTypeError(childPath(path, key), "object", *value);
  }
  if (kind == AnyKind::IntOrString && !value->isString() && !isInteger(*value)) {
    throwTypeError(childPath(path, key), "integer or string", *value);
  }
  out = *value;
}

core::Value encode(const std::string& value) {
  return core::Value(value);
}
core::Value encode(bool value) {
  return core::Value(value);
}
core::Value encode(std::int32_t value) {
  return core::Value(value);
}
core::Value encode(std::int64_t value) {
  return core::Value(value);
}
core::Value encode(double value) {
  return core::Value(value);
}
core::Value encode(const Duration& value) {
  return core::Value(value.text());
}
core::Value encode(const core::Value& value) {
  return value;
}

}  // namespace driftless::api::codec
