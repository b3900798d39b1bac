#include "driftless/apiserver/structural_schema.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <string_view>
#include <utility>

#include "driftless/core/duration.h"
#include "driftless/core/error.h"
#include "driftless/core/go_format.h"
#include "driftless/core/json.h"
#include "driftless/core/scalar.h"

namespace driftless::apiserver {

namespace detail {

// One node of the schema: the structural part (properties, additionalProperties, items,
// default, nullable, extensions) used by pruning and defaulting, and the value validations of
// kube-openapi's SchemaValidator.
struct SchemaNode {
  std::vector<std::string> types;  // empty: no type; {"integer", "string"} for int-or-string
  bool nullable = false;
  std::string format;  // empty when kube strips it (StripUnsupportedFormatsPostProcessor)
  std::optional<double> maximum;
  std::optional<double> minimum;
  std::optional<double> multipleOf;
  bool exclusiveMaximum = false;
  bool exclusiveMinimum = false;
  std::optional<std::int64_t> maxLength;
  std::optional<std::int64_t> minLength;
  std::optional<std::int64_t> maxItems;
  std::optional<std::int64_t> minItems;
  std::optional<std::int64_t> maxProperties;
  std::optional<std::int64_t> minProperties;
  bool uniqueItems = false;
  std::string pattern;
  std::optional<std::regex> patternRegex;  // unset: no pattern, or one std::regex cannot compile
  std::vector<std::string> required;
  std::vector<core::Value> enumValues;
  std::optional<core::Value> defaultValue;  // a null default counts as none, as in kube
  std::vector<std::pair<std::string, std::unique_ptr<SchemaNode>>> properties;
  bool hasAdditionalProperties = false;
  bool additionalPropertiesAllowed = true;
  std::unique_ptr<SchemaNode> additionalProperties;  // null for a boolean additionalProperties
  std::unique_ptr<SchemaNode> items;
  std::vector<std::unique_ptr<SchemaNode>> allOf;
  std::vector<std::unique_ptr<SchemaNode>> anyOf;
  std::vector<std::unique_ptr<SchemaNode>> oneOf;
  std::unique_ptr<SchemaNode> notSchema;
  bool preserveUnknownFields = false;
  bool embeddedResource = false;
  std::string listType;
  std::vector<std::string> listMapKeys;

  [[nodiscard]] const SchemaNode* property(std::string_view name) const {
    for (const auto& [key, node] : properties)
      if (key == name) return node.get();
    return nullptr;
  }
  [[nodiscard]] bool hasType(std::string_view t) const {
    return std::find(types.begin(), types.end(), t) != types.end();
  }
};

}  // namespace detail

namespace {

using core::Value;
using detail::SchemaNode;

// ---- Go formatting: strconv.Quote, fmt %v of float64, json.Marshal ----

std::string goFloat(double d) {
  return core::formatGoFloat(d, 'g');
}

// Go's json.Marshal of an unstructured value: object keys sorted, HTML characters escaped.
std::string goJson(const Value& v) {
  return core::toJson(v, {.indent = 0, .escapeHtml = true, .sortKeys = true});
}

// How field.Error renders a bad value: %q for strings, %v for numbers and booleans, JSON else.
std::string goBadValue(const Value& v) {
  switch (v.type()) {
    case Value::Type::String:
      return core::goQuote(v.asString());
    case Value::Type::Int:
      return std::to_string(v.asInt());
    case Value::Type::Double:
      return goFloat(v.asDouble());
    case Value::Type::Bool:
      return v.asBool() ? "true" : "false";
    default:
      return goJson(v);
  }
}

// fmt %v of an unstructured value (only used in messages kube never shows, to deduplicate).
std::string goSprintV(const Value& v) {
  switch (v.type()) {
    case Value::Type::Null:
      return "<nil>";
    case Value::Type::String:
      return v.asString();
    case Value::Type::Double:
      return goFloat(v.asDouble());
    default:
      return goJson(v);
  }
}

// ---- Go number semantics ----

// Go's int64(f) as amd64 computes it (out of range gives the minimum).
std::int64_t goInt64(double f) {
  if (std::isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0)
    return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(f);
}

// go-openapi swag.IsFloat64AJSONInteger.
bool isFloat64AJsonInteger(double f) {
  constexpr double maxJsonFloat = 9007199254740991.0;  // 1<<53 - 1
  if (!std::isfinite(f) || f < -maxJsonFloat || f > maxJsonFloat) return false;
  if (f == std::trunc(f)) return true;
  if (f < 0) return false;  // Go's uint64(f) of a negative f is far away from f
  const double g = std::trunc(f);
  if (g == 0) return false;
  return (f - g) / std::min(f + g, std::numeric_limits<double>::max()) < 1e-9;
}

double asFloat64(const Value& v) {
  return v.isInt() ? static_cast<double>(v.asInt()) : v.isDouble() ? v.asDouble() : 0;
}

// ---- kube-openapi validation errors ----

enum class Code {
  InvalidType,
  Required,
  TooLong,
  TooShort,
  Pattern,
  Enum,
  MultipleOf,
  Maximum,
  Minimum,
  Unique,
  MaxItems,
  MinItems,
  TooFewProperties,
  TooManyProperties,
  PropertyNotAllowed,
  MultipleOfMustBePositive,
  Plain,  // not an errors.Validation: composite (anyOf...) and range-check errors
};

struct OpenApiError {
  Code code = Code::Plain;
  std::string name;  // the data path, `spec.url`
  Value value;       // Go nil is null
  std::int64_t valid = -1;
  std::string message;
  std::vector<Value> values;  // enum values
};

struct Result {
  std::vector<OpenApiError> errors;
  int matchCount = 0;

  [[nodiscard]] bool valid() const { return errors.empty(); }
  // Result.AddErrors: an error with the message of one already reported is dropped.
  void add(OpenApiError e) {
    for (const auto& existing : errors)
      if (existing.message == e.message) return;
    errors.push_back(std::move(e));
  }
  void merge(Result&& other) {
    for (auto& e : other.errors)
      add(std::move(e));
    matchCount += other.matchCount;
  }
};

OpenApiError makeError(Code code, const std::string& name, Value value, std::string message) {
  OpenApiError e;
  e.code = code;
  e.name = name;
  e.value = std::move(value);
  e.message = std::move(message);
  return e;
}

OpenApiError plainError(std::string message) {
  return makeError(Code::Plain, "", Value(), std::move(message));
}

// errors.InvalidType with a string value: `<path> in body must be of type <type>: "<value>"`.
OpenApiError invalidType(const std::string& path, const std::string& typeName,
                         const std::string& value) {
  return makeError(Code::InvalidType, path, Value(value),
                   path + " in body must be of type " + typeName + ": " + core::goQuote(value));
}

std::string joined(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// ---- regular expressions ----

// libstdc++ matches ECMAScript regexes depth-first, recursing once per input character: a long
// string overflows the stack. Its __polynomial extension selects the breadth-first (Thompson)
// executor instead, whose time is polynomial and whose recursion is bounded by the pattern,
// like RE2. Patterns with backreferences are rejected then, as Go's regexp rejects them.
#if defined(__GLIBCXX__)
constexpr auto regexFlags = std::regex::ECMAScript | std::regex_constants::__polynomial;
#else
constexpr auto regexFlags = std::regex::ECMAScript;
#endif

std::regex makeRegex(const char* pattern, bool icase = false) {
  return std::regex(pattern, icase ? regexFlags | std::regex::icase : regexFlags);
}

// ---- formats ----

bool isDate(std::string_view s) {
  // time.Parse("2006-01-02", s)
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  const auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i)
      v = v * 10 + (s[i] - '0');
    return v;
  };
  const int year = num(0, 4);
  const int month = num(5, 2);
  const int day = num(8, 2);
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = days[month - 1];
  if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) max = 29;
  return day <= max;
}

bool isDateTime(std::string_view str) {
  // strfmt.IsDateTime: split the lowercased string at "t", a full-date before, a time after.
  if (str.size() < 4) return false;
  std::string lower(str);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t t = lower.find('t');
  if (t == std::string::npos || !isDate(std::string_view(lower).substr(0, t))) return false;
  const std::size_t next = lower.find('t', t + 1);
  const std::string time =
      lower.substr(t + 1, next == std::string::npos ? std::string::npos : next - t - 1);
  static const std::regex rx =
      makeRegex(R"(^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$)");
  std::smatch m;
  if (!std::regex_search(time, m, rx)) return false;
  return m[1].str() <= "23" && m[2].str() <= "59" && m[3].str() <= "59";
}

bool matches(const std::string& s, const char* pattern) {
  return std::regex_search(s, makeRegex(pattern));
}

// strfmt.ParseDuration: Go's time.ParseDuration, else `<n> <unit>` words (`3 days`, `1 hr`).
bool isFuzzyDuration(const std::string& s) {
  if (core::tryParseDuration(s)) return true;
  static const std::vector<std::vector<std::string>> units = {
      {"ns", "nano"}, {"us", "\xC2\xB5s", "micro"}, {"ms", "milli"}, {"s", "sec"},
      {"m", "min"},   {"h", "hr", "hour"},          {"d", "day"},    {"w", "wk", "week"}};
  static const std::regex rx = makeRegex("([0-9]+)\\s*([A-Za-z\xC2\xB5]+)");
  bool ok = false;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), rx); it != std::sregex_iterator(); ++it) {
    const std::string digits = (*it)[1].str();
    std::int64_t factor = 0;
    const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), factor);
    if (parsed.ec != std::errc()) return false;  // strconv.Atoi overflow
    std::string unit = (*it)[2].str();
    std::transform(unit.begin(), unit.end(), unit.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& variants : units) {
      for (std::size_t i = 0; i < variants.size(); ++i) {
        const bool last = i + 1 == variants.size();
        if ((last && unit.rfind(variants[i], 0) == 0) || unit == variants[i]) ok = true;
      }
    }
  }
  return ok;
}

bool isIsbn10(const std::string& s) {
  if (!matches(s, "^(?:[0-9]{9}X|[0-9]{10})$")) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i)
    sum += (i + 1) * (s[static_cast<std::size_t>(i)] - '0');
  sum += s[9] == 'X' ? 100 : 10 * (s[9] - '0');
  return sum % 11 == 0;
}

bool isIsbn13(const std::string& raw) {
  std::string s;
  for (char c : raw)
    if (c != ' ' && c != '-') s += c;
  if (!matches(s, "^(?:[0-9]{13})$")) return false;
  int sum = 0;
  for (std::size_t i = 0; i < 12; ++i)
    sum += (s[i] - '0') * (i % 2 == 0 ? 1 : 3);
  return (10 - sum % 10) % 10 == s[12] - '0';
}

bool isIsbn10Sanitized(const std::string& raw) {
  std::string s;
  for (char c : raw)
    if (c != ' ' && c != '-') s += c;
  return isIsbn10(s);
}

bool isIpv4(const std::string& s) {
  // netutils.ParseIPSloppy(s) != nil && contains "." (leading zeros allowed); an IPv6 form with
  // an embedded IPv4 address is accepted unchecked.
  if (s.find(':') != std::string::npos) return true;
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t j = i;
    int v = 0;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9' && j - i < 3)
      v = v * 10 + (s[j++] - '0');
    if (j == i || v > 255) return false;
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4;
}

// The strfmt.Default validator for a format kube keeps (normalized: dashes removed).
bool formatValidates(const std::string& normalized, const std::string& s) {
  static const std::regex uuid =
      makeRegex("^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", true);
  static const std::regex uuid3 =
      makeRegex("^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$", true);
  static const std::regex uuid4 =
      makeRegex("^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$", true);
  static const std::regex uuid5 =
      makeRegex("^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$", true);
  static const std::regex base64 =
      makeRegex("^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$");
  static const std::regex shortName = makeRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  static const std::regex longName =
      makeRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  if (normalized == "datetime") return isDateTime(s);
  if (normalized == "date") return isDate(s);
  if (normalized == "duration") return isFuzzyDuration(s);
  if (normalized == "uuid") return std::regex_search(s, uuid);
  if (normalized == "uuid3") return std::regex_search(s, uuid3);
  if (normalized == "uuid4") return std::regex_search(s, uuid4);
  if (normalized == "uuid5") return std::regex_search(s, uuid5);
  if (normalized == "byte") return std::regex_search(s, base64);
  if (normalized == "hexcolor") return matches(s, "^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$");
  if (normalized == "rgbcolor") {
    return matches(s,
                   "^rgb\\(\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*,\\s*(0|[1-9]\\d?|"
                   "1\\d\\d?|2[0-4]\\d|25[0-5])\\s*,\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])"
                   "\\s*\\)$");
  }
  if (normalized == "ssn") return s.size() == 11 && matches(s, "^\\d{3}[- ]?\\d{2}[- ]?\\d{4}$");
  if (normalized == "isbn10") return isIsbn10Sanitized(s);
  if (normalized == "isbn13") return isIsbn13(s);
  if (normalized == "isbn") return isIsbn10Sanitized(s) || isIsbn13(s);
  if (normalized == "k8sshortname") return s.size() <= 63 && std::regex_search(s, shortName);
  if (normalized == "k8slongname") return s.size() <= 253 && std::regex_search(s, longName);
  if (normalized == "ipv4") return isIpv4(s);
  return true;  // password, and the formats not checked here (see the header)
}

std::string normalizeFormat(const std::string& format) {
  std::string out;
  for (char c : format)
    if (c != '-') out += c;
  return out;
}

// StripUnsupportedFormatsPostProcessorForVersion at 1.36: the formats kube validates.
std::string keptFormat(const std::string& format, const std::vector<std::string>& types) {
  static const char* const stringFormats[] = {
      "bsonobjectid", "uri",        "email",    "hostname",     "ipv4",       "ipv6", "cidr",
      "mac",          "uuid",       "uuid3",    "uuid4",        "uuid5",      "isbn", "isbn10",
      "isbn13",       "creditcard", "ssn",      "hexcolor",     "rgbcolor",   "byte", "password",
      "date",         "duration",   "datetime", "k8sshortname", "k8slongname"};
  if (format.empty()) return format;
  const std::string type = types.size() == 1 ? types.front() : std::string();
  if (type.empty() || type == "string") {
    const std::string normalized = normalizeFormat(format);
    for (const char* f : stringFormats)
      if (normalized == f) return format;
    return {};
  }
  if (type == "integer") return format == "int32" || format == "int64" ? format : std::string();
  if (type == "number") return format == "float" || format == "double" ? format : std::string();
  return {};
}

// ---- Go RE2 patterns in std::regex ----

std::optional<std::regex> compileGoRegex(const std::string& pattern) {
  std::string p = pattern;
  auto flags = regexFlags;
  if (p.rfind("(?i)", 0) == 0) {
    flags |= std::regex::icase;
    p.erase(0, 4);
  }
  std::string out;
  bool inClass = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return std::nullopt;
      const char n = p[i + 1];
      if (!inClass && n == 'A') {
        out += '^';
      } else if (!inClass && n == 'z') {
        out += '$';
      } else if (n == 'p' || n == 'P' || n == 'Q' || n == 'E' || n == 'C' || n == 'z' || n == 'A' ||
                 (n == 'x' && i + 2 < p.size() && p[i + 2] == '{')) {
        return std::nullopt;
      } else {
        out += c;
        out += n;
      }
      ++i;
      continue;
    }
    if (inClass) {
      if (c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
        const std::size_t end = p.find(":]", i + 2);
        if (end == std::string::npos) return std::nullopt;
        out.append(p, i, end + 2 - i);
        i = end + 1;
        continue;
      }
      if (c == ']') inClass = false;
      out += c;
      continue;
    }
    if (c == '[') {
      inClass = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') {
        out += '^';
        ++i;
      }
      if (i + 1 < p.size() && p[i + 1] == ']') {  // a leading ] is literal in RE2
        out += "\\]";
        ++i;
      }
      continue;
    }
    if (c == '(' && i + 1 < p.size() && p[i + 1] == '?') {
      if (p.compare(i, 3, "(?:") == 0) {
        out += "(?:";
        i += 2;
        continue;
      }
      if (p.compare(i, 4, "(?P<") == 0 ||
          (p.compare(i, 3, "(?<") == 0 && i + 3 < p.size() && p[i + 3] != '=' && p[i + 3] != '!')) {
        const std::size_t end = p.find('>', i);
        if (end == std::string::npos) return std::nullopt;
        out += '(';
        i = end;
        continue;
      }
      return std::nullopt;  // inline flags and lookarounds
    }
    out += c;
  }
  try {
    return std::regex(out, flags);
  } catch (const std::regex_error&) {
    return std::nullopt;
  }
}

// ---- parsing the schema ----

std::optional<std::int64_t> intKeyword(const Value& v, std::string_view key) {
  const Value* x = v.find(key);
  if (x == nullptr || !x->isNumber()) return std::nullopt;
  return x->isInt() ? x->asInt() : goInt64(x->asDouble());
}

std::optional<double> numberKeyword(const Value& v, std::string_view key) {
  const Value* x = v.find(key);
  if (x == nullptr || !x->isNumber()) return std::nullopt;
  return asFloat64(*x);
}

bool boolKeyword(const Value& v, std::string_view key) {
  const Value* x = v.find(key);
  return x != nullptr && x->isBool() && x->asBool();
}

std::string stringKeyword(const Value& v, std::string_view key) {
  const Value* x = v.find(key);
  return x != nullptr && x->isString() ? x->asString() : std::string();
}

std::unique_ptr<SchemaNode> parseNode(const Value& v, const std::string& where,
                                      std::vector<std::string>& unsupported) {
  auto node = std::make_unique<SchemaNode>();
  if (!v.isObject()) return node;
  const std::string type = stringKeyword(v, "type");
  if (!type.empty()) node->types.push_back(type);
  if (boolKeyword(v, "x-kubernetes-int-or-string")) node->types = {"integer", "string"};
  node->nullable = boolKeyword(v, "nullable");
  node->format = keptFormat(stringKeyword(v, "format"), node->types);
  node->maximum = numberKeyword(v, "maximum");
  node->minimum = numberKeyword(v, "minimum");
  node->multipleOf = numberKeyword(v, "multipleOf");
  node->exclusiveMaximum = boolKeyword(v, "exclusiveMaximum");
  node->exclusiveMinimum = boolKeyword(v, "exclusiveMinimum");
  node->maxLength = intKeyword(v, "maxLength");
  node->minLength = intKeyword(v, "minLength");
  node->maxItems = intKeyword(v, "maxItems");
  node->minItems = intKeyword(v, "minItems");
  node->maxProperties = intKeyword(v, "maxProperties");
  node->minProperties = intKeyword(v, "minProperties");
  node->uniqueItems = boolKeyword(v, "uniqueItems");
  node->pattern = stringKeyword(v, "pattern");
  if (!node->pattern.empty()) {
    node->patternRegex = compileGoRegex(node->pattern);
    if (!node->patternRegex)
      unsupported.push_back((where.empty() ? std::string("<root>") : where) + ": " + node->pattern);
  }
  if (const Value* required = v.find("required"); required != nullptr && required->isArray()) {
    for (const auto& r : required->asArray())
      if (r.isString()) node->required.push_back(r.asString());
  }
  if (const Value* e = v.find("enum"); e != nullptr && e->isArray())
    node->enumValues = e->asArray();
  if (const Value* d = v.find("default"); d != nullptr && !d->isNull()) node->defaultValue = *d;
  if (const Value* props = v.find("properties"); props != nullptr && props->isObject()) {
    for (const auto& m : props->asObject()) {
      node->properties.emplace_back(
          m.key, parseNode(m.value, where.empty() ? m.key : where + "." + m.key, unsupported));
    }
  }
  if (const Value* ap = v.find("additionalProperties"); ap != nullptr) {
    if (ap->isBool()) {
      node->hasAdditionalProperties = true;
      node->additionalPropertiesAllowed = ap->asBool();
    } else if (ap->isObject()) {
      node->hasAdditionalProperties = true;
      node->additionalProperties = parseNode(*ap, where + "[*]", unsupported);
    }
  }
  if (const Value* items = v.find("items"); items != nullptr && items->isObject())
    node->items = parseNode(*items, where + "[*]", unsupported);
  const auto parseList = [&](std::string_view key, std::vector<std::unique_ptr<SchemaNode>>& out) {
    if (const Value* list = v.find(key); list != nullptr && list->isArray()) {
      for (const auto& s : list->asArray())
        out.push_back(parseNode(s, where, unsupported));
    }
  };
  parseList("allOf", node->allOf);
  parseList("anyOf", node->anyOf);
  parseList("oneOf", node->oneOf);
  if (const Value* n = v.find("not"); n != nullptr && n->isObject())
    node->notSchema = parseNode(*n, where, unsupported);
  node->preserveUnknownFields = boolKeyword(v, "x-kubernetes-preserve-unknown-fields");
  node->embeddedResource = boolKeyword(v, "x-kubernetes-embedded-resource");
  node->listType = stringKeyword(v, "x-kubernetes-list-type");
  if (const Value* keys = v.find("x-kubernetes-list-map-keys");
      keys != nullptr && keys->isArray()) {
    for (const auto& k : keys->asArray())
      if (k.isString()) node->listMapKeys.push_back(k.asString());
  }
  return node;
}

// ---- validation (kube-openapi's SchemaValidator) ----

Result validateSchema(const SchemaNode& s, const Value& data, const std::string& path);

// The JSON type and format kube-openapi infers from an unstructured value.
std::pair<std::string, std::string> schemaInfo(const Value& data) {
  switch (data.type()) {
    case Value::Type::Bool:
      return {"boolean", ""};
    case Value::Type::Int:
      return {"integer", "int64"};
    case Value::Type::Double:
      return {"number", "float64"};
    case Value::Type::String:
      return {"string", ""};
    case Value::Type::Array:
      return {"array", ""};
    case Value::Type::Object:
      return {"object", ""};
    case Value::Type::Null:
      break;
  }
  return {"", ""};
}

Result validateType(const SchemaNode& s, const Value& data, const std::string& path) {
  Result r;
  if (data.isNull()) {
    if (!s.types.empty() && !s.hasType("null") && !s.nullable)
      r.add(invalidType(path, joined(s.types, ","), "null"));
    else
      r.matchCount = 1;
    return r;
  }
  const auto [schType, format] = schemaInfo(data);
  const bool isFloatInt =
      schType == "number" && isFloat64AJsonInteger(data.asDouble()) && s.hasType("integer");
  const bool isIntFloat = schType == "integer" && s.hasType("number");
  const bool stringOrSlice = data.isString() || data.isArray();
  if (!stringOrSlice && !s.format.empty() &&
      !(s.hasType(schType) || format == s.format || isFloatInt || isIntFloat)) {
    r.add(invalidType(path, s.format, format));
    return r;
  }
  if (!(s.hasType("number") || s.hasType("integer")) && !s.format.empty() && stringOrSlice) {
    r.matchCount = 1;
    return r;
  }
  if (!(s.hasType(schType) || isFloatInt || isIntFloat)) {
    r.add(invalidType(path, joined(s.types, ","), schType));
    return r;
  }
  r.matchCount = 1;
  return r;
}

Result validateSchemaProps(const SchemaNode& s, const Value& data, const std::string& path) {
  Result main;
  if (!s.anyOf.empty()) {
    std::optional<Result> best;
    std::optional<Result> firstSuccess;
    for (const auto& branch : s.anyOf) {
      Result r = validateSchema(*branch, data, path);
      if (r.valid()) {
        best.reset();
        firstSuccess = std::move(r);
        break;
      }
      if (!best || r.matchCount > best->matchCount) best = std::move(r);
    }
    if (!firstSuccess)
      main.add(plainError(core::goQuote(path) + " must validate at least one schema (anyOf)"));
    if (best)
      main.merge(std::move(*best));
    else if (firstSuccess)
      main.merge(std::move(*firstSuccess));
  }
  if (!s.oneOf.empty()) {
    std::optional<Result> best;
    std::optional<Result> firstSuccess;
    int validated = 0;
    for (const auto& branch : s.oneOf) {
      Result r = validateSchema(*branch, data, path);
      if (r.valid()) {
        ++validated;
        best.reset();
        if (!firstSuccess) firstSuccess = std::move(r);
        continue;
      }
      if (validated == 0 && (!best || r.matchCount > best->matchCount)) best = std::move(r);
    }
    if (validated != 1) {
      const std::string additional =
          validated == 0 ? "Found none valid"
                         : "Found " + std::to_string(validated) + " valid alternatives";
      main.add(plainError(core::goQuote(path) + " must validate one and only one schema (oneOf). " +
                          additional));
      if (best) main.merge(std::move(*best));
    } else if (firstSuccess) {
      main.merge(std::move(*firstSuccess));
    }
  }
  if (!s.allOf.empty()) {
    std::size_t validated = 0;
    for (const auto& branch : s.allOf) {
      Result r = validateSchema(*branch, data, path);
      if (r.valid()) ++validated;
      main.merge(std::move(r));
    }
    if (validated != s.allOf.size()) {
      main.add(plainError(core::goQuote(path) + " must validate all the schemas (allOf)" +
                          (validated == 0 ? ". None validated" : "")));
    }
  }
  if (s.notSchema && validateSchema(*s.notSchema, data, path).valid())
    main.add(plainError(core::goQuote(path) + " must not validate the schema (not)"));
  ++main.matchCount;
  return main;
}

Result validateString(const SchemaNode& s, const std::string& data, const std::string& path) {
  Result r;
  const std::int64_t length = s.maxLength || s.minLength ? core::runeCount(data) : std::int64_t{0};
  if (s.maxLength && length > *s.maxLength) {
    OpenApiError e = makeError(
        Code::TooLong, path, Value(data),
        path + " in body should be at most " + std::to_string(*s.maxLength) + " chars long");
    e.valid = *s.maxLength;
    r.add(std::move(e));
    return r;
  }
  if (s.minLength && length < *s.minLength) {
    OpenApiError e = makeError(
        Code::TooShort, path, Value(data),
        path + " in body should be at least " + std::to_string(*s.minLength) + " chars long");
    e.valid = *s.minLength;
    r.add(std::move(e));
    return r;
  }
  if (s.patternRegex) {
    bool matched = true;
    try {
      matched = std::regex_search(data, *s.patternRegex);
    } catch (const std::regex_error&) {
      matched = true;  // too complex for std::regex: not checked
    }
    if (!matched) {
      r.add(makeError(Code::Pattern, path, Value(data),
                      path + " in body should match '" + s.pattern + "'"));
    }
  }
  return r;
}

// IsValueValidAgainstRange: whether a number fits the type and format of the schema.
bool inRange(const Value& v, const std::string& typeName, const std::string& format) {
  if (typeName == "integer") {
    if (v.isDouble()) {
      // strconv.ParseInt of strconv.FormatFloat(v, 'f', -1, 64)
      const double d = v.asDouble();
      if (d != std::trunc(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
        return false;
      if (format != "int32") return true;
    }
    if (format == "int32") {
      const double d = asFloat64(v);
      return d >= -2147483648.0 && d <= 2147483647.0;
    }
    return true;
  }
  if (format == "float") {
    // strconv.ParseFloat(_, 32) fails when the value rounds to an infinity
    return std::fabs(asFloat64(v)) < 3.4028235677973366e38;
  }
  return true;
}

std::string rangeMessage(const std::string& prefix, const std::string& typeName,
                         const std::string& format, const std::string& path) {
  if (!format.empty())
    return prefix + " value must be of type " + typeName + " with format " + format + " in " + path;
  return prefix + " value must be of type " + typeName + " (default format) in " + path;
}

Result validateNumber(const SchemaNode& s, const Value& data, const std::string& path) {
  Result r;
  std::string typeName;
  std::string format;
  if (s.types.size() == 1) {
    if (s.types[0] == "integer") {
      typeName = "integer";
      if (s.format == "int32" || s.format == "int64") format = s.format;
    } else if (s.types[0] == "number") {
      typeName = "number";
      if (s.format == "float" || s.format == "double") format = s.format;
    }
  }
  if (!inRange(data, typeName, format))
    r.add(plainError(rangeMessage("Checked", typeName, format, path)));

  const double asFloat = asFloat64(data);
  Result multiple;
  Result minimum;
  Result maximum;
  if (s.multipleOf) {
    const double factor = *s.multipleOf;
    const bool native = inRange(Value(factor), typeName, format);
    if (!native) multiple.add(plainError(rangeMessage("MultipleOf", typeName, format, path)));
    if (native && data.isInt()) {
      const std::int64_t f = goInt64(factor);
      if (f <= 0) {
        multiple.add(makeError(
            Code::MultipleOfMustBePositive, path, Value(f),
            "factor MultipleOf declared for " + path + " must be positive: " + std::to_string(f)));
      } else if (data.asInt() % f != 0) {
        multiple.add(makeError(Code::MultipleOf, path, data,
                               path + " in body should be a multiple of " + std::to_string(f)));
      }
    } else if (factor <= 0) {
      multiple.add(makeError(
          Code::MultipleOfMustBePositive, path, Value(factor),
          "factor MultipleOf declared for " + path + " must be positive: " + goFloat(factor)));
    } else {
      const double mult = factor < 1 ? 1 / factor * asFloat : asFloat / factor;
      if (!isFloat64AJsonInteger(mult)) {
        multiple.add(makeError(Code::MultipleOf, path, native ? data : Value(asFloat),
                               path + " in body should be a multiple of " + goFloat(factor)));
      }
    }
  }
  const auto bound = [&](const std::optional<double>& limit, bool exclusive, bool isMax,
                         Result& out) {
    if (!limit) return;
    const bool native = inRange(Value(*limit), typeName, format);
    if (!native) {
      out.add(plainError(
          rangeMessage(isMax ? "Maximum boundary" : "Minimum boundary", typeName, format, path)));
    }
    bool failed = false;
    std::string shown;
    if (native && data.isInt()) {
      const std::int64_t l = goInt64(*limit);
      const std::int64_t d = data.asInt();
      failed = isMax ? (exclusive ? d >= l : d > l) : (exclusive ? d <= l : d < l);
      shown = std::to_string(l);
    } else {
      failed = isMax ? (exclusive ? asFloat >= *limit : asFloat > *limit)
                     : (exclusive ? asFloat <= *limit : asFloat < *limit);
      shown = goFloat(*limit);
    }
    if (!failed) return;
    std::string relation = isMax ? "less than" : "greater than";
    if (!exclusive) relation += " or equal to";
    out.add(makeError(isMax ? Code::Maximum : Code::Minimum, path, native ? data : Value(asFloat),
                      path + " in body should be " + relation + " " + shown));
  };
  bound(s.minimum, s.exclusiveMinimum, false, minimum);
  bound(s.maximum, s.exclusiveMaximum, true, maximum);
  r.merge(std::move(multiple));
  r.merge(std::move(minimum));
  r.merge(std::move(maximum));
  ++r.matchCount;
  return r;
}

// Go's string(rune(i)) for an int64.
std::string runeString(std::int64_t i) {
  std::string out;
  core::appendUtf8Rune(out, i < 0 || i > 0x10FFFF ? 0xFFFD : static_cast<std::uint32_t>(i));
  return out;
}

// basicCommonValidator: data converted to the enum value's Go type when convertible, then
// compared with reflect.DeepEqual.
bool enumMatches(const Value& data, const Value& enumValue) {
  switch (enumValue.type()) {
    case Value::Type::Null:
      return false;
    case Value::Type::String:
      if (data.isString()) return data.asString() == enumValue.asString();
      if (data.isInt()) return runeString(data.asInt()) == enumValue.asString();
      return false;
    case Value::Type::Int:
      if (data.isInt()) return data.asInt() == enumValue.asInt();
      if (data.isDouble()) return goInt64(data.asDouble()) == enumValue.asInt();
      return false;
    case Value::Type::Double:
      if (data.isNumber()) return asFloat64(data) == enumValue.asDouble();
      return false;
    default:
      return core::strictlyEqual(data, enumValue);
  }
}

Result validateEnum(const SchemaNode& s, const Value& data, const std::string& path) {
  Result r;
  if (s.enumValues.empty()) return r;
  for (const auto& e : s.enumValues)
    if (!data.isNull() && enumMatches(data, e)) return r;
  std::string list = "[";
  for (std::size_t i = 0; i < s.enumValues.size(); ++i) {
    if (i > 0) list += ' ';
    list += goSprintV(s.enumValues[i]);
  }
  list += ']';
  OpenApiError e = makeError(Code::Enum, path, data, path + " in body should be one of " + list);
  e.values = s.enumValues;
  r.add(std::move(e));
  return r;
}

Result validateArray(const SchemaNode& s, const core::Array& data, const std::string& path) {
  Result r;
  if (s.items) {
    for (std::size_t i = 0; i < data.size(); ++i)
      r.merge(validateSchema(*s.items, data[i], path + "[" + std::to_string(i) + "]"));
  }
  const auto size = static_cast<std::int64_t>(data.size());
  if (s.minItems && size < *s.minItems) {
    OpenApiError e =
        makeError(Code::MinItems, path, Value(size),
                  path + " in body should have at least " + std::to_string(*s.minItems) + " items");
    e.valid = *s.minItems;
    r.add(std::move(e));
  }
  if (s.maxItems && size > *s.maxItems) {
    OpenApiError e =
        makeError(Code::MaxItems, path, Value(size),
                  path + " in body should have at most " + std::to_string(*s.maxItems) + " items");
    e.valid = *s.maxItems;
    r.add(std::move(e));
  }
  if (s.uniqueItems) {
    bool duplicate = false;
    for (std::size_t i = 0; i < data.size() && !duplicate; ++i)
      for (std::size_t j = 0; j < i && !duplicate; ++j)
        duplicate = core::strictlyEqual(data[i], data[j]);
    if (duplicate)
      r.add(makeError(Code::Unique, path, Value(), path + " in body shouldn't contain duplicates"));
  }
  ++r.matchCount;
  return r;
}

Result validateObject(const SchemaNode& s, const core::Object& data, const std::string& path) {
  Result r;
  const auto numKeys = static_cast<std::int64_t>(data.size());
  if (s.minProperties && numKeys < *s.minProperties) {
    OpenApiError e = makeError(
        Code::TooFewProperties, path, Value(numKeys),
        path + " in body should have at least " + std::to_string(*s.minProperties) + " properties");
    e.valid = *s.minProperties;
    r.add(std::move(e));
  }
  if (s.maxProperties && numKeys > *s.maxProperties) {
    OpenApiError e = makeError(
        Code::TooManyProperties, path, Value(numKeys),
        path + " in body should have at most " + std::to_string(*s.maxProperties) + " properties");
    e.valid = *s.maxProperties;
    r.add(std::move(e));
  }
  if (s.hasAdditionalProperties && !s.additionalPropertiesAllowed) {
    for (const auto& m : data) {
      if (s.property(m.key) == nullptr) {
        r.add(makeError(Code::PropertyNotAllowed, path, Value(m.key),
                        path + "." + m.key + " in body is a forbidden property"));
      }
    }
  } else if (s.additionalProperties) {
    for (const auto& m : data) {
      if (s.property(m.key) == nullptr)
        r.merge(validateSchema(*s.additionalProperties, m.value, path + "." + m.key));
    }
  }
  for (const auto& m : data) {
    if (const SchemaNode* prop = s.property(m.key))
      r.merge(validateSchema(*prop, m.value, path.empty() ? m.key : path + "." + m.key));
  }
  for (const auto& k : s.required) {
    if (!data.contains(k))
      r.add(makeError(Code::Required, path + "." + k, Value(),
                      path + "." + k + " in body is required"));
  }
  return r;
}

Result validateSchema(const SchemaNode& s, const Value& data, const std::string& path) {
  Result result;
  const bool typeApplies = !s.types.empty() || !s.format.empty();
  if (data.isNull()) {
    result.merge(validateType(s, data, path));
    result.merge(validateEnum(s, data, path));
    return result;
  }
  const auto step = [&](Result&& r) {
    result.merge(std::move(r));
    ++result.matchCount;
  };
  if (typeApplies) step(validateType(s, data, path));
  step(validateSchemaProps(s, data, path));
  if (data.isString()) {
    step(validateString(s, data.asString(), path));
    if (!s.format.empty()) {
      Result r;
      if (!formatValidates(normalizeFormat(s.format), data.asString()))
        r.add(invalidType(path, s.format, data.asString()));
      step(std::move(r));
    }
  }
  if (data.isNumber()) step(validateNumber(s, data, path));
  if (data.isArray()) step(validateArray(s, data.asArray(), path));
  step(validateEnum(s, data, path));
  if (data.isObject()) step(validateObject(s, data.asObject(), path));
  ++result.matchCount;
  return result;
}

// kubeOpenAPIResultToFieldErrors (apiextensions-apiserver pkg/apiserver/validation).
// fieldPath is the field.Path the validation ran under: empty (nil) for the whole object,
// `status` for status updates.
SchemaCause toCause(const OpenApiError& e, const std::string& fieldPath) {
  const std::string base = fieldPath.empty() ? std::string("<nil>") : fieldPath;
  if (e.code == Code::Plain)
    return {"FieldValueInvalid", base, "Invalid value: \"\": " + e.message};
  std::string field = e.name;
  if (field.empty() || field == ".") {
    field = base;
  } else {
    if (field.front() == '.') field.erase(0, 1);
    if (!fieldPath.empty()) field = fieldPath + "." + field;
  }
  const std::string value = goBadValue(e.value.isNull() ? Value("") : e.value);
  switch (e.code) {
    case Code::Required:
      return {"FieldValueRequired", field, "Required value"};
    case Code::Enum: {
      std::string message = "Unsupported value: " + goBadValue(e.value);
      std::vector<std::string> quoted;
      for (const auto& v : e.values)
        quoted.push_back(core::goQuote(v.isString() ? v.asString() : goJson(v)));
      if (!quoted.empty()) message += ": supported values: " + joined(quoted, ", ");
      return {"FieldValueNotSupported", field, message};
    }
    case Code::TooLong: {
      std::string detail = e.valid >= 0 ? "may not be more than " + std::to_string(e.valid) +
                                              (e.valid == 1 ? " byte" : " bytes")
                                        : "value is too long";
      return {"FieldValueTooLong", field, "Too long: " + detail};
    }
    case Code::MaxItems:
    case Code::TooManyProperties: {
      const std::int64_t actual = e.value.isInt() ? e.value.asInt() : -1;
      std::string message = "Too many";
      if (actual >= 0) message += ": " + std::to_string(actual);
      message += e.valid >= 0 ? ": must have at most " + std::to_string(e.valid) +
                                    (e.valid == 1 ? " item" : " items")
                              : ": has too many items";
      return {"FieldValueTooMany", field, message};
    }
    case Code::InvalidType:
      return {"FieldValueTypeInvalid", field, "Invalid value: " + value + ": " + e.message};
    default:
      return {"FieldValueInvalid", field, "Invalid value: " + value + ": " + e.message};
  }
}

// ---- field.Path strings ----

std::string childPath(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}
std::string keyPath(const std::string& parent, const std::string& key) {
  return parent + "[" + key + "]";
}
std::string indexPath(const std::string& parent, std::size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

SchemaCause invalidCause(const std::string& field, const Value& value, const std::string& detail) {
  return {"FieldValueInvalid", field, "Invalid value: " + goBadValue(value) + ": " + detail};
}

// ---- embedded resources (schema/objectmeta/validation.go) ----

std::vector<std::string> dns1035LabelErrors(const std::string& value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.emplace_back("must be no more than 63 characters");
  static const std::regex rx = makeRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$");
  if (!std::regex_search(value, rx)) {
    errs.emplace_back(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
        "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
        "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
  }
  return errs;
}

void validateEmbeddedResource(const std::string& pth, const core::Object& x,
                              std::vector<SchemaCause>& out) {
  if (!x.contains("apiVersion"))
    out.push_back({"FieldValueRequired", childPath(pth, "apiVersion"), "Required value"});
  if (!x.contains("kind"))
    out.push_back({"FieldValueRequired", childPath(pth, "kind"), "Required value"});
  for (const auto& m : x) {
    const std::string field = childPath(pth, m.key);
    if (m.key == "apiVersion") {
      if (!m.value.isString()) {
        out.push_back(invalidCause(field, m.value, "must be a string"));
      } else if (m.value.asString().empty()) {
        out.push_back(invalidCause(field, m.value, "must not be empty"));
      } else if (std::count(m.value.asString().begin(), m.value.asString().end(), '/') > 1) {
        out.push_back(
            invalidCause(field, m.value, "unexpected GroupVersion string: " + m.value.asString()));
      }
    } else if (m.key == "kind") {
      if (!m.value.isString()) {
        out.push_back(invalidCause(field, m.value, "must be a string"));
      } else if (m.value.asString().empty()) {
        out.push_back(invalidCause(field, m.value, "must not be empty"));
      } else {
        std::string lower = m.value.asString();
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const auto errs = dns1035LabelErrors(lower);
        if (!errs.empty()) {
          out.push_back(invalidCause(
              field, m.value,
              "may have mixed case, but should otherwise match: " + joined(errs, ",")));
        }
      }
    } else if (m.key == "metadata" && !m.value.isObject() && !m.value.isNull()) {
      const char* jsonType = m.value.isString()  ? "string"
                             : m.value.isArray() ? "array"
                             : m.value.isBool()  ? "bool"
                                                 : "number";
      out.push_back(invalidCause(field, m.value,
                                 std::string("json: cannot unmarshal ") + jsonType +
                                     " into Go value of type v1.ObjectMeta"));
    }
  }
}

void validateEmbedded(const Value& x, const SchemaNode* s, const std::string& pth,
                      std::vector<SchemaCause>& out) {
  if (s == nullptr) return;
  if (x.isObject()) {
    if (s->embeddedResource) validateEmbeddedResource(pth, x.asObject(), out);
    for (const auto& m : x.asObject()) {
      if (const SchemaNode* prop = s->property(m.key))
        validateEmbedded(m.value, prop, childPath(pth, m.key), out);
      else if (s->hasAdditionalProperties)
        validateEmbedded(m.value, s->additionalProperties.get(), keyPath(pth, m.key), out);
    }
  } else if (x.isArray()) {
    const auto& arr = x.asArray();
    for (std::size_t i = 0; i < arr.size(); ++i)
      validateEmbedded(arr[i], s->items.get(), indexPath(pth, i), out);
  }
}

// ---- x-kubernetes-list-type (schema/listtype/validation.go) ----

// The identity Go gives a list element: scalars compare with ==, compound values by their JSON.
std::string setKey(const Value& v) {
  switch (v.type()) {
    case Value::Type::Null:
      return "n";
    case Value::Type::Bool:
      return v.asBool() ? "b1" : "b0";
    case Value::Type::Int:
      return "i" + std::to_string(v.asInt());
    case Value::Type::Double:
      return v.asDouble() == 0 ? "d0" : "d" + core::formatJsonNumber(v.asDouble());
    case Value::Type::String:
      return "s" + v.asString();
    default:
      return "c" + goJson(v);
  }
}

// Indices of the second appearance of each non-unique key.
std::vector<std::size_t> nonUniqueIndices(const std::vector<std::string>& keys) {
  std::map<std::string, int> seen;
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (++seen[keys[i]] == 2) out.push_back(i);
  }
  return out;
}

void validateListValue(const std::string& pth, const SchemaNode* s, const Value& v,
                       std::vector<SchemaCause>& out);

void validateListSetsAndMaps(const std::string& pth, const SchemaNode* s, const core::Object& obj,
                             std::vector<SchemaCause>& out) {
  if (s == nullptr) return;
  if (s->additionalProperties) {
    for (const auto& m : obj)
      validateListValue(keyPath(pth, m.key), s->additionalProperties.get(), m.value, out);
  }
  for (const auto& m : obj) {
    if (const SchemaNode* prop = s->property(m.key))
      validateListValue(childPath(pth, m.key), prop, m.value, out);
  }
}

void validateListMap(const std::string& pth, const SchemaNode& s, const core::Array& arr,
                     std::vector<SchemaCause>& out) {
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].isNull() && !arr[i].isObject()) {
      out.push_back(invalidCause(indexPath(pth, i), arr[i],
                                 "must be an object for an array of list-type map"));
      return;
    }
  }
  if (arr.size() <= 1) return;
  std::vector<std::string> keys;
  std::vector<Value> shown;
  for (const auto& x : arr) {
    Value key = Value::object();
    bool unspecified = s.listMapKeys.size() == 1;
    if (x.isObject()) {
      for (const auto& field : s.listMapKeys) {
        if (const Value* k = x.find(field)) {
          key[field] = *k;
          unspecified = false;
        }
      }
    }
    if (s.listMapKeys.size() == 1)
      keys.push_back(unspecified ? std::string("u") : setKey(key[s.listMapKeys.front()]));
    else
      keys.push_back(setKey(key));
    shown.push_back(std::move(key));
  }
  for (std::size_t i : nonUniqueIndices(keys))
    out.push_back(
        {"FieldValueDuplicate", indexPath(pth, i), "Duplicate value: " + goJson(shown[i])});
}

void validateListArray(const std::string& pth, const SchemaNode& s, const core::Array& arr,
                       std::vector<SchemaCause>& out) {
  if (s.listType == "set" && arr.size() > 1) {
    std::vector<std::string> keys;
    for (const auto& x : arr)
      keys.push_back(setKey(x));
    for (std::size_t i : nonUniqueIndices(keys))
      out.push_back(
          {"FieldValueDuplicate", indexPath(pth, i), "Duplicate value: " + goBadValue(arr[i])});
  } else if (s.listType == "map") {
    validateListMap(pth, s, arr, out);
  }
  if (s.items) {
    for (std::size_t i = 0; i < arr.size(); ++i)
      validateListValue(indexPath(pth, i), s.items.get(), arr[i], out);
  }
}

void validateListValue(const std::string& pth, const SchemaNode* s, const Value& v,
                       std::vector<SchemaCause>& out) {
  if (s == nullptr) return;
  if (v.isArray())
    validateListArray(pth, *s, v.asArray(), out);
  else if (v.isObject())
    validateListSetsAndMaps(pth, s, v.asObject(), out);
}

// ---- pruning (schema/pruning/algorithm.go) ----

bool isMetaField(std::string_view key) {
  return key == "apiVersion" || key == "kind" || key == "metadata";
}

class Pruner {
 public:
  std::vector<std::string> unknown;

  void prune(Value& x, const SchemaNode* s, bool root) {
    if (s != nullptr && s->preserveUnknownFields) {
      skipPrune(x, s, root);
      return;
    }
    const std::size_t origin = path_.size();
    if (x.isObject()) {
      auto& members = x.asObject().members();
      if (s == nullptr) {
        for (const auto& m : members)
          record(m.key);
        members.clear();
        return;
      }
      const bool embedded = root || s->embeddedResource;
      std::vector<core::Member> kept;
      kept.reserve(members.size());
      for (auto& m : members) {
        if (embedded && isMetaField(m.key)) {
          kept.push_back(std::move(m));
        } else if (const SchemaNode* prop = s->property(m.key)) {
          appendKey(m.key);
          prune(m.value, prop, false);
          path_.resize(origin);
          kept.push_back(std::move(m));
        } else if (s->hasAdditionalProperties) {
          appendKey(m.key);
          prune(m.value, s->additionalProperties.get(), false);
          path_.resize(origin);
          kept.push_back(std::move(m));
        } else if (!isMetaField(m.key) || !path_.empty()) {
          record(m.key);
        }
      }
      members = std::move(kept);
    } else if (x.isArray()) {
      auto& arr = x.asArray();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        appendIndex(i);
        prune(arr[i], s == nullptr ? nullptr : s->items.get(), false);
        path_.resize(origin);
      }
    }
  }

 private:
  std::string path_;

  void appendKey(const std::string& key) {
    if (!path_.empty()) path_ += '.';
    path_ += key;
  }
  void appendIndex(std::size_t i) { path_ += "[" + std::to_string(i) + "]"; }
  void record(const std::string& key) {
    unknown.push_back(path_.empty() ? key : path_ + "." + key);
  }

  void skipPrune(Value& x, const SchemaNode* s, bool root) {
    if (s == nullptr) return;
    const std::size_t origin = path_.size();
    if (x.isObject()) {
      const bool embedded = root || s->embeddedResource;
      for (auto& m : x.asObject()) {
        if (embedded && isMetaField(m.key)) continue;
        if (const SchemaNode* prop = s->property(m.key)) {
          appendKey(m.key);
          prune(m.value, prop, false);
          path_.resize(origin);
        } else if (s->hasAdditionalProperties) {
          appendKey(m.key);
          prune(m.value, s->additionalProperties.get(), false);
          path_.resize(origin);
        }
      }
    } else if (x.isArray()) {
      auto& arr = x.asArray();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        appendIndex(i);
        skipPrune(arr[i], s->items.get(), false);
        path_.resize(origin);
      }
    }
  }
};

const SchemaNode* schemaForField(const std::string& field, const SchemaNode* s) {
  if (s == nullptr) return nullptr;
  if (const SchemaNode* prop = s->property(field)) return prop;
  return s->additionalProperties.get();
}

// defaulting.PruneNonNullableNullsWithoutDefaults
void pruneNulls(Value& x, const SchemaNode* s) {
  if (x.isObject()) {
    auto& members = x.asObject().members();
    std::vector<core::Member> kept;
    kept.reserve(members.size());
    for (auto& m : members) {
      const SchemaNode* sub = schemaForField(m.key, s);
      if (m.value.isNull() && sub != nullptr && !sub->nullable && !sub->defaultValue) continue;
      pruneNulls(m.value, sub);
      kept.push_back(std::move(m));
    }
    members = std::move(kept);
  } else if (x.isArray()) {
    for (auto& e : x.asArray())
      pruneNulls(e, s == nullptr ? nullptr : s->items.get());
  }
}

// The json names of metav1.ObjectMeta.
bool isObjectMetaField(std::string_view key) {
  static constexpr std::string_view fields[] = {"name",
                                                "generateName",
                                                "namespace",
                                                "selfLink",
                                                "uid",
                                                "resourceVersion",
                                                "generation",
                                                "creationTimestamp",
                                                "deletionTimestamp",
                                                "deletionGracePeriodSeconds",
                                                "labels",
                                                "annotations",
                                                "ownerReferences",
                                                "finalizers",
                                                "managedFields"};
  return std::find(std::begin(fields), std::end(fields), key) != std::end(fields);
}

// schemaobjectmeta.CoerceWithOptions (not at the root): unknown fields in the metadata of
// embedded resources are dropped and reported.
void coerce(Value& x, const SchemaNode* s, const std::string& pth, std::vector<std::string>& out) {
  if (s == nullptr) return;
  if (x.isObject()) {
    for (auto& m : x.asObject()) {
      if (s->embeddedResource && m.key == "metadata" && m.value.isObject()) {
        const std::string prefix = childPath(pth, "metadata");
        auto& members = m.value.asObject().members();
        std::vector<core::Member> kept;
        for (auto& field : members) {
          if (!isObjectMetaField(field.key))
            out.push_back(prefix + "." + field.key);
          else if (!(field.key == "creationTimestamp" && field.value.isNull()))
            kept.push_back(std::move(field));
        }
        members = std::move(kept);
      }
      if (const SchemaNode* prop = s->property(m.key))
        coerce(m.value, prop, childPath(pth, m.key), out);
      else if (s->hasAdditionalProperties)
        coerce(m.value, s->additionalProperties.get(), keyPath(pth, m.key), out);
    }
  } else if (x.isArray()) {
    auto& arr = x.asArray();
    for (std::size_t i = 0; i < arr.size(); ++i)
      coerce(arr[i], s->items.get(), indexPath(pth, i), out);
  }
}

// ---- defaulting (schema/defaulting/algorithm.go) ----

bool isNonNullableNull(const Value& x, const SchemaNode* s) {
  return x.isNull() && s != nullptr && !s->nullable;
}

Value defaultOf(const SchemaNode* s) {
  return s != nullptr && s->defaultValue ? *s->defaultValue : Value();
}

void applyDefaultsTo(Value& x, const SchemaNode* s) {
  if (s == nullptr) return;
  if (x.isObject()) {
    auto& obj = x.asObject();
    for (const auto& [name, prop] : s->properties) {
      if (!prop->defaultValue) continue;
      Value* current = obj.find(name);
      if (current == nullptr)
        obj.append(name, *prop->defaultValue);
      else if (isNonNullableNull(*current, prop.get()))
        *current = *prop->defaultValue;
    }
    for (auto& m : obj) {
      if (const SchemaNode* prop = s->property(m.key)) {
        applyDefaultsTo(m.value, prop);
      } else if (s->hasAdditionalProperties) {
        const SchemaNode* ap = s->additionalProperties.get();
        if (isNonNullableNull(m.value, ap)) m.value = defaultOf(ap);
        applyDefaultsTo(m.value, ap);
      }
    }
  } else if (x.isArray()) {
    for (auto& e : x.asArray()) {
      if (isNonNullableNull(e, s->items.get())) e = defaultOf(s->items.get());
      applyDefaultsTo(e, s->items.get());
    }
  }
}

}  // namespace

StructuralSchema::StructuralSchema()
    : root_(std::make_shared<SchemaNode>()),
      unsupportedPatterns_(std::make_shared<std::vector<std::string>>()) {}

StructuralSchema::StructuralSchema(const core::Value& openAPIV3Schema) {
  if (!openAPIV3Schema.isObject() && !openAPIV3Schema.isNull())
    throw core::Error(std::string("openAPIV3Schema must be an object, not ") +
                      openAPIV3Schema.typeName());
  auto unsupported = std::make_shared<std::vector<std::string>>();
  root_ = parseNode(openAPIV3Schema, "", *unsupported);
  unsupportedPatterns_ = std::move(unsupported);
}

void StructuralSchema::applyDefaults(core::Value& obj) const {
  applyDefaultsTo(obj, root_.get());
}

std::vector<std::string> StructuralSchema::prune(core::Value& obj) const {
  Pruner pruner;
  pruner.prune(obj, root_.get(), true);
  std::sort(pruner.unknown.begin(), pruner.unknown.end());
  pruneNulls(obj, root_.get());
  std::vector<std::string> metadata;
  coerce(obj, root_.get(), "", metadata);
  std::sort(metadata.begin(), metadata.end());
  std::vector<std::string> out = std::move(pruner.unknown);
  out.insert(out.end(), metadata.begin(), metadata.end());
  return out;
}

std::vector<SchemaCause> StructuralSchema::validate(const core::Value& obj) const {
  std::vector<SchemaCause> causes;
  const Result result = validateSchema(*root_, obj, "");
  for (const auto& e : result.errors)
    causes.push_back(toCause(e, ""));
  validateEmbedded(obj, root_.get(), "", causes);
  if (obj.isObject()) validateListSetsAndMaps("", root_.get(), obj.asObject(), causes);
  return causes;
}

std::vector<SchemaCause> StructuralSchema::validateStatus(const core::Value& obj) const {
  std::vector<SchemaCause> causes;
  const SchemaNode* statusSchema = root_->property("status");
  const Value* status = obj.find("status");
  if (statusSchema != nullptr && status != nullptr) {
    const Result result = validateSchema(*statusSchema, *status, "");
    for (const auto& e : result.errors)
      causes.push_back(toCause(e, "status"));
  }
  validateEmbedded(obj, root_.get(), "", causes);
  if (obj.isObject()) validateListSetsAndMaps("", root_.get(), obj.asObject(), causes);
  return causes;
}

const std::vector<std::string>& StructuralSchema::unsupportedPatterns() const {
  return *unsupportedPatterns_;
}

}  // namespace driftless::apiserver
