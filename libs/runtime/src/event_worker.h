#pragma once

// Internal to the events recorder: one thread working through a bounded queue of tasks. When
// the queue is full the oldest task is dropped (and logged); a stop lets the queue drain until
// a deadline and drops what is left.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "driftless/core/log.h"

namespace driftless::runtime::events {

class EventWorker {
 public:
  using Task = std::function<void()>;
  using Clock = std::chrono::steady_clock;

  // Starts the thread. name appears in log lines ("kubernetes", "forward").
  EventWorker(std::string name, std::size_t capacity, core::Logger logger);
  // stop(now): tasks not started are dropped.
  ~EventWorker();
  EventWorker(const EventWorker&) = delete;
  EventWorker& operator=(const EventWorker&) = delete;

  // Queues task (described by `what` when it has to be dropped); ignored once stopped. A task
  // must not throw (what escapes is logged).
  void post(std::string what, Task task);
  // Blocks until every task posted before the call has run or was dropped.
  void flush();
  // Lets the queue drain until deadline, then drops what is left and joins the thread.
  void stop(Clock::time_point deadline);

  // For a task: waits d, or less when the worker is stopping and d would pass its deadline
  // (then returns false: give up).
  bool sleepFor(std::chrono::milliseconds d);

  [[nodiscard]] std::uint64_t droppedForTest() const;

 private:
  struct Entry {
    std::string what;
    Task task;
  };

  void run();
  void finishLocked(std::uint64_t n);

  const std::string name_;
  const std::size_t capacity_;
  core::Logger logger_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;  // the worker: a task or a stop
  std::condition_variable done_;  // flush(): progress
  std::deque<Entry> queue_;
  std::uint64_t posted_ = 0;
  std::uint64_t finished_ = 0;  // run or dropped
  std::uint64_t dropped_ = 0;
  bool stopping_ = false;
  Clock::time_point deadline_{};
  std::thread thread_;
};

}  // namespace driftless::runtime::events
