#include "tar_format.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "driftless/core/error.h"

namespace driftless::artifact::tar {
namespace {

// Field offsets and widths of a USTAR header block.
struct Field {
  std::size_t offset;
  std::size_t size;
};
constexpr Field kName{0, 100}, kMode{100, 8}, kUid{108, 8}, kGid{116, 8}, kSize{124, 12},
    kMtime{136, 12}, kChecksum{148, 8}, kType{156, 1}, kLinkname{157, 100}, kMagic{257, 6},
    kVersion{263, 2}, kUname{265, 32}, kGname{297, 32}, kDevMajor{329, 8}, kDevMinor{337, 8},
    kPrefix{345, 155};

constexpr std::uint64_t kMaxOctalSize = 077777777777ull;  // 11 octal digits

bool isAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

void putString(std::string& block, Field f, std::string_view value) {
  if (value.empty()) return;  // (memcpy from an empty view's null data is undefined)
  std::memcpy(block.data() + f.offset, value.data(), std::min(value.size(), f.size));
}

// Zero-padded octal, NUL-terminated, as Go's formatOctal.
void putOctal(std::string& block, Field f, std::uint64_t value) {
  std::string digits(f.size - 1, '0');
  for (std::size_t i = digits.size(); i-- > 0 && value != 0; value >>= 3) {
    digits[i] = static_cast<char>('0' + (value & 7));
  }
  putString(block, f, digits);
}

void putChecksum(std::string& block) {
  std::fill_n(block.begin() + static_cast<std::ptrdiff_t>(kChecksum.offset), kChecksum.size, ' ');
  std::uint64_t sum = 0;
  for (char c : block)
    sum += static_cast<unsigned char>(c);
  putOctal(block, Field{kChecksum.offset, 7}, sum);
  block[kChecksum.offset + 7] = ' ';
}

std::string ustarBlock(std::string_view name, std::string_view prefix, const Header& h,
                       std::uint64_t size) {
  std::string block(kBlockSize, '\0');
  putString(block, kName, name);
  putOctal(block, kMode, h.mode);
  putOctal(block, kUid, 0);
  putOctal(block, kGid, 0);
  putOctal(block, kSize, size);
  putOctal(block, kMtime, 0);
  block[kType.offset] = h.type;
  putString(block, kLinkname, h.linkname);
  putString(block, kMagic, std::string_view("ustar\0", 6));
  putString(block, kVersion, "00");
  putString(block, kUname, "");
  putString(block, kGname, "");
  putOctal(block, kDevMajor, 0);
  putOctal(block, kDevMinor, 0);
  putString(block, kPrefix, prefix);
  putChecksum(block);
  return block;
}

// Go's splitUSTARPath: a prefix of at most 155 bytes and a name of at most 100, cut at a '/'.
bool splitUstarPath(std::string_view path, std::string_view& prefix, std::string_view& name) {
  if (path.size() <= kName.size) {
    name = path;
    return true;
  }
  std::size_t limit = std::min(path.size() - 1, kPrefix.size + 1);
  std::size_t slash = path.substr(0, limit).rfind('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  prefix = path.substr(0, slash);
  name = path.substr(slash + 1);
  return name.size() <= kName.size && !name.empty();
}

std::string paxRecord(std::string_view key, std::string_view value) {
  std::size_t body = 1 + key.size() + 1 + value.size() + 1;  // " key=value\n"
  std::size_t len = body + 1;
  while (std::to_string(len).size() + body > len)
    ++len;
  return std::to_string(len) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

std::uint64_t parseNumber(std::string_view field, std::string_view what) {
  if (!field.empty() && (static_cast<unsigned char>(field[0]) & 0x80) != 0) {  // base-256
    if ((static_cast<unsigned char>(field[0]) & 0x40) != 0) {
      throw core::Error("tar header: negative " + std::string(what));
    }
    std::uint64_t v = static_cast<unsigned char>(field[0]) & 0x3f;
    for (std::size_t i = 1; i < field.size(); ++i) {
      if (v >> 55 != 0) throw core::Error("tar header: " + std::string(what) + " overflows");
      v = (v << 8) | static_cast<unsigned char>(field[i]);
    }
    return v;
  }
  // Octal, padded with spaces or NULs on either side.
  constexpr std::string_view kPad(" \0", 2);
  std::size_t b = field.find_first_not_of(kPad);
  if (b == std::string_view::npos) return 0;
  field = field.substr(b);
  field = field.substr(0, field.find_first_of(kPad));
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v, 8);
  if (ec != std::errc() || ptr != field.data() + field.size()) {
    throw core::Error("tar header: invalid " + std::string(what) + " field");
  }
  return v;
}

std::string getString(std::string_view block, Field f) {
  std::string_view v = block.substr(f.offset, f.size);
  return std::string(v.substr(0, v.find('\0')));
}

}  // namespace

std::string encodeHeader(const Header& h) {
  std::string_view prefix, name;
  bool nameFits = isAscii(h.name) && splitUstarPath(h.name, prefix, name);
  bool linkFits = isAscii(h.linkname) && h.linkname.size() <= kLinkname.size;
  bool sizeFits = h.size <= kMaxOctalSize;
  if (nameFits && linkFits && sizeFits) return ustarBlock(name, prefix, h, h.size);

  // Go's writer: a PAX header named "<dir>/PaxHeaders.0/<base>" carrying what does not fit.
  std::string records;
  if (!linkFits) records += paxRecord("linkpath", h.linkname);
  if (!nameFits) records += paxRecord("path", h.name);
  if (!sizeFits) records += paxRecord("size", std::to_string(h.size));
  std::string_view full = h.name;
  std::size_t slash = full.rfind('/');
  std::string paxName = slash == std::string_view::npos
                            ? "PaxHeaders.0/" + h.name
                            : std::string(full.substr(0, slash)) + "/PaxHeaders.0/" +
                                  std::string(full.substr(slash + 1));
  Header pax{paxName.substr(0, kName.size), "", kTypePaxLocal, 0, records.size()};
  std::string out = ustarBlock(pax.name, "", pax, records.size());
  out += records;
  out.append(paddingFor(records.size()), '\0');
  Header plain = h;
  plain.linkname = linkFits ? h.linkname : h.linkname.substr(0, kLinkname.size);
  out += ustarBlock(nameFits ? name : std::string_view(h.name).substr(0, kName.size),
                    nameFits ? prefix : "", plain, sizeFits ? h.size : 0);
  return out;
}

bool isZeroBlock(std::string_view block) {
  return std::all_of(block.begin(), block.end(), [](char c) { return c == '\0'; });
}

Header decodeHeader(std::string_view block) {
  std::uint64_t want = parseNumber(block.substr(kChecksum.offset, kChecksum.size), "checksum");
  std::uint64_t unsignedSum = 0;
  std::int64_t signedSum = 0;
  for (std::size_t i = 0; i < kBlockSize; ++i) {
    bool inChecksum = i >= kChecksum.offset && i < kChecksum.offset + kChecksum.size;
    char c = inChecksum ? ' ' : block[i];
    unsignedSum += static_cast<unsigned char>(c);
    signedSum += static_cast<signed char>(c);
  }
  if (want != unsignedSum && static_cast<std::int64_t>(want) != signedSum) {
    throw core::Error("tar header: checksum mismatch (not a tar archive?)");
  }
  Header h;
  h.name = getString(block, kName);
  h.linkname = getString(block, kLinkname);
  h.type = block[kType.offset];
  h.mode = static_cast<std::uint32_t>(parseNumber(block.substr(kMode.offset, kMode.size), "mode"));
  h.size = parseNumber(block.substr(kSize.offset, kSize.size), "size");
  if (block.substr(kMagic.offset, 5) == "ustar") {
    std::string prefix = getString(block, kPrefix);
    if (!prefix.empty()) h.name = prefix + "/" + h.name;
  }
  return h;
}

std::map<std::string, std::string> parsePaxRecords(std::string_view data) {
  std::map<std::string, std::string> out;
  while (!data.empty()) {
    std::size_t sp = data.find(' ');
    std::size_t len = 0;
    auto [ptr, ec] = std::from_chars(data.data(), data.data() + std::min(sp, data.size()), len);
    if (sp == std::string_view::npos || ec != std::errc() || ptr != data.data() + sp ||
        len <= sp + 1 || len > data.size() || data[len - 1] != '\n') {
      throw core::Error("tar: malformed PAX record");
    }
    std::string_view record = data.substr(sp + 1, len - sp - 2);
    std::size_t eq = record.find('=');
    if (eq == std::string_view::npos) throw core::Error("tar: malformed PAX record");
    out[std::string(record.substr(0, eq))] = std::string(record.substr(eq + 1));
    data.remove_prefix(len);
  }
  return out;
}

}  // namespace driftless::artifact::tar
