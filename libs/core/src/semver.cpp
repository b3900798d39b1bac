#include "driftless/core/semver.h"

#include <charconv>
#include <regex>

#include "driftless/core/error.h"

namespace driftless::core {

namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isIdentChar(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

bool parseNumber(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isDigit(c)) return false;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Dot-separated identifiers of [0-9A-Za-z-], none empty; numeric prerelease identifiers
// must not have leading zeros.
bool validIdentifiers(std::string_view s, bool prerelease) {
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = s.find('.', start);
    std::string_view id = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (id.empty()) return false;
    bool numeric = true;
    for (char c : id) {
      if (!isIdentChar(c)) return false;
      numeric = numeric && isDigit(c);
    }
    if (prerelease && numeric && id.size() > 1 && id[0] == '0') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

int comparePrePart(std::string_view s, std::string_view o) {
  if (s == o) return 0;
  if (s.empty()) return -1;
  if (o.empty()) return 1;
  std::uint64_t si = 0;
  std::uint64_t oi = 0;
  bool sNum = parseNumber(s, si);
  bool oNum = parseNumber(o, oi);
  if (!sNum && !oNum) return s > o ? 1 : -1;
  if (!oNum) return -1;  // numbers sort before alphanumerics
  if (!sNum) return 1;
  return si > oi ? 1 : -1;
}

int comparePrerelease(std::string_view a, std::string_view b) {
  std::size_t ai = 0;
  std::size_t bi = 0;
  for (;;) {
    bool aDone = ai > a.size();
    bool bDone = bi > b.size();
    if (aDone && bDone) return 0;
    std::string_view ap;
    std::string_view bp;
    if (!aDone) {
      std::size_t dot = a.find('.', ai);
      if (dot == std::string_view::npos) dot = a.size();
      ap = a.substr(ai, dot - ai);
      ai = dot + 1;
    }
    if (!bDone) {
      std::size_t dot = b.find('.', bi);
      if (dot == std::string_view::npos) dot = b.size();
      bp = b.substr(bi, dot - bi);
      bi = dot + 1;
    }
    int d = comparePrePart(ap, bp);
    if (d != 0) return d;
  }
}

int compareNumber(std::uint64_t a, std::uint64_t b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

// The version part of a constraint: digits or wildcards (Masterminds' cvRegex; its character
// classes also admit `|`).
constexpr const char* kCv =
    R"(v?([0-9|xX*]+)(\.[0-9|xX*]+)?(\.[0-9|xX*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?)"
    R"((\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?)";
constexpr const char* kOps = R"((~>|=>|>=|=<|<=|!=|\^|~|=|>|<|))";

const std::regex& termRegex() {
  static const std::regex re(std::string(R"(^\s*)") + kOps + R"(\s*()" + kCv + R"()\s*$)");
  return re;
}
const std::regex& findRegex() {
  static const std::regex re(std::string(kOps) + R"(\s*()" + kCv + ")");
  return re;
}
const std::regex& validRegex() {
  static const std::string one = std::string(kOps) + R"(\s*()" + kCv + R"()\s*)";
  static const std::regex re(R"(^(\s*)" + one + R"()((\s+|,\s*))" + one + R"()*$)");
  return re;
}
const std::regex& rangeRegex() {
  static const std::regex re(std::string(R"(\s*()") + kCv + R"()\s+-\s+()" + kCv + R"()\s*)");
  return re;
}

bool isWildcard(std::string_view s) {
  return s == "x" || s == "X" || s == "*";
}

Constraints::Term parseTerm(const std::string& text, std::string_view whole) {
  std::smatch m;
  if (!std::regex_match(text, m, termRegex())) {
    throw Error("improper constraint: " + std::string(whole));
  }
  static const std::pair<std::string_view, Constraints::Op> kOpNames[] = {
      {"", Constraints::Op::TildeOrEqual}, {"=", Constraints::Op::TildeOrEqual},
      {"!=", Constraints::Op::NotEqual},   {">", Constraints::Op::Greater},
      {"<", Constraints::Op::Less},        {">=", Constraints::Op::GreaterEq},
      {"=>", Constraints::Op::GreaterEq},  {"<=", Constraints::Op::LessEq},
      {"=<", Constraints::Op::LessEq},     {"~", Constraints::Op::Tilde},
      {"~>", Constraints::Op::Tilde},      {"^", Constraints::Op::Caret}};
  Constraints::Term term;
  for (const auto& [name, op] : kOpNames) {
    if (m[1].str() == name) term.op = op;
  }
  std::string major = m[3].str();
  std::string minor = m[4].matched ? m[4].str().substr(1) : "";
  std::string patch = m[5].matched ? m[5].str().substr(1) : "";
  std::string pre = m[6].matched ? m[6].str() : "";
  std::string version = m[2].str();
  if (isWildcard(major)) {
    version = "0.0.0" + pre;
    term.dirty = true;
  } else if (!m[4].matched || isWildcard(minor)) {
    version = major + ".0.0" + pre;
    term.dirty = term.minorDirty = true;
  } else if (!m[5].matched || isWildcard(patch)) {
    version = major + "." + minor + ".0" + pre;
    term.dirty = term.patchDirty = true;
  }
  auto v = Version::parse(version);
  if (!v) throw Error("constraint parser error");
  term.version = *v;
  return term;
}

bool checkTerm(const Constraints::Term& c, const Version& v) {
  const Version& con = c.version;
  using Op = Constraints::Op;
  auto tilde = [&] {
    if (v.compare(con) < 0) return false;
    if (con.major() == 0 && con.minor() == 0 && con.patch() == 0 && !c.minorDirty &&
        !c.patchDirty) {
      return true;
    }
    if (v.major() != con.major()) return false;
    return !(v.minor() != con.minor() && !c.minorDirty);
  };
  switch (c.op) {
    case Op::TildeOrEqual:
      return c.dirty ? tilde() : v.compare(con) == 0;
    case Op::Tilde:
      return tilde();
    case Op::NotEqual:
      if (c.dirty) {
        if (con.major() != v.major()) return true;
        if (c.minorDirty) return false;
        if (con.minor() != v.minor()) return true;
        if (c.patchDirty) {
          if (!v.prerelease().empty() || !con.prerelease().empty()) {
            return comparePrerelease(v.prerelease(), con.prerelease()) != 0;
          }
          return false;
        }
      }
      return v.compare(con) != 0;
    case Op::Greater:
      if (!c.dirty) return v.compare(con) > 0;
      if (v.major() != con.major()) return v.major() > con.major();
      if (c.minorDirty) return false;
      if (c.patchDirty) return v.minor() > con.minor();
      return v.compare(con) > 0;
    case Op::Less:
      return v.compare(con) < 0;
    case Op::GreaterEq:
      return v.compare(con) >= 0;
    case Op::LessEq:
      if (!c.dirty) return v.compare(con) <= 0;
      if (v.major() > con.major()) return false;
      return !(v.major() == con.major() && v.minor() > con.minor() && !c.minorDirty);
    case Op::Caret:
      if (v.compare(con) < 0) return false;
      if (con.major() > 0 || c.minorDirty) return v.major() == con.major();
      if (v.major() > 0) return false;
      if (con.minor() > 0 || c.patchDirty) return v.minor() == con.minor();
      if (v.minor() > 0) return false;
      return con.patch() == v.patch();
  }
  return false;
}

}  // namespace

std::optional<Version> Version::parse(std::string_view text) {
  Version v;
  v.original_ = std::string(text);
  std::string_view s = text;
  if (!s.empty() && s[0] == 'v') s.remove_prefix(1);
  std::size_t plus = s.find('+');
  if (plus != std::string_view::npos) {
    v.metadata_ = std::string(s.substr(plus + 1));
    if (!validIdentifiers(v.metadata_, false)) return std::nullopt;
    s = s.substr(0, plus);
  }
  std::size_t dash = s.find('-');
  if (dash != std::string_view::npos) {
    v.prerelease_ = std::string(s.substr(dash + 1));
    if (!validIdentifiers(v.prerelease_, true)) return std::nullopt;
    s = s.substr(0, dash);
  }
  std::uint64_t* parts[] = {&v.major_, &v.minor_, &v.patch_};
  std::size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!parseNumber(part, *parts[i])) return std::nullopt;
    if (dot == std::string_view::npos) return v;
    start = dot + 1;
  }
  return std::nullopt;  // more than three parts
}

std::optional<Version> Version::parseFlux(std::string_view text) {
  std::size_t first = text.find('.');
  if (first == std::string_view::npos || text.find('.', first + 1) == std::string_view::npos) {
    return std::nullopt;
  }
  return parse(text);
}

std::string Version::toString() const {
  std::string out =
      std::to_string(major_) + "." + std::to_string(minor_) + "." + std::to_string(patch_);
  if (!prerelease_.empty()) out += "-" + prerelease_;
  if (!metadata_.empty()) out += "+" + metadata_;
  return out;
}

int Version::compare(const Version& o) const noexcept {
  if (int d = compareNumber(major_, o.major_); d != 0) return d;
  if (int d = compareNumber(minor_, o.minor_); d != 0) return d;
  if (int d = compareNumber(patch_, o.patch_); d != 0) return d;
  if (prerelease_.empty() && o.prerelease_.empty()) return 0;
  if (prerelease_.empty()) return 1;
  if (o.prerelease_.empty()) return -1;
  return comparePrerelease(prerelease_, o.prerelease_);
}

std::string rewriteHyphenRanges(std::string_view text) {
  std::string in(text);
  return std::regex_replace(in, rangeRegex(), ">= $1, <= $11 ");
}

Constraints Constraints::parse(std::string_view text) {
  Constraints cs;
  cs.text_ = std::string(text);
  std::string rewritten = rewriteHyphenRanges(text);
  std::size_t start = 0;
  for (;;) {
    std::size_t bar = rewritten.find("||", start);
    std::string group =
        rewritten.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (!std::regex_match(group, validRegex())) {
      throw Error("improper constraint: " + std::string(text));
    }
    std::vector<Term> terms;
    for (auto it = std::sregex_iterator(group.begin(), group.end(), findRegex());
         it != std::sregex_iterator(); ++it) {
      terms.push_back(parseTerm(it->str(), text));
    }
    if (terms.empty()) terms.push_back(parseTerm(group, text));
    cs.groups_.push_back(std::move(terms));
    if (bar == std::string::npos) break;
    start = bar + 2;
  }
  return cs;
}

bool Constraints::check(const Version& v) const {
  for (const auto& group : groups_) {
    // A prerelease can only match a group that names a prerelease in one of its terms.
    if (!v.prerelease().empty()) {
      bool admitsPrerelease = false;
      for (const auto& t : group)
        admitsPrerelease = admitsPrerelease || !t.version.prerelease().empty();
      if (!admitsPrerelease) continue;
    }
    bool all = true;
    for (const auto& t : group) {
      if (!checkTerm(t, v)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

}  // namespace driftless::core
