#include "event_correlator.h"

#include <algorithm>
#include <initializer_list>

namespace driftless::runtime::events {
namespace {

// Joins with a unit separator (client-go joins with "", which lets fields run into each other).
std::string joinKey(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) {
    out.append(p);
    out += '\x1f';
  }
  return out;
}

constexpr std::string_view kCombinedPrefix = "(combined from similar events): ";

}  // namespace

EventCorrelator::EventCorrelator(CorrelatorOptions options)
    : options_(std::move(options)),
      aggregates_(options_.lruCacheSize),
      logs_(options_.lruCacheSize),
      spam_(options_.lruCacheSize) {}

std::string EventCorrelator::eventKey(const KubeEvent& e) {
  const ObjectReference& o = e.involvedObject;
  return joinKey({e.sourceComponent, e.sourceHost, o.kind, o.namespace_, o.name, o.uid,
                  o.apiVersion, e.type, e.reason, e.message});
}

std::string EventCorrelator::spamKey(const KubeEvent& e) {
  const ObjectReference& o = e.involvedObject;
  return joinKey(
      {e.sourceComponent, e.sourceHost, o.kind, o.namespace_, o.name, o.uid, o.apiVersion, e.type});
}

std::pair<std::string, std::string> EventCorrelator::aggregateKey(const KubeEvent& e) {
  const ObjectReference& o = e.involvedObject;
  return {joinKey({e.sourceComponent, e.sourceHost, o.kind, o.namespace_, o.name, o.uid,
                   o.apiVersion, e.type, e.reason, e.reportingController, e.reportingInstance}),
          e.message};
}

std::pair<KubeEvent, std::string> EventCorrelator::aggregate(KubeEvent event,
                                                             SystemClock::time_point now) {
  std::string key = eventKey(event);
  auto [aggKey, localKey] = aggregateKey(event);
  AggregateRecord record;
  if (AggregateRecord* cached = aggregates_.get(aggKey)) record = *cached;
  if (now - record.lastTimestamp > options_.aggregateMaxInterval) record = AggregateRecord{};
  record.localKeys.insert(localKey);
  record.lastTimestamp = now;
  const bool combine = record.localKeys.size() >= options_.aggregateMaxEvents;
  // client-go pops one (arbitrary) local key once the threshold is reached.
  if (combine) record.localKeys.erase(record.localKeys.begin());
  aggregates_.put(aggKey, std::move(record));
  if (!combine) return {std::move(event), std::move(key)};

  KubeEvent combined = std::move(event);
  combined.name = eventName(combined.involvedObject.name, now);
  combined.resourceVersion.clear();
  combined.count = 1;
  combined.firstTimestamp = formatRfc3339(now);
  combined.lastTimestamp = combined.firstTimestamp;
  combined.message = std::string(kCombinedPrefix) + combined.message;
  return {std::move(combined), std::move(aggKey)};
}

Correlation EventCorrelator::observe(KubeEvent event, std::string key) {
  Correlation result;
  if (EventLog* last = logs_.get(key); last != nullptr && last->count > 0) {
    event.name = last->name;
    event.resourceVersion = last->resourceVersion;
    event.firstTimestamp = last->firstTimestamp;
    event.count = last->count + 1;
    // What CreateTwoWayMergePatch yields between the event without and with the fields that
    // change on a repeat.
    result.patch = core::Object{
        {"count", event.count}, {"lastTimestamp", event.lastTimestamp}, {"message", event.message}};
  }
  logs_.put(key, EventLog{event.count, event.firstTimestamp, event.name, event.resourceVersion});
  result.event = std::move(event);
  result.key = std::move(key);
  return result;
}

bool EventCorrelator::filtered(const KubeEvent& event, SystemClock::time_point now) {
  const std::string key = spamKey(event);
  SpamRecord record{options_.spamBurst, now};
  if (SpamRecord* cached = spam_.get(key)) record = *cached;
  const double elapsed = std::chrono::duration<double>(now - record.last).count();
  if (elapsed > 0)
    record.tokens = std::min(options_.spamBurst, record.tokens + elapsed * options_.spamQps);
  record.last = std::max(record.last, now);
  const bool accept = record.tokens >= 1.0;
  if (accept) record.tokens -= 1.0;
  spam_.put(key, record);
  return !accept;
}

Correlation EventCorrelator::correlate(KubeEvent event) {
  const auto now = options_.now();
  auto [aggregated, key] = aggregate(std::move(event), now);
  Correlation result = observe(std::move(aggregated), std::move(key));
  result.skip = filtered(result.event, now);
  return result;
}

void EventCorrelator::updateState(const std::string& key, EventLog stored) {
  logs_.put(key, std::move(stored));
}

}  // namespace driftless::runtime::events
