#include "driftless/sops/age.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "driftless/core/base64.h"
#include "driftless/core/crypto.h"

namespace driftless::sops {

namespace {

using Bytes = std::vector<std::uint8_t>;
using Key = std::array<std::uint8_t, 32>;

constexpr std::string_view kIntro = "age-encryption.org/v1\n";
constexpr std::string_view kArmorBegin = "-----BEGIN AGE ENCRYPTED FILE-----";
constexpr std::string_view kArmorEnd = "-----END AGE ENCRYPTED FILE-----";
constexpr std::size_t kChunkSize = 64 * 1024;
constexpr std::size_t kTagSize = 16;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// Bech32 (BIP 173) decoding of an age secret key: HRP "age-secret-key-", 32 bytes of data.
Key decodeSecretKey(std::string_view text) {
  static constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto sep = s.rfind('1');
  if (sep == std::string::npos || s.substr(0, sep) != "age-secret-key-" || s.size() - sep < 7) {
    throw AgeError("malformed age identity: not an AGE-SECRET-KEY-1... key");
  }
  std::vector<std::uint8_t> values;
  for (std::size_t i = sep + 1; i < s.size(); ++i) {
    auto p = kCharset.find(s[i]);
    if (p == std::string_view::npos) throw AgeError("malformed age identity: invalid character");
    values.push_back(static_cast<std::uint8_t>(p));
  }
  // Checksum over the expanded HRP and the data.
  auto polymod = [](const std::vector<std::uint8_t>& v) {
    static constexpr std::uint32_t kGen[] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                             0x2a1462b3};
    std::uint32_t chk = 1;
    for (std::uint8_t x : v) {
      std::uint32_t b = chk >> 25U;
      chk = ((chk & 0x1ffffffU) << 5U) ^ x;
      for (int i = 0; i < 5; ++i) {
        if ((b >> i) & 1U) chk ^= kGen[i];
      }
    }
    return chk;
  };
  std::vector<std::uint8_t> check;
  const std::string hrp = s.substr(0, sep);
  for (char c : hrp)
    check.push_back(static_cast<std::uint8_t>(c) >> 5U);
  check.push_back(0);
  for (char c : hrp)
    check.push_back(static_cast<std::uint8_t>(c) & 31U);
  check.insert(check.end(), values.begin(), values.end());
  if (polymod(check) != 1) throw AgeError("malformed age identity: bad checksum");
  values.resize(values.size() - 6);
  // 5-bit groups to bytes.
  Bytes out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t v : values) {
    acc = (acc << 5U) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xffU));
    }
  }
  if (out.size() != 32) throw AgeError("malformed age identity: wrong key length");
  Key key{};
  std::copy(out.begin(), out.end(), key.begin());
  return key;
}

// age's base64: standard alphabet without padding.
Bytes b64(std::string_view text) {
  std::string padded(text);
  while (padded.size() % 4 != 0)
    padded.push_back('=');
  auto decoded = core::base64Decode(padded);
  if (!decoded) throw AgeError("malformed age header: invalid base64");
  return {decoded->begin(), decoded->end()};
}

Key x25519(const Key& scalar, const Key& point) {
  PkeyPtr priv(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, scalar.data(), 32));
  PkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, point.data(), 32));
  if (!priv || !peer) throw AgeError("X25519 key setup failed");
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(priv.get(), nullptr));
  Key out{};
  std::size_t len = out.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) <= 0 ||
      EVP_PKEY_derive(ctx.get(), out.data(), &len) <= 0 || len != 32) {
    throw AgeError("X25519 key agreement failed");
  }
  return out;
}

Key publicKey(const Key& scalar) {
  PkeyPtr priv(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, scalar.data(), 32));
  Key out{};
  std::size_t len = out.size();
  if (!priv || EVP_PKEY_get_raw_public_key(priv.get(), out.data(), &len) <= 0) {
    throw AgeError("X25519 public key failed");
  }
  return out;
}

Key hkdf(const Bytes& ikm, const Bytes& salt, std::string_view info) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
  Key out{};
  std::size_t len = out.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0 ||
      // (No salt is HKDF's default: a hash-length string of zeros, as RFC 5869 and Go have it.)
      (!salt.empty() &&
       EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), salt.data(), static_cast<int>(salt.size())) <= 0) ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), ikm.data(), static_cast<int>(ikm.size())) <= 0 ||
      EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), reinterpret_cast<const unsigned char*>(info.data()),
                                  static_cast<int>(info.size())) <= 0 ||
      EVP_PKEY_derive(ctx.get(), out.data(), &len) <= 0) {
    throw AgeError("HKDF failed");
  }
  return out;
}

// ChaCha20-Poly1305 open; false when the tag does not verify.
bool open(const Key& key, const std::array<std::uint8_t, 12>& nonce, const std::uint8_t* in,
          std::size_t size, Bytes& out) {
  if (size < kTagSize) return false;
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  const std::size_t textSize = size - kTagSize;
  out.resize(textSize);
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_chacha20_poly1305(), nullptr, key.data(), nonce.data()) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, in, static_cast<int>(textSize)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize),
                          const_cast<std::uint8_t*>(in + textSize)) != 1) {
    return false;
  }
  int finalLen = 0;
  return EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &finalLen) == 1;
}

std::string dearmor(std::string_view file) {
  std::string_view s = file;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  if (!s.starts_with(kArmorBegin)) return std::string(file);
  s.remove_prefix(kArmorBegin.size());
  const auto end = s.find(kArmorEnd);
  if (end == std::string_view::npos) throw AgeError("malformed age armor: no end line");
  std::string body;
  for (char c : s.substr(0, end)) {
    if (!std::isspace(static_cast<unsigned char>(c))) body.push_back(c);
  }
  auto decoded = core::base64Decode(body);
  if (!decoded) throw AgeError("malformed age armor: invalid base64");
  return *decoded;
}

}  // namespace

void AgeIdentities::import(std::string_view keyFile) {
  std::size_t pos = 0;
  while (pos <= keyFile.size()) {
    auto nl = keyFile.find('\n', pos);
    std::string_view line =
        keyFile.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? keyFile.size() + 1 : nl + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
      line.remove_suffix(1);
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) {
      line.remove_prefix(1);
    }
    if (line.empty() || line.front() == '#') continue;
    keys_.push_back(decodeSecretKey(line));
  }
}

std::string AgeIdentities::decrypt(std::string_view fileText) const {
  const std::string file = dearmor(fileText);
  std::string_view s = file;
  if (!s.starts_with(kIntro)) throw AgeError("not an age file (unknown version line)");
  // The header: stanzas up to the "---" line.
  struct Stanza {
    std::vector<std::string> args;
    Bytes body;
  };
  std::vector<Stanza> stanzas;
  std::size_t pos = kIntro.size();
  auto readLine = [&]() -> std::string_view {
    auto nl = s.find('\n', pos);
    if (nl == std::string_view::npos) throw AgeError("malformed age header: truncated");
    std::string_view line = s.substr(pos, nl - pos);
    pos = nl + 1;
    return line;
  };
  std::size_t macLineStart = 0;
  Bytes mac;
  while (true) {
    const std::size_t lineStart = pos;
    std::string_view line = readLine();
    if (line.starts_with("---")) {
      macLineStart = lineStart;
      if (line.size() < 5 || line[3] != ' ') throw AgeError("malformed age header: MAC line");
      mac = b64(line.substr(4));
      break;
    }
    if (!line.starts_with("-> ")) throw AgeError("malformed age header: stanza line");
    Stanza st;
    std::string_view rest = line.substr(3);
    while (!rest.empty()) {
      auto sp = rest.find(' ');
      st.args.emplace_back(rest.substr(0, sp));
      rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    }
    std::string body;
    while (true) {
      std::string_view b = readLine();
      body += b;
      if (b.size() < 64) break;
    }
    st.body = b64(body);
    stanzas.push_back(std::move(st));
  }
  const std::string_view header = s.substr(0, macLineStart + 3);  // through "---"

  Bytes fileKey;
  for (const auto& key : keys_) {
    const Key pub = publicKey(key);
    for (const auto& st : stanzas) {
      if (st.args.size() != 2 || st.args[0] != "X25519" || st.body.size() != 32) continue;
      Bytes shareBytes = b64(st.args[1]);
      if (shareBytes.size() != 32) continue;
      Key share{};
      std::copy(shareBytes.begin(), shareBytes.end(), share.begin());
      const Key shared = x25519(key, share);
      if (std::all_of(shared.begin(), shared.end(), [](std::uint8_t b) { return b == 0; })) {
        continue;
      }
      Bytes salt(share.begin(), share.end());
      salt.insert(salt.end(), pub.begin(), pub.end());
      const Key wrap =
          hkdf(Bytes(shared.begin(), shared.end()), salt, "age-encryption.org/v1/X25519");
      Bytes out;
      if (open(wrap, {}, st.body.data(), st.body.size(), out) && out.size() == 16) {
        fileKey = std::move(out);
        break;
      }
    }
    if (!fileKey.empty()) break;
  }
  if (fileKey.empty()) throw AgeError("no identity matched any of the recipients");

  const Key hmacKey = hkdf(fileKey, {}, "header");
  const std::string computed = core::hmacBytes(
      "sha256", std::string_view(reinterpret_cast<const char*>(hmacKey.data()), hmacKey.size()),
      header);
  if (!core::constantTimeEqual(
          std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()), computed)) {
    throw AgeError("bad age header MAC");
  }

  std::string_view payload = s.substr(pos);
  if (payload.size() < 16) throw AgeError("age payload too short");
  const Bytes nonce(payload.begin(), payload.begin() + 16);
  payload.remove_prefix(16);
  const Key streamKey = hkdf(fileKey, nonce, "payload");
  std::string plaintext;
  std::uint64_t counter = 0;
  while (true) {
    const bool last = payload.size() <= kChunkSize + kTagSize;
    const std::size_t size = last ? payload.size() : kChunkSize + kTagSize;
    std::array<std::uint8_t, 12> chunkNonce{};
    for (int i = 0; i < 8; ++i) {
      chunkNonce[10 - i] = static_cast<std::uint8_t>((counter >> (8 * i)) & 0xffU);
    }
    chunkNonce[11] = last ? 1 : 0;
    Bytes out;
    if (!open(streamKey, chunkNonce, reinterpret_cast<const std::uint8_t*>(payload.data()), size,
              out)) {
      throw AgeError("age payload failed to decrypt (corrupted or truncated)");
    }
    plaintext.append(out.begin(), out.end());
    payload.remove_prefix(size);
    ++counter;
    if (last) break;
  }
  return plaintext;
}

}  // namespace driftless::sops
