#include "driftless/git/ssh_keys.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>
#include <vector>

#include "driftless/core/base64.h"
#include "driftless/core/error.h"
#include "transport.h"

extern char** environ;

namespace driftless::git {

namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct BioDeleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;
struct BnDeleter {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};

// SSH wire encoding (RFC 4251 §5).
void putU32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void putString(std::string& out, std::string_view s) {
  putU32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}
void putMpint(std::string& out, const BIGNUM* bn) {
  // BN_bn2mpi writes the SSH mpint form: a 4-byte length, then big-endian bytes with a leading
  // zero when the high bit is set.
  std::string buf(static_cast<std::size_t>(BN_bn2mpi(bn, nullptr)), '\0');
  BN_bn2mpi(bn, reinterpret_cast<unsigned char*>(buf.data()));
  out += buf;
}

struct Curve {
  std::string_view flag, openssl, ssh;
};
constexpr std::array<Curve, 3> kCurves = {{
    {"p256", "P-256", "nistp256"},
    {"p384", "P-384", "nistp384"},
    {"p521", "P-521", "nistp521"},
}};

std::string opensslError(const std::string& what) {
  return what + ": OpenSSL error " + std::to_string(ERR_peek_last_error());
}

// The public key blob and its type name.
std::pair<std::string, std::string> publicBlob(EVP_PKEY* pkey) {
  std::string blob;
  const int id = EVP_PKEY_get_base_id(pkey);
  if (id == EVP_PKEY_ED25519) {
    std::array<unsigned char, 32> pub{};
    std::size_t len = pub.size();
    if (EVP_PKEY_get_raw_public_key(pkey, pub.data(), &len) != 1) {
      throw core::Error(opensslError("reading the Ed25519 public key"));
    }
    putString(blob, "ssh-ed25519");
    putString(blob, std::string_view(reinterpret_cast<const char*>(pub.data()), len));
    return {"ssh-ed25519", blob};
  }
  if (id == EVP_PKEY_RSA) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
      BN_free(n);
      throw core::Error(opensslError("reading the RSA public key"));
    }
    std::unique_ptr<BIGNUM, BnDeleter> nn(n);
    std::unique_ptr<BIGNUM, BnDeleter> ee(e);
    putString(blob, "ssh-rsa");
    putMpint(blob, ee.get());
    putMpint(blob, nn.get());
    return {"ssh-rsa", blob};
  }
  if (id == EVP_PKEY_EC) {
    std::array<char, 64> group{};
    std::size_t groupLen = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &groupLen) != 1) {
      throw core::Error(opensslError("reading the EC curve"));
    }
    const std::string_view groupName(group.data(), groupLen);
    const Curve* curve = nullptr;
    for (const auto& c : kCurves) {
      // OpenSSL names the NIST curves P-256 or prime256v1/secp384r1/secp521r1.
      if (groupName == c.openssl || (c.flag == "p256" && groupName == "prime256v1") ||
          (c.flag == "p384" && groupName == "secp384r1") ||
          (c.flag == "p521" && groupName == "secp521r1")) {
        curve = &c;
      }
    }
    if (curve == nullptr) {
      throw core::Error("unsupported EC curve " + std::string(groupName) +
                        " (SSH accepts P-256, P-384 and P-521)");
    }
    std::array<unsigned char, 160> point{};
    std::size_t pointLen = 0;
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(),
                                        point.size(), &pointLen) != 1) {
      throw core::Error(opensslError("reading the EC public key"));
    }
    const std::string type = "ecdsa-sha2-" + std::string(curve->ssh);
    putString(blob, type);
    putString(blob, curve->ssh);
    putString(blob, std::string_view(reinterpret_cast<const char*>(point.data()), pointLen));
    return {type, blob};
  }
  throw core::Error("unsupported private key type (use RSA, ECDSA or Ed25519)");
}

std::string authorizedKey(EVP_PKEY* pkey) {
  auto [type, blob] = publicBlob(pkey);
  return type + " " + core::base64Encode(blob) + "\n";
}

std::string pem(std::string_view label, const std::string& der) {
  const std::string b64 = core::base64Encode(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 70)
    out += b64.substr(i, 70) + "\n";
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

// OpenSSH's own private key format (PROTOCOL.key), unencrypted, as `ssh-keygen -t ed25519`
// writes it: the only PEM-like encoding libssh2 and OpenSSH both read for Ed25519.
std::string openSshEd25519(EVP_PKEY* pkey) {
  std::array<unsigned char, 32> seed{};
  std::size_t seedLen = seed.size();
  std::array<unsigned char, 32> pub{};
  std::size_t pubLen = pub.size();
  if (EVP_PKEY_get_raw_private_key(pkey, seed.data(), &seedLen) != 1 ||
      EVP_PKEY_get_raw_public_key(pkey, pub.data(), &pubLen) != 1) {
    throw core::Error(opensslError("reading the Ed25519 key"));
  }
  const std::string pubBytes(reinterpret_cast<const char*>(pub.data()), pubLen);
  const std::string blob = publicBlob(pkey).second;
  std::uint32_t check = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&check), sizeof check) != 1) {
    throw core::Error(opensslError("random check bytes"));
  }
  std::string priv;
  putU32(priv, check);
  putU32(priv, check);
  putString(priv, "ssh-ed25519");
  putString(priv, pubBytes);
  putString(priv, std::string(reinterpret_cast<const char*>(seed.data()), seedLen) + pubBytes);
  putString(priv, "");  // comment
  for (char pad = 1; priv.size() % 8 != 0; ++pad)
    priv.push_back(pad);
  OPENSSL_cleanse(seed.data(), seed.size());
  std::string out("openssh-key-v1", 15);  // with its terminating NUL
  putString(out, "none");
  putString(out, "none");
  putString(out, "");
  putU32(out, 1);
  putString(out, blob);
  putString(out, priv);
  OPENSSL_cleanse(priv.data(), priv.size());
  return pem("OPENSSH PRIVATE KEY", out);
}

std::uint32_t readU32(std::string_view& in) {
  if (in.size() < 4) throw core::Error("truncated OpenSSH private key");
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
  in.remove_prefix(4);
  return v;
}
std::string_view readString(std::string_view& in) {
  const std::uint32_t n = readU32(in);
  if (in.size() < n) throw core::Error("truncated OpenSSH private key");
  std::string_view s = in.substr(0, n);
  in.remove_prefix(n);
  return s;
}

}  // namespace

SshKeyPair generateSshKeyPair(const SshKeyOptions& options) {
  Pkey pkey;
  switch (options.algorithm) {
    case SshKeyAlgorithm::Rsa:
      if (options.rsaBits < 1024 || options.rsaBits > 16384) {
        throw core::Error("invalid RSA key size " + std::to_string(options.rsaBits) +
                          ", must be between 1024 and 16384");
      }
      pkey.reset(
          EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(options.rsaBits)));
      break;
    case SshKeyAlgorithm::Ed25519:
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
      break;
    case SshKeyAlgorithm::Ecdsa: {
      const Curve* curve = nullptr;
      for (const auto& c : kCurves) {
        if (c.flag == options.ecdsaCurve) curve = &c;
      }
      if (curve == nullptr) {
        throw core::Error("invalid ECDSA curve '" + options.ecdsaCurve +
                          "', must be one of p256, p384, p521");
      }
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", std::string(curve->openssl).c_str()));
      break;
    }
  }
  if (!pkey) throw core::Error(opensslError("generating the SSH key"));
  SshKeyPair pair;
  pair.publicKey = authorizedKey(pkey.get());
  if (options.algorithm == SshKeyAlgorithm::Ed25519) {
    pair.privateKey = openSshEd25519(pkey.get());
    return pair;
  }
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey_traditional(bio.get(), pkey.get(), nullptr, nullptr, 0,
                                                   nullptr, nullptr) != 1) {
    throw core::Error(opensslError("encoding the SSH private key"));
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  pair.privateKey.assign(data, static_cast<std::size_t>(len));
  return pair;
}

std::string sshPublicKeyOf(const std::string& privateKey) {
  constexpr std::string_view kOpenSsh = "-----BEGIN OPENSSH PRIVATE KEY-----";
  if (const auto begin = privateKey.find(kOpenSsh); begin != std::string::npos) {
    const auto start = begin + kOpenSsh.size();
    const auto end = privateKey.find("-----END", start);
    std::string body;
    for (char c : privateKey.substr(start, end == std::string::npos ? end : end - start)) {
      if (c != '\n' && c != '\r' && c != ' ') body.push_back(c);
    }
    const auto der = core::base64Decode(body);
    if (!der || der->compare(0, 15, std::string("openssh-key-v1", 15)) != 0) {
      throw core::Error("the private key is not in a valid OpenSSH format");
    }
    std::string_view in(*der);
    in.remove_prefix(15);
    readString(in);  // cipher
    readString(in);  // kdf
    readString(in);  // kdf options
    if (readU32(in) != 1) throw core::Error("the OpenSSH private key must hold exactly one key");
    const std::string_view blob = readString(in);
    std::string_view b = blob;
    const std::string type(readString(b));
    return type + " " + core::base64Encode(blob) + "\n";
  }
  Bio bio(BIO_new_mem_buf(privateKey.data(), static_cast<int>(privateKey.size())));
  // No passphrase callback: an encrypted PEM key fails instead of prompting.
  Pkey pkey(PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (!pkey) {
    throw core::Error(
        "cannot read the private key (PEM or OpenSSH format expected; encrypted PEM keys are "
        "not supported)");
  }
  return authorizedKey(pkey.get());
}

std::string scanKnownHosts(const std::string& sshUrl, std::chrono::seconds timeout) {
  const detail::GitUrl url = detail::parseGitUrl(sshUrl);
  if (url.scheme != "ssh") throw core::Error("'" + sshUrl + "' is not an ssh:// URL");
  const std::string& host = url.host;
  if (host.empty() || host.front() == '-') throw core::Error("invalid host '" + host + "'");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw core::Error(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const std::string seconds = std::to_string(std::max<std::int64_t>(1, timeout.count()));
  const std::string portText = std::to_string(url.port);
  std::vector<std::string> argv = {"ssh-keyscan", "-T", seconds, "-p", portText, host};
  std::vector<char*> cargv;
  for (auto& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "ssh-keyscan", &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw core::Error("cannot run ssh-keyscan to scan the host keys of " + host + " (" +
                      std::strerror(rc) + "); install openssh-client, or pass the keys yourself");
  }
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(2);
  bool timedOut = false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    std::array<char, 4096> buf{};
    const ssize_t n = ::read(fds[0], buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timedOut) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::istringstream lines(out);
  std::string line;
  std::string knownHosts;
  while (std::getline(lines, line)) {
    if (line.empty() || line.front() == '#') continue;
    knownHosts += line + "\n";
  }
  if (knownHosts.empty()) {
    throw core::Error("no host keys found for " + host + ":" + portText +
                      (timedOut ? " (timed out)" : "") + ": is an SSH server listening there?");
  }
  return knownHosts;
}

}  // namespace driftless::git
