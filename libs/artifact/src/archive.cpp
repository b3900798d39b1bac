#include "driftless/artifact/archive.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "driftless/core/error.h"
#include "posix_handles.h"
#include "tar_format.h"

namespace driftless::artifact {
namespace {

constexpr std::uint32_t kDirMode = 0750;
constexpr std::uint32_t kFileMode = 0600;
constexpr std::uint32_t kExecutableMode = 0700;

class TarGzWriter {
 public:
  explicit TarGzWriter(const std::filesystem::path& out) : gz_(out, "wb6") {}

  void addDirectory(const std::string& name) {
    gz_.write(tar::encodeHeader({name, "", tar::kTypeDir, kDirMode, 0}));
  }

  void addFile(const std::string& name, const std::filesystem::path& file, const struct stat& st) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw core::Error("cannot open " + file.string() + ": " + std::strerror(errno));
    auto size = static_cast<std::uint64_t>(st.st_size);
    std::uint32_t mode = (st.st_mode & 0111) != 0 ? kExecutableMode : kFileMode;
    gz_.write(tar::encodeHeader({name, "", tar::kTypeRegular, mode, size}));
    std::uint64_t written = 0;
    std::vector<char> buf(64 * 1024);
    while (written < size && in) {
      in.read(buf.data(),
              static_cast<std::streamsize>(std::min<std::uint64_t>(buf.size(), size - written)));
      auto n = static_cast<std::size_t>(in.gcount());
      gz_.write(std::string_view(buf.data(), n));
      written += n;
    }
    // The header promised size bytes: a file that shrank while being read is an error.
    if (written != size) throw core::Error(file.string() + " changed while being archived");
    gz_.write(std::string(tar::paddingFor(size), '\0'));
  }

  void finish() {
    gz_.write(std::string(2 * tar::kBlockSize, '\0'));
    gz_.close();
  }

 private:
  GzFile gz_;
};

struct WalkContext {
  TarGzWriter& writer;
  const ArchiveFilter& filter;
};

std::vector<std::string> sortedNames(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) throw core::Error("cannot list " + dir.string() + ": " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

// filepath.Walk: lstat each entry, visit it, then descend into directories.
void walk(WalkContext& ctx, const std::filesystem::path& dir, const std::string& rel) {
  for (const auto& name : sortedNames(dir)) {
    std::filesystem::path full = dir / name;
    std::string childRel = rel.empty() ? name : rel + "/" + name;
    struct stat st {};
    if (::lstat(full.c_str(), &st) != 0) {
      throw core::Error("cannot stat " + full.string() + ": " + std::strerror(errno));
    }
    bool isDir = S_ISDIR(st.st_mode);
    if (!isDir && !S_ISREG(st.st_mode)) continue;  // symlinks, sockets, devices
    if (!ctx.filter || !ctx.filter(childRel, isDir)) {
      if (isDir) {
        ctx.writer.addDirectory(childRel);
      } else {
        ctx.writer.addFile(childRel, full, st);
      }
    }
    if (isDir) walk(ctx, full, childRel);
  }
}

}  // namespace

void writeTarGz(const std::filesystem::path& dir, const std::filesystem::path& out,
                const ArchiveFilter& filter) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw core::Error("invalid dir path: " + dir.string());
  }
  TarGzWriter writer(out);
  writer.addDirectory(".");
  WalkContext ctx{writer, filter};
  walk(ctx, dir, "");
  writer.finish();
}

}  // namespace driftless::artifact
