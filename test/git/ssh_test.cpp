// git::checkout over ssh:// against sshd on 127.0.0.1 (identity, passphrase, known_hosts), and
// the known_hosts matcher on its own.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "driftless/core/base64.h"
#include "driftless/git/checkout.h"
#include "fixture_repos.h"
#include "known_hosts.h"

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;
using driftless::git::checkout;
using driftless::git::CheckoutOptions;
using driftless::git::GitError;
using driftless::git::detail::checkKnownHost;
using driftless::git::detail::HostKeyCheck;
using driftless::test::git::FixtureRepos;
using driftless::test::git::sh;
using driftless::test::git::SshServer;
using driftless::test::git::TempDir;

namespace {

struct KeyPair {
  std::string privateKey, publicKey;
};

KeyPair makeKey(const fs::path& dir, const std::string& name, const std::string& passphrase) {
  const fs::path file = dir / name;
  sh("ssh-keygen -q -t ed25519 -N '" + passphrase + "' -C test -f " + file.string());
  return {sh("cat " + file.string()), sh("cat " + file.string() + ".pub")};
}

}  // namespace

TEST_CASE("git::checkout over SSH with known_hosts", "[git][checkout][ssh]") {
  TempDir keys;
  const KeyPair plain = makeKey(keys.path(), "plain", "");
  const KeyPair locked = makeKey(keys.path(), "locked", "pass phrase");
  const KeyPair stranger = makeKey(keys.path(), "stranger", "");
  const SshServer server(FixtureRepos::get().root(), plain.publicKey + "\n" + locked.publicKey);
  if (!server.available()) SKIP("ssh test skipped: " + server.whyUnavailable());
  const std::string knownHosts = server.knownHosts();
  const std::string hostKeyLine = knownHosts.substr(knownHosts.find(' ') + 1);
  const std::string hostField = knownHosts.substr(0, knownHosts.find(' '));  // [127.0.0.1]:port
  sh("printf '%s' '" + knownHosts + "' > " + (keys.path() / "hashed").string() +
     " && ssh-keygen -q -H -f " + (keys.path() / "hashed").string());
  const std::string hashed = sh("cat " + (keys.path() / "hashed").string());
  const std::string otherHost =
      hostField + " " + stranger.publicKey.substr(0, stranger.publicKey.rfind(' '));
  struct Case {
    std::string name;
    driftless::git::Auth auth;
    std::string error;  // empty: succeeds
  };
  const std::vector<Case> cases = {
      {"identity and known_hosts", {.sshIdentity = plain.privateKey, .knownHosts = knownHosts}, ""},
      {"hashed known_hosts", {.sshIdentity = plain.privateKey, .knownHosts = hashed}, ""},
      {"encrypted identity with its password",
       {.sshIdentity = locked.privateKey, .sshPassphrase = "pass phrase", .knownHosts = knownHosts},
       ""},
      {"host key mismatch",
       {.sshIdentity = plain.privateKey, .knownHosts = otherHost},
       "knownhosts: key mismatch"},
      {"unknown host",
       {.sshIdentity = plain.privateKey, .knownHosts = "[example.org]:22 " + hostKeyLine},
       "knownhosts: key is unknown"},
      {"identity not authorized",
       {.sshIdentity = stranger.privateKey, .knownHosts = knownHosts},
       "unable to clone"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      TempDir dir;
      CheckoutOptions opts;
      opts.ref.branch = "feat/x";
      opts.auth = c.auth;
      opts.timeout = std::chrono::seconds(30);
      const std::string url = server.url("repo.git");
      if (c.error.empty()) {
        const auto result = checkout(url, dir.path() / "out", opts);
        CHECK(result.commit.revision() == "feat/x@sha1:" + FixtureRepos::get().revParse("feat/x"));
        CHECK(fs::exists(dir.path() / "out/feature.txt"));
        continue;
      }
      try {
        checkout(url, dir.path() / "out", opts);
        FAIL("no error");
      } catch (const GitError& e) {
        CHECK(e.reason() == "GitOperationFailed");
        CHECK_THAT(e.what(), ContainsSubstring(c.error));
        CHECK_THAT(e.what(), !ContainsSubstring("PRIVATE KEY"));
      }
    }
  }
}

TEST_CASE("git::checkout over SSH requires known_hosts", "[git][checkout][ssh]") {
  TempDir dir;
  CheckoutOptions opts;
  opts.auth.sshIdentity = "-----BEGIN OPENSSH PRIVATE KEY-----\n...";
  try {
    checkout("ssh://git@127.0.0.1:22/repo.git", dir.path() / "out", opts);
    FAIL("no error");
  } catch (const GitError& e) {
    CHECK(e.reason() == "AuthenticationFailed");
    CHECK(std::string(e.what()) == "invalid 'ssh' auth option: 'known_hosts' is required");
  }
  CHECK_FALSE(fs::exists(dir.path() / "out"));
}

TEST_CASE("git::detail::checkKnownHost", "[git][known_hosts]") {
  const std::string blob("\x00\x00\x00\x0bssh-ed25519 key-bytes", 25);
  const std::string key = driftless::core::base64Encode(blob);
  const std::string other = driftless::core::base64Encode("other");
  struct Case {
    std::string name, knownHosts, host;
    std::uint16_t port;
    HostKeyCheck want;
  };
  const std::vector<Case> cases = {
      {"plain host on 22", "github.com ssh-ed25519 " + key, "github.com", 22, HostKeyCheck::Ok},
      {"port needs brackets", "github.com ssh-ed25519 " + key, "github.com", 2222,
       HostKeyCheck::Unknown},
      {"bracketed port", "[git.local]:2222 ssh-ed25519 " + key, "git.local", 2222,
       HostKeyCheck::Ok},
      {"comma list and wildcard", "a.example,*.corp.example ssh-ed25519 " + key, "git.corp.example",
       22, HostKeyCheck::Ok},
      {"negated pattern", "*.corp.example,!bad.corp.example ssh-ed25519 " + key, "bad.corp.example",
       22, HostKeyCheck::Unknown},
      {"other key", "github.com ssh-ed25519 " + other, "github.com", 22, HostKeyCheck::Mismatch},
      {"any matching line wins",
       "github.com ssh-rsa " + other + "\n# comment\ngithub.com ssh-ed25519 " + key, "github.com",
       22, HostKeyCheck::Ok},
      {"revoked", "@revoked github.com ssh-ed25519 " + key + "\ngithub.com ssh-ed25519 " + key,
       "github.com", 22, HostKeyCheck::Revoked},
      {"cert-authority lines ignored", "@cert-authority github.com ssh-ed25519 " + key,
       "github.com", 22, HostKeyCheck::Unknown},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      CHECK(checkKnownHost(c.knownHosts, c.host, c.port, blob) == c.want);
    }
  }
}
