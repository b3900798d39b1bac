#include "driftless/artifact/grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <array>
#include <atomic>
#include <chrono>
#include <fstream>

#include "driftless/core/error.h"
#include "proto/artifact.grpc.pb.h"

namespace driftless::artifact {

namespace fs = std::filesystem;
namespace pb = driftless::artifact::v1;

namespace {

constexpr std::size_t kChunkSize = 64 * 1024;

void toProto(const api::meta::Artifact& a, pb::Artifact& out) {
  out.set_path(a.path);
  out.set_url(a.url);
  out.set_revision(a.revision);
  out.set_digest(a.digest);
  out.set_last_update_time(a.lastUpdateTime);
  out.set_size(a.size.value_or(0));
  for (const auto& [k, v] : a.metadata)
    (*out.mutable_metadata())[k] = v;
}

}  // namespace

class ArtifactGrpcServer::Impl final : public pb::ArtifactService::Service {
 public:
  Impl(fs::path root, Lookup lookup, std::string host, std::uint16_t port, core::Logger logger)
      : root_(std::move(root)),
        lookup_(std::move(lookup)),
        host_(std::move(host)),
        port_(port),
        logger_(std::move(logger)) {}

  grpc::Status GetArtifact(grpc::ServerContext* /*context*/, const pb::ArtifactRequest* request,
                           pb::Artifact* response) override {
    auto artifact = lookup_(request->kind(), request->namespace_(), request->name());
    if (!artifact) {
      return {grpc::StatusCode::NOT_FOUND, request->kind() + "/" + request->namespace_() + "/" +
                                               request->name() + " has no artifact"};
    }
    toProto(*artifact, *response);
    return grpc::Status::OK;
  }

  grpc::Status Fetch(grpc::ServerContext* context, const pb::FetchRequest* request,
                     grpc::ServerWriter<pb::Chunk>* writer) override {
    const fs::path rel = fs::path(request->path()).lexically_normal();
    if (rel.empty() || rel.is_absolute() || *rel.begin() == "..") {
      return {grpc::StatusCode::INVALID_ARGUMENT, "invalid artifact path: " + request->path()};
    }
    std::error_code ec;
    const fs::path file = root_ / rel;
    if (!fs::is_regular_file(fs::symlink_status(file, ec)) && !fs::is_regular_file(file, ec)) {
      return {grpc::StatusCode::NOT_FOUND, "artifact not found: " + request->path()};
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return {grpc::StatusCode::NOT_FOUND, "artifact not found: " + request->path()};
    std::array<char, kChunkSize> buffer{};
    pb::Chunk chunk;
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto n = in.gcount();
      if (n <= 0) break;
      if (context->IsCancelled()) return {grpc::StatusCode::CANCELLED, "cancelled"};
      chunk.set_data(buffer.data(), static_cast<std::size_t>(n));
      if (!writer->Write(chunk)) return {grpc::StatusCode::CANCELLED, "client went away"};
    }
    return grpc::Status::OK;
  }

  grpc::Status Watch(grpc::ServerContext* context, const pb::ArtifactRequest* request,
                     grpc::ServerWriter<pb::Artifact>* writer) override {
    std::string last;  // revision + digest last sent
    std::uint64_t seen = 0;
    while (!context->IsCancelled() && !stopping_.load()) {
      {
        std::unique_lock lock(mutex_);
        seen = generation_;
      }
      auto artifact = lookup_(request->kind(), request->namespace_(), request->name());
      if (artifact && artifact->revision + "|" + artifact->digest != last) {
        pb::Artifact out;
        toProto(*artifact, out);
        if (!writer->Write(out)) break;
        last = artifact->revision + "|" + artifact->digest;
      }
      std::unique_lock lock(mutex_);
      // Woken by notify(); the timeout bounds how late a cancelled stream notices.
      cv_.wait_for(lock, std::chrono::seconds(1),
                   [&] { return generation_ != seen || stopping_.load(); });
    }
    return grpc::Status::OK;
  }

  void start() {
    grpc::ServerBuilder builder;
    int bound = 0;
    builder.AddListeningPort(host_ + ":" + std::to_string(port_), grpc::InsecureServerCredentials(),
                             &bound);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    if (!server_ || bound == 0) {
      throw core::Error("cannot serve the artifact gRPC service on " + host_ + ":" +
                        std::to_string(port_));
    }
    port_ = static_cast<std::uint16_t>(bound);
    logger_.info("serving artifacts over gRPC", {{"address", host_ + ":" + std::to_string(port_)}});
  }

  void stop() {
    stopping_.store(true);
    cv_.notify_all();
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
      server_->Wait();
      server_.reset();
    }
  }

  void notify() {
    {
      std::lock_guard lock(mutex_);
      ++generation_;
    }
    cv_.notify_all();
  }

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  fs::path root_;
  Lookup lookup_;
  std::string host_;
  std::uint16_t port_;
  core::Logger logger_;
  std::unique_ptr<grpc::Server> server_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;
  std::atomic<bool> stopping_{false};
};

ArtifactGrpcServer::ArtifactGrpcServer(fs::path root, Lookup lookup, std::string host,
                                       std::uint16_t port, core::Logger logger)
    : impl_(std::make_unique<Impl>(std::move(root), std::move(lookup), std::move(host), port,
                                   std::move(logger))) {}

ArtifactGrpcServer::~ArtifactGrpcServer() {
  impl_->stop();
}

void ArtifactGrpcServer::start() {
  impl_->start();
}
void ArtifactGrpcServer::stop() {
  impl_->stop();
}
void ArtifactGrpcServer::notify() {
  impl_->notify();
}
std::uint16_t ArtifactGrpcServer::port() const noexcept {
  return impl_->port();
}

}  // namespace driftless::artifact
