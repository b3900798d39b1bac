#pragma once

// The notification controller's event server: Flux's event POST (and the gRPC EventService)
// in, Alerts matched, Providers called. The steps are free functions so they can be checked
// one by one against Flux's tests; EventServer strings them together in Flux's order (read,
// clean metadata, rate limit, drop internal keys, match Alerts, gate per Provider, combine
// metadata, dispatch asynchronously).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "driftless/core/log.h"
#include "driftless/core/value.h"
#include "driftless/kube/selector.h"
#include "driftless/net/http_server.h"
#include "driftless/notify/notifier.h"

namespace driftless::notify {

// What the event server reads from the cluster, and where it reports.
class ClusterView {
 public:
  virtual ~ClusterView() = default;
  // Every Alert (notification.toolkit.fluxcd.io/v1beta3), all namespaces.
  virtual std::vector<ObjectPtr> alerts() = 0;
  virtual std::optional<core::Value> provider(const std::string& ns, const std::string& name) = 0;
  // The decoded data of a Secret; nullopt when it does not exist.
  virtual std::optional<SecretData> secret(const std::string& ns, const std::string& name) = 0;
  // The live object an event is about (for matchLabels); nullopt when absent or unknown.
  virtual std::optional<core::Value> object(const std::string& apiVersion, const std::string& kind,
                                            const std::string& ns, const std::string& name) = 0;
  // A Warning event on an Alert (InvalidConfig, MetadataAppendFailed,
  // NotificationDispatchFailed).
  virtual void warn(const core::Value& alert, const std::string& reason,
                    const std::string& message) = 0;
};

// --- the steps

// "kustomize.toolkit.fluxcd.io" of "kustomize.toolkit.fluxcd.io/v1" ("" for "v1" or "").
std::string groupOf(std::string_view apiVersion);

// Keeps only `<group>/` and `event.toolkit.fluxcd.io/` keys, without `<group>/checksum` and
// `<group>/digest`.
void cleanupMetadata(Event& event);
// Removes `<group>/token` (used only for rate limiting).
void excludeInternalMetadata(Event& event);

// The rate-limit key's preimage and its lowercase hex SHA-256.
std::string rateLimitKeyString(const Event& event);
std::string rateLimitKey(const Event& event);

// go-limiter's memory store with one token per interval: fixed windows anchored at a key's first
// request; idle keys swept after two intervals. Thread-safe.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(std::chrono::milliseconds interval) : interval_(interval) {}
  struct Result {
    bool allowed = true;
    Clock::time_point reset;  // end of the key's current window
  };
  Result take(const std::string& key, Clock::time_point now);
  [[nodiscard]] std::chrono::milliseconds interval() const noexcept { return interval_; }

 private:
  struct Bucket {
    Clock::time_point start;
    Clock::time_point windowEnd;
    bool used = false;
    Clock::time_point lastSeen;
  };
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
  Clock::time_point lastSweep_{};
};

// The label selector of a matchLabels map (metav1.LabelSelector{MatchLabels}); throws
// kube::SelectorError for invalid keys or values.
kube::LabelSelector matchLabelsSelector(const core::Value& matchLabels);

// Does one eventSources entry of an Alert (in namespace alertNamespace, with eventSeverity)
// match the event? matchLabels are checked against the live object from cluster.
bool eventMatchesSource(const Event& event, const core::Value& source,
                        const std::string& alertNamespace, const std::string& alertSeverity,
                        ClusterView* cluster);

// The Alerts that take the event: not suspended, a matching source, the inclusion and exclusion
// lists (Go RE2, unanchored). Invalid regexes are skipped with an InvalidConfig warning.
std::vector<ObjectPtr> matchingAlerts(const Event& event, const std::vector<ObjectPtr>& alerts,
                                      ClusterView* cluster);

// RFC 0008: event.toolkit.fluxcd.io/<k>, then the Alert's eventMetadata, then its summary,
// then <group>/<k>, later sources winning. Returns the conflict message for a
// MetadataAppendFailed warning ("" when none).
std::string combineMetadata(Event& event, const core::Value& alertSpec);

enum class Gate { Dispatch, Skip, DropCommitStatus, CrossNamespaceRefused };
// Whether an Alert's Provider gets the event (before metadata combination).
Gate notificationGate(const Event& event, const std::string& alertNamespace,
                      const std::string& providerType, bool providerSuspended,
                      bool noCrossNamespaceRefs);

// --- the server

struct EventServerOptions {
  std::chrono::milliseconds rateLimitInterval{std::chrono::minutes(5)};
  bool noCrossNamespaceRefs = false;
  std::size_t maxBodyBytes = 3 * 1024 * 1024;
  std::size_t workers = 4;
  std::size_t maxQueued = 10000;  // dispatches waiting beyond this are dropped and logged
  // Overrides how requests go out (tests); default: curl with the Provider's TLS, proxy and
  // timeout.
  std::function<std::unique_ptr<Transport>(const TransportOptions&)> transportFactory;
  std::function<RateLimiter::Clock::time_point()> clock;
};

struct EventResponse {
  int status = 202;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class EventServer {
 public:
  EventServer(ClusterView& cluster, EventServerOptions options, core::Logger logger);
  ~EventServer();
  EventServer(const EventServer&) = delete;
  EventServer& operator=(const EventServer&) = delete;

  // One POSTed body; dispatches run on the server's workers.
  EventResponse handle(std::string_view body);
  // The same for an already decoded event (the gRPC service).
  EventResponse handle(Event event);
  void serveHttp(const net::HttpRequest& request, net::ResponseWriter& writer);

  // Blocks until every queued dispatch is done (tests, shutdown).
  void drain();

  struct Stats {
    std::uint64_t received = 0;
    std::uint64_t rateLimited = 0;
    std::uint64_t dispatched = 0;
    std::uint64_t failed = 0;
  };
  [[nodiscard]] Stats stats() const;

 private:
  struct Job {
    Event event;
    ObjectPtr alert;
  };
  void dispatch(Job job);
  void workerLoop();

  ClusterView& cluster_;
  EventServerOptions options_;
  core::Logger logger_;
  RateLimiter limiter_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable idle_;
  std::deque<Job> queue_;
  std::size_t busy_ = 0;
  bool stopping_ = false;
  Stats stats_;
  std::vector<std::thread> workers_;
};

}  // namespace driftless::notify
