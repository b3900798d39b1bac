// extractTarGz: every path is opened relative to a descriptor of dest, one segment at a time with
// O_NOFOLLOW, so no entry is ever written through a symlink, whatever the archive says.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "driftless/artifact/archive.h"
#include "driftless/core/error.h"
#include "posix_handles.h"
#include "tar_format.h"

namespace driftless::artifact {
namespace {

constexpr std::uint64_t kMaxMetadataBytes = 1 << 20;  // PAX records and GNU long names

std::string quote(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

[[noreturn]] void fail(std::string_view entry, std::string_view problem) {
  throw core::Error("tar entry " + quote(entry) + ": " + std::string(problem));
}

[[noreturn]] void failErrno(std::string_view entry, std::string_view action) {
  fail(entry, std::string(action) + ": " + std::strerror(errno));
}

// The segments of an archive-relative name; rejects absolute names, ".." and backslashes.
std::vector<std::string> safeSegments(std::string_view name, std::string_view entry) {
  if (name.empty()) fail(entry, "empty name");
  if (name.front() == '/') fail(entry, "absolute name " + quote(name));
  if (name.find('\\') != std::string_view::npos) fail(entry, "backslash in name " + quote(name));
  std::vector<std::string> out;
  while (!name.empty()) {
    std::size_t slash = name.find('/');
    std::string_view part = name.substr(0, slash);
    if (part == "..") fail(entry, "name " + quote(name) + " leaves the destination");
    if (!part.empty() && part != ".") out.emplace_back(part);
    if (slash == std::string_view::npos) break;
    name.remove_prefix(slash + 1);
  }
  return out;
}

struct Entry {
  tar::Header header;
  std::vector<std::string> path;  // safe segments; empty for the root itself
};

class Extractor {
 public:
  Extractor(const std::filesystem::path& archive, const std::filesystem::path& dest,
            const ExtractLimits& limits)
      : gz_(archive, "rb"), dest_(dest), limits_(limits) {}

  void run() {
    openRoot();
    Entry e;
    while (nextEntry(e)) {
      if (++entries_ > limits_.maxFiles) {
        fail(e.header.name,
             "the archive has more than " + std::to_string(limits_.maxFiles) + " entries");
      }
      extract(e);
    }
    verifySymlinks();
  }

 private:
  void openRoot();
  bool readBlock(std::array<char, tar::kBlockSize>& block, bool atHeader);
  void readExact(char* out, std::size_t n);
  void account(const tar::Header& h);
  std::string readData(const tar::Header& h);
  void skipData(std::uint64_t size);
  bool nextEntry(Entry& e);
  void extract(const Entry& e);
  UniqueFd openParent(const std::vector<std::string>& path, bool create, std::string_view entry);
  void extractDir(const Entry& e, int parent);
  void extractFile(const Entry& e, int parent);
  void extractSymlink(const Entry& e, int parent);
  void extractHardlink(const Entry& e, int parent);
  void removeExisting(const Entry& e, int parent);
  void verifySymlinks();

  GzFile gz_;
  std::filesystem::path dest_;
  ExtractLimits limits_;
  UniqueFd root_;
  std::uint64_t entries_ = 0;
  std::uint64_t bytes_ = 0;
  bool first_ = true;
  std::vector<std::string> symlinks_;  // '/'-joined paths, checked at the end
};

void Extractor::openRoot() {
  struct stat st {};
  if (::lstat(dest_.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      throw core::Error("dir " + quote(dest_.string()) + " must be a directory");
  } else {
    std::error_code ec;
    std::filesystem::create_directories(dest_, ec);
    if (ec) throw core::Error("cannot create " + dest_.string() + ": " + ec.message());
  }
  root_ = UniqueFd(::open(dest_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root_.valid()) {
    throw core::Error("cannot open " + dest_.string() + ": " + std::strerror(errno));
  }
}

void Extractor::readExact(char* out, std::size_t n) {
  while (n > 0) {
    std::size_t got = gz_.read(out, n);
    if (got == 0) throw core::Error("tar: unexpected end of archive");
    out += got;
    n -= got;
  }
}

// False at a clean end of the stream on a header boundary.
bool Extractor::readBlock(std::array<char, tar::kBlockSize>& block, bool atHeader) {
  std::size_t got = gz_.read(block.data(), block.size());
  if (first_) {
    first_ = false;
    if (gz_.direct()) throw core::Error("tar: requires a gzip-compressed archive");
  }
  if (got == 0 && atHeader) return false;
  if (got < block.size()) readExact(block.data() + got, block.size() - got);
  return true;
}

// Counts content (file bodies and metadata) against maxBytes before it is read.
void Extractor::account(const tar::Header& h) {
  if (h.size > limits_.maxBytes - std::min(bytes_, limits_.maxBytes)) {
    fail(h.name, "the archive is bigger than the max size of " + std::to_string(limits_.maxBytes) +
                     " bytes");
  }
  bytes_ += h.size;
}

std::string Extractor::readData(const tar::Header& h) {
  if (h.size > kMaxMetadataBytes) fail(h.name, "extended header too large");
  account(h);
  std::string data(static_cast<std::size_t>(h.size), '\0');
  readExact(data.data(), data.size());
  skipData(tar::paddingFor(h.size));
  return data;
}

void Extractor::skipData(std::uint64_t size) {
  std::array<char, 16 * 1024> buf{};
  while (size > 0) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, buf.size()));
    readExact(buf.data(), n);
    size -= n;
  }
}

// The next real entry, with PAX records and GNU long names applied; false at the end.
bool Extractor::nextEntry(Entry& e) {
  std::optional<std::string> longName, longLink;
  std::map<std::string, std::string> pax;
  std::array<char, tar::kBlockSize> block{};
  for (;;) {
    if (!readBlock(block, true)) return false;
    std::string_view raw(block.data(), block.size());
    if (tar::isZeroBlock(raw)) return false;
    tar::Header h = tar::decodeHeader(raw);
    if (h.type == tar::kTypePaxLocal) {
      for (auto& [k, v] : tar::parsePaxRecords(readData(h)))
        pax[k] = std::move(v);
    } else if (h.type == tar::kTypePaxGlobal) {
      readData(h);
    } else if (h.type == tar::kTypeGnuLongName || h.type == tar::kTypeGnuLongLink) {
      std::string data = readData(h);
      data.resize(std::strlen(data.c_str()));
      (h.type == tar::kTypeGnuLongName ? longName : longLink) = std::move(data);
    } else {
      if (auto it = pax.find("path"); it != pax.end()) h.name = it->second;
      if (auto it = pax.find("linkpath"); it != pax.end()) h.linkname = it->second;
      if (auto it = pax.find("size"); it != pax.end()) {
        auto [ptr, ec] =
            std::from_chars(it->second.data(), it->second.data() + it->second.size(), h.size);
        if (ec != std::errc() || ptr != it->second.data() + it->second.size())
          fail(h.name, "bad PAX size");
      }
      if (longName) h.name = *longName;
      if (longLink) h.linkname = *longLink;
      e.path = safeSegments(h.name, h.name);
      e.header = std::move(h);
      return true;
    }
  }
}

void Extractor::extract(const Entry& e) {
  const tar::Header& h = e.header;
  bool regular = h.type == tar::kTypeRegular || h.type == tar::kTypeRegularOld ||
                 h.type == tar::kTypeContiguous;
  if (regular) account(h);
  if (h.type == tar::kTypeChar || h.type == tar::kTypeBlock || h.type == tar::kTypeFifo) {
    fail(h.name, "device nodes and FIFOs are not allowed");
  }
  if (!regular && h.type != tar::kTypeDir && h.type != tar::kTypeSymlink &&
      h.type != tar::kTypeHardlink) {
    fail(h.name, std::string("unsupported entry type '") + h.type + "'");
  }
  if (e.path.empty()) {  // "." or "./": the destination itself
    if (h.type != tar::kTypeDir) fail(h.name, "only a directory may name the destination");
    return;
  }
  UniqueFd parent = openParent(e.path, true, h.name);
  if (regular) {
    extractFile(e, parent.get());
  } else if (h.type == tar::kTypeDir) {
    extractDir(e, parent.get());
  } else if (h.type == tar::kTypeSymlink) {
    extractSymlink(e, parent.get());
  } else {
    extractHardlink(e, parent.get());
  }
  if (!regular) skipData(h.size + tar::paddingFor(h.size));
}

// The directory holding path's last segment, opened segment by segment without following
// symlinks (and created when create is set).
UniqueFd Extractor::openParent(const std::vector<std::string>& path, bool create,
                               std::string_view entry) {
  UniqueFd dir(::dup(root_.get()));
  if (!dir.valid()) failErrno(entry, "dup");
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    if (create && ::mkdirat(dir.get(), path[i].c_str(), 0750) != 0 && errno != EEXIST) {
      failErrno(entry, "cannot create directory " + quote(path[i]));
    }
    int fd = ::openat(dir.get(), path[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ELOOP || errno == ENOTDIR) fail(entry, "path goes through a symlink or a file");
      failErrno(entry, "cannot open directory " + quote(path[i]));
    }
    dir = UniqueFd(fd);
  }
  return dir;
}

void Extractor::extractDir(const Entry& e, int parent) {
  const std::string& name = e.path.back();
  if (::mkdirat(parent, name.c_str(), (e.header.mode & 0777) | 0700) == 0) return;
  if (errno != EEXIST) failErrno(e.header.name, "cannot create directory");
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) {
    fail(e.header.name, "exists and is not a directory");
  }
}

void Extractor::extractFile(const Entry& e, int parent) {
  const tar::Header& h = e.header;
  UniqueFd fd(::openat(parent, e.path.back().c_str(),
                       O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, h.mode & 0777));
  if (!fd.valid()) {
    if (errno == ELOOP) fail(h.name, "would be written through a symlink");
    failErrno(h.name, "cannot create file");
  }
  std::array<char, 64 * 1024> buf{};
  for (std::uint64_t left = h.size; left > 0;) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
    readExact(buf.data(), n);
    for (std::size_t off = 0; off < n;) {
      ssize_t w = ::write(fd.get(), buf.data() + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) failErrno(h.name, "cannot write");
      off += static_cast<std::size_t>(w);
    }
    left -= n;
  }
  if (::close(fd.release()) != 0) failErrno(h.name, "cannot close");
  skipData(tar::paddingFor(h.size));
}

void Extractor::removeExisting(const Entry& e, int parent) {
  struct stat st {};
  const char* name = e.path.back().c_str();
  if (::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (S_ISDIR(st.st_mode)) fail(e.header.name, "exists and is a directory");
  if (::unlinkat(parent, name, 0) != 0) failErrno(e.header.name, "cannot replace");
}

void Extractor::extractSymlink(const Entry& e, int parent) {
  const std::string& target = e.header.linkname;
  if (target.empty()) fail(e.header.name, "symlink without a target");
  if (target.front() == '/') fail(e.header.name, "symlink to an absolute path " + quote(target));
  // Resolve the target lexically from the link's directory: it must not climb above dest.
  std::vector<std::string_view> at;
  for (std::size_t i = 0; i + 1 < e.path.size(); ++i)
    at.push_back(e.path[i]);
  std::string_view rest = target;
  while (!rest.empty()) {
    std::size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part == "..") {
      if (at.empty())
        fail(e.header.name, "symlink target " + quote(target) + " leaves the destination");
      at.pop_back();
    } else if (!part.empty() && part != ".") {
      at.push_back(part);
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  removeExisting(e, parent);
  if (::symlinkat(target.c_str(), parent, e.path.back().c_str()) != 0) {
    failErrno(e.header.name, "cannot create symlink");
  }
  std::string joined;
  for (const auto& p : e.path)
    joined += (joined.empty() ? "" : "/") + p;
  symlinks_.push_back(std::move(joined));
}

void Extractor::extractHardlink(const Entry& e, int parent) {
  std::vector<std::string> target = safeSegments(e.header.linkname, e.header.name);
  if (target.empty()) fail(e.header.name, "hardlink to the destination directory");
  UniqueFd targetDir = openParent(target, false, e.header.name);
  struct stat st {};
  if (::fstatat(targetDir.get(), target.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISREG(st.st_mode)) {
    fail(e.header.name,
         "hardlink target " + quote(e.header.linkname) + " is not a regular file extracted before");
  }
  removeExisting(e, parent);
  if (::linkat(targetDir.get(), target.back().c_str(), parent, e.path.back().c_str(), 0) != 0) {
    failErrno(e.header.name, "cannot create hardlink");
  }
}

// A link may stay inside dest lexically and still leave it through another link ("a -> .."
// under a directory, then "b -> d/a/.."); resolve every link now that all exist.
void Extractor::verifySymlinks() {
  std::error_code ec;
  std::filesystem::path root = std::filesystem::canonical(dest_, ec);
  if (ec) throw core::Error("cannot resolve " + dest_.string() + ": " + ec.message());
  std::string prefix = root.string() + "/";
  for (const auto& link : symlinks_) {
    std::filesystem::path resolved = std::filesystem::weakly_canonical(dest_ / link, ec);
    std::string s = resolved.string();
    if (ec || (s != root.string() && s.rfind(prefix, 0) != 0)) {
      ::unlinkat(root_.get(), link.c_str(), 0);
      fail(link, "symlink resolves outside the destination");
    }
  }
}

}  // namespace

void extractTarGz(const std::filesystem::path& archive, const std::filesystem::path& dest,
                  const ExtractLimits& limits) {
  Extractor(archive, dest, limits).run();
}

}  // namespace driftless::artifact
