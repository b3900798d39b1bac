#include "driftless/core/scalar.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <system_error>

#include "driftless/core/error.h"

namespace driftless::core {

namespace {

constexpr std::array<std::string_view, 8> kTrue11 = {"y",   "Y",  "yes", "Yes",
                                                     "YES", "on", "On",  "ON"};
constexpr std::array<std::string_view, 8> kFalse11 = {"n",  "N",   "no",  "No",
                                                      "NO", "off", "Off", "OFF"};
constexpr std::array<std::string_view, 3> kTrue = {"true", "True", "TRUE"};
constexpr std::array<std::string_view, 3> kFalse = {"false", "False", "FALSE"};
constexpr std::array<std::string_view, 4> kNull = {"~", "null", "Null", "NULL"};
constexpr std::array<std::string_view, 6> kPosInf = {".inf",  ".Inf",  ".INF",
                                                     "+.inf", "+.Inf", "+.INF"};
constexpr std::array<std::string_view, 3> kNegInf = {"-.inf", "-.Inf", "-.INF"};
constexpr std::array<std::string_view, 3> kNaN = {".nan", ".NaN", ".NAN"};

template <std::size_t N>
bool oneOf(const std::array<std::string_view, N>& set, std::string_view s) {
  for (auto x : set) {
    if (x == s) return true;
  }
  return false;
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// Go's strconv.ParseInt(s, 0, 64) / ParseUint: sign, base prefix (0x, 0o, 0b, or a leading 0
// for octal). Underscores must already be removed.
enum class IntParse { Ok, Overflow, Invalid };

IntParse parseGoUnsigned(std::string_view s, std::uint64_t& out) {
  int base = 10;
  if (s.size() >= 2 && s[0] == '0') {
    char p = s[1];
    if (p == 'x' || p == 'X') {
      base = 16;
      s.remove_prefix(2);
    } else if (p == 'o' || p == 'O') {
      base = 8;
      s.remove_prefix(2);
    } else if (p == 'b' || p == 'B') {
      base = 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  if (s.empty()) return IntParse::Invalid;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  if (ptr != s.data() + s.size()) return IntParse::Invalid;
  if (ec == std::errc::result_out_of_range) return IntParse::Overflow;
  if (ec != std::errc()) return IntParse::Invalid;
  return IntParse::Ok;
}

// yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool isYamlStyleFloat(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t start = i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    if (i == start) return false;
  } else {
    std::size_t start = i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    if (i == start) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && isDigit(s[i]))
        ++i;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t start = i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    if (i == start) return false;
  }
  return i == s.size();
}

bool parseDigits(std::string_view s, std::size_t& i, std::size_t minDigits, std::size_t maxDigits) {
  std::size_t start = i;
  while (i < s.size() && isDigit(s[i]) && i - start < maxDigits)
    ++i;
  return i - start >= minDigits;
}

// The timestamp forms go-yaml accepts: 2006-1-2, 2006-1-2T15:4:5.999999999Z07:00,
// 2006-1-2t15:4:5..., 2006-1-2 15:4:5.999999999 (with an optional zone).
bool isTimestamp(std::string_view s) {
  std::size_t i = 0;
  if (!parseDigits(s, i, 4, 4) || i >= s.size() || s[i] != '-') return false;
  ++i;
  if (!parseDigits(s, i, 1, 2) || i >= s.size() || s[i] != '-') return false;
  ++i;
  if (!parseDigits(s, i, 1, 2)) return false;
  if (i == s.size()) return true;
  if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return false;
  ++i;
  if (!parseDigits(s, i, 1, 2) || i >= s.size() || s[i] != ':') return false;
  ++i;
  if (!parseDigits(s, i, 1, 2) || i >= s.size() || s[i] != ':') return false;
  ++i;
  if (!parseDigits(s, i, 1, 2)) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!parseDigits(s, i, 1, 9)) return false;
  }
  if (i == s.size()) return true;
  if (s[i] == 'Z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  ++i;
  if (!parseDigits(s, i, 2, 2) || i >= s.size() || s[i] != ':') return false;
  ++i;
  return parseDigits(s, i, 2, 2) && i == s.size();
}

// ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
bool isBase60Float(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  if (i >= s.size() || !isDigit(s[i])) return false;
  while (i < s.size() && (isDigit(s[i]) || s[i] == '_'))
    ++i;
  int groups = 0;
  while (i < s.size() && s[i] == ':') {
    ++i;
    std::size_t start = i;
    while (i < s.size() && isDigit(s[i]) && i - start < 2)
      ++i;
    std::size_t n = i - start;
    if (n == 0 || (n == 2 && s[start] > '5')) return false;
    ++groups;
  }
  if (groups == 0) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && (isDigit(s[i]) || s[i] == '_'))
      ++i;
  }
  return i == s.size();
}

std::optional<Value> resolveNumber(std::string_view in) {
  std::string plain;
  plain.reserve(in.size());
  for (char c : in) {
    if (c != '_') plain += c;
  }
  std::string_view digits = plain;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  std::uint64_t u = 0;
  IntParse r = digits.empty() || digits[0] == '+' || digits[0] == '-' ? IntParse::Invalid
                                                                      : parseGoUnsigned(digits, u);
  if (r == IntParse::Ok) {
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (!negative && u <= kMax) return Value(static_cast<std::int64_t>(u));
    if (negative && u <= kMax + 1) return Value(static_cast<std::int64_t>(0 - u));
    // Beyond int64: go-yaml gives uint64 (positive only); JSON consumers read it as float64.
    return Value(negative ? -static_cast<double>(u) : static_cast<double>(u));
  }
  if (isYamlStyleFloat(plain)) {
    double d = 0;
    auto [ptr, ec] =
        std::from_chars(plain.data() + (plain[0] == '+' ? 1 : 0), plain.data() + plain.size(), d);
    if (ptr == plain.data() + plain.size() &&
        (ec == std::errc() || ec == std::errc::result_out_of_range)) {
      return Value(d);
    }
  }
  return std::nullopt;
}

}  // namespace

Value resolvePlainScalar(std::string_view text, YamlSchema schema) {
  if (text.empty()) return Value();
  char c = text[0];
  if (isDigit(c) || c == '+' || c == '-' || c == '.') {
    if (oneOf(kPosInf, text)) return Value(std::numeric_limits<double>::infinity());
    if (oneOf(kNegInf, text)) return Value(-std::numeric_limits<double>::infinity());
    if (oneOf(kNaN, text)) return Value(std::numeric_limits<double>::quiet_NaN());
    if (isTimestamp(text)) return Value(text);
    if (auto n = resolveNumber(text)) return *std::move(n);
    return Value(text);
  }
  if (oneOf(kNull, text)) return Value();
  if (oneOf(kTrue, text)) return Value(true);
  if (oneOf(kFalse, text)) return Value(false);
  if (schema == YamlSchema::Kubernetes) {
    if (oneOf(kTrue11, text)) return Value(true);
    if (oneOf(kFalse11, text)) return Value(false);
  }
  return Value(text);
}

bool plainScalarNeedsQuotes(std::string_view text) {
  if (text.empty()) return true;
  if (isBase60Float(text) || isTimestamp(text)) return true;
  Value v = resolvePlainScalar(text, YamlSchema::Kubernetes);
  return !v.isString();
}

namespace {

// The shortest round-trip decimal digits of d and its decimal exponent (d = 0.DIGITS * 10^(exp+1)
// as in 1.2345e+exp), from the shortest scientific form.
struct ShortestDecimal {
  bool negative = false;
  std::string digits;
  int exp = 0;
};

ShortestDecimal shortestDecimal(double d) {
  std::array<char, 64> buf{};
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::scientific);
  std::string_view s(buf.data(), static_cast<std::size_t>(res.ptr - buf.data()));
  ShortestDecimal out;
  if (!s.empty() && s[0] == '-') {
    out.negative = true;
    s.remove_prefix(1);
  }
  auto epos = s.find('e');
  for (std::size_t i = 0; i < epos; ++i) {
    if (isDigit(s[i])) out.digits += s[i];
  }
  std::string_view e = s.substr(epos + 1);
  if (!e.empty() && e[0] == '+') e.remove_prefix(1);
  std::from_chars(e.data(), e.data() + e.size(), out.exp);
  return out;
}

std::string layoutExponent(const ShortestDecimal& sd) {
  std::string out = sd.negative ? "-" : "";
  out += sd.digits[0];
  if (sd.digits.size() > 1) {
    out += '.';
    out.append(sd.digits, 1);
  }
  out += 'e';
  out += sd.exp < 0 ? '-' : '+';
  int e = sd.exp < 0 ? -sd.exp : sd.exp;
  if (e < 10) out += '0';
  out += std::to_string(e);
  return out;
}

std::string layoutFixed(const ShortestDecimal& sd) {
  std::string out = sd.negative ? "-" : "";
  int point = sd.exp + 1;  // digits before the decimal point
  auto n = static_cast<int>(sd.digits.size());
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += sd.digits;
  } else if (point >= n) {
    out += sd.digits;
    out.append(static_cast<std::size_t>(point - n), '0');
  } else {
    out.append(sd.digits, 0, static_cast<std::size_t>(point));
    out += '.';
    out.append(sd.digits, static_cast<std::size_t>(point));
  }
  return out;
}

}  // namespace

std::string formatGoFloat(double d, char fmt) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  if (d == 0)
    return std::signbit(d) ? (fmt == 'e' ? "-0e+00" : "-0") : (fmt == 'e' ? "0e+00" : "0");
  ShortestDecimal sd = shortestDecimal(d);
  if (fmt == 'e') return layoutExponent(sd);
  // Go's shortest 'g' uses the exponent form when the decimal exponent is < -4 or >= 6.
  if (fmt == 'g') {
    constexpr int kExponentFrom = 6;
    if (sd.exp < -4 || sd.exp >= kExponentFrom) return layoutExponent(sd);
  }
  return layoutFixed(sd);
}

}  // namespace driftless::core
