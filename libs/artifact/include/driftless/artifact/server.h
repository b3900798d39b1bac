#pragma once

// The artifact file server of source-controller (--storage-addr, default :9090): what Go's
// http.FileServer does for artifacts, on net::HttpServer. GET and HEAD of files under root;
// "/" answers 200 (the Deployment's readiness probe); everything else 404 (directories too),
// other methods 405. Paths are percent-decoded by the server; a "." or ".." segment, a NUL or a
// symlink resolving outside root is a 404. Content-Type: application/gzip for .tar.gz and .tgz,
// application/x-yaml for .yaml, application/octet-stream otherwise.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "driftless/core/log.h"
#include "driftless/net/http_server.h"

namespace driftless::artifact {

class ArtifactServer {
 public:
  // Binds now (port 0 picks a free port); throws core::Error when the address is unavailable.
  ArtifactServer(std::filesystem::path root, std::string bindAddress, std::uint16_t port,
                 core::Logger logger);
  ~ArtifactServer();
  ArtifactServer(const ArtifactServer&) = delete;
  ArtifactServer& operator=(const ArtifactServer&) = delete;

  void start();
  void stop();
  [[nodiscard]] std::uint16_t port() const;

 private:
  void handle(const net::HttpRequest& request, net::ResponseWriter& response) const;

  std::filesystem::path root_;
  core::Logger logger_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace driftless::artifact
