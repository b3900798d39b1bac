#include "driftless/runtime/work_queue.h"

#include <algorithm>

namespace driftless::runtime {

WorkQueue::WorkQueue(BackoffOptions backoff, std::function<Clock::time_point()> now)
    : backoff_(backoff), now_(std::move(now)) {}

void WorkQueue::enqueueLocked(const std::string& key) {
  if (shutDown_) return;
  if (processing_.find(key) != processing_.end()) {
    dirty_.insert(key);  // re-queued by done()
    return;
  }
  if (!queued_.emplace(key, now_()).second) return;
  queue_.push_back(key);
  ++adds_;
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mutex_);
  enqueueLocked(key);
}

void WorkQueue::addAfter(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) {
    add(key);
    return;
  }
  std::lock_guard lock(mutex_);
  if (shutDown_) return;
  const auto at = now_() + delay;
  auto it = waitingAt_.find(key);
  if (it != waitingAt_.end()) {
    if (it->second <= at) return;  // an earlier schedule already exists
    auto range = waiting_.equal_range(it->second);
    for (auto w = range.first; w != range.second; ++w) {
      if (w->second == key) {
        waiting_.erase(w);
        break;
      }
    }
  }
  waiting_.emplace(at, key);
  waitingAt_[key] = at;
  cv_.notify_all();  // a waiter may need to wake earlier
}

std::chrono::milliseconds WorkQueue::addRateLimited(const std::string& key) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mutex_);
    int n = failures_[key]++;
    ++retries_;
    // minDelay * 2^n without overflow, capped at maxDelay.
    double d = static_cast<double>(backoff_.minDelay.count());
    for (int i = 0; i < n && d < static_cast<double>(backoff_.maxDelay.count()); ++i)
      d *= 2;
    delay = std::chrono::milliseconds(
        static_cast<std::int64_t>(std::min(d, static_cast<double>(backoff_.maxDelay.count()))));
  }
  addAfter(key, delay);
  return delay;
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

int WorkQueue::failures(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::promoteDueLocked(Clock::time_point now) {
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    std::string key = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    waitingAt_.erase(key);
    enqueueLocked(key);
  }
}

std::optional<WorkItem> WorkQueue::popLocked() {
  if (queue_.empty()) return std::nullopt;
  WorkItem item;
  item.key = std::move(queue_.front());
  queue_.pop_front();
  const auto now = now_();
  if (auto it = queued_.find(item.key); it != queued_.end()) {
    item.waited = now - it->second;
    queued_.erase(it);
  }
  processing_.emplace(item.key, now);
  return item;
}

std::optional<std::string> WorkQueue::get() {
  return get(std::chrono::milliseconds::max());
}

std::optional<std::string> WorkQueue::get(std::chrono::milliseconds timeout) {
  auto item = getItem(timeout);
  if (!item) return std::nullopt;
  return std::move(item->key);
}

std::optional<WorkItem> WorkQueue::getItem(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const bool forever = timeout == std::chrono::milliseconds::max();
  const auto deadline = forever ? Clock::time_point::max() : Clock::now() + timeout;
  for (;;) {
    if (shutDown_) return std::nullopt;
    promoteDueLocked(now_());
    if (auto item = popLocked()) return item;
    if (!forever && Clock::now() >= deadline) return std::nullopt;
    // Sleep until the next scheduled key is due, the deadline, or a notification.
    auto wake = deadline;
    if (!waiting_.empty()) {
      auto untilDue = waiting_.begin()->first - now_();
      wake = std::min(wake, Clock::now() + std::max(untilDue, Clock::duration::zero()));
    }
    if (wake == Clock::time_point::max()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, wake);
    }
  }
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mutex_);
  processing_.erase(key);
  if (dirty_.erase(key) > 0) enqueueLocked(key);
}

void WorkQueue::shutDown() {
  std::lock_guard lock(mutex_);
  shutDown_ = true;
  cv_.notify_all();
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard lock(mutex_);
  return shutDown_;
}

WorkQueueStats WorkQueue::stats() const {
  std::lock_guard lock(mutex_);
  WorkQueueStats stats{queue_.size(), adds_, retries_, processing_.size(), waiting_.size()};
  const auto now = now_();
  for (const auto& [key, since] : processing_) {
    const double seconds = std::chrono::duration<double>(now - since).count();
    stats.unfinishedSeconds += seconds;
    stats.longestRunningSeconds = std::max(stats.longestRunningSeconds, seconds);
  }
  return stats;
}

}  // namespace driftless::runtime
