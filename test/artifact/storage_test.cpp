#include "driftless/artifact/storage.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "driftless/artifact/digest.h"
#include "driftless/artifact/sourceignore.h"
#include "driftless/core/error.h"
#include "driftless/core/time.h"
#include "test_util.h"

namespace driftless::artifact {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("computeDigest", "[artifact][digest]") {
  struct Case {
    std::string algorithm, input, want;
  };
  std::vector<Case> cases = {
      {"sha256", "abc", "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"sha256", "", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"sha384", "abc",
       "sha384:"
       "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c"
       "825a7"},
      {"sha512", "abc",
       "sha512:"
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3f"
       "eebbd454d4423643ce80e2a9ac94fa54ca49f"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.algorithm << " of '" << c.input << "'") {
      CHECK(computeDigest(c.algorithm, c.input) == c.want);
      CHECK(parseDigest(c.want).algorithm == c.algorithm);
    }
  }
  CHECK_THROWS_WITH(computeDigest("blake3", "abc"), ContainsSubstring("blake3 is not supported"));
  CHECK_THROWS_WITH(computeDigest("md5", "abc"), ContainsSubstring("unknown digest algorithm"));
  CHECK_THROWS_WITH(parseDigest("sha256:abc"), ContainsSubstring("64 lowercase hex"));
  CHECK(parseDigest(std::string(64, 'a')).algorithm == "sha256");
}

TEST_CASE("Storage::newArtifact paths and urls", "[artifact][storage]") {
  struct Case {
    std::string adv, kind, ns, name, file, wantPath, wantUrl;
  };
  std::vector<Case> cases = {
      {"source-controller.flux-system.svc.cluster.local.", "GitRepository", "flux-system",
       "podinfo", "abc.tar.gz", "gitrepository/flux-system/podinfo/abc.tar.gz",
       "http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/podinfo/"
       "abc.tar.gz"},
      {"localhost:9090", "HelmChart", "apps", "nginx", "nginx-1.2.3.tgz",
       "helmchart/apps/nginx/nginx-1.2.3.tgz",
       "http://localhost:9090/helmchart/apps/nginx/nginx-1.2.3.tgz"},
      {"https://artifacts.example.com", "OCIRepository", "ns", "x", "d.tar.gz",
       "ocirepository/ns/x/d.tar.gz", "https://artifacts.example.com/ocirepository/ns/x/d.tar.gz"},
      {"http://10.0.0.1:8080", "Bucket", "ns", "b", "h.tar.gz", "bucket/ns/b/h.tar.gz",
       "http://10.0.0.1:8080/bucket/ns/b/h.tar.gz"},
  };
  test::TempDir tmp;
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.kind << " at " << c.adv) {
      Storage storage({tmp.path(), c.adv});
      auto a = storage.newArtifact(c.kind, c.ns, c.name, "main@sha1:abc", c.file);
      CHECK(a.path == c.wantPath);
      CHECK(a.url == c.wantUrl);
      CHECK(a.revision == "main@sha1:abc");
      CHECK(storage.localPath(a) == tmp.path() / c.wantPath);
    }
  }
  Storage storage({tmp.path(), "h"});
  for (const auto& bad : {"", ".", "..", "a/b"}) {
    CHECK_THROWS_AS(storage.newArtifact("GitRepository", "ns", bad, "r", "f"), core::Error);
    CHECK_THROWS_AS(storage.newArtifact("GitRepository", "ns", "n", "r", bad), core::Error);
  }
  api::meta::Artifact escaping;
  escaping.path = "../../etc/passwd";
  CHECK(storage.localPath(escaping) == tmp.path() / "etc/passwd");
  CHECK_THROWS_AS(Storage({tmp.path(), "h", "blake3"}), core::Error);
}

TEST_CASE("Storage::archive writes atomically and digests the file", "[artifact][storage]") {
  test::TempDir tmp;
  test::writeFile(tmp.path() / "src/app.yaml", "kind: Deployment\n");
  test::writeFile(tmp.path() / "src/.git/HEAD", "ref\n");
  for (const std::string algo : {"sha256", "sha512"}) {
    DYNAMIC_SECTION(algo) {
      Storage storage({tmp.path() / "storage", "adv", algo});
      auto a = storage.newArtifact("GitRepository", "ns", "app", "main@sha1:1", "1.tar.gz");
      CHECK_FALSE(storage.exists(a));
      auto matcher = IgnoreMatcher::forDirectory(tmp.path() / "src", std::nullopt);
      storage.archive(a, tmp.path() / "src", matcher.toFilter());
      CHECK(storage.exists(a));
      fs::path file = storage.localPath(a);
      CHECK(a.digest == computeFileDigest(algo, file));
      CHECK(a.digest.starts_with(algo + ":"));
      CHECK(a.size == static_cast<std::int64_t>(fs::file_size(file)));
      CHECK(core::parseRfc3339(a.lastUpdateTime).has_value());
      CHECK((fs::status(file).permissions() & fs::perms::all) ==
            (fs::perms::owner_read | fs::perms::owner_write));
      CHECK(test::listTree(file.parent_path()) == std::set<std::string>{"1.tar.gz"});  // no temp
      std::vector<std::string> names;
      for (const auto& e : test::readTarGz(file))
        names.push_back(e.name);
      CHECK(names == std::vector<std::string>{".", "app.yaml"});
      CHECK_NOTHROW(storage.verify(a));
      test::writeFile(file, "tampered");
      CHECK_THROWS_WITH(storage.verify(a), ContainsSubstring("doesn't match"));

      // A failed write leaves neither the file nor a temp file.
      auto b = storage.newArtifact("GitRepository", "ns", "app", "r", "2.tar.gz");
      CHECK_THROWS_AS(storage.archive(b, tmp.path() / "missing"), core::Error);
      CHECK_THROWS_AS(storage.archive(b, tmp.path() / "src",
                                      [](std::string_view, bool) -> bool {
                                        throw core::Error("filter failed");
                                      }),
                      core::Error);
      CHECK(test::listTree(file.parent_path()) == std::set<std::string>{"1.tar.gz"});
    }
  }
}

TEST_CASE("Storage::copyFile, writeFile and symlink", "[artifact][storage]") {
  test::TempDir tmp;
  Storage storage({tmp.path() / "storage", "adv"});
  test::writeFile(tmp.path() / "chart.tgz", "chart bytes");
  auto chart = storage.newArtifact("HelmChart", "ns", "c", "1.0.0", "c-1.0.0.tgz");
  storage.copyFile(chart, tmp.path() / "chart.tgz");
  CHECK(test::readFile(storage.localPath(chart)) == "chart bytes");
  CHECK(chart.digest == computeDigest("sha256", "chart bytes"));
  CHECK(chart.size == 11);

  auto index = storage.newArtifact("HelmRepository", "ns", "r", "sha256:x", "index-abc.yaml");
  storage.writeFile(index, "{}\n");
  CHECK(index.digest == computeDigest("sha256", "{}\n"));
  CHECK(storage.symlink(index, "index.yaml") == "http://adv/helmrepository/ns/r/index.yaml");
  CHECK(test::readFile(tmp.path() / "storage/helmrepository/ns/r/index.yaml") == "{}\n");
  CHECK(fs::read_symlink(tmp.path() / "storage/helmrepository/ns/r/index.yaml") ==
        "index-abc.yaml");
}

struct GcCase {
  std::string name;
  std::vector<std::pair<std::string, int>> files;  // name, age in seconds
  std::string current;
  int ttlSeconds;
  int records;
  std::set<std::string> deleted;
};

std::vector<GcCase> gcCases() {
  return {
      {"nothing to collect", {{"a", 5}, {"b", 0}}, "b", 60, 2, {}},
      {"too many records: the oldest go",
       {{"a", 30}, {"b", 20}, {"c", 10}, {"d", 0}},
       "d",
       60,
       2,
       {"a", "b"}},
      {"expired by ttl", {{"a", 120}, {"b", 0}}, "b", 60, 5, {"a"}},
      {"ttl and records together",
       {{"a", 300}, {"b", 200}, {"c", 30}, {"d", 20}, {"e", 0}},
       "e",
       60,
       2,
       {"a", "b", "c"}},
      {"the current artifact is kept even when old", {{"a", 500}, {"b", 10}}, "a", 60, 1, {"b"}},
      {"lock files go with their artifact",
       {{"a", 120}, {"a.lock", 120}, {"b", 0}, {"b.lock", 0}},
       "b",
       60,
       2,
       {"a"}},
  };
}

TEST_CASE("Storage::garbageCollect", "[artifact][storage]") {
  for (const auto& c : gcCases()) {
    DYNAMIC_SECTION(c.name) {
      test::TempDir tmp;
      Storage storage({tmp.path(), "adv", "sha256", std::chrono::seconds(c.ttlSeconds), c.records});
      auto now = fs::file_time_type::clock::now();
      fs::path dir = tmp.path() / "gitrepository/ns/app";
      for (const auto& [name, age] : c.files) {
        test::writeFile(dir / name, name);
        fs::last_write_time(dir / name, now - std::chrono::seconds(age));
      }
      auto current = storage.newArtifact("GitRepository", "ns", "app", "r", c.current);
      std::set<std::string> deleted;
      for (const auto& p : storage.garbageCollect(current))
        deleted.insert(fs::path(p).filename().string());
      CHECK(deleted == c.deleted);
      for (const auto& [name, age] : c.files) {
        bool gone =
            c.deleted.count(name) != 0 ||
            (name.ends_with(".lock") && c.deleted.count(name.substr(0, name.size() - 5)) != 0);
        INFO(name);
        CHECK(fs::exists(dir / name) == !gone);
      }
    }
  }
}

TEST_CASE("Storage::lock and removeAll", "[artifact][storage]") {
  test::TempDir tmp;
  Storage storage({tmp.path(), "adv"});
  auto a = storage.newArtifact("GitRepository", "ns", "app", "r", "1.tar.gz");
  auto tryLock = [&] {
    int fd = ::open((storage.localPath(a).string() + ".lock").c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    bool got = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    return got;
  };
  {
    auto held = storage.lock(a);
    CHECK_FALSE(tryLock());
  }
  CHECK(tryLock());

  test::writeFile(storage.localPath(a), "x");
  storage.removeAll("GitRepository", "ns", "app");
  CHECK_FALSE(fs::exists(tmp.path() / "gitrepository/ns/app"));
  CHECK(fs::exists(tmp.path() / "gitrepository/ns"));
}

}  // namespace
}  // namespace driftless::artifact
