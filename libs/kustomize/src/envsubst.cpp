#include "driftless/kustomize/envsubst.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "driftless/core/go_format.h"
#include "driftless/core/yaml.h"

namespace driftless::kustomize {

namespace {

constexpr std::string_view kBadSubstitution = "bad substitution";
constexpr std::string_view kMissingClosingBrace = "missing closing brace";
constexpr std::string_view kParseVariableName = "unable to parse variable name";
constexpr std::string_view kParseFuncSubstitution = "unable to parse substitution within function";
constexpr std::string_view kParseDefaultFunction = "unable to parse default function";

[[noreturn]] void fail(std::string_view message) {
  throw EnvsubstError(std::string(message));
}

// ---- The tree ------------------------------------------------------------------------------

struct Func;
using Node = std::variant<std::string, std::unique_ptr<Func>>;

struct Func {
  std::string param;  // the variable
  std::string name;   // the operator ("", "#", ":=", "//", ...)
  std::vector<Node> args;
};

// ---- The scanner ---------------------------------------------------------------------------
//
// Tokens are read with an accept predicate that sees each rune and its 1-based position in the
// token. Escapes (when enabled) put the escaped character into the token unchecked: `$$` gives
// `$`, and in replacement patterns `\/` and `\\` give `/` and `\`.

using Accept = bool (*)(char32_t r, std::size_t i);

enum class Token { Eof, Illegal, Ident, Lbrack, Rbrack };

struct Mode {
  bool ident = false;
  bool lbrack = false;
  bool rbrack = false;
  bool escape = false;
};

bool isLetterOrDigit(char32_t r) {
  if (r < 0x80) {
    auto c = static_cast<unsigned char>(r);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
  return true;  // non-ASCII runes: treated as letters
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  bool escapeBackslash = false;  // `$$` is always an escape where escapes are enabled

  [[nodiscard]] char32_t peek() const {
    if (pos_ >= s_.size()) return 0;
    std::uint32_t rune = 0;
    core::decodeUtf8Rune(s_, pos_, rune);
    return rune;
  }
  [[nodiscard]] char32_t peekAt(std::size_t offset) const {
    return pos_ + offset < s_.size() ? static_cast<unsigned char>(s_[pos_ + offset]) : 0;
  }

  // Reads one token; text is the token's content (escapes resolved).
  Token scan(Mode mode, Accept accept, std::string& text) {
    text.clear();
    if (pos_ >= s_.size()) return Token::Eof;
    if (mode.lbrack && atLbrack()) {
      pos_ += 2;
      return Token::Lbrack;
    }
    if (mode.rbrack && s_[pos_] == '}') {
      ++pos_;
      return Token::Rbrack;
    }
    if (!mode.ident) return Token::Illegal;
    if (!takeEscaped(mode, text)) {
      char32_t r = 0;
      std::size_t width = rune(r);
      if (!accept(r, 1)) {
        pos_ += width;
        return Token::Illegal;
      }
      text.append(s_.substr(pos_, width));
      pos_ += width;
    }
    while (pos_ < s_.size()) {
      if (mode.lbrack && atLbrack()) break;
      if (takeEscaped(mode, text)) continue;
      char32_t r = 0;
      std::size_t width = rune(r);
      if (!accept(r, text.size() + 1)) break;
      text.append(s_.substr(pos_, width));
      pos_ += width;
    }
    return Token::Ident;
  }

 private:
  [[nodiscard]] bool atLbrack() const {
    return pos_ + 1 < s_.size() && s_[pos_] == '$' && s_[pos_ + 1] == '{';
  }
  std::size_t rune(char32_t& r) const {
    std::uint32_t value = 0;
    std::size_t width = core::decodeUtf8Rune(s_, pos_, value);
    r = value;
    return width == 0 ? 1 : width;
  }
  bool takeEscaped(Mode mode, std::string& text) {
    if (!mode.escape || pos_ + 1 >= s_.size()) return false;
    const char c = s_[pos_];
    const char next = s_[pos_ + 1];
    if ((c == '$' && next == '$') ||
        (escapeBackslash && c == '\\' && (next == '/' || next == '\\'))) {
      text.push_back(next);
      pos_ += 2;
      return true;
    }
    return false;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

bool acceptAny(char32_t /*r*/, std::size_t /*i*/) {
  return true;
}
bool acceptIdent(char32_t r, std::size_t /*i*/) {
  return r == '_' || isLetterOrDigit(r);
}
bool acceptColon(char32_t r, std::size_t /*i*/) {
  return r == ':';
}
bool acceptOneHash(char32_t r, std::size_t i) {
  return r == '#' && i == 1;
}
bool acceptNotClosing(char32_t r, std::size_t /*i*/) {
  return r != '}';
}
bool acceptHashFunc(char32_t r, std::size_t i) {
  return r == '#' && i < 3;
}
bool acceptPercentFunc(char32_t r, std::size_t i) {
  return r == '%' && i < 3;
}
bool acceptDefaultFunc(char32_t r, std::size_t i) {
  return (i == 1 && r == ':') || (i == 2 && (r == '=' || r == '-' || r == '?' || r == '+'));
}
bool acceptReplaceFunc(char32_t r, std::size_t i) {
  return (i == 1 && r == '/') || (i == 2 && (r == '/' || r == '#' || r == '%'));
}
bool acceptOneEqual(char32_t r, std::size_t i) {
  return i == 1 && r == '=';
}
bool acceptOneColon(char32_t r, std::size_t i) {
  return i == 1 && r == ':';
}
bool rejectColonClose(char32_t r, std::size_t /*i*/) {
  return r != ':' && r != '}';
}
bool acceptSlash(char32_t r, std::size_t /*i*/) {
  return r == '/';
}
bool acceptNotSlash(char32_t r, std::size_t /*i*/) {
  return r != '/';
}
bool acceptCasingFunc(char32_t r, std::size_t i) {
  return (r == ',' || r == '^') && i < 3;
}

constexpr Mode kIdent{.ident = true};
constexpr Mode kRbrack{.rbrack = true};
constexpr Mode kIdentRbrack{.ident = true, .rbrack = true};
constexpr Mode kIdentEscape{.ident = true, .escape = true};

// ---- The parser ----------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::string_view text) : sc_(text) {}

  std::vector<Node> parse() {
    std::vector<Node> nodes;
    std::string text;
    while (true) {
      sc_.escapeBackslash = false;
      switch (sc_.scan({.ident = true, .lbrack = true, .escape = true}, acceptAny, text)) {
        case Token::Eof:
          return nodes;
        case Token::Ident:
          nodes.emplace_back(text);
          break;
        case Token::Lbrack:
          nodes.emplace_back(parseFunc());
          break;
        default:
          fail(kBadSubstitution);
      }
    }
  }

 private:
  std::unique_ptr<Func> parseFunc() {
    sc_.escapeBackslash = true;
    if (sc_.peek() == '#') return parseLenFunc();
    auto node = std::make_unique<Func>();
    std::string text;
    if (sc_.scan(kIdent, acceptIdent, text) != Token::Ident) fail(kParseVariableName);
    node->param = text;
    switch (sc_.peek()) {
      case ':':
        if (char32_t next = sc_.peekAt(1);
            next == '=' || next == '-' || next == '?' || next == '+') {
          parseDefaultFunc(*node);
        } else {
          parseSubstrFunc(*node);
        }
        return node;
      case '=':
        parseDefaultFunc(*node);
        return node;
      case ',':
      case '^':
        node->name = scanName(acceptCasingFunc, kBadSubstitution);
        consumeRbrack();
        return node;
      case '/':
        parseReplaceFunc(*node);
        return node;
      case '#':
        node->name = scanName(acceptHashFunc, kBadSubstitution);
        node->args.push_back(parseParam(acceptNotClosing, kIdent));
        consumeRbrack();
        return node;
      case '%':
        node->name = scanName(acceptPercentFunc, kBadSubstitution);
        node->args.push_back(parseParam(acceptNotClosing, kIdent));
        consumeRbrack();
        return node;
      default:
        if (sc_.scan(kRbrack, acceptIdent, text) != Token::Rbrack) fail(kMissingClosingBrace);
        return node;
    }
  }

  std::string scanName(Accept accept, std::string_view error) {
    std::string text;
    if (sc_.scan(kIdent, accept, text) != Token::Ident) fail(error);
    return text;
  }

  Node parseParam(Accept accept, Mode mode) {
    mode.lbrack = true;
    std::string text;
    switch (sc_.scan(mode, accept, text)) {
      case Token::Lbrack:
        return parseFunc();
      case Token::Ident:
        return text;
      default:
        fail(kParseFuncSubstitution);
    }
  }

  std::unique_ptr<Func> parseLenFunc() {
    auto node = std::make_unique<Func>();
    node->name = scanName(acceptOneHash, kBadSubstitution);
    node->param = scanName(acceptIdent, kBadSubstitution);
    consumeRbrack();
    return node;
  }

  void parseSubstrFunc(Func& node) {
    node.name = scanName(acceptOneColon, kBadSubstitution);
    node.args.push_back(parseParam(rejectColonClose, kIdent));
    std::string text;
    switch (sc_.scan(kIdentRbrack, acceptColon, text)) {
      case Token::Rbrack:
        return;
      case Token::Ident:
        break;
      default:
        fail(kBadSubstitution);
    }
    node.args.push_back(parseParam(acceptNotClosing, kIdent));
    consumeRbrack();
  }

  void parseReplaceFunc(Func& node) {
    node.name = scanName(acceptReplaceFunc, kBadSubstitution);
    node.args.push_back(parseParam(acceptNotSlash, kIdentEscape));
    scanName(acceptSlash, kBadSubstitution);
    if (sc_.peek() == '}') {
      consumeRbrack();
      return;
    }
    node.args.push_back(parseParam(acceptNotClosing, kIdentEscape));
    consumeRbrack();
  }

  void parseDefaultFunc(Func& node) {
    node.name =
        scanName(sc_.peek() == '=' ? acceptOneEqual : acceptDefaultFunc, kParseDefaultFunction);
    while (sc_.peek() != '}')
      node.args.push_back(parseParam(acceptNotClosing, kIdent));
    consumeRbrack();
  }

  void consumeRbrack() {
    std::string text;
    if (sc_.scan(kRbrack, acceptIdent, text) != Token::Rbrack) fail(kBadSubstitution);
  }

  Scanner sc_;
};

// ---- The functions -------------------------------------------------------------------------

// Go's path.Match as envsubst's fork has it: `*` and `?` also match `/`.
bool globMatch(std::string_view pattern, std::string_view name, bool& bad);

// One chunk (no `*`) against the start of s; returns the rest when it matches.
bool matchChunk(std::string_view chunk, std::string_view s, std::string_view& rest, bool& bad) {
  while (!chunk.empty()) {
    if (s.empty()) return false;
    switch (chunk[0]) {
      case '[': {
        std::uint32_t r = 0;
        std::size_t n = core::decodeUtf8Rune(s, 0, r);
        if (n == 0) n = 1;
        s.remove_prefix(n);
        chunk.remove_prefix(1);
        bool negated = false;
        if (!chunk.empty() && chunk[0] == '^') {
          negated = true;
          chunk.remove_prefix(1);
        }
        bool match = false;
        int ranges = 0;
        while (true) {
          if (!chunk.empty() && chunk[0] == ']' && ranges > 0) {
            chunk.remove_prefix(1);
            break;
          }
          auto esc = [&](std::uint32_t& out) {
            if (chunk.empty() || chunk[0] == '-' || chunk[0] == ']') return false;
            if (chunk[0] == '\\') {
              chunk.remove_prefix(1);
              if (chunk.empty()) return false;
            }
            std::size_t w = core::decodeUtf8Rune(chunk, 0, out);
            if (w == 0) return false;
            chunk.remove_prefix(w);
            return !chunk.empty();
          };
          std::uint32_t lo = 0;
          if (!esc(lo)) {
            bad = true;
            return false;
          }
          std::uint32_t hi = lo;
          if (chunk[0] == '-') {
            chunk.remove_prefix(1);
            if (!esc(hi)) {
              bad = true;
              return false;
            }
          }
          if (lo <= r && r <= hi) match = true;
          ++ranges;
        }
        if (match == negated) return false;
        break;
      }
      case '?': {
        std::uint32_t r = 0;
        std::size_t n = core::decodeUtf8Rune(s, 0, r);
        s.remove_prefix(n == 0 ? 1 : n);
        chunk.remove_prefix(1);
        break;
      }
      case '\\':
        chunk.remove_prefix(1);
        if (chunk.empty()) {
          bad = true;
          return false;
        }
        [[fallthrough]];
      default:
        if (chunk[0] != s[0]) return false;
        s.remove_prefix(1);
        chunk.remove_prefix(1);
    }
  }
  rest = s;
  return true;
}

bool globMatch(std::string_view pattern, std::string_view name, bool& bad) {
  while (!pattern.empty()) {
    bool star = false;
    while (!pattern.empty() && pattern[0] == '*') {
      pattern.remove_prefix(1);
      star = true;
    }
    bool inRange = false;
    std::size_t i = 0;
    for (; i < pattern.size(); ++i) {
      const char c = pattern[i];
      if (c == '\\') {
        if (i + 1 < pattern.size()) ++i;
      } else if (c == '[') {
        inRange = true;
      } else if (c == ']') {
        inRange = false;
      } else if (c == '*' && !inRange) {
        break;
      }
    }
    std::string_view chunk = pattern.substr(0, i);
    pattern.remove_prefix(i);
    if (star && chunk.empty()) return true;
    std::string_view rest;
    if (matchChunk(chunk, name, rest, bad) && (rest.empty() || !pattern.empty())) {
      name = rest;
      continue;
    }
    if (bad) return false;
    bool advanced = false;
    if (star) {
      for (std::size_t j = 0; j < name.size(); ++j) {
        if (matchChunk(chunk, name.substr(j + 1), rest, bad)) {
          if (pattern.empty() && !rest.empty()) continue;
          name = rest;
          advanced = true;
          break;
        }
        if (bad) return false;
      }
    }
    if (!advanced) return false;
  }
  return name.empty();
}

std::string reverseRunes(std::string_view s) {
  std::vector<std::string_view> runes;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t r = 0;
    std::size_t n = core::decodeUtf8Rune(s, i, r);
    if (n == 0) n = 1;
    runes.push_back(s.substr(i, n));
    i += n;
  }
  std::string out;
  out.reserve(s.size());
  for (auto it = runes.rbegin(); it != runes.rend(); ++it)
    out.append(*it);
  return out;
}

std::string trimShortest(const std::string& s, const std::string& pattern) {
  std::string shortest;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool bad = false;
    std::string_view candidate = std::string_view(s).substr(0, s.size() - i);
    const bool match = globMatch(pattern, candidate, bad);
    if (bad) return s;
    if (match) shortest = candidate;
  }
  return shortest.empty() ? s : s.substr(shortest.size());
}

std::string trimLongest(const std::string& s, const std::string& pattern) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool bad = false;
    std::string_view candidate = std::string_view(s).substr(0, s.size() - i);
    const bool match = globMatch(pattern, candidate, bad);
    if (bad) return s;
    if (match) return s.substr(candidate.size());
  }
  return s;
}

std::string replaceString(const std::string& s, const std::string& from, const std::string& to,
                          bool all) {
  // Go's strings.Replace: an empty `from` matches before every rune (and at the end).
  std::string out;
  if (from.empty()) {
    std::size_t i = 0;
    bool first = true;
    while (i <= s.size()) {
      if (first || all) out += to;
      first = false;
      if (i == s.size()) break;
      std::uint32_t r = 0;
      std::size_t n = core::decodeUtf8Rune(s, i, r);
      if (n == 0) n = 1;
      out.append(s, i, n);
      i += n;
      if (!all) {
        out.append(s, i, std::string::npos);
        break;
      }
    }
    return out;
  }
  std::size_t pos = 0;
  while (true) {
    std::size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
    if (!all) break;
  }
  out.append(s, pos, std::string::npos);
  return out;
}

std::optional<long long> atoi(const std::string& text) {
  // Go's strconv.Atoi: optional sign, decimal digits, nothing else.
  std::string_view v = text;
  bool negative = false;
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
    negative = v[0] == '-';
    v.remove_prefix(1);
  }
  if (v.empty()) return std::nullopt;
  long long value = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return negative ? -value : value;
}

std::string substring(const std::string& s, const std::vector<std::string>& args) {
  if (args.empty()) return s;
  auto pos = atoi(args[0]);
  if (!pos) return s;
  const auto size = static_cast<long long>(s.size());
  long long p = *pos;
  if (p < 0) p = std::max(0LL, size + p);
  if (args.size() == 1) return p < size ? s.substr(static_cast<std::size_t>(p)) : std::string();
  auto length = atoi(args[1]);
  if (!length) return s;
  if (p + *length >= size) return p < size ? s.substr(static_cast<std::size_t>(p)) : std::string();
  if (*length < 0 || p > size) return s;  // upstream would panic here
  return s.substr(static_cast<std::size_t>(p), static_cast<std::size_t>(*length));
}

std::string asciiCase(std::string s, bool upper, bool firstOnly) {
  for (char& c : s) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (firstOnly) break;
  }
  return s;
}

bool isDefaultOp(const std::string& name) {
  return name == "-" || name == "+" || name == "=" || name == "?" || name == ":-" || name == ":+" ||
         name == ":=" || name == ":?";
}

std::string apply(const std::string& name, const std::string& s,
                  const std::vector<std::string>& args) {
  if (name == ",") return asciiCase(s, false, true);
  if (name == ",,") return asciiCase(s, false, false);
  if (name == "^") return asciiCase(s, true, true);
  if (name == "^^") return asciiCase(s, true, false);
  if (name == "#") return args.empty() ? std::to_string(s.size()) : trimShortest(s, args[0]);
  if (name == "##") return args.empty() ? s : trimLongest(s, args[0]);
  if (name == "%") {
    return args.empty() ? s : reverseRunes(trimShortest(reverseRunes(s), reverseRunes(args[0])));
  }
  if (name == "%%") {
    return args.empty() ? s : reverseRunes(trimLongest(reverseRunes(s), reverseRunes(args[0])));
  }
  if (name == ":") return substring(s, args);
  if (name == "/#") {
    if (args.size() != 2 || !s.starts_with(args[0])) return s;
    return replaceString(s, args[0], args[1], false);
  }
  if (name == "/%") {
    if (args.size() != 2 || !s.ends_with(args[0])) return s;
    return s.substr(0, s.size() - args[0].size()) + args[1];
  }
  if (name == "/" || name == "//") {
    if (args.empty()) return s;
    return replaceString(s, args[0], args.size() > 1 ? args[1] : std::string(), name == "//");
  }
  // The default operators, and anything else: the value, or the joined arguments when empty.
  if (s.empty() && !args.empty()) {
    std::string joined;
    for (const auto& a : args)
      joined += a;
    return joined;
  }
  return s;
}

void evaluate(const Node& node, const VariableLookup& lookup, bool strict, std::string& out) {
  if (const auto* text = std::get_if<std::string>(&node)) {
    out += *text;
    return;
  }
  const Func& f = *std::get<std::unique_ptr<Func>>(node);
  std::vector<std::string> args;
  args.reserve(f.args.size());
  for (const Node& a : f.args) {
    std::string value;
    evaluate(a, lookup, strict, value);
    args.push_back(std::move(value));
  }
  std::optional<std::string> value = lookup(f.param);
  if (!value && strict && !isDefaultOp(f.name)) {
    throw EnvsubstError("variable not set (strict mode): " + core::goQuote(f.param));
  }
  out += apply(f.name, value.value_or(std::string()), args);
}

constexpr std::string_view kSubstituteKey = "kustomize.toolkit.fluxcd.io/substitute";

bool disabledIn(const core::Value& object, std::string_view field) {
  const core::Value& map = object["metadata"][field];
  if (!map.isObject()) return false;
  const core::Value& v = map[kSubstituteKey];
  return v.isString() && v.asString() == "disabled";
}

bool validVarName(std::string_view name) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (name.empty() || !(alpha(name[0]) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alpha(c) || c == '_' || (c >= '0' && c <= '9'); });
}

}  // namespace

std::string envsubst(std::string_view text, const VariableLookup& lookup, bool strict) {
  std::vector<Node> nodes = Parser(text).parse();
  std::string out;
  out.reserve(text.size());
  for (const Node& n : nodes)
    evaluate(n, lookup, strict, out);
  return out;
}

bool substituteVariables(core::Value& object, const std::map<std::string, std::string>& vars,
                         bool strict, bool always) {
  if (disabledIn(object, "labels") || disabledIn(object, "annotations")) return false;
  if (vars.empty() && !always) return false;
  for (const auto& [name, value] : vars) {
    if (!validVarName(name)) {
      throw EnvsubstError("envsubst error: '" + name +
                          "' var name is invalid, must match "
                          "'^[_[:alpha:]][_[:alpha:][:digit:]]*$'");
    }
  }
  std::string yaml = core::toYaml(object, {.keepQuotedStyle = true});
  std::string expanded;
  try {
    expanded = envsubst(
        yaml,
        [&vars](std::string_view name) -> std::optional<std::string> {
          auto it = vars.find(std::string(name));
          if (it == vars.end()) return std::nullopt;
          return it->second;
        },
        strict);
  } catch (const EnvsubstError& e) {
    throw EnvsubstError(std::string("envsubst error: variable substitution failed: ") + e.what());
  }
  try {
    object = core::parseYaml(expanded, {.schema = core::YamlSchema::Kubernetes,
                                        .source = "substituted resource",
                                        .allowDuplicateKeys = true});
  } catch (const std::exception& e) {
    throw EnvsubstError(std::string("envsubst error: YAMLToJSON: ") + e.what());
  }
  return true;
}

}  // namespace driftless::kustomize
