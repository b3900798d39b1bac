#include "unicode.h"

#include "driftless/core/go_format.h"

namespace driftless::gotemplate::uni {
namespace {

// Upper-case partner of a lower-case rune (0 when there is none).
std::uint32_t upperOf(std::uint32_t r) {
  if (r >= 'a' && r <= 'z') return r - 32;
  if (r < 0x80) return 0;
  if (r == 0xB5) return 0x39C;
  if ((r >= 0xE0 && r <= 0xFE && r != 0xF7)) return r - 32;
  if (r == 0xFF) return 0x178;
  if (r >= 0x100 && r <= 0x17F) {
    if (r == 0x131) return 'I';
    if (r == 0x17F) return 'S';
    if (r == 0x138 || r == 0x149) return 0;
    bool oddLower = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E);
    if (oddLower) return (r % 2 == 0) ? r - 1 : 0;
    return (r % 2 == 1) ? r - 1 : 0;
  }
  if (r >= 0x3B1 && r <= 0x3C9 && r != 0x3C2) return r - 32;
  if (r == 0x3C2) return 0x3A3;
  if (r >= 0x430 && r <= 0x44F) return r - 32;
  if (r >= 0x450 && r <= 0x45F) return r - 80;
  return 0;
}

std::uint32_t lowerOf(std::uint32_t r) {
  if (r >= 'A' && r <= 'Z') return r + 32;
  if (r < 0x80) return 0;
  if (r >= 0xC0 && r <= 0xDE && r != 0xD7) return r + 32;
  if (r == 0x178) return 0xFF;
  if (r == 0x130) return 'i';
  if (r >= 0x100 && r <= 0x17F) {
    if (r == 0x138 || r == 0x149) return 0;
    bool oddLower = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E);
    if (oddLower) return (r % 2 == 1) ? r + 1 : 0;
    return (r % 2 == 0) ? r + 1 : 0;
  }
  if (r >= 0x391 && r <= 0x3A9 && r != 0x3A2) return r + 32;
  if (r >= 0x410 && r <= 0x42F) return r + 32;
  if (r >= 0x400 && r <= 0x40F) return r + 80;
  return 0;
}

}  // namespace

bool isSpace(std::uint32_t r) {
  switch (r) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

bool isUpper(std::uint32_t r) {
  return lowerOf(r) != 0 && r != 0x130;
}
bool isLower(std::uint32_t r) {
  return upperOf(r) != 0 || r == 0xDF || r == 0x138 || r == 0x149;
}
bool isLetter(std::uint32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  if (r == 0xAA || r == 0xB5 || r == 0xBA) return true;
  if (r >= 0xC0 && r <= 0x24F) return r != 0xD7 && r != 0xF7;
  if (r >= 0x370 && r <= 0x3FF) return true;
  if (r >= 0x400 && r <= 0x52F) return true;
  return r >= 0x4E00 && r <= 0x9FFF;  // CJK ideographs
}
bool isDigit(std::uint32_t r) {
  return r >= '0' && r <= '9';
}
bool isPunct(std::uint32_t r) {
  if (r >= 0x80)
    return r == 0xA1 || r == 0xA7 || r == 0xAB || r == 0xB6 || r == 0xB7 || r == 0xBB ||
           r == 0xBF || (r >= 0x2010 && r <= 0x2027);
  switch (r) {
    case '!':
    case '"':
    case '#':
    case '%':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case ',':
    case '-':
    case '.':
    case '/':
    case ':':
    case ';':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '_':
    case '{':
    case '}':
      return true;
    default:
      return false;
  }
}
std::uint32_t toUpper(std::uint32_t r) {
  std::uint32_t u = upperOf(r);
  return u ? u : r;
}
std::uint32_t toLower(std::uint32_t r) {
  std::uint32_t l = lowerOf(r);
  return l ? l : r;
}

std::vector<std::uint32_t> runes(std::string_view s) {
  std::vector<std::uint32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t r = 0;
    std::size_t n = core::decodeUtf8Rune(s, i, r);
    if (n == 0) {
      r = 0xFFFD;
      n = 1;
    }
    out.push_back(r);
    i += n;
  }
  return out;
}

std::string encode(const std::vector<std::uint32_t>& rs) {
  std::string out;
  out.reserve(rs.size());
  for (auto r : rs)
    core::appendUtf8Rune(out, r);
  return out;
}

}  // namespace driftless::gotemplate::uni
