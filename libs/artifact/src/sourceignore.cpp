#include "driftless/artifact/sourceignore.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>
#include <system_error>

#include "driftless/core/error.h"

namespace driftless::artifact {
namespace {

// Go's filepath.Match on one path segment, over code points (a `?` matches one rune).
class SegmentGlob {
 public:
  explicit SegmentGlob(std::string_view pattern) : p_(decode(pattern)) {}

  // False for a malformed pattern (Go's ErrBadPattern, which Flux treats as no match).
  [[nodiscard]] bool match(std::string_view name) const {
    if (!valid()) return false;
    std::u32string s = decode(name);
    std::size_t pi = 0, si = 0, star = std::u32string::npos, mark = 0;
    while (si < s.size()) {
      std::size_t next = 0;
      if (pi < p_.size() && p_[pi] == U'*') {
        star = pi++;
        mark = si;
      } else if (pi < p_.size() && matchOne(pi, s[si], next)) {
        pi = next;
        ++si;
      } else if (star != std::u32string::npos) {
        pi = star + 1;
        si = ++mark;
      } else {
        return false;
      }
    }
    while (pi < p_.size() && p_[pi] == U'*')
      ++pi;
    return pi == p_.size();
  }

 private:
  static std::u32string decode(std::string_view s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
      auto c = static_cast<unsigned char>(s[i]);
      int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
        out += U'\uFFFD';
        ++i;
        continue;
      }
      char32_t cp = len == 1 ? c : c & (0x7F >> len);
      for (int k = 1; k < len; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      out += cp;
      i += static_cast<std::size_t>(len);
    }
    return out;
  }

  // One class element (escaped or not) at i; false when malformed.
  bool classChar(std::size_t& i, char32_t& c) const {
    if (i >= p_.size() || p_[i] == U'-' || p_[i] == U']') return false;
    if (p_[i] == U'\\' && ++i >= p_.size()) return false;
    c = p_[i++];
    return true;
  }

  // Parses the class starting after '[' at i; sets end past ']' and whether c is in it.
  bool matchClass(std::size_t i, char32_t c, std::size_t& end, bool& in) const {
    bool negated = i < p_.size() && p_[i] == U'^';
    if (negated) ++i;
    bool found = false;
    for (int n = 0;; ++n) {
      if (i < p_.size() && p_[i] == U']' && n > 0) break;
      char32_t lo = 0, hi = 0;
      if (!classChar(i, lo)) return false;
      hi = lo;
      if (i < p_.size() && p_[i] == U'-') {
        ++i;
        if (!classChar(i, hi) || hi < lo) return false;
      }
      if (lo <= c && c <= hi) found = true;
    }
    end = i + 1;
    in = found != negated;
    return true;
  }

  bool matchOne(std::size_t pi, char32_t c, std::size_t& next) const {
    switch (p_[pi]) {
      case U'?':
        next = pi + 1;
        return c != U'/';
      case U'[': {
        bool in = false;
        return matchClass(pi + 1, c, next, in) && in;
      }
      case U'\\':
        next = pi + 2;
        return p_[pi + 1] == c;
      default:
        next = pi + 1;
        return p_[pi] == c;
    }
  }

  [[nodiscard]] bool valid() const {
    for (std::size_t i = 0; i < p_.size();) {
      if (p_[i] == U'\\') {
        if (i + 1 >= p_.size()) return false;
        i += 2;
      } else if (p_[i] == U'[') {
        bool in = false;
        if (!matchClass(i + 1, 0, i, in)) return false;
      } else {
        ++i;
      }
    }
    return true;
  }

  std::u32string p_;
};

bool globMatches(std::string_view pattern, std::string_view name) {
  return SegmentGlob(pattern).match(name);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  for (;;) {
    std::size_t pos = s.find(sep);
    out.emplace_back(s.substr(0, pos));
    if (pos == std::string_view::npos) return out;
    s.remove_prefix(pos + 1);
  }
}

std::string readFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw core::Error("cannot read " + file.string() + ": " + std::strerror(errno));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// sourceignore.LoadIgnorePatterns: dir/.sourceignore, then each subdirectory (not .git) by name.
void loadIgnoreFiles(const std::filesystem::path& dir, std::vector<std::string>& domain,
                     std::vector<IgnorePattern>& out) {
  std::error_code ec;
  std::filesystem::path file = dir / IgnoreMatcher::kIgnoreFile;
  if (std::filesystem::is_regular_file(file, ec)) {
    auto ps = readIgnorePatterns(readFile(file), domain);
    std::move(ps.begin(), ps.end(), std::back_inserter(out));
  }
  std::vector<std::string> subdirs;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code typeEc;
    if (it->is_directory(typeEc) && !it->is_symlink(typeEc) && it->path().filename() != ".git") {
      subdirs.push_back(it->path().filename().string());
    }
  }
  if (ec) throw core::Error("cannot list " + dir.string() + ": " + ec.message());
  std::sort(subdirs.begin(), subdirs.end());
  for (const auto& name : subdirs) {
    domain.push_back(name);
    loadIgnoreFiles(dir / name, domain, out);
    domain.pop_back();
  }
}

std::vector<IgnorePattern> listPatterns(std::string_view commaSeparated) {
  std::vector<IgnorePattern> out;
  for (const auto& p : split(commaSeparated, ','))
    out.emplace_back(p, std::vector<std::string>{});
  return out;
}

}  // namespace

IgnorePattern::IgnorePattern(std::string_view line, std::vector<std::string> domain)
    : domain_(std::move(domain)) {
  if (line.starts_with('!')) {
    inclusion_ = true;
    line.remove_prefix(1);
  }
  if (!line.ends_with("\\ ")) {
    while (line.ends_with(' '))
      line.remove_suffix(1);
  }
  if (line.ends_with('/')) {
    dirOnly_ = true;
    line.remove_suffix(1);
  }
  isGlob_ = line.find('/') != std::string_view::npos;
  segments_ = split(line, '/');
}

IgnorePattern::Result IgnorePattern::match(const std::vector<std::string_view>& path,
                                           bool isDir) const {
  if (path.size() <= domain_.size()) return Result::NoMatch;
  for (std::size_t i = 0; i < domain_.size(); ++i) {
    if (path[i] != domain_[i]) return Result::NoMatch;
  }
  std::vector<std::string_view> rest(path.begin() + static_cast<std::ptrdiff_t>(domain_.size()),
                                     path.end());
  bool matched = isGlob_ ? globMatch(rest, isDir) : simpleNameMatch(rest, isDir);
  if (!matched) return Result::NoMatch;
  return inclusion_ ? Result::Include : Result::Exclude;
}

bool IgnorePattern::simpleNameMatch(const std::vector<std::string_view>& path, bool isDir) const {
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (!globMatches(segments_[0], path[i])) continue;
    // A dir-only pattern matches a non-directory only through one of its parents.
    return !(dirOnly_ && !isDir && i == path.size() - 1);
  }
  return false;
}

bool IgnorePattern::globMatch(const std::vector<std::string_view>& fullPath, bool isDir) const {
  std::span<const std::string_view> path(fullPath);
  bool matched = false;
  bool canTraverse = false;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const std::string& segment = segments_[i];
    if (segment.empty()) {  // a leading (or doubled) slash
      canTraverse = false;
      continue;
    }
    if (segment == "**") {
      if (i == segments_.size() - 1) break;
      canTraverse = true;
      continue;
    }
    if (segment.find("**") != std::string::npos || path.empty()) return false;
    if (canTraverse) {
      canTraverse = false;
      matched = false;
      while (!path.empty()) {
        bool hit = globMatches(segment, path.front());
        path = path.subspan(1);
        if (hit) {
          matched = true;
          break;
        }
      }
    } else {
      if (!globMatches(segment, path.front())) return false;
      matched = true;
      path = path.subspan(1);
    }
  }
  // A dir-only pattern matches a file only through one of its parents.
  if (matched && dirOnly_ && !isDir && path.empty()) return false;
  return matched;
}

std::vector<IgnorePattern> readIgnorePatterns(std::string_view text,
                                              const std::vector<std::string>& domain) {
  std::vector<IgnorePattern> out;
  for (auto& line : split(text, '\n')) {
    if (line.ends_with('\r')) line.pop_back();
    if (line.starts_with('#') || line.find_first_not_of(" \t\v\f\r") == std::string::npos) {
      continue;
    }
    out.emplace_back(line, domain);
  }
  return out;
}

IgnoreMatcher IgnoreMatcher::forDirectory(const std::filesystem::path& root,
                                          const std::optional<std::string>& userPatterns) {
  std::vector<IgnorePattern> found;
  std::vector<std::string> domain;
  loadIgnoreFiles(root, domain, found);
  if (userPatterns) {
    auto ps = readIgnorePatterns(*userPatterns);
    std::move(ps.begin(), ps.end(), std::back_inserter(found));
  }
  IgnoreMatcher m;
  m.patterns_ = listPatterns(kVcsPatterns);
  if (found.empty()) {
    auto defaults = listPatterns(kDefaultPatterns);
    std::move(defaults.begin(), defaults.end(), std::back_inserter(m.patterns_));
  }
  std::move(found.begin(), found.end(), std::back_inserter(m.patterns_));
  return m;
}

IgnoreMatcher IgnoreMatcher::withDefaults(std::string_view patterns) {
  IgnoreMatcher m;
  m.patterns_ = listPatterns(kVcsPatterns);
  auto defaults = listPatterns(kDefaultPatterns);
  std::move(defaults.begin(), defaults.end(), std::back_inserter(m.patterns_));
  auto ps = readIgnorePatterns(patterns);
  std::move(ps.begin(), ps.end(), std::back_inserter(m.patterns_));
  return m;
}

bool IgnoreMatcher::ignored(std::string_view relPath, bool isDir) const {
  std::vector<std::string_view> path;
  for (;;) {
    std::size_t pos = relPath.find('/');
    std::string_view part = relPath.substr(0, pos);
    if (!part.empty() && part != ".") path.push_back(part);
    if (pos == std::string_view::npos) break;
    relPath.remove_prefix(pos + 1);
  }
  if (path.empty()) return false;
  for (auto it = patterns_.rbegin(); it != patterns_.rend(); ++it) {
    auto r = it->match(path, isDir);
    if (r != IgnorePattern::Result::NoMatch) return r == IgnorePattern::Result::Exclude;
  }
  return false;
}

ArchiveFilter IgnoreMatcher::toFilter() const {
  return [matcher = *this](std::string_view relPath, bool isDir) {
    return matcher.ignored(relPath, isDir);
  };
}

}  // namespace driftless::artifact
