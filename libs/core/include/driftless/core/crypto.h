#pragma once

// Hashes, HMACs and comparisons on OpenSSL, for every place that signs or checks bytes (webhook
// signatures, receiver paths, rate-limit keys, API tokens).

#include <optional>
#include <string>
#include <string_view>

namespace driftless::core {

// Lowercase hex of bytes, and back (upper- and lowercase digits accepted; nullopt when the text
// is not hex of an even length).
std::string hexEncode(std::string_view bytes);
std::optional<std::string> hexDecode(std::string_view hex);

// Raw digest / HMAC bytes. algorithm: "sha1", "sha256", "sha384" or "sha512"; anything else
// throws core::Error.
std::string digestBytes(std::string_view algorithm, std::string_view data);
std::string hmacBytes(std::string_view algorithm, std::string_view key, std::string_view data);

inline std::string sha256Hex(std::string_view data) {
  return hexEncode(digestBytes("sha256", data));
}
inline std::string hmacHex(std::string_view algorithm, std::string_view key,
                           std::string_view data) {
  return hexEncode(hmacBytes(algorithm, key, data));
}

// Equality in time independent of where the inputs differ (the length is not secret).
bool constantTimeEqual(std::string_view a, std::string_view b) noexcept;

}  // namespace driftless::core
