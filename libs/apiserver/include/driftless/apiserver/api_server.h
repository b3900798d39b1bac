#pragma once

// The embedded Kubernetes-API-compatible control plane: discovery, OpenAPI, and the REST verbs
// over the SQLite store, served over HTTPS with bearer-token authentication.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "driftless/apiserver/registry.h"
#include "driftless/apiserver/store.h"
#include "driftless/core/log.h"
#include "driftless/net/http_server.h"

namespace driftless::apiserver {

using net::HttpRequest;
using net::HttpServer;
using net::HttpServerOptions;
using net::ResponseWriter;

struct ApiServerOptions {
  std::filesystem::path dataDir;
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;
  // Extra names for the serving certificate.
  std::vector<std::string> hosts;
  StoreOptions store;
  // Marks Deployments, StatefulSets, DaemonSets, ReplicaSets and Jobs as rolled out (no kubelet
  // runs here), so health checks behave as in a healthy cluster. Never creates Pods.
  bool simulateWorkloads = false;
  // Events older than this are deleted (kube-apiserver's --event-ttl).
  std::chrono::seconds eventTtl{3600};
  // How often the control plane's controllers (garbage collection, namespaces, simulator) run.
  std::chrono::milliseconds housekeepingInterval{1000};
};

class ApiServer {
 public:
  // Opens the data directory (certificates, token, database), registers the built-in
  // resources and every stored CRD, creates the default namespaces, binds the port and writes
  // <dataDir>/kubeconfig. Throws core::Error when any of it fails.
  ApiServer(ApiServerOptions options, core::Logger logger);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  void start();
  void stop();

  [[nodiscard]] std::uint16_t port() const noexcept;
  [[nodiscard]] std::filesystem::path kubeconfigPath() const;

  // Handles one request (exposed for tests that bypass TLS).
  void handle(const HttpRequest& request, ResponseWriter& writer);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace driftless::apiserver
