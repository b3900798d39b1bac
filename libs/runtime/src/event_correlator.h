#pragma once

// Internal to the events recorder: client-go's EventCorrelator (tools/record/events_cache.go).
// Three stages, each with a bounded LRU cache:
// - the aggregator: once maxEvents events about one object with one reason but different
//   messages arrive within maxInterval, further ones become a single Event whose message is
//   "(combined from similar events): <message>";
// - the logger (dedup): an event identical to an earlier one (same source, object, type,
//   reason, message) becomes a patch of the earlier Event's count, lastTimestamp and message;
// - the spam filter: a token bucket per source and object (burst 25, one more every 5 minutes)
//   drops what exceeds it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "event_payload.h"

namespace driftless::runtime::events {

// A least-recently-used map of at most `capacity` entries.
template <typename V>
class LruCache {
 public:
  explicit LruCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The value of key (now the most recently used), or nullptr.
  V* get(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    items_.splice(items_.begin(), items_, it->second);
    return &it->second->second;
  }
  void put(const std::string& key, V value) {
    if (V* existing = get(key)) {
      *existing = std::move(value);
      return;
    }
    items_.emplace_front(key, std::move(value));
    index_.emplace(key, items_.begin());
    if (items_.size() > capacity_) {
      index_.erase(items_.back().first);
      items_.pop_back();
    }
  }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }

 private:
  std::size_t capacity_;
  std::list<std::pair<std::string, V>> items_;
  std::unordered_map<std::string, typename std::list<std::pair<std::string, V>>::iterator> index_;
};

// client-go's defaults.
struct CorrelatorOptions {
  std::size_t lruCacheSize = 4096;
  double spamBurst = 25;
  double spamQps = 1.0 / 300.0;
  std::size_t aggregateMaxEvents = 10;
  std::chrono::seconds aggregateMaxInterval{600};
  std::function<SystemClock::time_point()> now = [] { return SystemClock::now(); };
};

// What the server holds for an event key (updated from the server's reply).
struct EventLog {
  std::int64_t count = 0;
  std::string firstTimestamp;
  std::string name;
  std::string resourceVersion;
};

struct Correlation {
  KubeEvent event;
  // A strategic merge patch of count, lastTimestamp and message when event repeats an Event
  // that exists (event.count > 1); null otherwise (create event).
  core::Value patch;
  bool skip = false;  // dropped by the spam filter (then nothing is written)
  std::string key;    // the cache key to update once written
};

class EventCorrelator {
 public:
  explicit EventCorrelator(CorrelatorOptions options = {});

  Correlation correlate(KubeEvent event);
  // Records what the server stored for key (its name, resourceVersion, count, firstTimestamp).
  void updateState(const std::string& key, EventLog stored);

  // The identity of an event for deduplication: source, object, type, reason and message.
  static std::string eventKey(const KubeEvent& event);
  // The identity for the spam filter: source, object and type.
  static std::string spamKey(const KubeEvent& event);
  // The aggregation key (source, object, type, reason, reporting controller and instance) and
  // the local key within it (the message).
  static std::pair<std::string, std::string> aggregateKey(const KubeEvent& event);

 private:
  struct AggregateRecord {
    std::set<std::string> localKeys;
    SystemClock::time_point lastTimestamp{};
  };
  struct SpamRecord {
    double tokens = 0;
    SystemClock::time_point last{};
  };

  // The event to record and its cache key.
  std::pair<KubeEvent, std::string> aggregate(KubeEvent event, SystemClock::time_point now);
  Correlation observe(KubeEvent event, std::string key);
  bool filtered(const KubeEvent& event, SystemClock::time_point now);

  CorrelatorOptions options_;
  LruCache<AggregateRecord> aggregates_;
  LruCache<EventLog> logs_;
  LruCache<SpamRecord> spam_;
};

}  // namespace driftless::runtime::events
