#pragma once

// Semantic versions and ranges with the semantics of Masterminds/semver v3 (what every Flux
// controller uses), plus Flux's stricter version parsing (fluxcd/pkg/version).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace driftless::core {

class Version {
 public:
  // Masterminds NewVersion in its default coercing mode: optional `v`, 1-3 numeric parts
  // (missing ones are 0), optional -prerelease and +build. nullopt when invalid.
  static std::optional<Version> parse(std::string_view text);
  // Flux's ParseVersion: exactly three dot-separated parts, then parse().
  static std::optional<Version> parseFlux(std::string_view text);

  [[nodiscard]] std::uint64_t major() const noexcept { return major_; }
  [[nodiscard]] std::uint64_t minor() const noexcept { return minor_; }
  [[nodiscard]] std::uint64_t patch() const noexcept { return patch_; }
  [[nodiscard]] const std::string& prerelease() const noexcept { return prerelease_; }
  [[nodiscard]] const std::string& metadata() const noexcept { return metadata_; }
  // The text it was parsed from (what Flux reports, `v` prefix included).
  [[nodiscard]] const std::string& original() const noexcept { return original_; }
  // Canonical form: `1.2.3-pre+meta`.
  [[nodiscard]] std::string toString() const;

  // SemVer 2.0 precedence (build metadata ignored): -1, 0 or 1.
  [[nodiscard]] int compare(const Version& other) const noexcept;
  friend bool operator<(const Version& a, const Version& b) noexcept { return a.compare(b) < 0; }

 private:
  std::uint64_t major_ = 0;
  std::uint64_t minor_ = 0;
  std::uint64_t patch_ = 0;
  std::string prerelease_;
  std::string metadata_;
  std::string original_;
};

// A version range: `>=1.2.3 <2.0.0 || ^3.1`, hyphen ranges, wildcards, ~ and ^.
class Constraints {
 public:
  // Throws core::Error (`improper constraint: <text>`) when the range is malformed or empty.
  static Constraints parse(std::string_view text);

  [[nodiscard]] bool check(const Version& v) const;
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  [[nodiscard]] std::size_t orGroups() const noexcept { return groups_.size(); }
  [[nodiscard]] std::size_t termsInGroup(std::size_t i) const { return groups_.at(i).size(); }

  enum class Op : std::uint8_t {
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEq,
    LessEq,
    Tilde,
    Caret
  };
  struct Term {
    Op op = Op::TildeOrEqual;
    Version version;
    bool dirty = false;       // some part was missing or a wildcard
    bool minorDirty = false;  // the minor part (and so the patch) was missing or a wildcard
    bool patchDirty = false;  // only the patch part was missing or a wildcard
  };

 private:
  std::string text_;
  std::vector<std::vector<Term>> groups_;
};

// Masterminds' hyphen-range rewrite (`1.2 - 1.4.5` becomes `>= 1.2, <= 1.4.5`).
std::string rewriteHyphenRanges(std::string_view text);

}  // namespace driftless::core
