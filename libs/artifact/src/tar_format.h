#pragma once

// The tar format as Go's archive/tar writes and reads it: USTAR headers (with the prefix field
// for long names), PAX records when a name or size does not fit, GNU long names when reading.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace driftless::artifact::tar {

inline constexpr std::size_t kBlockSize = 512;

inline constexpr char kTypeRegular = '0';
inline constexpr char kTypeRegularOld = '\0';
inline constexpr char kTypeHardlink = '1';
inline constexpr char kTypeSymlink = '2';
inline constexpr char kTypeChar = '3';
inline constexpr char kTypeBlock = '4';
inline constexpr char kTypeDir = '5';
inline constexpr char kTypeFifo = '6';
inline constexpr char kTypeContiguous = '7';
inline constexpr char kTypePaxLocal = 'x';
inline constexpr char kTypePaxGlobal = 'g';
inline constexpr char kTypeGnuLongName = 'L';
inline constexpr char kTypeGnuLongLink = 'K';

struct Header {
  std::string name;
  std::string linkname;
  char type = kTypeRegular;
  std::uint32_t mode = 0;
  std::uint64_t size = 0;
};

// The header blocks of an entry: a PAX extended header first when the name or size does not fit
// USTAR, then the USTAR block. uid/gid 0, empty user and group names, mtime 0.
std::string encodeHeader(const Header& header);

// The bytes after an entry's content up to the next block boundary.
inline std::size_t paddingFor(std::uint64_t size) {
  return static_cast<std::size_t>((kBlockSize - size % kBlockSize) % kBlockSize);
}

// True for the all-zero block that ends an archive.
bool isZeroBlock(std::string_view block);
// Decodes one header block; throws core::Error on a bad checksum or number field.
Header decodeHeader(std::string_view block);
// Parses PAX records ("<len> <key>=<value>\n"...); throws core::Error when malformed.
std::map<std::string, std::string> parsePaxRecords(std::string_view data);

}  // namespace driftless::artifact::tar
