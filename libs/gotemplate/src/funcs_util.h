#pragma once

// Small helpers for writing the function families (funcs_*.cpp).

#include <cstdint>
#include <string>
#include <vector>

#include "internal.h"

namespace driftless::gotemplate::fn {

using Args = std::vector<TValue>&;

// Arguments the executor has already converted to the declared parameter kind.
inline const std::string& str(const TValue& t) {
  return t.v().asString();
}
inline std::int64_t integer(const TValue& t) {
  return t.v().asInt();
}
inline TValue string(std::string s) {
  return TValue::of(core::Value(std::move(s)));
}
inline TValue boolean(bool b) {
  return TValue::of(core::Value(b));
}
inline TValue int64(std::int64_t i) {
  return TValue::typed(core::Value(i), GoType::Int64);
}
inline TValue integerValue(std::int64_t i) {
  return TValue::of(core::Value(i));
}
inline TValue float64(double d) {
  return TValue::of(core::Value(d));
}
inline TValue stringList(const std::vector<std::string>& items) {
  core::Array arr;
  arr.reserve(items.size());
  for (const auto& s : items)
    arr.emplace_back(s);
  return TValue::typed(core::Value(std::move(arr)), GoType::StringSlice);
}

// strings.Split of Go (an empty separator splits after each UTF-8 sequence); n < 0: all parts.
std::vector<std::string> goSplit(const std::string& s, const std::string& sep, long n = -1);
// Sprig's strslice: the elements of a list as strings (nil elements dropped), or the value.
std::vector<std::string> strslice(const TValue& v);

}  // namespace driftless::gotemplate::fn
