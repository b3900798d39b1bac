#pragma once

// The work queue that is the concurrency model of every controller (controller-runtime's
// rate-limited queue): a key is queued at most once, never handed to two workers at once, a
// key that failed comes back after a per-key exponential backoff, and keys can be scheduled
// for later (the reconcile interval, with Flux's jitter applied by the caller).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace driftless::runtime {

using Clock = std::chrono::steady_clock;

struct BackoffOptions {
  // Flux's --min-retry-delay and --max-retry-delay defaults.
  std::chrono::milliseconds minDelay{750};
  std::chrono::milliseconds maxDelay{15 * 60 * 1000};
};

// Counters a metrics exporter reads (workqueue_* in controller-runtime's names).
struct WorkQueueStats {
  std::size_t depth = 0;      // keys waiting to be processed
  std::size_t adds = 0;       // workqueue_adds_total
  std::size_t retries = 0;    // workqueue_retries_total
  std::size_t inFlight = 0;   // keys being processed
  std::size_t scheduled = 0;  // keys waiting for a delay to pass
  // workqueue_unfinished_work_seconds and workqueue_longest_running_processor_seconds.
  double unfinishedSeconds = 0;
  double longestRunningSeconds = 0;
};

// A key handed to a worker, with how long it waited in the queue (workqueue_queue_duration).
struct WorkItem {
  std::string key;
  Clock::duration waited{};
};

class WorkQueue {
 public:
  explicit WorkQueue(BackoffOptions backoff = {},
                     std::function<Clock::time_point()> now = Clock::now);

  // Queues key now (a no-op when it is already queued; when it is being processed it is
  // queued again once the worker is done).
  void add(const std::string& key);
  // Queues key after delay (the earliest of several schedules wins).
  void addAfter(const std::string& key, std::chrono::milliseconds delay);
  // Queues key after its backoff (minDelay * 2^failures, capped at maxDelay); returns the delay.
  std::chrono::milliseconds addRateLimited(const std::string& key);
  // Resets the failure count of key (after a successful reconcile).
  void forget(const std::string& key);
  [[nodiscard]] int failures(const std::string& key) const;

  // Blocks until a key is ready or the queue shuts down (nullopt). The caller must call done()
  // with the key when finished.
  std::optional<std::string> get();
  // Like get(), but gives up after timeout.
  std::optional<std::string> get(std::chrono::milliseconds timeout);
  // Like get(), with the time the key spent queued.
  std::optional<WorkItem> getItem(std::chrono::milliseconds timeout);
  void done(const std::string& key);

  // Wakes every waiting get() with nullopt; later adds are ignored.
  void shutDown();
  [[nodiscard]] bool shuttingDown() const;
  [[nodiscard]] WorkQueueStats stats() const;

 private:
  void promoteDueLocked(Clock::time_point now);
  void enqueueLocked(const std::string& key);
  std::optional<WorkItem> popLocked();

  BackoffOptions backoff_;
  std::function<Clock::time_point()> now_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::unordered_map<std::string, Clock::time_point> queued_;      // in queue_, since
  std::unordered_map<std::string, Clock::time_point> processing_;  // handed out, since
  std::unordered_set<std::string> dirty_;                          // added while processing
  std::multimap<Clock::time_point, std::string> waiting_;
  std::unordered_map<std::string, Clock::time_point> waitingAt_;
  std::unordered_map<std::string, int> failures_;
  std::size_t adds_ = 0;
  std::size_t retries_ = 0;
  bool shutDown_ = false;
};

}  // namespace driftless::runtime
