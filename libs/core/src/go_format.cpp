#include "driftless/core/go_format.h"

#include <cstdio>

namespace driftless::core {

namespace {

void appendHex(std::string& out, const char* prefix, std::uint32_t v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*x", width, v);
  out += prefix;
  out += buf;
}

bool isPrintable(std::uint32_t r) {
  // An approximation of Go's unicode.IsPrint for non-ASCII runes: the C1 controls, spaces other
  // than U+0020, format characters, private use and noncharacters are not printable.
  if (r < 0xA1 || r == 0xAD || r == 0x1680 || r == 0x3000 || r == 0xFEFF) return false;
  if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) || (r >= 0x205F && r <= 0x206F))
    return false;
  if ((r >= 0xE000 && r <= 0xF8FF) || (r >= 0xFFF0 && r <= 0xFFFB) || r == 0xFFFE || r == 0xFFFF)
    return false;
  if (r >= 0xE0000) return false;
  return true;
}

}  // namespace

std::size_t decodeUtf8Rune(std::string_view s, std::size_t i, std::uint32_t& rune) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  std::uint32_t min = 0;
  if (c < 0x80) {
    rune = c;
    return 1;
  }
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    rune = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    rune = c & 0x0F;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    rune = c & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    rune = (rune << 6) | (byte(i + k) & 0x3F);
  }
  if (rune < min || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) return 0;
  return n;
}

// Go's utf8.RuneCountInString: invalid bytes count as one rune each.
std::int64_t runeCount(std::string_view s) {
  std::int64_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++count) {
    std::uint32_t r = 0;
    const std::size_t n = decodeUtf8Rune(s, i, r);
    i += n == 0 ? 1 : n;
  }
  return count;
}

// Go's strconv.Quote (fmt %q of a string).
std::string goQuote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (c < 0x20 || c == 0x7F)
            appendHex(out, "\\x", c, 2);
          else
            out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    std::uint32_t r = 0;
    const std::size_t n = decodeUtf8Rune(s, i, r);
    if (n == 0) {
      appendHex(out, "\\x", c, 2);
      ++i;
      continue;
    }
    if (isPrintable(r))
      out.append(s.substr(i, n));
    else if (r < 0x10000)
      appendHex(out, "\\u", r, 4);
    else
      appendHex(out, "\\U", r, 8);
    i += n;
  }
  out += '"';
  return out;
}

void appendUtf8Rune(std::string& out, std::uint32_t r) {
  if (r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) r = 0xFFFD;
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

}  // namespace driftless::core
