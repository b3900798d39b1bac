#pragma once

// Helpers of the artifact tests: temp dirs, files, tarballs built entry by entry (hostile ones
// included) and read back field by field, HTTP requests through libcurl.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"

namespace driftless::artifact::test {

using TempDir = driftless::test::TempDir;

void writeFile(const std::filesystem::path& file, const std::string& content);
std::string readFile(const std::filesystem::path& file);
// Every path under dir, relative and '/'-separated ("a", "a/b.txt"), symlinks not followed.
std::set<std::string> listTree(const std::filesystem::path& dir);

// One raw tar entry: anything goes (names, types, links, claimed sizes).
struct RawEntry {
  RawEntry(std::string n, char t, std::string c = "", std::string l = "", std::uint64_t claimed = 0)
      : name(std::move(n)),
        type(t),
        content(std::move(c)),
        linkname(std::move(l)),
        claimedSize(claimed) {}
  std::string name;
  char type;
  std::string content;
  std::string linkname;
  std::uint64_t claimedSize;  // the header's size when not 0 (a lie about the content)
  std::uint32_t mode = 0644;
};
// Writes the entries as a tar (gzip'd unless plain) with the library's encoder.
void writeRawTarGz(const std::filesystem::path& out, const std::vector<RawEntry>& entries,
                   bool gzip = true);

// A header decoded field by field, independently of the library's decoder.
struct ReadEntry {
  std::string name;
  char type = 0;
  std::uint32_t mode = 0;
  std::uint64_t uid = 0, gid = 0, mtime = 0, size = 0;
  std::string uname, gname, content;
};
std::vector<ReadEntry> readTarGz(const std::filesystem::path& archive);

struct HttpResult {
  long status = 0;
  std::string body;
  std::string contentType;
  std::int64_t contentLength = -1;
};
// One request with the path sent as is (no "../" normalisation by curl).
HttpResult httpRequest(const std::string& method, const std::string& url);

}  // namespace driftless::artifact::test
