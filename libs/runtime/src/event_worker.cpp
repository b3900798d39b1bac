#include "event_worker.h"

#include <exception>
#include <utility>

namespace driftless::runtime::events {

EventWorker::EventWorker(std::string name, std::size_t capacity, core::Logger logger)
    : name_(std::move(name)),
      capacity_(capacity == 0 ? 1 : capacity),
      logger_(std::move(logger)),
      thread_([this] { run(); }) {}

EventWorker::~EventWorker() {
  stop(Clock::now());
}

void EventWorker::post(std::string what, Task task) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  if (queue_.size() >= capacity_) {
    logger_.error("event queue full, dropping the oldest event", "queue overflow",
                  {{"queue", name_}, {"event", queue_.front().what}});
    queue_.pop_front();
    ++dropped_;
    finishLocked(1);
  }
  queue_.push_back(Entry{std::move(what), std::move(task)});
  ++posted_;
  wake_.notify_all();
}

void EventWorker::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = posted_;
  done_.wait(lock, [&] { return finished_ >= target; });
}

void EventWorker::stop(Clock::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ = deadline;
    } else {
      deadline_ = std::min(deadline_, deadline);
    }
    wake_.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool EventWorker::sleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  const auto until = Clock::now() + d;
  auto giveUp = [&] { return stopping_ && deadline_ < until; };
  wake_.wait_until(lock, until, giveUp);
  return !giveUp();
}

std::uint64_t EventWorker::droppedForTest() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void EventWorker::finishLocked(std::uint64_t n) {
  finished_ += n;
  done_.notify_all();
}

void EventWorker::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_ && (queue_.empty() || Clock::now() >= deadline_)) {
      if (!queue_.empty()) {
        logger_.error("event recorder stopped, dropping queued events", "shutdown",
                      {{"queue", name_}, {"count", static_cast<long>(queue_.size())}});
        dropped_ += queue_.size();
        finishLocked(queue_.size());
        queue_.clear();
      }
      return;
    }
    Entry entry = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      entry.task();
    } catch (const std::exception& e) {
      logger_.error("event task failed", e.what(), {{"queue", name_}});
    } catch (...) {
      logger_.error("event task failed", "unknown exception", {{"queue", name_}});
    }
    lock.lock();
    finishLocked(1);
  }
}

}  // namespace driftless::runtime::events
