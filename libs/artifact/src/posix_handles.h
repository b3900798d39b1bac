#pragma once

// RAII for the C handles of the artifact library: file descriptors and zlib's gzFile.

#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace driftless::artifact {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// A gzip stream over a file; closed on destruction (errors then ignored: call close() on the
// success path to see them).
class GzFile {
 public:
  // mode as gzopen: "rb" or "wb<level>". Throws core::Error when the file cannot be opened.
  GzFile(const std::filesystem::path& path, const char* mode);
  ~GzFile();
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Reads up to n bytes; returns the count (0 at the end); throws core::Error on corrupt data.
  std::size_t read(char* out, std::size_t n);
  // Throws core::Error when the write fails.
  void write(std::string_view data);
  // Flushes and closes; throws core::Error when that fails.
  void close();
  // True when the input is not gzip-compressed (gzread passes such files through).
  [[nodiscard]] bool direct() const;

 private:
  [[nodiscard]] std::string lastError() const;

  gzFile gz_ = nullptr;
  std::string path_;
};

}  // namespace driftless::artifact
