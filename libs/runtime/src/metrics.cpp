#include "driftless/runtime/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <sstream>

namespace driftless::runtime {

namespace {

// controller-runtime's reconcile_time_seconds buckets.
prometheus::Histogram::BucketBoundaries reconcileBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
          0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
          6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60};
}

// client-go's workqueue buckets: ExponentialBuckets(10e-9, 10, 10).
prometheus::Histogram::BucketBoundaries queueBuckets() {
  prometheus::Histogram::BucketBoundaries b;
  double v = 10e-9;
  for (int i = 0; i < 10; ++i, v *= 10)
    b.push_back(v);
  return b;
}

// fluxcd/pkg: prometheus.ExponentialBucketsRange(10e-3, 1800, 10).
prometheus::Histogram::BucketBoundaries gotkBuckets() {
  prometheus::Histogram::BucketBoundaries b;
  const double minimum = 10e-3;
  const double factor = std::pow(1800.0 / minimum, 1.0 / 9.0);
  double v = minimum;
  for (int i = 0; i < 10; ++i, v *= factor)
    b.push_back(v);
  return b;
}

template <typename Builder>
auto& family(Builder builder, const char* name, const char* help, prometheus::Registry& r) {
  return builder.Name(name).Help(help).Register(r);
}

}  // namespace

void ControllerMetrics::reconciled(std::string_view result, double seconds) {
  if (result == "success") {
    success_->Increment();
  } else if (result == "requeue") {
    requeue_->Increment();
  } else if (result == "requeue_after") {
    requeueAfter_->Increment();
  } else {
    error_->Increment();
    errors_->Increment();
  }
  reconcileTime_->Observe(seconds);
}

void ControllerMetrics::setActiveWorkers(int n) {
  activeWorkers_->Set(n);
}

void ControllerMetrics::setMaxConcurrentReconciles(int n) {
  maxConcurrent_->Set(n);
}

void ControllerMetrics::observeQueueWait(double seconds) {
  queueDuration_->Observe(seconds);
}

void ControllerMetrics::observeWork(double seconds) {
  workDuration_->Observe(seconds);
}

void ControllerMetrics::sampleQueue(const WorkQueueStats& stats) {
  std::lock_guard lock(mutex_);
  depth_->Set(static_cast<double>(stats.depth));
  if (stats.adds > lastAdds_) adds_->Increment(static_cast<double>(stats.adds - lastAdds_));
  if (stats.retries > lastRetries_) {
    retries_->Increment(static_cast<double>(stats.retries - lastRetries_));
  }
  lastAdds_ = stats.adds;
  lastRetries_ = stats.retries;
  unfinished_->Set(stats.unfinishedSeconds);
  longestRunning_->Set(stats.longestRunningSeconds);
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  using prometheus::BuildCounter;
  using prometheus::BuildGauge;
  using prometheus::BuildHistogram;
  reconcileTotal_ = &family(BuildCounter(), "controller_runtime_reconcile_total",
                            "Total number of reconciliations per controller", r);
  reconcileErrors_ = &family(BuildCounter(), "controller_runtime_reconcile_errors_total",
                             "Total number of reconciliation errors per controller", r);
  reconcileTime_ = &family(BuildHistogram(), "controller_runtime_reconcile_time_seconds",
                           "Length of time per reconciliation per controller", r);
  activeWorkers_ = &family(BuildGauge(), "controller_runtime_active_workers",
                           "Number of currently used workers per controller", r);
  maxConcurrent_ = &family(BuildGauge(), "controller_runtime_max_concurrent_reconciles",
                           "Maximum number of concurrent reconciles per controller", r);
  depth_ = &family(BuildGauge(), "workqueue_depth", "Current depth of workqueue", r);
  adds_ = &family(BuildCounter(), "workqueue_adds_total",
                  "Total number of adds handled by workqueue", r);
  retries_ = &family(BuildCounter(), "workqueue_retries_total",
                     "Total number of retries handled by workqueue", r);
  queueDuration_ =
      &family(BuildHistogram(), "workqueue_queue_duration_seconds",
              "How long in seconds an item stays in workqueue before being requested", r);
  workDuration_ = &family(BuildHistogram(), "workqueue_work_duration_seconds",
                          "How long in seconds processing an item from workqueue takes", r);
  unfinished_ = &family(BuildGauge(), "workqueue_unfinished_work_seconds",
                        "How many seconds of work has been done that is in progress and hasn't "
                        "been observed by work_duration",
                        r);
  longestRunning_ = &family(BuildGauge(), "workqueue_longest_running_processor_seconds",
                            "How many seconds has the longest running processor for workqueue "
                            "been running",
                            r);
  restRequests_ =
      &family(BuildCounter(), "rest_client_requests_total",
              "Number of HTTP requests, partitioned by status code, method, and host", r);
  leader_ = &family(BuildGauge(), "leader_election_master_status",
                    "Gauge of if the reporting system is master of the relevant lease, 0 "
                    "indicates backup, 1 indicates master. 'name' is the string used to identify "
                    "the lease. Please make sure to group by name.",
                    r);
  gotkDuration_ =
      &family(BuildHistogram(), "gotk_reconcile_duration_seconds",
              "The duration in seconds of a GitOps Toolkit resource reconciliation.", r);
}

Metrics::~Metrics() = default;

ControllerMetrics& Metrics::controller(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& slot = controllers_[name];
  if (slot) return *slot;
  slot = std::make_unique<ControllerMetrics>();
  ControllerMetrics& m = *slot;
  const prometheus::Labels c{{"controller", name}};
  const prometheus::Labels q{{"controller", name}, {"name", name}};
  auto with = [&](const char* result) {
    return prometheus::Labels{{"controller", name}, {"result", result}};
  };
  m.success_ = &reconcileTotal_->Add(with("success"));
  m.error_ = &reconcileTotal_->Add(with("error"));
  m.requeue_ = &reconcileTotal_->Add(with("requeue"));
  m.requeueAfter_ = &reconcileTotal_->Add(with("requeue_after"));
  m.errors_ = &reconcileErrors_->Add(c);
  m.reconcileTime_ = &reconcileTime_->Add(c, reconcileBuckets());
  m.activeWorkers_ = &activeWorkers_->Add(c);
  m.maxConcurrent_ = &maxConcurrent_->Add(c);
  m.depth_ = &depth_->Add(q);
  m.adds_ = &adds_->Add(q);
  m.retries_ = &retries_->Add(q);
  m.queueDuration_ = &queueDuration_->Add(q, queueBuckets());
  m.workDuration_ = &workDuration_->Add(q, queueBuckets());
  m.unfinished_ = &unfinished_->Add(q);
  m.longestRunning_ = &longestRunning_->Add(q);
  return m;
}

void Metrics::setRestHost(std::string host) {
  std::lock_guard lock(mutex_);
  restHost_ = std::move(host);
}

void Metrics::restRequest(std::string_view method, std::string_view code) {
  std::string host;
  {
    std::lock_guard lock(mutex_);
    host = restHost_;
  }
  restRequests_->Add({{"code", std::string(code)}, {"host", host}, {"method", std::string(method)}})
      .Increment();
}

void Metrics::setLeader(const std::string& leaseName, bool leading) {
  leader_->Add({{"name", leaseName}}).Set(leading ? 1 : 0);
}

void Metrics::observeReconcileDuration(const std::string& kind, const std::string& namespace_,
                                       const std::string& name, double seconds) {
  gotkDuration_->Add({{"kind", kind}, {"name", name}, {"namespace", namespace_}}, gotkBuckets())
      .Observe(seconds);
}

void Metrics::addCollectHook(std::function<void()> hook) {
  std::lock_guard lock(mutex_);
  hooks_.push_back(std::move(hook));
}

std::string Metrics::serialize() {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(mutex_);
    hooks = hooks_;
  }
  for (const auto& hook : hooks)
    hook();
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace driftless::runtime
