#pragma once

// SSH deploy keys for `driftless create secret git`: key pairs generated in-process (as the flux
// CLI does: ECDSA P-384 by default, RSA or Ed25519 on request), the public half of an existing
// private key, and a host's keys in known_hosts form (scanned with ssh-keyscan).

#include <chrono>
#include <cstdint>
#include <string>

namespace driftless::git {

enum class SshKeyAlgorithm { Ecdsa, Rsa, Ed25519 };

struct SshKeyOptions {
  SshKeyAlgorithm algorithm = SshKeyAlgorithm::Ecdsa;
  int rsaBits = 2048;               // flux's --ssh-rsa-bits default
  std::string ecdsaCurve = "p384";  // p256, p384 or p521 (flux's --ssh-ecdsa-curve)
};

struct SshKeyPair {
  std::string privateKey;  // PEM (EC/RSA PRIVATE KEY) or OPENSSH PRIVATE KEY for Ed25519
  std::string publicKey;   // authorized_keys form: `<type> <base64>` followed by a newline
};

// Throws core::Error on unknown options (the message names the accepted values).
SshKeyPair generateSshKeyPair(const SshKeyOptions& options);

// The public key, in authorized_keys form, of a private key in PEM (PKCS#1, SEC1, PKCS#8) or
// OpenSSH format (its public half is readable without the passphrase). Throws core::Error.
std::string sshPublicKeyOf(const std::string& privateKey);

// The public keys of the server an ssh:// Git URL names, as known_hosts lines (`host type key`,
// `[host]:port type key` off port 22), scanned with ssh-keyscan within timeout. Throws
// core::Error for another URL or when nothing is found.
std::string scanKnownHosts(const std::string& sshUrl, std::chrono::seconds timeout);

}  // namespace driftless::git
