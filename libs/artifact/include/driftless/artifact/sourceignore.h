#pragma once

// .sourceignore and spec.ignore: gitignore syntax with the semantics of Flux's matcher
// (fluxcd/pkg sourceignore, from go-git's gitignore):
// - `#` lines and blank lines are skipped; trailing spaces are trimmed unless escaped (`\ `);
// - `!pat` re-includes; the last pattern that matches a path decides;
// - `pat/` matches directories only;
// - a pattern without `/` matches a name at any depth, and everything below a matching directory;
// - a pattern with a `/` is anchored to the directory of the file that declared it (a leading `/`
//   changes nothing else) and also matches everything below what it matches;
// - `**` as a whole segment matches zero or more directories (`**/x`, `a/**/b`, `a/**`);
// - `*`, `?`, `[a-z]`, `[^a]` and `\` escapes as Go's filepath.Match, within one segment.
// Unlike git, an excluded directory does not hide its contents from later `!` patterns: Flux
// checks every path on its own, and so does this matcher.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/artifact/archive.h"

namespace driftless::artifact {

// One gitignore pattern, scoped to a directory (its domain, as path segments from the root).
class IgnorePattern {
 public:
  enum class Result { NoMatch, Exclude, Include };

  IgnorePattern(std::string_view line, std::vector<std::string> domain);
  [[nodiscard]] Result match(const std::vector<std::string_view>& path, bool isDir) const;

 private:
  [[nodiscard]] bool simpleNameMatch(const std::vector<std::string_view>& path, bool isDir) const;
  [[nodiscard]] bool globMatch(const std::vector<std::string_view>& path, bool isDir) const;

  std::vector<std::string> domain_;
  std::vector<std::string> segments_;
  bool inclusion_ = false;
  bool dirOnly_ = false;
  bool isGlob_ = false;
};

class IgnoreMatcher {
 public:
  // Flux's VCS patterns, always applied: .git/ .gitignore .gitmodules .gitattributes.
  static constexpr std::string_view kVcsPatterns = ".git/,.gitignore,.gitmodules,.gitattributes";
  // Flux's default exclusions (images, archives, CI files), applied only without user patterns.
  static constexpr std::string_view kDefaultPatterns =
      "*.jpg,*.jpeg,*.gif,*.png,*.wmv,*.flv,*.tar.gz,*.zip,"
      ".github/,.circleci/,.travis.yml,.gitlab-ci.yml,appveyor.yml,.drone.yml,cloudbuild.yaml,"
      "codeship-services.yml,codeship-steps.yml,"
      "**/.goreleaser.yml,**/.sops.yaml,**/.flux.yaml";
  static constexpr std::string_view kIgnoreFile = ".sourceignore";

  // The GitRepository filter (source-controller's SourceIgnoreFilter): the VCS patterns, then
  // every .sourceignore under root (each scoped to its directory, parents before children,
  // siblings by name; .git is not searched), then userPatterns (spec.ignore). When neither
  // contributes a pattern, Flux's default exclusions are added instead. Throws core::Error when
  // a .sourceignore cannot be read.
  static IgnoreMatcher forDirectory(const std::filesystem::path& root,
                                    const std::optional<std::string>& userPatterns);
  // The VCS and default patterns, then patterns (the Bucket filter: defaults are kept).
  static IgnoreMatcher withDefaults(std::string_view patterns);

  // relPath is '/'-separated and relative to the root ("" and "." are never ignored).
  [[nodiscard]] bool ignored(std::string_view relPath, bool isDir) const;
  // This matcher (copied) as the filter of writeTarGz and Storage::archive.
  [[nodiscard]] ArchiveFilter toFilter() const;

 private:
  std::vector<IgnorePattern> patterns_;  // in increasing priority
};

// The patterns of a gitignore-syntax text, scoped to domain.
std::vector<IgnorePattern> readIgnorePatterns(std::string_view text,
                                              const std::vector<std::string>& domain = {});

}  // namespace driftless::artifact
