// git::checkout against real servers on 127.0.0.1: git daemon (git://) and git-http-backend
// (http://, with basic and bearer auth).

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "driftless/git/checkout.h"
#include "fixture_repos.h"

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;
using driftless::git::checkout;
using driftless::git::CheckoutOptions;
using driftless::git::GitError;
using driftless::git::Reference;
using driftless::test::git::FixtureRepos;
using driftless::test::git::GitDaemon;
using driftless::test::git::HttpAuth;
using driftless::test::git::HttpGitServer;
using driftless::test::git::TempDir;

namespace {

const GitDaemon& daemon() {
  static const GitDaemon d(FixtureRepos::get().root());
  return d;
}

CheckoutOptions withRef(Reference ref) {
  CheckoutOptions o;
  o.ref = std::move(ref);
  o.timeout = std::chrono::seconds(30);
  return o;
}

struct RefCase {
  std::string name;
  Reference ref;
  std::string rev;       // what the expected commit is in the fixture (git rev-parse)
  std::string revision;  // expected revision with <hex> for the hash
  std::string file;      // a file the checkout has
  std::string noFile;    // a file it does not have
  std::string tag;       // the annotated tag expected in the result
};

std::vector<RefCase> refCases() {
  return {
      {"default branch is master",
       {},
       "master",
       "master@sha1:<hex>",
       "README.md",
       "feature.txt",
       ""},
      {"branch with a slash",
       {.branch = "feat/x"},
       "feat/x",
       "feat/x@sha1:<hex>",
       "feature.txt",
       "",
       ""},
      {"lightweight tag",
       {.tag = "v1.0.0"},
       "v1.0.0",
       "v1.0.0@sha1:<hex>",
       "apps/a/app.yaml",
       "",
       ""},
      {"annotated tag",
       {.tag = "v1.1.0"},
       "v1.1.0^{commit}",
       "v1.1.0@sha1:<hex>",
       "README.md",
       "",
       "v1.1.0"},
      {"tag wins over branch",
       {.branch = "feat/x", .tag = "v1.0.0"},
       "v1.0.0",
       "v1.0.0@sha1:<hex>",
       "README.md",
       "feature.txt",
       ""},
      {"semver range: highest, ties by commit time, strict parsing",
       {.semver = ">=1.0.0 <2.0.0"},
       "v1.2.0+build1",
       "v1.2.0+build1@sha1:<hex>",
       "README.md",
       "feature.txt",
       ""},
      {"semver picks an annotated tag",
       {.semver = "~1.1"},
       "v1.1.0^{commit}",
       "v1.1.0@sha1:<hex>",
       "README.md",
       "",
       "v1.1.0"},
      {"semver wins over tag",
       {.tag = "v1.0.0", .semver = ">=2.0.0"},
       "v2.0.0",
       "v2.0.0@sha1:<hex>",
       "feature.txt",
       "",
       ""},
      {"name: branch",
       {.name = "refs/heads/feat/x"},
       "feat/x",
       "refs/heads/feat/x@sha1:<hex>",
       "feature.txt",
       "",
       ""},
      {"name: annotated tag",
       {.name = "refs/tags/v1.1.0"},
       "v1.1.0^{commit}",
       "refs/tags/v1.1.0@sha1:<hex>",
       "README.md",
       "",
       "v1.1.0"},
      {"name wins over semver",
       {.semver = ">=2.0.0", .name = "refs/heads/master"},
       "master",
       "refs/heads/master@sha1:<hex>",
       "README.md",
       "feature.txt",
       ""},
      {"commit", {.commit = "<v1.0.0>"}, "v1.0.0", "sha1:<hex>", "apps/a/app.yaml", "", ""},
      {"commit in a branch",
       {.branch = "feat/x", .commit = "<v1.1.0^{commit}>"},
       "v1.1.0^{commit}",
       "feat/x@sha1:<hex>",
       "README.md",
       "feature.txt",
       ""},
  };
}

std::string expand(std::string text, const std::string& hex) {
  if (const auto p = text.find("<hex>"); p != std::string::npos) text.replace(p, 5, hex);
  return text;
}

// What the skipped result's revision is for a last observed revision in any accepted form.
std::string transformed(const std::string& lastObserved, const Reference& ref) {
  const std::string hex = lastObserved.substr(lastObserved.size() - 40);
  if (!ref.name.empty()) return ref.name + "@sha1:" + hex;
  return (ref.tag.empty() ? ref.branch : ref.tag) + "@sha1:" + hex;
}

}  // namespace

TEST_CASE("git::checkout resolves each reference kind as Flux", "[git][checkout]") {
  const auto& repos = FixtureRepos::get();
  for (const auto& c : refCases()) {
    DYNAMIC_SECTION(c.name) {
      Reference ref = c.ref;
      if (ref.commit.starts_with('<')) {
        ref.commit = repos.revParse(ref.commit.substr(1, ref.commit.size() - 2));
      }
      const std::string hex = repos.revParse(c.rev);
      TempDir dir;
      const auto result = checkout(daemon().url("repo.git"), dir.path() / "out", withRef(ref));
      CHECK_FALSE(result.skipped);
      CHECK(result.commit.hash == hex);
      CHECK(result.commit.revision() == expand(c.revision, hex));
      CHECK(fs::exists(dir.path() / "out" / c.file));
      if (!c.noFile.empty()) CHECK_FALSE(fs::exists(dir.path() / "out" / c.noFile));
      CHECK(result.tag.has_value() == !c.tag.empty());
      if (result.tag) {
        CHECK(result.tag->name == c.tag);
        CHECK(result.tag->message == "release 1.1.0\n");
        CHECK(result.tag->hash == repos.revParse(c.tag));
      }
    }
  }
}

TEST_CASE("git::checkout reads commit metadata and clones shallow", "[git][checkout]") {
  // Shallow over HTTP (libgit2 1.8 fetches whole histories over git:// and ssh://).
  const HttpGitServer server(FixtureRepos::get().root(), HttpAuth{});
  TempDir dir;
  const auto result =
      checkout(server.url("repo.git"), dir.path() / "out", withRef({.tag = "v1.0.0"}));
  CHECK(result.commit.reference == "refs/tags/v1.0.0");
  CHECK(result.commit.subject() == "initial");
  CHECK(result.commit.message == "initial\n\nbody\n");
  CHECK(result.commit.author.name == "Fixture Author");
  CHECK(result.commit.author.email == "author@example.com");
  CHECK(result.commit.committer.when == "2024-01-01T01:00:10+01:00");
  CHECK(result.commit.encoded.starts_with("tree "));
  CHECK(result.commit.signature.empty());
  CHECK(fs::exists(dir.path() / "out" / ".git" / "shallow"));
}

TEST_CASE("git::checkout skips when the remote is still at the last observed commit",
          "[git][checkout]") {
  const auto& repos = FixtureRepos::get();
  const std::string master = repos.revParse("master");
  struct Case {
    std::string name;
    Reference ref;
    std::string lastObserved;
    bool skipped;
  };
  const std::vector<Case> cases = {
      {"branch, same revision", {.branch = "master"}, "master@sha1:" + master, true},
      {"branch, legacy revision", {.branch = "master"}, "master/" + master, true},
      {"branch, bare hash", {.branch = "master"}, master, true},
      {"branch, other branch name at the same commit",
       {.branch = "master"},
       "main@sha1:" + master,
       false},
      {"branch, new commit",
       {.branch = "master"},
       "master@sha1:" + repos.revParse("v1.0.0"),
       false},
      {"annotated tag peeled",
       {.tag = "v1.1.0"},
       "v1.1.0@sha1:" + repos.revParse("v1.1.0^{commit}"),
       true},
      {"name", {.name = "refs/heads/master"}, "refs/heads/master@sha1:" + master, true},
      {"semver never skips",
       {.semver = "1.2.x"},
       "v1.2.0+build1@sha1:" + repos.revParse("v1.2.0+build1"),
       false},
      {"commit never skips", {.commit = master}, "sha1:" + master, false},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      TempDir dir;
      auto opts = withRef(c.ref);
      opts.lastObservedCommit = c.lastObserved;
      const auto result = checkout(daemon().url("repo.git"), dir.path() / "out", opts);
      CHECK(result.skipped == c.skipped);
      CHECK(fs::exists(dir.path() / "out") == !c.skipped);
      if (c.skipped) {
        CHECK(
            result.commit.revision().ends_with(c.lastObserved.substr(c.lastObserved.size() - 40)));
        CHECK(result.commit.revision() == transformed(c.lastObserved, c.ref));
      }
    }
  }
}

TEST_CASE("git::checkout errors carry Flux's reasons and messages", "[git][checkout]") {
  const auto& repos = FixtureRepos::get();
  const std::string url = daemon().url("repo.git");
  struct Case {
    std::string name;
    std::string url;
    Reference ref;
    std::string reason;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"missing branch",
       url,
       {.branch = "nope"},
       "GitOperationFailed",
       "unable to clone '" + url + "': couldn't find remote ref \"refs/heads/nope\""},
      {"missing tag",
       url,
       {.tag = "v9"},
       "GitOperationFailed",
       "unable to clone '" + url + "': couldn't find remote ref \"refs/tags/v9\""},
      {"no semver match",
       url,
       {.semver = ">=5.0.0"},
       "GitOperationFailed",
       "no match found for semver: >=5.0.0"},
      {"bad semver", url, {.semver = "not a range"}, "GitOperationFailed", "semver parse error: "},
      {"unknown commit",
       url,
       {.commit = std::string(40, 'a')},
       "GitOperationFailed",
       "unable to resolve commit object for '" + std::string(40, 'a') + "': object not found"},
      {"commit not in branch",
       url,
       {.branch = "master", .commit = repos.revParse("feat/x")},
       "GitOperationFailed",
       "unable to resolve commit object for '" + repos.revParse("feat/x") + "'"},
      {"unresolvable name",
       url,
       {.name = "refs/heads/nope"},
       "GitOperationFailed",
       "unable to resolve ref 'refs/heads/nope' to a specific commit"},
      {"name with a trailing slash",
       url,
       {.name = "refs/heads/"},
       "GitOperationFailed",
       "ref refs/heads/ is invalid; Git refs cannot begin or end with a slash '/'"},
      {"empty repository",
       daemon().url("empty.git"),
       {},
       "EmptyGitRepository",
       "git repository is empty"},
      {"unsupported scheme", "file:///tmp/x", {}, "URLInvalid", "unsupported URL scheme 'file'"},
      {"ssh without identity",
       "ssh://git@127.0.0.1:1/x",
       {},
       "AuthenticationFailed",
       "invalid 'ssh' auth option: 'identity' is required"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      TempDir dir;
      try {
        checkout(c.url, dir.path() / "out", withRef(c.ref));
        FAIL("no error");
      } catch (const GitError& e) {
        CHECK(e.reason() == c.reason);
        CHECK_THAT(e.what(), ContainsSubstring(c.message));
      }
    }
  }
}

TEST_CASE("git::checkout sparse checkout and submodules", "[git][checkout]") {
  SECTION("sparse checkout keeps only the listed directories") {
    TempDir dir;
    auto opts = withRef({.branch = "master"});
    opts.sparseCheckout = {"./apps/", "infra/b"};
    checkout(daemon().url("repo.git"), dir.path() / "out", opts);
    CHECK(fs::exists(dir.path() / "out/apps/a/app.yaml"));
    CHECK(fs::exists(dir.path() / "out/infra/b/infra.yaml"));
    CHECK_FALSE(fs::exists(dir.path() / "out/README.md"));
  }
  SECTION("submodules are cloned when recursing") {
    TempDir dir;
    auto opts = withRef({});
    opts.recurseSubmodules = true;
    checkout(daemon().url("withsub.git"), dir.path() / "out", opts);
    CHECK(fs::exists(dir.path() / "out/top.txt"));
    CHECK(fs::exists(dir.path() / "out/sub/sub.txt"));
  }
  SECTION("submodules are left out by default") {
    TempDir dir;
    checkout(daemon().url("withsub.git"), dir.path() / "out", withRef({}));
    CHECK(fs::exists(dir.path() / "out/top.txt"));
    CHECK_FALSE(fs::exists(dir.path() / "out/sub/sub.txt"));
  }
}

TEST_CASE("git::checkout over HTTP with credentials", "[git][checkout][http]") {
  const auto& root = FixtureRepos::get().root();
  const HttpGitServer basic(root, HttpAuth{.username = "flux", .password = "s3cret-pw"});
  const HttpGitServer bearer(root, HttpAuth{.bearerToken = "t0ken-value"});
  const HttpGitServer open(root, HttpAuth{});
  struct Case {
    std::string name;
    const HttpGitServer* server;
    driftless::git::Auth auth;
    std::string error;  // empty: succeeds
  };
  const std::vector<Case> cases = {
      {"anonymous", &open, {}, ""},
      {"basic auth", &basic, {.username = "flux", .password = "s3cret-pw"}, ""},
      {"bearer token", &bearer, {.bearerToken = "t0ken-value"}, ""},
      {"wrong password",
       &basic,
       {.username = "flux", .password = "wrong-pw"},
       "authentication required"},
      {"no credentials", &basic, {}, "authentication required"},
      {"wrong token", &bearer, {.bearerToken = "wrong-token"}, "authentication required"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      TempDir dir;
      auto opts = withRef({.branch = "master"});
      opts.auth = c.auth;
      const std::string url = c.server->url("repo.git");
      if (c.error.empty()) {
        const auto result = checkout(url, dir.path() / "out", opts);
        CHECK(result.commit.hash == FixtureRepos::get().revParse("master"));
        CHECK(fs::exists(dir.path() / "out/README.md"));
        continue;
      }
      try {
        checkout(url, dir.path() / "out", opts);
        FAIL("no error");
      } catch (const GitError& e) {
        CHECK(e.reason() == "GitOperationFailed");
        CHECK(std::string(e.what()) == "unable to clone '" + url + "': " + c.error);
        CHECK_THAT(e.what(), !ContainsSubstring("wrong-pw") && !ContainsSubstring("wrong-token"));
      }
    }
  }
}

TEST_CASE("git::checkout over HTTPS with a custom CA", "[git][checkout][https]") {
  TempDir tls;
  driftless::test::git::makeTlsMaterial(tls.path());
  const HttpGitServer server(FixtureRepos::get().root(),
                             HttpAuth{.username = "flux", .password = "s3cret-pw"}, tls.path());
  const std::string ca = driftless::test::git::sh("cat " + (tls.path() / "ca.crt").string());
  const std::string url = server.url("repo.git");
  auto opts = withRef({.branch = "master"});
  opts.auth = {.username = "flux", .password = "s3cret-pw"};
  SECTION("ca.crt trusts the server") {
    TempDir dir;
    opts.auth.caPem = ca;
    const auto result = checkout(url, dir.path() / "out", opts);
    CHECK(result.commit.hash == FixtureRepos::get().revParse("master"));
    CHECK(fs::exists(dir.path() / "out/.git/shallow"));
  }
  SECTION("without ca.crt the certificate is rejected") {
    TempDir dir;
    CHECK_THROWS_AS(checkout(url, dir.path() / "out", opts), GitError);
  }
  SECTION("another CA does not trust the server") {
    TempDir other;
    driftless::test::git::makeTlsMaterial(other.path());
    opts.auth.caPem = driftless::test::git::sh("cat " + (other.path() / "ca.crt").string());
    TempDir dir;
    try {
      checkout(url, dir.path() / "out", opts);
      FAIL("no error");
    } catch (const GitError& e) {
      CHECK_THAT(e.what(), ContainsSubstring("certificate signed by unknown authority"));
    }
  }
  SECTION("a ca.crt without a certificate is an auth configuration error") {
    TempDir dir;
    opts.auth.caPem = "not a certificate";
    try {
      checkout(url, dir.path() / "out", opts);
      FAIL("no error");
    } catch (const GitError& e) {
      CHECK(e.reason() == "AuthenticationFailed");
    }
  }
}

TEST_CASE("git::checkout gives up at the timeout", "[git][checkout]") {
  // A listener that never accepts: the TCP handshake completes, no byte ever comes back.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string url = "git://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/x.git";
  TempDir dir;
  auto opts = withRef({});
  opts.timeout = std::chrono::seconds(1);
  const auto start = std::chrono::steady_clock::now();
  try {
    checkout(url, dir.path() / "out", opts);
    FAIL("no error");
  } catch (const GitError& e) {
    CHECK(std::string(e.what()) == "unable to clone '" + url + "': context deadline exceeded");
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  ::close(fd);
}
