#pragma once

// The Prometheus metrics of a controller process, declared once with the names Flux's
// dashboards expect: controller-runtime's (controller_runtime_*, workqueue_*,
// rest_client_requests_total, leader_election_master_status) and fluxcd/pkg's
// gotk_reconcile_duration_seconds.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/runtime/work_queue.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace driftless::runtime {

// The series of one controller (label controller=<name>; workqueue_* also name=<name>).
class ControllerMetrics {
 public:
  // result: success, error, requeue or requeue_after (controller-runtime's labels).
  void reconciled(std::string_view result, double seconds);
  void setActiveWorkers(int n);
  void setMaxConcurrentReconciles(int n);
  void observeQueueWait(double seconds);
  void observeWork(double seconds);
  // Copies the queue's counters (depth, adds, retries, unfinished work) into the series.
  void sampleQueue(const WorkQueueStats& stats);

 private:
  friend class Metrics;
  prometheus::Counter* success_ = nullptr;
  prometheus::Counter* error_ = nullptr;
  prometheus::Counter* requeue_ = nullptr;
  prometheus::Counter* requeueAfter_ = nullptr;
  prometheus::Counter* errors_ = nullptr;
  prometheus::Histogram* reconcileTime_ = nullptr;
  prometheus::Gauge* activeWorkers_ = nullptr;
  prometheus::Gauge* maxConcurrent_ = nullptr;
  prometheus::Gauge* depth_ = nullptr;
  prometheus::Counter* adds_ = nullptr;
  prometheus::Counter* retries_ = nullptr;
  prometheus::Histogram* queueDuration_ = nullptr;
  prometheus::Histogram* workDuration_ = nullptr;
  prometheus::Gauge* unfinished_ = nullptr;
  prometheus::Gauge* longestRunning_ = nullptr;
  std::mutex mutex_;
  std::size_t lastAdds_ = 0;
  std::size_t lastRetries_ = 0;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  ControllerMetrics& controller(const std::string& name);
  // rest_client_requests_total{code,host,method}.
  void restRequest(std::string_view method, std::string_view code);
  void setRestHost(std::string host);
  // leader_election_master_status{name}.
  void setLeader(const std::string& leaseName, bool leading);
  // gotk_reconcile_duration_seconds{kind,name,namespace}.
  void observeReconcileDuration(const std::string& kind, const std::string& namespace_,
                                const std::string& name, double seconds);
  // Runs before every scrape (e.g. to sample work queues).
  void addCollectHook(std::function<void()> hook);

  // The text exposition format (text/plain; version=0.0.4).
  std::string serialize();
  prometheus::Registry& registry() noexcept { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* reconcileTotal_;
  prometheus::Family<prometheus::Counter>* reconcileErrors_;
  prometheus::Family<prometheus::Histogram>* reconcileTime_;
  prometheus::Family<prometheus::Gauge>* activeWorkers_;
  prometheus::Family<prometheus::Gauge>* maxConcurrent_;
  prometheus::Family<prometheus::Gauge>* depth_;
  prometheus::Family<prometheus::Counter>* adds_;
  prometheus::Family<prometheus::Counter>* retries_;
  prometheus::Family<prometheus::Histogram>* queueDuration_;
  prometheus::Family<prometheus::Histogram>* workDuration_;
  prometheus::Family<prometheus::Gauge>* unfinished_;
  prometheus::Family<prometheus::Gauge>* longestRunning_;
  prometheus::Family<prometheus::Counter>* restRequests_;
  prometheus::Family<prometheus::Gauge>* leader_;
  prometheus::Family<prometheus::Histogram>* gotkDuration_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<ControllerMetrics>> controllers_;
  std::string restHost_;
  std::vector<std::function<void()>> hooks_;
};

}  // namespace driftless::runtime
