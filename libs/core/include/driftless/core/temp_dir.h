#pragma once

// A fresh private directory (`<parent>/<prefix>-XXXXXX`, mode 0700, from mkdtemp), removed with
// everything in it when the object goes away: clones, extracted artifacts, GnuPG homes, tests.

#include <filesystem>
#include <string>

namespace driftless::core {

class TempDir {
 public:
  // Throws core::Error naming the pattern when the directory cannot be made.
  explicit TempDir(const std::string& prefix = "driftless",
                   const std::filesystem::path& parent = std::filesystem::temp_directory_path());
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace driftless::core
