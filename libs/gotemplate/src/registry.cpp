// The function registry and the value conversions the function families share (after
// spf13/cast and Sprig's helpers).

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#include "internal.h"

namespace driftless::gotemplate {
namespace {

// strconv.ParseInt(s, 0, 64): optional sign, 0x/0o/0b/0 prefixes, underscores after a prefix.
bool parseGoInt64(std::string_view s, std::int64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  bool prefixed = false;
  if (s.size() > 1 && s[0] == '0') {
    char b = static_cast<char>(s[1] | 0x20);
    if (b == 'x' || b == 'o' || b == 'b') {
      base = b == 'x' ? 16 : b == 'o' ? 8 : 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
    prefixed = true;
  }
  std::string digits;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (!prefixed || i + 1 == s.size() || s[i + 1] == '_') return false;
      continue;
    }
    digits += s[i];
  }
  if (digits.empty()) return false;
  for (char c : digits) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'z' ? c - 'a' + 10
            : c >= 'A' && c <= 'Z' ? c - 'A' + 10
                                   : 99;
    if (d >= base) return false;
  }
  errno = 0;
  unsigned long long u = std::strtoull(digits.c_str(), nullptr, base);
  if (errno != 0) return false;
  if (neg) {
    if (u > 9223372036854775808ULL) return false;
    out = u == 9223372036854775808ULL ? INT64_MIN : -static_cast<std::int64_t>(u);
  } else {
    if (u > static_cast<unsigned long long>(INT64_MAX)) return false;
    out = static_cast<std::int64_t>(u);
  }
  return true;
}

// cast's trimZeroDecimal: "1.00" -> "1".
std::string trimZeroDecimal(const std::string& s) {
  bool foundZero = false;
  for (std::size_t i = s.size(); i-- > 0;) {
    if (s[i] == '.') return foundZero ? s.substr(0, i) : s;
    if (s[i] == '0') {
      foundZero = true;
    } else {
      return s;
    }
  }
  return s;
}

}  // namespace

const FuncDef* findFunction(std::string_view name) {
  static const auto table = [] {
    std::unordered_map<std::string_view, FuncDef> m;
    for (const auto& family :
         {builtinFuncs(), stringFuncs(), listFuncs(), dictFuncs(), mathFuncs(), defaultFuncs(),
          encodingFuncs(), regexFuncs(), cryptoFuncs(), certFuncs(), timeFuncs(), helmFuncs()}) {
      for (const auto& f : family)
        m[f.name] = f;
    }
    return m;
  }();
  auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second;
}

TValue indirectIface(const TValue& t) {
  if (t.iface && t.kind == Kind::Nil) return TValue::invalid();
  return t.unwrapped();
}

std::string strval(const TValue& t) {
  if (t.isNil()) return "<nil>";
  if (t.kind == Kind::String) return t.v().asString();
  return formatValue(t.unwrapped());
}

std::int64_t castInt64(const TValue& t) {
  switch (t.kind) {
    case Kind::Int:
      return t.v().asInt();
    case Kind::Float64: {
      double d = t.v().asDouble();
      if (std::isnan(d)) return INT64_MIN;
      if (d >= 9223372036854775807.0 || d < -9223372036854775808.0) return INT64_MIN;
      return static_cast<std::int64_t>(d);
    }
    case Kind::Bool:
      return t.v().asBool() ? 1 : 0;
    case Kind::String: {
      std::int64_t v = 0;
      return parseGoInt64(trimZeroDecimal(t.v().asString()), v) ? v : 0;
    }
    default:
      return 0;
  }
}

double castFloat64(const TValue& t) {
  switch (t.kind) {
    case Kind::Int:
      return static_cast<double>(t.v().asInt());
    case Kind::Float64:
      return t.v().asDouble();
    case Kind::Bool:
      return t.v().asBool() ? 1 : 0;
    case Kind::String: {
      const std::string& s = t.v().asString();
      if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return 0;
      std::string clean;
      for (char c : s) {
        if (c != '_') clean += c;
      }
      char* end = nullptr;
      double d = std::strtod(clean.c_str(), &end);
      if (end != clean.c_str() + clean.size()) return 0;
      if (clean.find_first_of("xX") != std::string::npos &&
          clean.find_first_of("pP") == std::string::npos) {
        return 0;
      }
      return d;
    }
    default:
      return 0;
  }
}

bool isEmpty(const TValue& t) {
  switch (t.kind) {
    case Kind::Nil:
      return true;
    case Kind::Bool:
      return !t.v().asBool();
    case Kind::Int:
      return t.v().asInt() == 0;
    case Kind::Float64:
      return t.v().asDouble() == 0;
    case Kind::Complex:
      return t.v()[0].asDouble() == 0 && t.v()[1].asDouble() == 0;
    case Kind::String:
      return t.v().asString().empty();
    case Kind::Slice:
    case Kind::Map:
      return t.v().size() == 0;
    case Kind::Struct:
      return false;
  }
  return true;
}

bool deepEqual(const TValue& a, const TValue& b) {
  if (a.isNil() || b.isNil()) return a.isNil() && b.isNil();
  if (typeName(a.unwrapped()) != typeName(b.unwrapped())) return false;
  return core::strictlyEqual(a.v(), b.v());
}

bool isSlice(const TValue& t) {
  return t.kind == Kind::Slice;
}

std::vector<TValue> sliceElements(const TValue& t) {
  std::vector<TValue> out;
  if (t.kind != Kind::Slice) return out;
  const auto& arr = t.v().asArray();
  out.reserve(arr.size());
  bool typed = t.type != GoType::Plain;
  for (const auto& e : arr) {
    TValue el = TValue::element(t.val, &e);
    if (typed) el.iface = false;
    out.push_back(std::move(el));
  }
  return out;
}

core::Value toCore(const TValue& t) {
  if (t.kind == Kind::Nil) return core::Value();
  if (t.type == GoType::Duration || t.type == GoType::Semver) return core::Value(formatValue(t));
  return t.v();
}

TValue makeList(std::vector<TValue> elems, GoType type) {
  core::Array arr;
  arr.reserve(elems.size());
  for (const auto& e : elems)
    arr.push_back(toCore(e));
  return TValue::typed(core::Value(std::move(arr)), type);
}

TValue fromCore(core::Value v) {
  return TValue::of(std::move(v));
}

core::Value& mutableValue(const TValue& t) {
  // Every TValue is built over a non-const core::Value (TValue::of, the copy of the data that
  // TemplateSet::execute makes), so writing through it is well defined.
  return const_cast<core::Value&>(t.v());
}

}  // namespace driftless::gotemplate
