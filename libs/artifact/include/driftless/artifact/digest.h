#pragma once

// Content digests in the OCI form Flux uses for artifacts: "<algorithm>:<lowercase hex>"
// (opencontainers/go-digest). sha256 (the default of --artifact-digest-algo), sha384 and sha512
// are supported; blake3 is rejected with a clear error.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace driftless::artifact {

// Incremental hashing: update() with the bytes, then digest() once.
class Digester {
 public:
  // Throws core::Error for an unknown or unsupported algorithm.
  explicit Digester(std::string_view algorithm);
  ~Digester();
  Digester(Digester&&) noexcept;
  Digester& operator=(Digester&&) noexcept;

  void update(std::string_view bytes);
  // "<algorithm>:<hex>"; the digester cannot be updated afterwards.
  [[nodiscard]] std::string digest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "<algorithm>:<hex>" of bytes.
std::string computeDigest(std::string_view algorithm, std::string_view bytes);
// "<algorithm>:<hex>" of a file's bytes; throws core::Error when it cannot be read.
std::string computeFileDigest(std::string_view algorithm, const std::filesystem::path& file);

struct ParsedDigest {
  std::string algorithm;
  std::string hex;
};
// Splits "<algorithm>:<hex>"; a bare hex string means sha256 (as Flux's fetcher assumes). Throws
// core::Error when the algorithm is unsupported or the hex has the wrong length or characters.
ParsedDigest parseDigest(std::string_view digest);

}  // namespace driftless::artifact
