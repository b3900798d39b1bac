// notification_bench: event-to-webhook latency through a running notification-controller.
//
//   notification_bench --events http://127.0.0.1:PORT/ --listen PORT [--rate 100] [--count 2000]
//                      [--burst 5000]
//
// Listens on 127.0.0.1:PORT as the webhook of a generic Provider (the Alert routing events to
// it is set up by scripts/bench/notification.sh), POSTs Flux events to the event server at a
// steady rate and records when each arrives at the webhook: p50/p99/max latency. Then sends a
// burst as fast as four connections allow and reports the sustained events/s delivered.

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "driftless/core/json.h"
#include "driftless/net/curl.h"
#include "driftless/net/http_server.h"

namespace {

namespace core = driftless::core;
namespace net = driftless::net;
using Clock = std::chrono::steady_clock;

std::size_t discard(char*, std::size_t size, std::size_t n, void*) {
  return size * n;
}

class Sender {
 public:
  explicit Sender(std::string url) : url_(std::move(url)) {
    net::curlGlobalInit();
    handle_.reset(curl_easy_init());
    headers_.reset(curl_slist_append(nullptr, "Content-Type: application/json"));
  }
  long send(const std::string& body) {
    CURL* h = handle_.get();
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers_.get());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    if (curl_easy_perform(h) != CURLE_OK) return 0;
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

 private:
  std::string url_;
  net::CurlEasyPtr handle_;
  net::CurlSlistPtr headers_;
};

std::string eventBody(const std::string& id) {
  return R"({"involvedObject":{"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","name":"bench","namespace":"flux-system"},"severity":"info","timestamp":"2026-01-01T00:00:00Z","message":")" +
         id + R"(","reason":"ReconciliationSucceeded","reportingController":"bench"})";
}

}  // namespace

int main(int argc, char** argv) {
  std::string events;
  int listen = 0;
  int rate = 100;
  int count = 2000;
  int burst = 5000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--events") events = value;
    if (flag == "--listen") listen = std::stoi(value);
    if (flag == "--rate") rate = std::stoi(value);
    if (flag == "--count") count = std::stoi(value);
    if (flag == "--burst") burst = std::stoi(value);
  }
  if (events.empty() || listen == 0) {
    std::cerr << "usage: notification_bench --events URL --listen PORT [--rate N] [--count N] "
                 "[--burst N]\n";
    return 2;
  }
  std::mutex mutex;
  std::map<std::string, Clock::time_point> sent;
  std::vector<double> latencies;
  std::atomic<int> delivered{0};
  net::HttpServerOptions options;
  options.port = static_cast<std::uint16_t>(listen);
  net::HttpServer hook(nullptr, options, [&](const net::HttpRequest& req, net::ResponseWriter& w) {
    const auto now = Clock::now();
    try {
      const std::string id = core::parseJson(req.body)["message"].asString();
      std::lock_guard lock(mutex);
      auto it = sent.find(id);
      if (it != sent.end()) {
        latencies.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
      }
    } catch (const std::exception&) {
    }
    ++delivered;
    w.send(200, "text/plain", "");
  });
  hook.start();

  // Steady rate: one event every 1/rate seconds, each with a unique message.
  Sender sender(events);
  const auto period = std::chrono::microseconds(1000000 / std::max(1, rate));
  auto next = Clock::now();
  int refused = 0;
  for (int i = 0; i < count; ++i) {
    std::this_thread::sleep_until(next);
    next += period;
    const std::string id = "steady-" + std::to_string(i);
    {
      std::lock_guard lock(mutex);
      sent[id] = Clock::now();
    }
    if (sender.send(eventBody(id)) != 202) ++refused;
  }
  const auto waitUntil = Clock::now() + std::chrono::seconds(30);
  while (delivered.load() < count - refused && Clock::now() < waitUntil)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::vector<double> l;
  {
    std::lock_guard lock(mutex);
    l = latencies;
  }
  std::sort(l.begin(), l.end());
  auto pct = [&](double p) {
    return l.empty() ? 0.0 : l[std::min(l.size() - 1, static_cast<std::size_t>(p * l.size()))];
  };
  std::printf("steady: %d events at %d/s, %zu delivered, %d refused\n", count, rate, l.size(),
              refused);
  std::printf("latency event -> webhook: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", pct(0.50),
              pct(0.99), l.empty() ? 0.0 : l.back());

  // Burst: four connections as fast as the server answers.
  delivered = 0;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Sender s(events);
      for (int i = t; i < burst; i += 4) {
        if (s.send(eventBody("burst-" + std::to_string(i))) == 202) ++accepted;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  const auto acceptedAt = Clock::now();
  const auto burstWait = Clock::now() + std::chrono::seconds(120);
  while (delivered.load() < accepted.load() && Clock::now() < burstWait)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const double acceptSeconds = std::chrono::duration<double>(acceptedAt - start).count();
  const double deliverSeconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("burst: %d events accepted in %.2f s (%.0f/s), %d delivered in %.2f s (%.0f/s)\n",
              accepted.load(), acceptSeconds, accepted.load() / acceptSeconds, delivered.load(),
              deliverSeconds, delivered.load() / deliverSeconds);
  hook.stop();
  return 0;
}
