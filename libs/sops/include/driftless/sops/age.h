#pragma once

// age decryption (age-encryption.org/v1) with X25519 identities, as SOPS stores its data keys:
// enough of age for Flux's `*.agekey` decryption Secrets, on OpenSSL (X25519, HKDF-SHA256,
// ChaCha20-Poly1305, HMAC-SHA256). Files are accepted armored (`-----BEGIN AGE ENCRYPTED
// FILE-----`) or binary. Secret keys never appear in errors.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/error.h"

namespace driftless::sops {

class AgeError : public core::Error {
 public:
  using core::Error::Error;
};

class AgeIdentities {
 public:
  // Adds the identities of an age key file (`AGE-SECRET-KEY-1...` lines; `#` comments and blank
  // lines skipped). Throws AgeError on a malformed key (without printing it).
  void import(std::string_view keyFile);
  [[nodiscard]] bool empty() const noexcept { return keys_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }

  // Decrypts an age file for one of the identities. Throws AgeError ("no identity matched any
  // of the recipients", a bad header MAC, a corrupted payload).
  [[nodiscard]] std::string decrypt(std::string_view file) const;

 private:
  std::vector<std::array<std::uint8_t, 32>> keys_;
};

}  // namespace driftless::sops
