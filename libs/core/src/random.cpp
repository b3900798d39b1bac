#include "driftless/core/random.h"

#include <array>
#include <random>

namespace driftless::core {

std::string newUuidV4() {
  std::random_device rd;
  std::array<unsigned char, 16> b{};
  for (std::size_t i = 0; i < b.size(); i += 4) {
    const unsigned v = rd();
    for (std::size_t j = 0; j < 4; ++j)
      b[i + j] = static_cast<unsigned char>((v >> (8 * j)) & 0xff);
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0x0f];
  }
  return out;
}

std::string randomString(std::string_view alphabet, std::size_t n) {
  std::random_device rd;
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string s;
  s.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    s += alphabet[pick(rd)];
  return s;
}

}  // namespace driftless::core
