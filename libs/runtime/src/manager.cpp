#include "driftless/runtime/manager.h"

#include <iostream>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "driftless/core/error.h"

namespace driftless::runtime {

namespace {

constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::unique_ptr<net::HttpServer> listen(const ListenAddress& addr, net::HttpHandler handler) {
  net::HttpServerOptions opts;
  opts.bind = addr.host;
  opts.port = addr.port;
  opts.maxConnections = 64;
  opts.idleTimeout = std::chrono::seconds(30);
  opts.maxBodyBytes = 64 * 1024;
  auto server = std::make_unique<net::HttpServer>(nullptr, opts, std::move(handler));
  server->start();
  return server;
}

// Waits until either token is stopped.
void waitForAny(std::stop_token a, std::stop_token b) {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  auto wake = [&] {
    std::lock_guard lock(mutex);
    done = true;
    cv.notify_all();
  };
  std::stop_callback ca(a, wake);
  std::stop_callback cb(b, wake);
  std::unique_lock lock(mutex);
  cv.wait(lock, [&] { return done; });
}

}  // namespace

ListenAddress ListenAddress::parse(const std::string& addr) {
  ListenAddress out;
  if (addr.empty() || addr == "0") return out;
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) throw core::Error("invalid listen address \"" + addr + "\"");
  out.host = addr.substr(0, colon);
  if (out.host.empty()) out.host = "0.0.0.0";
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  const std::string port = addr.substr(colon + 1);
  char* end = nullptr;
  long n = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || n < 0 || n > 65535) {
    throw core::Error("invalid port in listen address \"" + addr + "\"");
  }
  out.port = static_cast<std::uint16_t>(n);
  out.enabled = true;
  return out;
}

Manager::Manager(RuntimeOptions options) : Manager(options, options.restConfig()) {}

Manager::Manager(RuntimeOptions options, kube::RestConfig config)
    : options_(std::move(options)), logger_(options_.logger()) {
  metrics_.setRestHost(config.server.substr(
      config.server.find("://") == std::string::npos ? 0 : config.server.find("://") + 3));
  config.requestObserver = [this](std::string_view method, std::string_view code) {
    metrics_.restRequest(method, code);
  };
  client_ = kube::makeClient(config, logger_);
  Cache::Options cacheOptions;
  cacheOptions.namespace_ = options_.watchNamespace();
  cacheOptions.labelSelector = options_.watchLabelSelector;
  cache_ = std::make_unique<Cache>(*client_, cacheOptions, logger_);
  EventRecorderOptions eventOptions;
  eventOptions.controllerName = options_.controllerName;
  eventOptions.eventsAddr = options_.eventsAddr;
  events_ = std::make_unique<EventRecorder>(*client_, eventOptions, logger_.withName("events"));
}

Manager::~Manager() {
  for (auto& c : controllers_)
    c->stop(std::chrono::milliseconds(0));
  cache_->stop();
  stopEndpoints();
}

Controller& Manager::addController(const std::string& name, Reconciler& reconciler) {
  ControllerOptions opts;
  opts.name = name;
  opts.concurrent = options_.concurrent;
  opts.backoff = options_.backoff;
  controllers_.push_back(std::make_unique<Controller>(opts, reconciler, logger_, &metrics_));
  return *controllers_.back();
}

void Manager::addLeaderRunnable(std::function<void()> start, std::function<void()> stop) {
  runnables_.emplace_back(std::move(start), std::move(stop));
}

void Manager::startEndpoints() {
  if (auto addr = ListenAddress::parse(options_.metricsAddr); addr.enabled) {
    metricsServer_ = listen(addr, [this](const net::HttpRequest& req, net::ResponseWriter& w) {
      if (req.path != "/metrics") return w.send(404, "text/plain", "404 page not found\n");
      w.send(200, kMetricsContentType, metrics_.serialize());
    });
    metricsPort_ = metricsServer_->port();
    logger_.info("Starting metrics server", {{"bindAddress", options_.metricsAddr},
                                             {"port", static_cast<int>(metricsPort_.load())}});
  }
  if (auto addr = ListenAddress::parse(options_.healthAddr); addr.enabled) {
    healthServer_ = listen(addr, [this](const net::HttpRequest& req, net::ResponseWriter& w) {
      if (req.path == "/healthz") return w.send(200, "text/plain", "ok");
      if (req.path == "/readyz") {
        if (ready_.load()) return w.send(200, "text/plain", "ok");
        return w.send(500, "text/plain", "caches not synced");
      }
      w.send(404, "text/plain", "404 page not found\n");
    });
    healthPort_ = healthServer_->port();
    logger_.info("Starting health probes", {{"bindAddress", options_.healthAddr},
                                            {"port", static_cast<int>(healthPort_.load())}});
  }
}

void Manager::stopEndpoints() {
  if (metricsServer_) metricsServer_->stop();
  if (healthServer_) healthServer_->stop();
}

bool Manager::elect(std::stop_token stop, std::stop_source& lost) {
  if (!options_.enableLeaderElection) return true;
  elector_ = std::make_unique<LeaderElector>(*client_, options_.leaderElection,
                                             logger_.withName("leader-election"));
  const std::string lease =
      options_.leaderElection.namespace_ + "/" + options_.leaderElection.leaseName;
  metrics_.setLeader(options_.leaderElection.leaseName, false);
  logger_.info("attempting to acquire leader lease", {{"lease", lease}});
  if (!elector_->acquire(stop)) return false;
  logger_.info("successfully acquired lease", {{"lease", lease}});
  metrics_.setLeader(options_.leaderElection.leaseName, true);
  elector_->startRenewing([this, &lost] {
    metrics_.setLeader(options_.leaderElection.leaseName, false);
    lost.request_stop();
  });
  return true;
}

int Manager::run(std::stop_token stop) {
  startEndpoints();
  cache_->start();
  if (!cache_->waitForSync(std::chrono::minutes(2))) {
    throw core::Error("timed out waiting for the caches to sync");
  }
  ready_ = true;
  std::stop_source lost;
  const bool leading = elect(stop, lost);
  if (leading) {
    for (auto& [start, stopFn] : runnables_)
      start();
    for (auto& c : controllers_)
      c->start();
    waitForAny(stop, lost.get_token());
  }
  const bool wasLost = lost.stop_requested();
  if (wasLost) {
    logger_.error("leader election lost", "the lease could not be renewed");
  } else {
    logger_.info("Stopping and waiting for non leader election runnables");
  }
  // Drain: every controller gets what is left of the graceful shutdown timeout.
  const auto deadline = std::chrono::steady_clock::now() + options_.gracefulShutdownTimeout;
  for (auto& c : controllers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    c->stop(std::max(left, std::chrono::milliseconds(0)));
  }
  if (leading) {
    for (auto& [start, stopFn] : runnables_)
      stopFn();
  }
  if (elector_) {
    elector_->release();
    metrics_.setLeader(options_.leaderElection.leaseName, false);
  }
  events_->flush();
  cache_->stop();
  ready_ = false;
  stopEndpoints();
  logger_.info("All workers finished");
  return wasLost ? 1 : 0;
}

SignalStop::SignalStop() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::jthread([this, set](std::stop_token stop) {
    const timespec tick{0, 200 * 1000 * 1000};
    while (!stop.stop_requested()) {
      if (sigtimedwait(&set, nullptr, &tick) < 0) continue;
      if (source_.stop_requested()) std::_Exit(1);  // a second signal: exit at once
      source_.request_stop();
    }
  });
}

SignalStop::~SignalStop() {
  thread_.request_stop();
}

int controllerMain(
    const std::string& controllerName, std::string_view usage, int defaultConcurrent, int argc,
    char** argv,
    const std::function<int(const RuntimeOptions& options, const std::vector<std::string>& rest,
                            std::stop_token stop)>& body) {
  SignalStop signals;
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << usage << '\n' << runtimeOptionsUsage();
      return 0;
    }
    std::vector<std::string> rest;
    RuntimeOptions options = parseRuntimeOptions(controllerName, args, &rest, defaultConcurrent);
    return body(options, rest, signals.token());
  } catch (const std::exception& e) {
    std::cerr << controllerName << ": " << e.what() << '\n';
    return 1;
  }
}

}  // namespace driftless::runtime
