#include "posix_handles.h"

#include <cerrno>
#include <climits>
#include <cstring>

#include "driftless/core/error.h"

namespace driftless::artifact {

GzFile::GzFile(const std::filesystem::path& path, const char* mode) : path_(path.string()) {
  gz_ = gzopen(path_.c_str(), mode);
  if (gz_ == nullptr) throw core::Error("cannot open " + path_ + ": " + std::strerror(errno));
  gzbuffer(gz_, 128 * 1024);
}

GzFile::~GzFile() {
  if (gz_ != nullptr) gzclose(gz_);
}

std::string GzFile::lastError() const {
  int code = 0;
  const char* msg = gzerror(gz_, &code);
  if (code == Z_ERRNO) return std::strerror(errno);
  return msg != nullptr ? msg : "unknown zlib error";
}

std::size_t GzFile::read(char* out, std::size_t n) {
  int got = gzread(gz_, out, static_cast<unsigned>(std::min<std::size_t>(n, INT_MAX)));
  if (got < 0) throw core::Error("cannot decompress " + path_ + ": " + lastError());
  return static_cast<std::size_t>(got);
}

void GzFile::write(std::string_view data) {
  while (!data.empty()) {
    auto chunk = static_cast<unsigned>(std::min<std::size_t>(data.size(), 1u << 30));
    int put = gzwrite(gz_, data.data(), chunk);
    if (put <= 0) throw core::Error("cannot write " + path_ + ": " + lastError());
    data.remove_prefix(static_cast<std::size_t>(put));
  }
}

void GzFile::close() {
  int rc = gzclose(gz_);
  gz_ = nullptr;
  if (rc != Z_OK)
    throw core::Error("cannot finish " + path_ + " (zlib error " + std::to_string(rc) + ")");
}

bool GzFile::direct() const {
  return gzdirect(gz_) != 0;
}

}  // namespace driftless::artifact
