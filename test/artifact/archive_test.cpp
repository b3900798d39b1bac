#include "driftless/artifact/archive.h"

#include <sys/stat.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cstdlib>

#include "driftless/artifact/sourceignore.h"
#include "driftless/core/error.h"
#include "test_util.h"

namespace driftless::artifact {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;

// a.txt, bin/run.sh (executable), sub/deep/b.yaml, a symlink and an empty directory.
void makeTree(const fs::path& root) {
  test::writeFile(root / "a.txt", "alpha\n");
  test::writeFile(root / "bin/run.sh", "#!/bin/sh\necho hi\n");
  fs::permissions(root / "bin/run.sh", fs::perms::owner_all | fs::perms::group_read);
  test::writeFile(root / "sub/deep/b.yaml", "kind: ConfigMap\n");
  fs::create_directories(root / "empty");
  fs::create_symlink("a.txt", root / "link.txt");
  fs::create_directory_symlink("sub", root / "linkdir");
}

TEST_CASE("writeTarGz: Flux's entries, modes and owners", "[artifact][archive]") {
  test::TempDir tmp;
  makeTree(tmp.path() / "src");
  writeTarGz(tmp.path() / "src", tmp.path() / "out.tar.gz");
  auto entries = test::readTarGz(tmp.path() / "out.tar.gz");

  std::vector<std::string> names;
  for (const auto& e : entries)
    names.push_back(e.name);
  CHECK(names == std::vector<std::string>{".", "a.txt", "bin", "bin/run.sh", "empty", "sub",
                                          "sub/deep", "sub/deep/b.yaml"});
  for (const auto& e : entries) {
    INFO(e.name);
    CHECK(e.uid == 0);
    CHECK(e.gid == 0);
    CHECK(e.mtime == 0);
    CHECK(e.uname.empty());
    CHECK(e.gname.empty());
    bool dir = e.type == '5';
    CHECK(e.mode == (dir ? 0750u : e.name == "bin/run.sh" ? 0700u : 0600u));
  }
  CHECK(entries[1].content == "alpha\n");
  CHECK(entries[7].content == "kind: ConfigMap\n");
}

TEST_CASE("writeTarGz: the same tree gives the same bytes", "[artifact][archive]") {
  test::TempDir tmp;
  makeTree(tmp.path() / "one");
  writeTarGz(tmp.path() / "one", tmp.path() / "1.tar.gz");
  // A copy made later, with other times and a different creation order.
  test::writeFile(tmp.path() / "two/sub/deep/b.yaml", "kind: ConfigMap\n");
  fs::create_directories(tmp.path() / "two/empty");
  test::writeFile(tmp.path() / "two/bin/run.sh", "#!/bin/sh\necho hi\n");
  fs::permissions(tmp.path() / "two/bin/run.sh", fs::perms::owner_all);
  test::writeFile(tmp.path() / "two/a.txt", "alpha\n");
  fs::last_write_time(tmp.path() / "two/a.txt",
                      fs::file_time_type::clock::now() - std::chrono::hours(48));
  writeTarGz(tmp.path() / "two", tmp.path() / "2.tar.gz");
  CHECK(test::readFile(tmp.path() / "1.tar.gz") == test::readFile(tmp.path() / "2.tar.gz"));
}

TEST_CASE("writeTarGz: the filter is asked about every path", "[artifact][archive]") {
  test::TempDir tmp;
  makeTree(tmp.path() / "src");
  // Flux walks into an excluded directory: a later negation re-includes its files.
  auto matcher = IgnoreMatcher::forDirectory(tmp.path() / "src", std::string("sub/\n!b.yaml\n"));
  writeTarGz(tmp.path() / "src", tmp.path() / "out.tar.gz",
             [&](std::string_view p, bool isDir) { return matcher.ignored(p, isDir); });
  std::vector<std::string> names;
  for (const auto& e : test::readTarGz(tmp.path() / "out.tar.gz"))
    names.push_back(e.name);
  CHECK(names ==
        std::vector<std::string>{".", "a.txt", "bin", "bin/run.sh", "empty", "sub/deep/b.yaml"});
}

TEST_CASE("writeTarGz and extractTarGz round trip, long names included", "[artifact][archive]") {
  test::TempDir tmp;
  makeTree(tmp.path() / "src");
  std::string longDir(120, 'd');
  std::string longName = longDir + "/" + std::string(90, 'f') + ".yaml";       // USTAR prefix
  std::string veryLong = std::string(150, 'x') + "/" + std::string(150, 'y');  // PAX path
  test::writeFile(tmp.path() / "src" / longName, "long\n");
  test::writeFile(tmp.path() / "src" / veryLong, "very long\n");
  writeTarGz(tmp.path() / "src", tmp.path() / "out.tar.gz");
  extractTarGz(tmp.path() / "out.tar.gz", tmp.path() / "dest");

  CHECK(test::readFile(tmp.path() / "dest/a.txt") == "alpha\n");
  CHECK(test::readFile(tmp.path() / "dest" / longName) == "long\n");
  CHECK(test::readFile(tmp.path() / "dest" / veryLong) == "very long\n");
  CHECK(fs::is_directory(tmp.path() / "dest/empty"));
  CHECK_FALSE(fs::exists(tmp.path() / "dest/link.txt"));
  CHECK((fs::status(tmp.path() / "dest/bin/run.sh").permissions() & fs::perms::owner_exec) !=
        fs::perms::none);

  // GNU tar reads the same names.
  std::string cmd = "tar -tzf " + (tmp.path() / "out.tar.gz").string() + " > " +
                    (tmp.path() / "list.txt").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::string listing = test::readFile(tmp.path() / "list.txt");
  CHECK_THAT(listing, ContainsSubstring(longName + "\n"));
  CHECK_THAT(listing, ContainsSubstring(veryLong + "\n"));
}

TEST_CASE("extractTarGz: links that stay inside", "[artifact][archive]") {
  test::TempDir tmp;
  test::writeRawTarGz(tmp.path() / "in.tar.gz", {{"v1/app.yaml", '0', "app\n"},
                                                 {"current", '2', "", "v1"},
                                                 {"v1/again.yaml", '1', "", "v1/app.yaml"},
                                                 {"v1/up", '2', "", "../current/app.yaml"}});
  extractTarGz(tmp.path() / "in.tar.gz", tmp.path() / "dest");
  CHECK(test::readFile(tmp.path() / "dest/current/app.yaml") == "app\n");
  CHECK(test::readFile(tmp.path() / "dest/v1/again.yaml") == "app\n");
  CHECK(test::readFile(tmp.path() / "dest/v1/up") == "app\n");
}

struct HostileCase {
  HostileCase(std::string n, std::vector<test::RawEntry> e, std::string err, ExtractLimits l = {},
              bool gz = true)
      : name(std::move(n)), entries(std::move(e)), error(std::move(err)), limits(l), gzip(gz) {}
  std::string name;
  std::vector<test::RawEntry> entries;
  std::string error;
  ExtractLimits limits;
  bool gzip;
};

std::vector<HostileCase> hostileCases() {
  std::string big(2000, 'b');
  return {
      {"absolute name", {{"/tmp/evil", '0', "x"}}, "absolute name"},
      {"dot-dot traversal", {{"../outside/evil", '0', "x"}}, "leaves the destination"},
      {"dot-dot in the middle", {{"a/../../outside/evil", '0', "x"}}, "leaves the destination"},
      {"backslash", {{"..\\evil", '0', "x"}}, "backslash"},
      {"symlink escaping, then a file through it",
       {{"link", '2', "", "../outside"}, {"link/pwned", '0', "x"}},
       "leaves the destination"},
      {"absolute symlink", {{"link", '2', "", "/etc"}}, "absolute path"},
      {"symlink inside, then a file through it",
       {{"sub/", '5'}, {"link", '2', "", "sub"}, {"link/file", '0', "x"}},
       "through a symlink"},
      {"file over a symlink", {{"link", '2', "", "sub"}, {"link", '0', "x"}}, "through a symlink"},
      {"symlink escaping through another symlink",
       {{"d/l", '2', "", ".."}, {"m", '2', "", "d/l/../.."}},
       "resolves outside the destination"},
      {"symlink chain, then a file through it",
       {{"d/l", '2', "", ".."}, {"m", '2', "", "d/l/../../outside"}, {"m/pwned", '0', "x"}},
       "through a symlink"},
      {"hardlink escaping", {{"h", '1', "", "../outside/secret"}}, "leaves the destination"},
      {"absolute hardlink", {{"h", '1', "", "/etc/passwd"}}, "absolute name"},
      {"hardlink to a symlink", {{"l", '2', "", "."}, {"h", '1', "", "l"}}, "not a regular file"},
      {"oversized content",
       {{"a", '0', big}, {"b", '0', big}},
       "bigger than the max size of 3000",
       {3000, 100}},
      {"a size claimed beyond the limit (PAX)",
       {{"huge", '0', "x", "", 1ull << 62}},
       "bigger than the max size"},
      {"too many files",
       {{"a", '0'}, {"b", '0'}, {"c", '0'}, {"d", '0'}},
       "more than 3 entries",
       {1 << 20, 3}},
      {"character device", {{"dev", '3'}}, "device nodes"},
      {"block device", {{"dev", '4'}}, "device nodes"},
      {"fifo", {{"fifo", '6'}}, "FIFOs"},
      {"unknown type", {{"odd", 'Z'}}, "unsupported entry type"},
      {"plain tar", {{"a", '0', "x"}}, "gzip", {}, false},
  };
}

TEST_CASE("extractTarGz rejects hostile archives", "[artifact][archive]") {
  for (const auto& c : hostileCases()) {
    DYNAMIC_SECTION(c.name) {
      test::TempDir tmp;
      test::writeFile(tmp.path() / "outside/secret", "secret\n");
      test::writeRawTarGz(tmp.path() / "in.tar.gz", c.entries, c.gzip);
      CHECK_THROWS_WITH(extractTarGz(tmp.path() / "in.tar.gz", tmp.path() / "dest", c.limits),
                        ContainsSubstring(c.error));
      // Nothing outside dest changed.
      std::set<std::string> outside;
      for (const auto& p : test::listTree(tmp.path())) {
        if (p != "dest" && !p.starts_with("dest/")) outside.insert(p);
      }
      CHECK(outside == std::set<std::string>{"in.tar.gz", "outside", "outside/secret"});
      CHECK(test::readFile(tmp.path() / "outside/secret") == "secret\n");
      CHECK_FALSE(fs::exists(tmp.path() / "evil"));
      CHECK_FALSE(fs::exists("/tmp/evil"));
    }
  }
}

TEST_CASE("extractTarGz rejects a corrupt header and a truncated archive", "[artifact][archive]") {
  test::TempDir tmp;
  test::writeFile(tmp.path() / "raw.tar", std::string(512, 'x'));
  std::string cmd =
      "gzip -c " + (tmp.path() / "raw.tar").string() + " > " + (tmp.path() / "bad.tar.gz").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK_THROWS_WITH(extractTarGz(tmp.path() / "bad.tar.gz", tmp.path() / "d1"),
                    ContainsSubstring("checksum"));

  test::writeRawTarGz(tmp.path() / "ok.tar", {{"a", '0', std::string(4000, 'a')}}, false);
  std::string whole = test::readFile(tmp.path() / "ok.tar");
  test::writeFile(tmp.path() / "cut.tar", whole.substr(0, 1500));
  cmd =
      "gzip -c " + (tmp.path() / "cut.tar").string() + " > " + (tmp.path() / "cut.tar.gz").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK_THROWS_WITH(extractTarGz(tmp.path() / "cut.tar.gz", tmp.path() / "d2"),
                    ContainsSubstring("unexpected end"));
}

}  // namespace
}  // namespace driftless::artifact
