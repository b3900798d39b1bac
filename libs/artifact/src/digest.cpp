#include "driftless/artifact/digest.h"

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "driftless/core/error.h"

namespace driftless::artifact {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

const EVP_MD* messageDigest(std::string_view algorithm) {
  if (algorithm == "sha256") return EVP_sha256();
  if (algorithm == "sha384") return EVP_sha384();
  if (algorithm == "sha512") return EVP_sha512();
  if (algorithm == "blake3") {
    throw core::Error("digest algorithm blake3 is not supported (use sha256, sha384 or sha512)");
  }
  throw core::Error("unknown digest algorithm \"" + std::string(algorithm) +
                    "\" (use sha256, sha384 or sha512)");
}

bool isLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

struct Digester::Impl {
  std::string algorithm;
  MdCtxPtr ctx;
};

Digester::Digester(std::string_view algorithm) : impl_(std::make_unique<Impl>()) {
  const EVP_MD* md = messageDigest(algorithm);
  impl_->algorithm = std::string(algorithm);
  impl_->ctx.reset(EVP_MD_CTX_new());
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx.get(), md, nullptr) != 1) {
    throw core::Error("cannot initialise the " + impl_->algorithm + " digest");
  }
}

Digester::~Digester() = default;
Digester::Digester(Digester&&) noexcept = default;
Digester& Digester::operator=(Digester&&) noexcept = default;

void Digester::update(std::string_view bytes) {
  if (EVP_DigestUpdate(impl_->ctx.get(), bytes.data(), bytes.size()) != 1) {
    throw core::Error("digest update failed");
  }
}

std::string Digester::digest() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx.get(), md.data(), &len) != 1) {
    throw core::Error("digest finalisation failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = impl_->algorithm + ":";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string computeDigest(std::string_view algorithm, std::string_view bytes) {
  Digester d(algorithm);
  d.update(bytes);
  return d.digest();
}

std::string computeFileDigest(std::string_view algorithm, const std::filesystem::path& file) {
  Digester d(algorithm);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw core::Error("cannot open " + file.string() + ": " + std::strerror(errno));
  std::array<char, 64 * 1024> buf{};
  while (in) {
    in.read(buf.data(), buf.size());
    d.update(std::string_view(buf.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) throw core::Error("cannot read " + file.string());
  return d.digest();
}

ParsedDigest parseDigest(std::string_view digest) {
  ParsedDigest out;
  std::size_t colon = digest.find(':');
  out.algorithm = colon == std::string_view::npos ? "sha256" : std::string(digest.substr(0, colon));
  out.hex = std::string(colon == std::string_view::npos ? digest : digest.substr(colon + 1));
  const EVP_MD* md = messageDigest(out.algorithm);
  auto want = static_cast<std::size_t>(EVP_MD_get_size(md)) * 2;
  if (out.hex.size() != want || !isLowerHex(out.hex)) {
    throw core::Error("invalid digest \"" + std::string(digest) + "\": want " + out.algorithm +
                      ":<" + std::to_string(want) + " lowercase hex characters>");
  }
  return out;
}

}  // namespace driftless::artifact
