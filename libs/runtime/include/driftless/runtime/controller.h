#pragma once

// A controller (controller-runtime's): informers feed a work queue through predicates, and
// `concurrent` workers call a level-based Reconciler with namespace/name requests. A key is never
// in two workers at once; failures come back with per-key exponential backoff; results can ask
// for a requeue after a delay (the reconcile interval).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "driftless/core/log.h"
#include "driftless/runtime/informer.h"
#include "driftless/runtime/work_queue.h"

namespace driftless::runtime {

class Metrics;
class ControllerMetrics;

struct Request {
  std::string namespace_;
  std::string name;

  [[nodiscard]] std::string key() const { return objectKey(namespace_, name); }
  static Request fromKey(const std::string& key);
  static Request of(const core::Value& object);
  friend bool operator==(const Request&, const Request&) = default;
};

struct Result {
  bool requeue = false;                       // again after the key's backoff
  std::chrono::milliseconds requeueAfter{0};  // again after this delay (wins over requeue)
};

// Errors typed by what happens next (fluxcd's internal/error): a StallingError waits for a spec
// change (no requeue); a WaitingError requeues after a delay without counting as a failure; any
// other exception is retried with backoff.
class StallingError : public std::runtime_error {
 public:
  StallingError(std::string reason, const std::string& message)
      : std::runtime_error(message), reason_(std::move(reason)) {}
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

 private:
  std::string reason_;
};

class WaitingError : public std::runtime_error {
 public:
  WaitingError(std::string reason, const std::string& message, std::chrono::milliseconds after)
      : std::runtime_error(message), reason_(std::move(reason)), requeueAfter_(after) {}
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
  [[nodiscard]] std::chrono::milliseconds requeueAfter() const noexcept { return requeueAfter_; }

 private:
  std::string reason_;
  std::chrono::milliseconds requeueAfter_;
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  // Level-based: re-read the state of req and converge it. stop is requested when the
  // controller shuts down past its drain deadline.
  virtual Result reconcile(const Request& req, std::stop_token stop) = 0;
};

// Which informer events enqueue (controller-runtime's predicate.Funcs); unset functions pass.
struct Predicate {
  std::function<bool(const core::Value&)> create;
  std::function<bool(const core::Value& oldObject, const core::Value& newObject)> update;
  std::function<bool(const core::Value&)> remove;
};

namespace predicates {
// Updates pass when metadata.generation changed (spec changes, not status writes).
Predicate generationChanged();
// Updates pass when the reconcile.fluxcd.io/requestedAt annotation changed (flux reconcile).
Predicate reconcileRequested();
// Updates pass when labels or annotations changed.
Predicate metadataChanged();
// Passes when any of the predicates passes (Flux: generation changed or reconcile requested).
Predicate anyOf(std::vector<Predicate> predicates);
// What Flux controllers watch their own kind with: anyOf(generationChanged, reconcileRequested).
Predicate fluxDefault();
}  // namespace predicates

// Maps an object of a watched kind to the requests of the reconciled kind.
using MapFunc = std::function<std::vector<Request>(const core::Value&)>;

struct ControllerOptions {
  std::string name;  // e.g. "gitrepository": the metrics' controller label
  int concurrent = 1;
  BackoffOptions backoff;
};

class Controller {
 public:
  Controller(ControllerOptions options, Reconciler& reconciler, core::Logger logger,
             Metrics* metrics = nullptr);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // The reconciled kind: events of its objects enqueue their own keys.
  void watchFor(Informer& informer, Predicate predicate = predicates::fluxDefault());
  // A related kind: events enqueue the requests map returns.
  void watches(Informer& informer, MapFunc map, Predicate predicate = {});

  void enqueue(const Request& req);
  void enqueueAfter(const Request& req, std::chrono::milliseconds delay);

  void start();
  // Stops handing out keys and waits up to drain for in-flight reconciles; past the deadline
  // their stop tokens are requested, then the workers are joined. Idempotent.
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(30));

  [[nodiscard]] const std::string& name() const noexcept { return options_.name; }
  [[nodiscard]] WorkQueue& queue() noexcept { return queue_; }
  [[nodiscard]] int activeWorkers() const noexcept { return active_.load(); }
  [[nodiscard]] std::size_t reconciles() const noexcept { return reconciles_.load(); }

 private:
  void worker(std::stop_token stop);
  void processOne(const WorkItem& item, std::stop_token stop);

  ControllerOptions options_;
  Reconciler& reconciler_;
  core::Logger logger_;
  ControllerMetrics* metrics_ = nullptr;
  WorkQueue queue_;
  std::vector<std::jthread> workers_;
  std::atomic<int> active_{0};
  std::atomic<std::size_t> reconciles_{0};
  std::mutex drainMutex_;
  std::condition_variable drainCv_;
  bool started_ = false;
  bool stopped_ = false;
};
using ControllerPtr = std::unique_ptr<Controller>;

}  // namespace driftless::runtime
