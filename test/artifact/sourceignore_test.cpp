#include "driftless/artifact/sourceignore.h"

#include <catch2/catch_test_macros.hpp>

#include "test_util.h"

namespace driftless::artifact {
namespace {

struct Check {
  std::string path;
  bool isDir;
  bool ignored;
};

struct IgnoreCase {
  std::string name;
  std::map<std::string, std::string> ignoreFiles;  // dir ("" = root) -> .sourceignore content
  std::optional<std::string> userPatterns;
  std::vector<Check> checks;
};

std::vector<IgnoreCase> ignoreCases() {
  return {
      {"no patterns: VCS and default exclusions",
       {},
       std::nullopt,
       {{".git", true, true},
        {".git/config", false, true},
        {".gitignore", false, true},
        {"img.png", false, true},
        {"sub/photo.JPG", false, false},
        {"sub/photo.jpg", false, true},
        {"release.tar.gz", false, true},
        {".github", true, true},
        {".github/workflows/ci.yml", false, true},
        {".travis.yml", false, true},
        {"sub/.sops.yaml", false, true},
        {".flux.yaml", false, true},
        {"a/b/.goreleaser.yml", false, true},
        {"deploy/app.yaml", false, false},
        {"", true, false}}},
      {"user patterns drop the defaults but not the VCS patterns",
       {},
       "*.txt\n",
       {{"img.png", false, false},
        {".github", true, false},
        {"notes.txt", false, true},
        {"a/b/notes.txt", false, true},
        {".git", true, true},
        {".git/HEAD", false, true}}},
      {"a .sourceignore drops the defaults",
       {{"", "# only yaml is ignored\n*.yaml\n"}},
       std::nullopt,
       {{"img.png", false, false}, {"app.yaml", false, true}, {".git/x", false, true}}},
      {"a .sourceignore with only comments keeps the defaults",
       {{"", "# nothing\n\n   \n"}},
       std::nullopt,
       {{"img.png", false, true}, {"app.yaml", false, false}}},
      {"empty spec.ignore keeps the defaults", {}, "", {{"img.png", false, true}}},
      {"negation: the last matching pattern wins",
       {},
       "*.yaml\n!keep.yaml\n",
       {{"a.yaml", false, true},
        {"keep.yaml", false, false},
        {"sub/keep.yaml", false, false},
        {"sub/other.yaml", false, true}}},
      {"negation then exclusion", {}, "!keep.yaml\n*.yaml\n", {{"keep.yaml", false, true}}},
      {"dir-only patterns",
       {},
       "build/\n",
       {{"build", true, true},
        {"build", false, false},
        {"build/out.bin", false, true},
        {"src/build", true, true},
        {"src/build/x", false, true}}},
      {"anchored patterns",
       {},
       "/root.txt\ndocs/*.md\n",
       {{"root.txt", false, true},
        {"sub/root.txt", false, false},
        {"docs/a.md", false, true},
        {"x/docs/a.md", false, false},
        {"docs/sub/a.md", false, false},
        {"docs/a.md.bak", false, false}}},
      {"a slash pattern also matches below what it matches",
       {},
       "config/dev\n",
       {{"config/dev", true, true},
        {"config/dev/app.yaml", false, true},
        {"config/prod", true, false}}},
      {"double star",
       {},
       "**/secret.yaml\na/**/z.yaml\nlogs/**\n",
       {{"secret.yaml", false, true},
        {"x/y/secret.yaml", false, true},
        {"a/z.yaml", false, true},
        {"a/b/c/z.yaml", false, true},
        {"b/z.yaml", false, false},
        {"logs/x", false, true},
        {"logs/a/b", false, true},
        {"other/logs", true, false}}},
      {"globs: ? [] [^] escapes and trailing spaces",
       {},
       "file?.txt\n[ab].cfg\n[^xy].ini\n\\#hash\nspaced.txt   \n\\!bang\n",
       {{"file1.txt", false, true},
        {"file10.txt", false, false},
        {"a.cfg", false, true},
        {"c.cfg", false, false},
        {"z.ini", false, true},
        {"x.ini", false, false},
        {"#hash", false, true},
        {"spaced.txt", false, true},
        {"!bang", false, true}}},
      {"a malformed glob matches nothing",
       {},
       "[a-\n",
       {{"a", false, false}, {"[a-", false, false}}},
      {"nested .sourceignore files are scoped to their directory",
       {{"sub", "*.yaml\n/only.txt\n"}},
       std::nullopt,
       {{"sub/a.yaml", false, true},
        {"a.yaml", false, false},
        {"sub/deep/a.yaml", false, true},
        {"sub/only.txt", false, true},
        {"sub/deep/only.txt", false, false},
        {"only.txt", false, false},
        {"other/a.yaml", false, false},
        {"img.png", false, false}}},
      {"a child .sourceignore overrides its parent",
       {{"", "*.yaml\n"}, {"sub", "!keep.yaml\n"}},
       std::nullopt,
       {{"keep.yaml", false, true},
        {"sub/keep.yaml", false, false},
        {"sub/other.yaml", false, true}}},
      {"spec.ignore overrides every .sourceignore",
       {{"sub", "*.yaml\n"}},
       "!sub/keep.yaml\n",
       {{"sub/keep.yaml", false, false}, {"sub/drop.yaml", false, true}}},
      {".git is not searched for .sourceignore files",
       {{".git", "*.yaml\n"}},
       std::nullopt,
       {{"a.yaml", false, false}, {"img.png", false, true}}},
      {"CRLF line endings",
       {{"", "*.yaml\r\n!keep.yaml\r\n"}},
       std::nullopt,
       {{"a.yaml", false, true}, {"keep.yaml", false, false}}},
  };
}

TEST_CASE("IgnoreMatcher::forDirectory", "[artifact][sourceignore]") {
  for (const auto& c : ignoreCases()) {
    DYNAMIC_SECTION(c.name) {
      test::TempDir dir;
      for (const auto& [sub, content] : c.ignoreFiles) {
        test::writeFile(dir.path() / sub / ".sourceignore", content);
      }
      auto matcher = IgnoreMatcher::forDirectory(dir.path(), c.userPatterns);
      for (const auto& check : c.checks) {
        INFO(check.path << (check.isDir ? " (dir)" : ""));
        CHECK(matcher.ignored(check.path, check.isDir) == check.ignored);
      }
    }
  }
}

TEST_CASE("IgnoreMatcher::withDefaults keeps the defaults", "[artifact][sourceignore]") {
  auto matcher = IgnoreMatcher::withDefaults("*.txt\n!keep.png\n");
  CHECK(matcher.ignored("a.txt", false));
  CHECK(matcher.ignored("img.png", false));
  CHECK_FALSE(matcher.ignored("keep.png", false));
  CHECK(matcher.ignored(".git", true));
}

}  // namespace
}  // namespace driftless::artifact
