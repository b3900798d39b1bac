#include "driftless/runtime/work_queue.h"

#include <catch2/catch_test_macros.hpp>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace rt = driftless::runtime;
using namespace std::chrono_literals;

TEST_CASE("WorkQueue deduplicates keys", "[runtime][workqueue]") {
  rt::WorkQueue q;
  q.add("a");
  q.add("b");
  q.add("a");
  CHECK(q.stats().depth == 2);
  CHECK(q.get(0ms) == "a");
  CHECK(q.get(0ms) == "b");
  CHECK_FALSE(q.get(10ms).has_value());
}

TEST_CASE("WorkQueue never hands one key to two workers", "[runtime][workqueue]") {
  rt::WorkQueue q;
  q.add("a");
  auto first = q.get(0ms);
  REQUIRE(first == "a");
  q.add("a");  // while processing: queued again only after done()
  CHECK_FALSE(q.get(10ms).has_value());
  q.done("a");
  CHECK(q.get(0ms) == "a");
  q.done("a");
  CHECK_FALSE(q.get(10ms).has_value());
}

TEST_CASE("WorkQueue backs off exponentially per key and forgets", "[runtime][workqueue]") {
  rt::Clock::time_point now{};
  rt::WorkQueue q({.minDelay = 100ms, .maxDelay = 1000ms}, [&] { return now; });
  CHECK(q.addRateLimited("a") == 100ms);
  CHECK(q.addRateLimited("a") == 200ms);
  CHECK(q.addRateLimited("a") == 400ms);
  CHECK(q.addRateLimited("a") == 800ms);
  CHECK(q.addRateLimited("a") == 1000ms);
  CHECK(q.addRateLimited("a") == 1000ms);
  CHECK(q.failures("a") == 6);
  CHECK(q.addRateLimited("b") == 100ms);  // keys back off independently
  q.forget("a");
  CHECK(q.failures("a") == 0);
  CHECK(q.stats().retries == 7);
}

TEST_CASE("WorkQueue delays keys and keeps the earliest schedule", "[runtime][workqueue]") {
  rt::Clock::time_point now{};
  rt::WorkQueue q({}, [&] { return now; });
  q.addAfter("late", 500ms);
  q.addAfter("soon", 100ms);
  q.addAfter("late", 50ms);   // earlier: replaces
  q.addAfter("soon", 900ms);  // later: ignored
  CHECK_FALSE(q.get(0ms).has_value());
  now += 60ms;
  CHECK(q.get(0ms) == "late");
  CHECK_FALSE(q.get(0ms).has_value());
  now += 50ms;
  CHECK(q.get(0ms) == "soon");
  CHECK(q.stats().scheduled == 0);
}

TEST_CASE("WorkQueue workers drain concurrently and shut down", "[runtime][workqueue]") {
  rt::WorkQueue q;
  std::atomic<int> processed{0};
  std::mutex m;
  std::set<std::string> active;
  bool overlap = false;
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.get()) {
        {
          std::lock_guard lock(m);
          overlap = overlap || !active.insert(*key).second;
        }
        std::this_thread::sleep_for(1ms);
        {
          std::lock_guard lock(m);
          active.erase(*key);
        }
        ++processed;
        q.done(*key);
      }
    });
  }
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 20; ++i)
      q.add("k" + std::to_string(i));
  }
  q.addAfter("delayed", 30ms);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (q.stats().depth + q.stats().inFlight + q.stats().scheduled > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  q.shutDown();
  for (auto& t : workers)
    t.join();
  CHECK_FALSE(overlap);
  CHECK(processed >= 21);
  CHECK(processed <= 101);
  CHECK(q.shuttingDown());
}
