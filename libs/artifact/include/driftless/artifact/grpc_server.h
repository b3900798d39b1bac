#pragma once

// The toolkit's gRPC ArtifactService (api/proto/artifact.proto), beside the HTTP file server:
// GetArtifact (an object's status.artifact), Fetch (the file in chunks, its digest checked by the
// caller as with HTTP) and Watch (a stream of the object's new artifacts, so consumers need not
// poll). A driftless extension: Flux serves artifacts over HTTP only.

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "driftless/api/meta/v1/types.h"
#include "driftless/core/log.h"

namespace driftless::artifact {

class ArtifactGrpcServer {
 public:
  // The artifact of <kind>/<namespace>/<name>, or nullopt when the object or its artifact does
  // not exist (e.g. read from the controller's informer).
  using Lookup = std::function<std::optional<api::meta::Artifact>(
      const std::string& kind, const std::string& namespace_, const std::string& name)>;

  ArtifactGrpcServer(std::filesystem::path root, Lookup lookup, std::string host,
                     std::uint16_t port, core::Logger logger);
  ~ArtifactGrpcServer();
  ArtifactGrpcServer(const ArtifactGrpcServer&) = delete;
  ArtifactGrpcServer& operator=(const ArtifactGrpcServer&) = delete;

  // Throws core::Error when the address cannot be bound.
  void start();
  // Ends open streams and stops serving. Idempotent.
  void stop();
  // Wakes the Watch streams (call when an object's artifact may have changed).
  void notify();
  // The bound port (after start; useful with port 0).
  [[nodiscard]] std::uint16_t port() const noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace driftless::artifact
