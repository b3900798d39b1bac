#pragma once

// The reconciler skeleton every Flux kind follows (STYLE.md example 2), so that a controller
// writes only its domain logic: get the object (not found: done), make a patcher, handle
// deletion (cleanup, then drop the finalizer), add the finalizer, honour spec.suspend, mark
// progress, run the domain step, then summarise Ready/Reconciling/Stalled as Flux does, copy
// reconcile.fluxcd.io/requestedAt to status.lastHandledReconcileAt, advance observedGeneration
// on Ready or Stalled, and write everything in one status patch. Success requeues after
// spec.interval with Flux's jitter; failures retry with backoff.

#include <algorithm>
#include <chrono>
#include <concepts>
#include <functional>
#include <map>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

#include "driftless/core/log.h"
#include "driftless/core/time.h"
#include "driftless/core/value.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/client.h"
#include "driftless/runtime/conditions.h"
#include "driftless/runtime/controller.h"
#include "driftless/runtime/event_recorder.h"
#include "driftless/runtime/informer.h"
#include "driftless/runtime/metrics.h"
#include "driftless/runtime/patch_helper.h"

namespace driftless::runtime {

inline constexpr std::string_view kSourceFinalizer = "finalizers.fluxcd.io";
inline constexpr std::string_view kReconcileRequestAnnotation = "reconcile.fluxcd.io/requestedAt";

// A generated Flux API type: metadata, spec (with suspend) and an optional status with
// conditions, observedGeneration and lastHandledReconcileAt.
template <class T>
concept FluxObject = requires(T t, const core::Value& v) {
  { T::fromValue(v) } -> std::same_as<T>;
  { t.toValue() } -> std::same_as<core::Value>;
  t.metadata.finalizers;
  t.status->conditions;
  t.status->observedGeneration;
  t.status->lastHandledReconcileAt;
  { T::kKind } -> std::convertible_to<std::string_view>;
};

// A failure that names the Ready reason (e.g. GitOperationFailed); retried with backoff.
class ReasonedError : public std::runtime_error {
 public:
  ReasonedError(std::string reason, const std::string& message)
      : std::runtime_error(message), reason_(std::move(reason)) {}
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

 private:
  std::string reason_;
};

// How the skeleton reports events (an EventRecorder in production).
// metadata keys without the group prefix (e.g. "revision"), as EventRecorder::event takes them.
using EventMetadata = std::map<std::string, std::string>;
using EventFunc =
    std::function<void(const core::Value& object, bool warning, std::string_view reason,
                       std::string_view message, const EventMetadata& metadata)>;

// Records the skeleton's events with an EventRecorder (Kubernetes Events plus forwarding).
inline EventFunc recordTo(EventRecorder& recorder) {
  return [&recorder](const core::Value& object, bool warning, std::string_view reason,
                     std::string_view message, const EventMetadata& metadata) {
    recorder.event(object, warning ? EventType::Warning : EventType::Normal, reason, message,
                   metadata);
  };
}

struct ObjectReconcilerOptions {
  std::string finalizer = std::string(kSourceFinalizer);
  std::string fieldManager;    // e.g. "source-controller"
  double jitterPercent = 5;    // --interval-jitter-percentage
  Informer* cache = nullptr;   // read from the informer when set, else the server
  EventFunc events;            // optional
  Metrics* metrics = nullptr;  // gotk_reconcile_duration_seconds when set
};

// Flux's interval jitter: interval +/- percent.
std::chrono::milliseconds jitter(std::chrono::milliseconds interval, double percent);

// Conditions context (time, generation) for an object.
conditions::Context conditionsContext(std::int64_t generation);

template <FluxObject T>
class ObjectReconciler : public Reconciler {
 public:
  Result reconcile(const Request& req, std::stop_token stop) final {
    core::Value raw;
    try {
      raw = read(req);
    } catch (const kube::ApiError& e) {
      if (e.isNotFound()) return {};
      throw;
    }
    if (raw.isNull()) return {};
    T obj = T::fromValue(raw);
    // Diffs are computed between normalised values, so that a field the type does not model is
    // never patched away.
    SerialPatcher patcher(client_, obj.toValue(), options_.fieldManager);
    if (!obj.metadata.deletionTimestamp.empty()) return finalize(obj, patcher);
    if (addFinalizer(obj)) patchObject(obj, patcher);
    if (suspended(obj)) {
      logger_.info("Reconciliation is suspended for this object", fields(obj));
      return {};
    }
    if (!obj.status) obj.status.emplace();
    const bool wasFailing = conditions::isFalse(obj.status->conditions, conditions::kReady);
    const auto ctx = conditionsContext(obj.metadata.generation);
    auto& conds = obj.status->conditions;
    if (obj.status->observedGeneration.value_or(-1) != obj.metadata.generation) {
      conditions::markReconciling(conds, conditions::kProgressingReason,
                                  "reconciliation in progress", ctx);
      conditions::markUnknown(conds, conditions::kReady, conditions::kProgressingReason,
                              "reconciliation in progress", ctx);
      patchObject(obj, patcher);  // progress is visible before slow work
    }
    return run(obj, patcher, stop, wasFailing);
  }

 protected:
  ObjectReconciler(kube::Client& client, ObjectReconcilerOptions options, core::Logger logger)
      : client_(client), options_(std::move(options)), logger_(std::move(logger)) {}

  // The domain work: converge obj (set owned conditions, status fields); returns the Ready
  // message. Throw StallingError (spec must change), WaitingError (requeue after) or any other
  // exception (retry with backoff; ReasonedError names the Ready reason).
  virtual std::string reconcileObject(T& obj, SerialPatcher& patcher, std::stop_token stop) = 0;
  // Cleanup before the finalizer is removed (e.g. delete the artifacts).
  virtual void reconcileDelete(T& /*obj*/) {}
  // The requeue interval on success (spec.interval for most kinds); zero: no requeue.
  virtual std::chrono::milliseconds interval(const T& obj) const {
    if constexpr (requires { obj.spec.interval->value(); }) {
      if (!obj.spec.interval) return std::chrono::milliseconds(0);
      return std::chrono::duration_cast<std::chrono::milliseconds>(obj.spec.interval->value());
    } else if constexpr (requires { obj.spec.interval.value(); }) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(obj.spec.interval.value());
    } else {
      return std::chrono::milliseconds(0);
    }
  }

  void event(const T& obj, bool warning, std::string_view reason, std::string_view message,
             const EventMetadata& metadata = {}) {
    if (options_.events) options_.events(obj.toValue(), warning, reason, message, metadata);
  }
  // After a successful reconcile; recovered: the object was Ready=False before. The default
  // announces recoveries (Flux's FailureRecovery) with the Ready message.
  virtual void notifySuccess(T& obj, bool recovered) {
    if (recovered) {
      event(obj, false, conditions::kSucceededReason,
            conditions::message(obj.status->conditions, conditions::kReady));
    }
  }

  kube::Client& client_;
  ObjectReconcilerOptions options_;
  core::Logger logger_;

 private:
  core::Value read(const Request& req) {
    if (options_.cache != nullptr) {
      ObjectPtr cached = options_.cache->get(req.namespace_, req.name);
      return cached ? *cached : core::Value();
    }
    kube::ObjectRef ref{kube::GroupVersionKind::fromApiVersion(T::kApiVersion, T::kKind),
                        req.namespace_, req.name};
    return client_.get(ref);
  }

  void patchObject(T& obj, SerialPatcher& patcher) {
    core::Value value = obj.toValue();
    patcher.patch(value);
    obj.metadata.resourceVersion =
        std::as_const(value)["metadata"]["resourceVersion"].isString()
            ? std::as_const(value)["metadata"]["resourceVersion"].asString()
            : obj.metadata.resourceVersion;
  }

  static bool suspended(const T& obj) {
    if constexpr (requires { obj.spec.suspend.value_or(false); }) {
      return obj.spec.suspend.value_or(false);
    } else if constexpr (requires { obj.spec.suspend; }) {
      return static_cast<bool>(obj.spec.suspend);
    } else {
      return false;
    }
  }

  core::LogFields fields(const T& obj) const {
    return {{"namespace", obj.metadata.namespace_}, {"name", obj.metadata.name}};
  }

  bool addFinalizer(T& obj) {
    auto& f = obj.metadata.finalizers;
    if (options_.finalizer.empty() ||
        std::find(f.begin(), f.end(), options_.finalizer) != f.end()) {
      return false;
    }
    f.push_back(options_.finalizer);
    return true;
  }

  Result finalize(T& obj, SerialPatcher& patcher) {
    auto& f = obj.metadata.finalizers;
    auto it = std::find(f.begin(), f.end(), options_.finalizer);
    if (it == f.end()) return {};
    reconcileDelete(obj);
    f.erase(std::find(f.begin(), f.end(), options_.finalizer));
    patchObject(obj, patcher);
    return {};
  }

  void handleRequest(T& obj) {
    if (const std::string* token = obj.metadata.annotation(kReconcileRequestAnnotation)) {
      obj.status->lastHandledReconcileAt = *token;
    }
  }

  Result run(T& obj, SerialPatcher& patcher, std::stop_token stop, bool wasFailing) {
    const auto start = std::chrono::steady_clock::now();
    auto& conds = obj.status->conditions;
    const auto ctx = conditionsContext(obj.metadata.generation);
    Result result;
    std::exception_ptr failure;
    try {
      std::string message = reconcileObject(obj, patcher, stop);
      conditions::remove(conds, conditions::kReconciling);
      conditions::remove(conds, conditions::kStalled);
      conditions::markTrue(conds, conditions::kReady, conditions::kSucceededReason, message, ctx);
      obj.status->observedGeneration = obj.metadata.generation;
      if (auto every = interval(obj); every.count() > 0) {
        result.requeueAfter = jitter(every, options_.jitterPercent);
      }
    } catch (const StallingError& e) {
      conditions::remove(conds, conditions::kReconciling);
      conditions::markStalled(conds, e.reason(), e.what(), ctx);
      conditions::markFalse(conds, conditions::kReady, e.reason(), e.what(), ctx);
      obj.status->observedGeneration = obj.metadata.generation;
      event(obj, true, e.reason(), e.what());
      failure = std::current_exception();
    } catch (const WaitingError& e) {
      conditions::markFalse(conds, conditions::kReady, e.reason(), e.what(), ctx);
      failure = std::current_exception();
    } catch (const std::exception& e) {
      std::string reason = conditions::kFailedReason.data();
      if (const auto* r = dynamic_cast<const ReasonedError*>(&e)) reason = r->reason();
      conditions::markReconciling(conds, conditions::kProgressingWithRetryReason, e.what(), ctx);
      conditions::markFalse(conds, conditions::kReady, reason, e.what(), ctx);
      event(obj, true, reason, e.what());
      failure = std::current_exception();
    }
    handleRequest(obj);
    patchObject(obj, patcher);
    if (!failure) notifySuccess(obj, wasFailing);
    if (options_.metrics != nullptr) {
      options_.metrics->observeReconcileDuration(
          std::string(T::kKind), obj.metadata.namespace_, obj.metadata.name,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (failure) std::rethrow_exception(failure);
    return result;
  }
};

}  // namespace driftless::runtime
