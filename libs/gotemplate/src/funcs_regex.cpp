// Sprig's regex functions over RE2 (the syntax and leftmost-first semantics of Go's regexp),
// with Go's iteration rules for empty matches and its $1/${name} replacement expansion.

#include <re2/re2.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "driftless/core/go_format.h"
#include "funcs_util.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

using fn::Args;
using fn::str;

std::string goRegexError(const RE2& re) {
  std::string code;
  switch (re.error_code()) {
    case RE2::ErrorBadEscape:
      code = "invalid escape sequence";
      break;
    case RE2::ErrorBadCharClass:
      code = "invalid character class";
      break;
    case RE2::ErrorBadCharRange:
      code = "invalid character class range";
      break;
    case RE2::ErrorMissingBracket:
      code = "missing closing ]";
      break;
    case RE2::ErrorMissingParen:
      code = "missing closing )";
      break;
    case RE2::ErrorUnexpectedParen:
      code = "unexpected )";
      break;
    case RE2::ErrorTrailingBackslash:
      code = "trailing backslash at end of expression";
      return "error parsing regexp: " + code + ": ``";
    case RE2::ErrorRepeatArgument:
      code = "missing argument to repetition operator";
      break;
    case RE2::ErrorRepeatSize:
      code = "invalid repeat count";
      break;
    case RE2::ErrorRepeatOp:
      code = "invalid nested repetition operator";
      break;
    case RE2::ErrorBadPerlOp:
      code = "invalid or unsupported Perl syntax";
      break;
    case RE2::ErrorBadNamedCapture:
      code = "invalid named capture";
      break;
    default:
      return "error parsing regexp: " + re.error();
  }
  return "error parsing regexp: " + code + ": `" + re.error_arg() + "`";
}

// Compiled expressions, shared by every execution (templates use a handful of patterns).
std::shared_ptr<const RE2> compile(const std::string& expr, bool must) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const RE2>, std::less<>> cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache.find(expr); it != cache.end()) return it->second;
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const RE2>(expr, opts);
  if (!re->ok()) {
    std::string msg = goRegexError(*re);
    if (must) callFail(msg);
    callFail("regexp: Compile(" + core::goQuote(expr) + "): " + msg);
  }
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() > 256) cache.clear();
  cache.emplace(expr, re);
  return re;
}

using Match = std::vector<re2::StringPiece>;  // whole match and groups

bool matchAt(const RE2& re, const std::string& s, std::size_t pos, Match& m) {
  m.assign(static_cast<std::size_t>(re.NumberOfCapturingGroups()) + 1, re2::StringPiece());
  return re.Match(s, pos, s.size(), RE2::UNANCHORED, m.data(), static_cast<int>(m.size()));
}

std::size_t offsetOf(const std::string& s, const re2::StringPiece& p) {
  return static_cast<std::size_t>(p.data() - s.data());
}

std::size_t runeWidth(const std::string& s, std::size_t pos) {
  if (pos >= s.size()) return 1;
  std::uint32_t r = 0;
  std::size_t n = core::decodeUtf8Rune(s, pos, r);
  return n == 0 ? 1 : n;
}

// Go's allMatches: up to n matches (n < 0: all), no empty match right after a match.
std::vector<Match> findAll(const RE2& re, const std::string& s, long n) {
  std::vector<Match> out;
  if (n < 0) n = static_cast<long>(s.size()) + 1;
  std::size_t pos = 0;
  long prevEnd = -1;
  while (static_cast<long>(out.size()) < n && pos <= s.size()) {
    Match m;
    if (!matchAt(re, s, pos, m)) break;
    std::size_t b = offsetOf(s, m[0]), e = b + m[0].size();
    bool accept = true;
    if (e == pos) {
      if (static_cast<long>(b) == prevEnd) accept = false;
      pos += runeWidth(s, pos);
    } else {
      pos = e;
    }
    prevEnd = static_cast<long>(e);
    if (accept) out.push_back(std::move(m));
  }
  return out;
}

// Regexp.Expand of Go for template strings with $1, ${1}, $name, ${name} and $$.
void expand(std::string& out, const std::string& tmpl, const RE2& re, const Match& m) {
  const auto& names = re.NamedCapturingGroups();
  auto group = [&](const std::string& name) -> std::string {
    bool numeric = !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
    std::size_t idx = 0;
    if (numeric) {
      if (name.size() > 8) return "";
      idx = std::stoul(name);
    } else {
      auto it = names.find(name);
      if (it == names.end()) return "";
      idx = static_cast<std::size_t>(it->second);
    }
    if (idx >= m.size() || m[idx].data() == nullptr) return "";
    return std::string(m[idx].data(), m[idx].size());
  };
  for (std::size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] != '$') {
      out += tmpl[i++];
      continue;
    }
    if (i + 1 < tmpl.size() && tmpl[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    std::size_t j = i + 1;
    bool brace = j < tmpl.size() && tmpl[j] == '{';
    if (brace) ++j;
    std::size_t b = j;
    while (j < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_'))
      ++j;
    std::string name = tmpl.substr(b, j - b);
    if (name.empty() || (brace && (j >= tmpl.size() || tmpl[j] != '}'))) {
      out += '$';  // malformed: a literal $
      ++i;
      continue;
    }
    if (brace) ++j;
    out += group(name);
    i = j;
  }
}

std::string replaceAll(const RE2& re, const std::string& s, const std::string& repl, bool literal) {
  std::string out;
  std::size_t lastEnd = 0, pos = 0;
  while (pos <= s.size()) {
    Match m;
    if (!matchAt(re, s, pos, m)) break;
    std::size_t b = offsetOf(s, m[0]), e = b + m[0].size();
    out.append(s, lastEnd, b - lastEnd);
    if (e > lastEnd || b == 0) {
      if (literal) {
        out += repl;
      } else {
        expand(out, repl, re, m);
      }
    }
    lastEnd = e;
    std::size_t w = runeWidth(s, pos);
    if (pos + w > e) {
      pos += w;
    } else if (pos + 1 > e) {
      ++pos;
    } else {
      pos = e;
    }
  }
  out.append(s, std::min(lastEnd, s.size()), std::string::npos);
  return out;
}

std::vector<std::string> split(const RE2& re, const std::string& expr, const std::string& s,
                               long n) {
  std::vector<std::string> out;
  if (n == 0) return out;
  if (!expr.empty() && s.empty()) return {""};
  std::size_t beg = 0, end = 0;
  for (const auto& m : findAll(re, s, n)) {
    if (n > 0 && static_cast<long>(out.size()) == n - 1) break;
    end = offsetOf(s, m[0]);
    std::size_t mend = end + m[0].size();
    if (mend != 0) out.push_back(s.substr(beg, end - beg));
    beg = mend;
  }
  if (end != s.size()) out.push_back(s.substr(beg));
  return out;
}

TValue findAllFn(Args a, bool must) {
  auto re = compile(str(a[0]), must);
  std::vector<std::string> out;
  for (const auto& m : findAll(*re, str(a[1]), static_cast<long>(fn::integer(a[2]))))
    out.emplace_back(m[0].data(), m[0].size());
  return fn::stringList(out);
}

TValue findFn(Args a, bool must) {
  auto re = compile(str(a[0]), must);
  Match m;
  if (!matchAt(*re, str(a[1]), 0, m)) return fn::string("");
  return fn::string(std::string(m[0].data(), m[0].size()));
}

std::string quoteMeta(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::vector<FuncDef> regexFuncs() {
  auto match = [](Args a, bool must) {
    std::shared_ptr<const RE2> re;
    try {
      re = compile(str(a[0]), true);
    } catch (const CallError&) {
      if (must) throw;
      return fn::boolean(false);
    }
    Match m;
    return fn::boolean(matchAt(*re, str(a[1]), 0, m));
  };
  (void)match;
  return {
      {"regexMatch", "SS", 0,
       [](Args a, Runtime&) {
         try {
           auto re = compile(str(a[0]), true);
           Match m;
           return fn::boolean(matchAt(*re, str(a[1]), 0, m));
         } catch (const CallError&) {
           return fn::boolean(false);
         }
       }},
      {"mustRegexMatch", "SS", 0,
       [](Args a, Runtime&) {
         auto re = compile(str(a[0]), true);
         Match m;
         return fn::boolean(matchAt(*re, str(a[1]), 0, m));
       }},
      {"regexFindAll", "SSI", 0, [](Args a, Runtime&) { return findAllFn(a, false); }},
      {"mustRegexFindAll", "SSI", 0, [](Args a, Runtime&) { return findAllFn(a, true); }},
      {"regexFind", "SS", 0, [](Args a, Runtime&) { return findFn(a, false); }},
      {"mustRegexFind", "SS", 0, [](Args a, Runtime&) { return findFn(a, true); }},
      {"regexReplaceAll", "SSS", 0,
       [](Args a, Runtime&) {
         return fn::string(replaceAll(*compile(str(a[0]), false), str(a[1]), str(a[2]), false));
       }},
      {"mustRegexReplaceAll", "SSS", 0,
       [](Args a, Runtime&) {
         return fn::string(replaceAll(*compile(str(a[0]), true), str(a[1]), str(a[2]), false));
       }},
      {"regexReplaceAllLiteral", "SSS", 0,
       [](Args a, Runtime&) {
         return fn::string(replaceAll(*compile(str(a[0]), false), str(a[1]), str(a[2]), true));
       }},
      {"mustRegexReplaceAllLiteral", "SSS", 0,
       [](Args a, Runtime&) {
         return fn::string(replaceAll(*compile(str(a[0]), true), str(a[1]), str(a[2]), true));
       }},
      {"regexSplit", "SSI", 0,
       [](Args a, Runtime&) {
         auto re = compile(str(a[0]), false);
         return fn::stringList(
             split(*re, str(a[0]), str(a[1]), static_cast<long>(fn::integer(a[2]))));
       }},
      {"mustRegexSplit", "SSI", 0,
       [](Args a, Runtime&) {
         auto re = compile(str(a[0]), true);
         return fn::stringList(
             split(*re, str(a[0]), str(a[1]), static_cast<long>(fn::integer(a[2]))));
       }},
      {"regexQuoteMeta", "S", 0, [](Args a, Runtime&) { return fn::string(quoteMeta(str(a[0]))); }},
  };
}

}  // namespace driftless::gotemplate
