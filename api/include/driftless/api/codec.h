#pragma once

// Helpers the generated API code (api/gen/apigen.py) calls to decode core::Value trees into
// structs and encode them back. Decoding errors are core::TypeError naming the JSON path of the
// offending value, e.g. `spec.interval: expected string, got number`. As Go's encoding/json,
// decoding ignores unknown keys and treats null like an absent key.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driftless/api/duration.h"
#include "driftless/core/value.h"

namespace driftless::api::codec {

// `spec` + `url` gives `spec.url`; an empty path gives `url`.
std::string childPath(std::string_view path, std::string_view key);
// `spec.include` + 0 gives `spec.include[0]`.
std::string indexPath(std::string_view path, std::size_t index);
// A map entry: `labels.app`, or `labels["app.kubernetes.io/name"]` for keys that are not
// identifiers (the syntax of core::Path).
std::string entryPath(std::string_view path, std::string_view key);

// The JSON name of the type of a value: null, boolean, number, string, array or object.
const char* jsonTypeName(const core::Value& value) noexcept;
// Throws core::TypeError(path, "expected <expected>, got <JSON type of got>").
[[noreturn]] void throwTypeError(std::string_view path, std::string_view expected,
                                 const core::Value& got);
// The object value is, or a TypeError.
const core::Object& objectAt(const core::Value& value, std::string_view path);
// Throws a TypeError at `<path>.kind` when kind is set and not the expected one.
void expectKind(std::string_view kind, std::string_view expected, std::string_view path);

// The shapes a core::Value field may be restricted to.
enum class AnyKind { Json, Object, IntOrString };

template <typename T>
concept Struct = requires(const T& t, const core::Value& value, std::string_view path) {
  { T::fromValue(value, path) } -> std::same_as<T>;
  { t.toValue() } -> std::same_as<core::Value>;
};

void decode(const core::Value& value, std::string_view path, std::string& out);
void decode(const core::Value& value, std::string_view path, bool& out);
void decode(const core::Value& value, std::string_view path, std::int32_t& out);
void decode(const core::Value& value, std::string_view path, std::int64_t& out);
void decode(const core::Value& value, std::string_view path, double& out);
void decode(const core::Value& value, std::string_view path, Duration& out);
void decode(const core::Value& value, std::string_view path, core::Value& out);  // any value
template <Struct T>
void decode(const core::Value& value, std::string_view path, T& out);
template <typename T>
void decode(const core::Value& value, std::string_view path, std::optional<T>& out);
template <typename T>
void decode(const core::Value& value, std::string_view path, std::vector<T>& out);
template <typename T>
void decode(const core::Value& value, std::string_view path, std::map<std::string, T>& out);

core::Value encode(const std::string& value);
core::Value encode(bool value);
core::Value encode(std::int32_t value);
core::Value encode(std::int64_t value);
core::Value encode(double value);
core::Value encode(const Duration& value);
core::Value encode(const core::Value& value);
template <Struct T>
core::Value encode(const T& value);
template <typename T>
core::Value encode(const std::optional<T>& value);
template <typename T>
core::Value encode(const std::vector<T>& value);
template <typename T>
core::Value encode(const std::map<std::string, T>& value);

// Decodes member key of in into out; an absent or null member leaves out as it is.
template <typename T>
void read(const core::Object& in, std::string_view path, std::string_view key, T& out) {
  const core::Value* value = in.find(key);
  if (value != nullptr && !value->isNull()) decode(*value, childPath(path, key), out);
}
// As read, for json, object and intOrString fields: checks the shape of the value.
void readAny(const core::Object& in, std::string_view path, std::string_view key, core::Value& out,
             AnyKind kind);

// Whether a field holds something: a set optional, a non-empty vector or map, a non-null value.
template <typename T>
bool isSet(const T& /*value*/) {
  return true;
}
template <typename T>
bool isSet(const std::optional<T>& value) {
  return value.has_value();
}
template <typename T>
bool isSet(const std::vector<T>& value) {
  return !value.empty();
}
template <typename T>
bool isSet(const std::map<std::string, T>& value) {
  return !value.empty();
}
inline bool isSet(const core::Value& value) {
  return !value.isNull();
}

// Appends key: encode(value) to out (a required field: always).
template <typename T>
void write(core::Object& out, std::string_view key, const T& value) {
  out.append(std::string(key), encode(value));
}
// As write, for optional fields: nothing when the field is not set.
template <typename T>
void writeIfSet(core::Object& out, std::string_view key, const T& value) {
  if (isSet(value)) write(out, key, value);
}

// ---- template definitions ----

template <Struct T>
void decode(const core::Value& value, std::string_view path, T& out) {
  out = T::fromValue(value, path);
}

template <typename T>
void decode(const core::Value& value, std::string_view path, std::optional<T>& out) {
  T decoded{};
  decode(value, path, decoded);
  out = std::move(decoded);
}

template <typename T>
void decode(const core::Value& value, std::string_view path, std::vector<T>& out) {
  if (!value.isArray()) throwTypeError(path, "array", value);
  const core::Array& items = value.asArray();
  out.clear();
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    T item{};
    if (!items[i].isNull()) decode(items[i], indexPath(path, i), item);
    out.push_back(std::move(item));
  }
}

template <typename T>
void decode(const core::Value& value, std::string_view path, std::map<std::string, T>& out) {
  const core::Object& members = objectAt(value, path);
  out.clear();
  for (const core::Member& member : members) {
    T item{};
    if (!member.value.isNull()) decode(member.value, entryPath(path, member.key), item);
    out.insert_or_assign(member.key, std::move(item));
  }
}

template <Struct T>
core::Value encode(const T& value) {
  return value.toValue();
}

template <typename T>
core::Value encode(const std::optional<T>& value) {
  return value ? encode(*value) : core::Value();
}

template <typename T>
core::Value encode(const std::vector<T>& value) {
  core::Array items;
  items.reserve(value.size());
  for (const T& item : value)
    items.push_back(encode(item));
  return core::Value(std::move(items));
}

template <typename T>
core::Value encode(const std::map<std::string, T>& value) {
  core::Object members;
  members.reserve(value.size());
  for (const auto& [key, item] : value)
    members.append(key, encode(item));
  return core::Value(std::move(members));
}

}  // namespace driftless::api::codec
