#pragma once

// A local HTTPS (or HTTP) server standing in for Slack, Teams, Discord, GitHub and GitLab in
// tests: it records every request and answers with a scripted status per path (200 by default),
// so tests check the exact payloads a provider received and how failures are retried.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "driftless/net/http_server.h"

namespace driftless::test {

class CaptureServer {
 public:
  // tlsDir: where a CA and a serving certificate for 127.0.0.1 are made; empty: plain HTTP.
  explicit CaptureServer(const std::filesystem::path& tlsDir = {});
  ~CaptureServer();

  [[nodiscard]] std::string url() const;  // https://127.0.0.1:PORT
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] const std::string& caPem() const { return caPem_; }

  // The next answers for a path (then 200 again); a body for every answer to the path.
  void script(const std::string& path, std::vector<int> statuses);
  void respond(const std::string& path, std::string body);

  [[nodiscard]] std::vector<net::HttpRequest> requests() const;
  [[nodiscard]] std::vector<net::HttpRequest> requests(const std::string& path) const;
  // Waits until at least n requests reached path; false after timeout.
  bool waitFor(const std::string& path, std::size_t n,
               std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;
  void clear();

 private:
  mutable std::mutex mutex_;
  std::vector<net::HttpRequest> requests_;
  std::map<std::string, std::vector<int>> scripts_;
  std::map<std::string, std::string> bodies_;
  std::string caPem_;
  bool tls_ = false;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace driftless::test
