#pragma once

// A Git repository served by a real `git daemon` on 127.0.0.1 (a bare repository plus a work
// tree to commit from), for tests of everything that clones: the source-controller, `driftless
// up`.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace driftless::test {

class GitServer {
 public:
  // Serves <root>/repo.git, committing from <root>/work; root empty: a temporary directory,
  // removed on destruction.
  explicit GitServer(std::filesystem::path root = {});
  ~GitServer();
  GitServer(const GitServer&) = delete;
  GitServer& operator=(const GitServer&) = delete;

  // git://127.0.0.1:<port>/repo.git
  [[nodiscard]] std::string url() const;
  // Writes (or removes) a file of the work tree.
  void write(const std::string& path, const std::string& content);
  void remove(const std::string& path);
  // Commits everything and pushes main; returns the commit hash.
  std::string commit(const std::string& message);
  // Waits until the daemon answers (call after the first commit).
  void waitReady();
  // Runs `git ARGS` in the work tree (the bare repository is at bare()); returns its output.
  std::string git(const std::string& args);
  [[nodiscard]] std::string bare() const { return (root_ / "repo.git").string(); }

 private:
  std::filesystem::path root_;
  bool ownsRoot_ = false;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace driftless::test
