#include "driftless/runtime/options.h"

#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>

#include "driftless/core/duration.h"
#include "driftless/core/error.h"

namespace driftless::runtime {

namespace {

std::chrono::milliseconds toMillis(std::string_view flag, const std::string& text) {
  try {
    return std::chrono::duration_cast<std::chrono::milliseconds>(core::parseDuration(text));
  } catch (const core::Error& e) {
    throw core::Error("invalid value \"" + text + "\" for flag --" + std::string(flag) + ": " +
                      e.what());
  }
}

bool toBool(std::string_view flag, const std::string& text) {
  if (text == "true" || text == "1" || text == "t" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "0" || text == "f" || text == "False" || text == "FALSE") {
    return false;
  }
  throw core::Error("invalid boolean value \"" + text + "\" for flag --" + std::string(flag));
}

template <typename T>
T toNumber(std::string_view flag, const std::string& text) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw core::Error("invalid value \"" + text + "\" for flag --" + std::string(flag));
  }
  return value;
}

using Setter = std::function<void(RuntimeOptions&, const std::string&)>;

struct Flag {
  bool boolean = false;
  Setter set;
};

const std::map<std::string, Flag, std::less<>>& flags() {
  static const std::map<std::string, Flag, std::less<>> kFlags = {
      {"metrics-addr", {false, [](auto& o, const auto& v) { o.metricsAddr = v; }}},
      {"health-addr", {false, [](auto& o, const auto& v) { o.healthAddr = v; }}},
      {"events-addr", {false, [](auto& o, const auto& v) { o.eventsAddr = v; }}},
      {"enable-leader-election",
       {true, [](auto& o,
                 const auto& v) { o.enableLeaderElection = toBool("enable-leader-election", v); }}},
      {"leader-election-lease-duration",
       {false,
        [](auto& o, const auto& v) {
          o.leaderElection.leaseDuration = toMillis("leader-election-lease-duration", v);
        }}},
      {"leader-election-renew-deadline",
       {false,
        [](auto& o, const auto& v) {
          o.leaderElection.renewDeadline = toMillis("leader-election-renew-deadline", v);
        }}},
      {"leader-election-retry-period",
       {false,
        [](auto& o, const auto& v) {
          o.leaderElection.retryPeriod = toMillis("leader-election-retry-period", v);
        }}},
      {"leader-election-release-on-cancel",
       {true,
        [](auto& o, const auto& v) {
          o.leaderElection.releaseOnCancel = toBool("leader-election-release-on-cancel", v);
        }}},
      {"watch-all-namespaces",
       {true,
        [](auto& o, const auto& v) { o.watchAllNamespaces = toBool("watch-all-namespaces", v); }}},
      {"watch-label-selector", {false, [](auto& o, const auto& v) { o.watchLabelSelector = v; }}},
      {"concurrent",
       {false, [](auto& o, const auto& v) { o.concurrent = toNumber<int>("concurrent", v); }}},
      {"min-retry-delay",
       {false,
        [](auto& o, const auto& v) { o.backoff.minDelay = toMillis("min-retry-delay", v); }}},
      {"max-retry-delay",
       {false,
        [](auto& o, const auto& v) { o.backoff.maxDelay = toMillis("max-retry-delay", v); }}},
      {"interval-jitter-percentage",
       {false,
        [](auto& o, const auto& v) {
          o.jitterPercent = toNumber<int>("interval-jitter-percentage", v);
          if (o.jitterPercent < 0 || o.jitterPercent >= 100) {
            throw core::Error("--interval-jitter-percentage must be between 0 and 99");
          }
        }}},
      {"graceful-shutdown-timeout",
       {false,
        [](auto& o, const auto& v) {
          o.gracefulShutdownTimeout = toMillis("graceful-shutdown-timeout", v);
        }}},
      {"log-level", {false, [](auto& o, const auto& v) { o.logLevel = core::parseLogLevel(v); }}},
      {"log-encoding",
       {false,
        [](auto& o, const auto& v) {
          if (v == "json") {
            o.logEncoding = core::LogEncoding::Json;
          } else if (v == "console") {
            o.logEncoding = core::LogEncoding::Console;
          } else {
            throw core::Error("invalid value \"" + v +
                              "\" for flag --log-encoding: json or console");
          }
        }}},
      {"kubeconfig", {false, [](auto& o, const auto& v) { o.kubeconfig = v; }}},
      {"kube-api-qps",
       {false, [](auto& o, const auto& v) { o.qps = toNumber<double>("kube-api-qps", v); }}},
      {"kube-api-burst",
       {false, [](auto& o, const auto& v) { o.burst = toNumber<int>("kube-api-burst", v); }}},
  };
  return kFlags;
}

}  // namespace

core::Logger RuntimeOptions::logger() const {
  return core::Logger(core::makeFdLogSink(2), logLevel, logEncoding);
}

kube::RestConfig RuntimeOptions::restConfig() const {
  kube::RestConfig config = kube::defaultConfig(kubeconfig);
  config.qps = qps;
  config.burst = burst;
  return config;
}

RuntimeOptions parseRuntimeOptions(const std::string& controllerName,
                                   const std::vector<std::string>& args,
                                   std::vector<std::string>* rest, int defaultConcurrent) {
  RuntimeOptions o;
  o.controllerName = controllerName;
  o.concurrent = defaultConcurrent;
  const char* ns = std::getenv("RUNTIME_NAMESPACE");
  o.runtimeNamespace = ns != nullptr && *ns != '\0' ? ns : "flux-system";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      if (rest != nullptr) rest->push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool hasValue = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      hasValue = true;
    }
    auto it = flags().find(name);
    if (it == flags().end()) {
      if (rest != nullptr) rest->push_back(arg);
      continue;
    }
    if (!hasValue) {
      if (it->second.boolean) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        throw core::Error("flag needs an argument: --" + name);
      }
    }
    it->second.set(o, value);
  }
  if (o.concurrent < 1) throw core::Error("--concurrent must be at least 1");
  if (o.leaderElection.leaseName.empty()) {
    o.leaderElection.leaseName = controllerName + "-leader-election";
  }
  if (o.leaderElection.namespace_.empty()) o.leaderElection.namespace_ = o.runtimeNamespace;
  return o;
}

void parseFlags(
    const std::vector<std::string>& args,
    const std::function<bool(const std::string& name)>& isBoolean,
    const std::function<bool(const std::string& name, const std::string& value)>& handle) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) throw core::Error("unexpected argument: " + arg);
    std::string name = arg;
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (isBoolean && isBoolean(name)) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      throw core::Error("flag needs an argument: " + name);
    }
    if (!handle(name, value)) throw core::Error("unknown flag: " + name);
  }
}

std::string runtimeOptionsUsage() {
  return R"(Flags shared by every controller (Flux's names and defaults):
  --metrics-addr ADDR                  Prometheus metrics (default :8080)
  --health-addr ADDR                   /healthz and /readyz (default :9440)
  --events-addr URL                    forward events to the notification-controller
                                       (http://... or grpc://host:port)
  --concurrent N                       concurrent reconciles
  --min-retry-delay D / --max-retry-delay D   failure backoff (default 750ms / 15m)
  --interval-jitter-percentage N       jitter of the reconcile interval (default 5)
  --watch-all-namespaces[=BOOL]        watch every namespace, else $RUNTIME_NAMESPACE (default true)
  --watch-label-selector SELECTOR      only objects matching (sharding)
  --enable-leader-election[=BOOL]      one active replica (Lease <controller>-leader-election)
  --leader-election-lease-duration D   (default 35s)
  --leader-election-renew-deadline D   (default 30s)
  --leader-election-retry-period D     (default 5s)
  --leader-election-release-on-cancel[=BOOL]  (default true)
  --graceful-shutdown-timeout D        in-flight reconciles finish within this (default 30s)
  --log-level info|debug|trace|error   --log-encoding json|console
  --kubeconfig FILE  --kube-api-qps N (default 50)  --kube-api-burst N (default 300)
)";
}

}  // namespace driftless::runtime
