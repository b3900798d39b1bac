// git/ssh_keys.h: generated key pairs are read by ssh-keygen and by libgit2/libssh2 (a real clone
// over sshd), public keys are derived from existing private keys, host keys are scanned.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "driftless/core/error.h"
#include "driftless/git/checkout.h"
#include "driftless/git/ssh_keys.h"
#include "fixture_repos.h"

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
using driftless::git::SshKeyAlgorithm;
using driftless::git::SshKeyOptions;
using driftless::test::git::FixtureRepos;
using driftless::test::git::sh;
using driftless::test::git::SshServer;
using driftless::test::git::TempDir;
using driftless::test::git::writeFile;

namespace {

// `type base64` without a comment or newline.
std::string keyOnly(const std::string& line) {
  const auto first = line.find(' ');
  const auto second = line.find_first_of(" \n", first + 1);
  return line.substr(0, second);
}

}  // namespace

TEST_CASE("SSH key pairs are OpenSSH- and libgit2-compatible", "[git][ssh_keys]") {
  struct Case {
    std::string name;
    SshKeyAlgorithm algorithm;
    std::string curve, type, pemLabel;
  };
  const std::vector<Case> cases = {
      {"ecdsa p384 (the default)", SshKeyAlgorithm::Ecdsa, "p384", "ecdsa-sha2-nistp384",
       "EC PRIVATE KEY"},
      {"ecdsa p256", SshKeyAlgorithm::Ecdsa, "p256", "ecdsa-sha2-nistp256", "EC PRIVATE KEY"},
      {"rsa 2048", SshKeyAlgorithm::Rsa, "", "ssh-rsa", "RSA PRIVATE KEY"},
      {"ed25519", SshKeyAlgorithm::Ed25519, "", "ssh-ed25519", "OPENSSH PRIVATE KEY"},
  };
  TempDir keys;
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      SshKeyOptions options;
      options.algorithm = c.algorithm;
      if (!c.curve.empty()) options.ecdsaCurve = c.curve;
      const auto pair = driftless::git::generateSshKeyPair(options);
      CHECK_THAT(pair.publicKey, StartsWith(c.type + " "));
      CHECK(pair.publicKey.back() == '\n');
      CHECK_THAT(pair.privateKey, StartsWith("-----BEGIN " + c.pemLabel + "-----\n"));
      // ssh-keygen derives the same public key from the private one.
      const fs::path file = keys.path() / "id";
      writeFile(file, pair.privateKey);
      fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
      CHECK(sh("ssh-keygen -y -f " + file.string()) == keyOnly(pair.publicKey));
      CHECK(driftless::git::sshPublicKeyOf(pair.privateKey) == pair.publicKey);

      // libgit2 (libssh2) authenticates with it against sshd, the host key scanned. Not RSA:
      // Debian 12's libssh2 1.10 signs only with ssh-rsa (SHA-1), which OpenSSH >= 8.8 refuses
      // (ssh-keygen's own RSA keys fail the same way); ECDSA, the default, and Ed25519 work.
      if (c.algorithm == SshKeyAlgorithm::Rsa) continue;
      const SshServer server(FixtureRepos::get().root(), pair.publicKey);
      if (!server.available()) SKIP("ssh test skipped: " + server.whyUnavailable());
      const std::string scanned =
          driftless::git::scanKnownHosts(server.url("repo.git"), std::chrono::seconds(10));
      CHECK_THAT(scanned, ContainsSubstring(keyOnly(server.knownHosts())));
      TempDir dir;
      driftless::git::CheckoutOptions opts;
      opts.ref.branch = "feat/x";
      opts.auth.sshIdentity = pair.privateKey;
      opts.auth.knownHosts = scanned;
      opts.timeout = std::chrono::seconds(30);
      const auto result =
          driftless::git::checkout(server.url("repo.git"), dir.path() / "out", opts);
      CHECK(result.commit.revision() == "feat/x@sha1:" + FixtureRepos::get().revParse("feat/x"));
    }
  }
}

TEST_CASE("SSH keys: bad options and inputs are explained", "[git][ssh_keys]") {
  SshKeyOptions badCurve;
  badCurve.ecdsaCurve = "p999";
  CHECK_THROWS_WITH(driftless::git::generateSshKeyPair(badCurve),
                    "invalid ECDSA curve 'p999', must be one of p256, p384, p521");
  SshKeyOptions smallRsa;
  smallRsa.algorithm = SshKeyAlgorithm::Rsa;
  smallRsa.rsaBits = 512;
  CHECK_THROWS_WITH(driftless::git::generateSshKeyPair(smallRsa),
                    "invalid RSA key size 512, must be between 1024 and 16384");
  CHECK_THROWS_AS(driftless::git::sshPublicKeyOf("not a key"), driftless::core::Error);
  // An ssh-keygen key (OpenSSH format, encrypted): its public half is still readable.
  TempDir keys;
  const fs::path file = keys.path() / "locked";
  sh("ssh-keygen -q -t ed25519 -N 'secret words' -C test -f " + file.string());
  CHECK(driftless::git::sshPublicKeyOf(sh("cat " + file.string())) + "" ==
        keyOnly(sh("cat " + file.string() + ".pub")) + "\n");
  // Nothing listening: a clear error within the timeout.
  CHECK_THROWS_WITH(
      driftless::git::scanKnownHosts(
          "ssh://git@127.0.0.1:" + std::to_string(driftless::test::git::freePort()) + "/repo.git",
          std::chrono::seconds(2)),
      ContainsSubstring("no host keys found for 127.0.0.1:"));
}
