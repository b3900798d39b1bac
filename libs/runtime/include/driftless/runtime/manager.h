#pragma once

// The manager of a controller process (controller-runtime's): it owns the client, the shared
// informer cache, the metrics registry, the events recorder and the controllers, and runs their
// lifecycle: health and metrics endpoints first, then the caches (synced before anything
// reconciles), then leader election, then the controllers; on stop (SIGTERM) the controllers
// drain within the graceful shutdown timeout, the lease is released and everything stops.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driftless/core/log.h"
#include "driftless/kube/client.h"
#include "driftless/net/http_server.h"
#include "driftless/runtime/controller.h"
#include "driftless/runtime/event_recorder.h"
#include "driftless/runtime/informer.h"
#include "driftless/runtime/leader_election.h"
#include "driftless/runtime/metrics.h"
#include "driftless/runtime/options.h"

namespace driftless::runtime {

// "host:port", ":port" (every interface) or "0"/"" (disabled) into a bind address and port.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
  bool enabled = false;
  static ListenAddress parse(const std::string& addr);
};

class Manager {
 public:
  // Connects with options.restConfig() (or config when given); counts every request in
  // rest_client_requests_total.
  explicit Manager(RuntimeOptions options);
  Manager(RuntimeOptions options, kube::RestConfig config);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  [[nodiscard]] kube::Client& client() noexcept { return *client_; }
  [[nodiscard]] Cache& cache() noexcept { return *cache_; }
  [[nodiscard]] Metrics& metrics() noexcept { return metrics_; }
  [[nodiscard]] EventRecorder& events() noexcept { return *events_; }
  [[nodiscard]] const RuntimeOptions& options() const noexcept { return options_; }
  [[nodiscard]] core::Logger logger() const { return logger_; }

  // A controller with the process's concurrency and backoff; started by run().
  Controller& addController(const std::string& name, Reconciler& reconciler);

  // Something started once this process leads (or at once without leader election) and stopped
  // on shutdown, e.g. the source-controller's artifact server.
  void addLeaderRunnable(std::function<void()> start, std::function<void()> stop);

  // Blocks until stop is requested (0) or leadership is lost (1, the process should exit as
  // controller-runtime's does). Throws core::Error when an endpoint cannot listen or the caches
  // do not sync.
  int run(std::stop_token stop);

  // The bound ports (after run() started the endpoints; useful with port 0).
  [[nodiscard]] std::uint16_t metricsPort() const noexcept { return metricsPort_.load(); }
  [[nodiscard]] std::uint16_t healthPort() const noexcept { return healthPort_.load(); }

 private:
  void startEndpoints();
  void stopEndpoints();
  bool elect(std::stop_token stop, std::stop_source& lost);

  RuntimeOptions options_;
  core::Logger logger_;
  Metrics metrics_;
  kube::ClientPtr client_;
  std::unique_ptr<Cache> cache_;
  std::unique_ptr<EventRecorder> events_;
  std::vector<ControllerPtr> controllers_;
  std::vector<std::pair<std::function<void()>, std::function<void()>>> runnables_;
  std::unique_ptr<LeaderElector> elector_;
  std::unique_ptr<net::HttpServer> metricsServer_;
  std::unique_ptr<net::HttpServer> healthServer_;
  std::atomic<std::uint16_t> metricsPort_{0};
  std::atomic<std::uint16_t> healthPort_{0};
  std::atomic<bool> ready_{false};
};

// Turns SIGTERM and SIGINT into a stop request (a thread waits for the signals, so nothing runs
// in signal context). Create it before any other thread so they all inherit the blocked mask.
// The main of a controller binary: blocks SIGINT/SIGTERM (SignalStop), answers --help with
// usage plus the common flags, parses Flux's common flags (the rest go to body), runs body and
// turns an exception into `<controller>: <message>` on stderr and exit code 1.
int controllerMain(
    const std::string& controllerName, std::string_view usage, int defaultConcurrent, int argc,
    char** argv,
    const std::function<int(const RuntimeOptions& options, const std::vector<std::string>& rest,
                            std::stop_token stop)>& body);

class SignalStop {
 public:
  SignalStop();
  ~SignalStop();
  SignalStop(const SignalStop&) = delete;
  SignalStop& operator=(const SignalStop&) = delete;
  [[nodiscard]] std::stop_token token() const { return source_.get_token(); }

 private:
  std::stop_source source_;
  std::jthread thread_;
};

}  // namespace driftless::runtime
