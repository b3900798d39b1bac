#pragma once

// Leader election on a coordination.k8s.io/v1 Lease, with the semantics of client-go's
// tools/leaderelection (LeaseLock) as controller-runtime and Flux use it:
// - a candidate takes the lease when it is free (no holder) or expired, and expiry is judged by
//   the LOCAL time at which the lease record was last seen to change, never by the remote
//   renewTime, so clock skew between replicas does not matter;
// - every write carries the Lease's resourceVersion, so of two candidates only one wins;
// - leaseTransitions counts changes of holder; the leader keeps acquireTime when renewing;
// - the leader renews every retryPeriod and gives up when it cannot renew within renewDeadline;
// - releasing writes an empty holder with leaseDurationSeconds 1, so a standby takes over at its
//   next retry instead of waiting for expiry.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <stop_token>
#include <string>
#include <thread>

#include "driftless/core/log.h"
#include "driftless/core/value.h"
#include "driftless/kube/client.h"

namespace driftless::runtime {

// Flux's --enable-leader-election flags and their defaults.
struct LeaderElectionOptions {
  std::string leaseName;   // e.g. "kustomize-controller-leader-election"
  std::string namespace_;  // RUNTIME_NAMESPACE
  // Empty: defaultLeaderElectionIdentity().
  std::string identity;
  std::chrono::milliseconds leaseDuration{35000};
  std::chrono::milliseconds renewDeadline{30000};
  std::chrono::milliseconds retryPeriod{5000};
  bool releaseOnCancel = true;
};

// "<hostname>_<random UUID>", as controller-runtime makes it.
std::string defaultLeaderElectionIdentity();

// Calls are made from one thread at a time: acquire(), then startRenewing(), then release() (or
// the destructor). isLeader() and identity() may be called from any thread.
// The client's request timeout bounds how late a hung request lets the loss be noticed, so give
// the elector a client whose timeout is below renewDeadline (client-go cancels its requests at
// the deadline).
class LeaderElector {
 public:
  LeaderElector(kube::Client& client, LeaderElectionOptions options, core::Logger logger);
  // Stops renewing (and releases the lease if releaseOnCancel and leading).
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Blocks until this process holds the lease (true) or stop is requested (false). Retries
  // every retryPeriod with client-go's jitter (up to 1.2 periods more).
  bool acquire(std::stop_token stop);
  // After acquire(): renews every retryPeriod on a background thread; if the lease cannot be
  // renewed within renewDeadline, leadership is lost: isLeader() turns false and onLost runs
  // once, on that thread (controllers then stop; the process normally exits).
  void startRenewing(std::function<void()> onLost);
  // Stops renewing; with releaseOnCancel gives the lease up so another replica takes over at
  // once. Idempotent; may be called from onLost.
  void release();

  // What the manager exports as leader_election_master_status.
  [[nodiscard]] bool isLeader() const { return leading_.load(); }
  [[nodiscard]] const std::string& identity() const { return options_.identity; }

 private:
  using Clock = std::chrono::steady_clock;

  // Lease.spec as client-go's LeaderElectionRecord.
  struct Record {
    std::string holderIdentity;
    std::int64_t leaseDurationSeconds = 0;
    std::string acquireTime;
    std::string renewTime;
    std::int64_t leaseTransitions = 0;

    static Record fromSpec(const core::Value& spec);
    [[nodiscard]] core::Value toSpec() const;
  };

  // One attempt of client-go's tryAcquireOrRenew; never throws (failures are logged).
  bool tryAcquireOrRenew();
  bool tryAcquireOrRenewLocked();
  bool createLocked(const Record& record);
  bool updateLocked(const Record& record);
  void observeLocked(const core::Value& lease);
  [[nodiscard]] bool holdsObservedLocked() const;
  [[nodiscard]] bool observedValidLocked(Clock::time_point now) const;
  [[nodiscard]] Record newRecord() const;
  // One renewal round: retries until renewed (true), renewDeadline passes or stop (false).
  bool renewRound(std::stop_token stop);
  void renewLoop(std::stop_token stop);
  void releaseLease();
  [[nodiscard]] std::chrono::milliseconds jitteredRetryPeriod();

  kube::Client& client_;
  LeaderElectionOptions options_;
  core::Logger logger_;
  kube::ObjectRef ref_;
  std::atomic<bool> leading_{false};

  // Serializes attempts and guards the observed state below.
  std::mutex mutex_;
  core::Value lease_;         // the Lease as last read or written (its resourceVersion)
  core::Value observedSpec_;  // the spec last seen to change...
  Record observed_;
  Clock::time_point observedTime_{};  // ...and when, on the local clock
  std::mt19937 rng_;

  std::function<void()> onLost_;
  std::jthread renewThread_;
};
using LeaderElectorPtr = std::unique_ptr<LeaderElector>;

}  // namespace driftless::runtime
