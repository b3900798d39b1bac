// source-controller: GitRepository artifacts (Flux's source-controller), on libs/runtime.

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "driftless/artifact/grpc_server.h"
#include "driftless/artifact/server.h"
#include "driftless/artifact/storage.h"
#include "driftless/core/duration.h"
#include "driftless/core/error.h"
#include "driftless/runtime/manager.h"
#include "git_repository_reconciler.h"

namespace {

namespace runtime = driftless::runtime;
namespace core = driftless::core;

struct SourceOptions {
  std::string storagePath = "/data";
  std::string storageAddr = ":9090";
  std::string storageAdvAddr;
  std::chrono::seconds retentionTtl{60};
  int retentionRecords = 2;
  std::string digestAlgorithm = "sha256";
  std::chrono::milliseconds requeueDependency{30000};
  std::string grpcAddr;  // empty: the gRPC artifact service is off
};

constexpr std::string_view kUsage = R"(source-controller: GitRepository artifacts

Flags of the source-controller:
  --storage-path DIR                   where artifacts are stored (default /data)
  --storage-addr ADDR                  artifact server address (default :9090)
  --storage-adv-addr HOST              advertised host of the artifact URLs (default: the
                                       storage address's host, else localhost)
  --artifact-retention-ttl D           keep older artifacts this long (default 60s)
  --artifact-retention-records N       and at most this many (default 2)
  --artifact-digest-algo ALGO          sha256, sha384 or sha512 (default sha256)
  --requeue-dependency D               retry interval for missing includes (default 30s)
  --artifact-grpc-addr ADDR            also serve artifacts over gRPC (api/proto/artifact.proto:
                                       GetArtifact, Fetch, Watch) on ADDR, e.g. :9091 (default off;
                                       a driftless extension)
)";

std::chrono::milliseconds millis(const std::string& text) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(core::parseDuration(text));
}

SourceOptions parseSourceOptions(const std::vector<std::string>& args) {
  SourceOptions o;
  runtime::parseFlags(args, {}, [&o](const std::string& name, const std::string& value) {
    if (name == "--storage-path") {
      o.storagePath = value;
    } else if (name == "--storage-addr") {
      o.storageAddr = value;
    } else if (name == "--storage-adv-addr") {
      o.storageAdvAddr = value;
    } else if (name == "--artifact-retention-ttl") {
      o.retentionTtl = std::chrono::duration_cast<std::chrono::seconds>(millis(value));
    } else if (name == "--artifact-retention-records") {
      o.retentionRecords = std::stoi(value);
    } else if (name == "--artifact-digest-algo") {
      o.digestAlgorithm = value;
    } else if (name == "--requeue-dependency") {
      o.requeueDependency = millis(value);
    } else if (name == "--artifact-grpc-addr") {
      o.grpcAddr = value;
    } else {
      return false;
    }
    return true;
  });
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  return runtime::controllerMain(
      "source-controller", kUsage, 2, argc, argv,
      [](const runtime::RuntimeOptions& options, const std::vector<std::string>& rest,
         std::stop_token stop) {
        SourceOptions source = parseSourceOptions(rest);
        const auto listen = runtime::ListenAddress::parse(source.storageAddr);
        driftless::artifact::StorageOptions so;
        so.root = source.storagePath;
        so.advertisedAddress =
            source.storageAdvAddr.empty()
                ? (listen.host == "0.0.0.0" || listen.host.empty() ? std::string("localhost")
                                                                   : listen.host) +
                      ":" + std::to_string(listen.port)
                : source.storageAdvAddr;
        so.digestAlgorithm = source.digestAlgorithm;
        so.retentionTtl = source.retentionTtl;
        so.retentionRecords = source.retentionRecords;
        driftless::artifact::Storage storage(so);

        runtime::Manager manager(options);
        driftless::artifact::ArtifactServer server(so.root, listen.host, listen.port,
                                                   manager.logger().withName("storage"));
        manager.addLeaderRunnable([&server] { server.start(); }, [&server] { server.stop(); });

        runtime::Informer& repos =
            manager.cache().informer({"source.toolkit.fluxcd.io", "v1", "GitRepository"});
        // The gRPC artifact service reads the artifacts from the informer; like the HTTP server it
        // serves only while this replica leads.
        std::unique_ptr<driftless::artifact::ArtifactGrpcServer> grpcServer;
        if (!source.grpcAddr.empty()) {
          const auto grpcListen = runtime::ListenAddress::parse(source.grpcAddr);
          grpcServer = std::make_unique<driftless::artifact::ArtifactGrpcServer>(
              so.root,
              [&repos](const std::string& kind, const std::string& ns,
                       const std::string& name) -> std::optional<driftless::api::meta::Artifact> {
                if (kind != "GitRepository") return std::nullopt;
                runtime::ObjectPtr obj = repos.get(ns, name);
                if (!obj) return std::nullopt;
                const core::Value& a = (*obj)["status"]["artifact"];
                if (!a.isObject()) return std::nullopt;
                return driftless::api::meta::Artifact::fromValue(a);
              },
              grpcListen.host.empty() ? "0.0.0.0" : grpcListen.host, grpcListen.port,
              manager.logger().withName("grpc"));
          manager.addLeaderRunnable([&grpcServer] { grpcServer->start(); },
                                    [&grpcServer] { grpcServer->stop(); });
          runtime::EventHandlers handlers;
          handlers.onUpdate = [&grpcServer](const runtime::ObjectPtr&, const runtime::ObjectPtr&) {
            grpcServer->notify();
          };
          repos.addEventHandlers(std::move(handlers));
        }
        driftless::source::GitRepositoryReconcilerOptions ro;
        ro.base.fieldManager = "source-controller";
        ro.base.cache = &repos;
        ro.base.events = runtime::recordTo(manager.events());
        ro.base.metrics = &manager.metrics();
        ro.base.jitterPercent = options.jitterPercent;
        ro.requeueDependency = source.requeueDependency;
        driftless::source::GitRepositoryReconciler reconciler(manager.client(), storage, ro,
                                                              manager.logger());
        manager.addController("gitrepository", reconciler).watchFor(repos);
        return manager.run(stop);
      });
}
