#pragma once

// Real Git servers on 127.0.0.1 for the checkout tests: `git daemon` (git://), git-http-backend
// as CGI behind net::HttpServer with basic or bearer auth (http://), and sshd as the current user
// with a temporary host key (ssh://). Fixture repositories are built with the git CLI.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "test_support.h"

namespace driftless::net {
class HttpServer;
}

namespace driftless::test::git {

using TempDir = driftless::test::TempDir;

// Runs a shell command (with a fixed identity, dates and no global git config); throws with its
// output when it fails. Returns stdout without the trailing newline.
std::string sh(const std::string& command);
std::uint16_t freePort();
void writeFile(const std::filesystem::path& path, const std::string& content);

// A child process in its own process group, ended (by its id) on destruction.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  [[nodiscard]] bool running();

 private:
  pid_t pid_ = -1;
};

// Writes ca.crt, server.crt (for 127.0.0.1, signed by the CA) and server.key into dir.
void makeTlsMaterial(const std::filesystem::path& dir);

// Waits until something accepts TCP connections on 127.0.0.1:port; false after ~10s.
bool waitForPort(std::uint16_t port);

class GitDaemon {
 public:
  explicit GitDaemon(const std::filesystem::path& root);
  [[nodiscard]] std::string url(const std::string& repo) const;

 private:
  std::uint16_t port_;
  std::unique_ptr<Process> process_;
};

struct HttpAuth {
  std::string username, password;  // basic, when username is set
  std::string bearerToken;         // bearer, when set
};

class HttpGitServer {
 public:
  // With tlsDir, serves HTTPS with tlsDir/server.crt and tlsDir/server.key.
  HttpGitServer(std::filesystem::path root, HttpAuth auth,
                const std::filesystem::path& tlsDir = {});
  ~HttpGitServer();
  [[nodiscard]] std::string url(const std::string& repo) const;

 private:
  std::filesystem::path root_;
  HttpAuth auth_;
  std::string scheme_ = "http";
  std::unique_ptr<net::HttpServer> server_;
};

class SshServer {
 public:
  // Skips (returns with available() false) when sshd is missing or does not start.
  SshServer(const std::filesystem::path& root, const std::string& clientPublicKey);
  [[nodiscard]] bool available() const noexcept { return process_ != nullptr; }
  [[nodiscard]] std::string url(const std::string& repo) const;
  // `[127.0.0.1]:port <type> <key>` for the server's host key.
  [[nodiscard]] std::string knownHosts() const;
  [[nodiscard]] const std::string& whyUnavailable() const noexcept { return why_; }

 private:
  std::filesystem::path root_;
  TempDir state_;
  std::uint16_t port_ = 0;
  std::string user_;
  std::string why_;
  std::unique_ptr<Process> process_;
};

}  // namespace driftless::test::git
