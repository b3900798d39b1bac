#include "driftless/runtime/leader_election.h"

#include "driftless/core/random.h"
#include "driftless/core/time.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "driftless/core/error.h"

namespace driftless::runtime {
namespace {

const kube::GroupVersionKind kLeaseGvk{"coordination.k8s.io", "v1", "Lease"};

// client-go's JitterFactor for the acquire loop.
constexpr double kJitterFactor = 1.2;

// Waits for d unless stop is requested first; false when it was.
bool waitFor(const std::stop_token& stop, std::chrono::milliseconds d) {
  std::mutex mutex;
  std::condition_variable_any cv;
  std::unique_lock lock(mutex);
  cv.wait_for(lock, stop, d, [] { return false; });
  return !stop.stop_requested();
}

// Lease durations are whole seconds (client-go truncates; at least one second here).
std::int64_t wholeSeconds(std::chrono::milliseconds d) {
  return std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

std::string stringField(const core::Value& spec, std::string_view key) {
  const core::Value& v = spec[key];
  return v.isString() ? v.asString() : std::string();
}

std::int64_t intField(const core::Value& spec, std::string_view key) {
  const core::Value& v = spec[key];
  return v.isNumber() ? v.asInt() : 0;
}

void validate(const LeaderElectionOptions& o) {
  if (o.leaseName.empty()) throw core::Error("leader election: the lease name is required");
  if (o.namespace_.empty()) throw core::Error("leader election: the namespace is required");
  if (o.leaseDuration <= o.renewDeadline)
    throw core::Error("leader election: leaseDuration must be greater than renewDeadline");
  if (static_cast<double>(o.renewDeadline.count()) <=
      kJitterFactor * static_cast<double>(o.retryPeriod.count()))
    throw core::Error("leader election: renewDeadline must be greater than retryPeriod*1.2");
  if (o.retryPeriod.count() <= 0)
    throw core::Error("leader election: retryPeriod must be greater than zero");
}

}  // namespace

std::string defaultLeaderElectionIdentity() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return std::string(host.data()) + "_" + core::newUuidV4();
}

LeaderElector::Record LeaderElector::Record::fromSpec(const core::Value& spec) {
  Record r;
  r.holderIdentity = stringField(spec, "holderIdentity");
  r.leaseDurationSeconds = intField(spec, "leaseDurationSeconds");
  r.acquireTime = stringField(spec, "acquireTime");
  r.renewTime = stringField(spec, "renewTime");
  r.leaseTransitions = intField(spec, "leaseTransitions");
  return r;
}

core::Value LeaderElector::Record::toSpec() const {
  return core::Object{{"holderIdentity", holderIdentity},
                      {"leaseDurationSeconds", leaseDurationSeconds},
                      {"acquireTime", acquireTime},
                      {"renewTime", renewTime},
                      {"leaseTransitions", leaseTransitions}};
}

LeaderElector::LeaderElector(kube::Client& client, LeaderElectionOptions options,
                             core::Logger logger)
    : client_(client), options_(std::move(options)), rng_(std::random_device{}()) {
  validate(options_);
  if (options_.identity.empty()) options_.identity = defaultLeaderElectionIdentity();
  ref_ = kube::ObjectRef{kLeaseGvk, options_.namespace_, options_.leaseName};
  logger_ = logger.withName("leaderelection")
                .withValues({{"lease", options_.namespace_ + "/" + options_.leaseName},
                             {"identity", options_.identity}});
}

LeaderElector::~LeaderElector() {
  try {
    release();
  } catch (const std::exception& e) {
    logger_.error("releasing the lease failed", e.what());
  }
}

bool LeaderElector::acquire(std::stop_token stop) {
  logger_.info("attempting to acquire leader lease");
  while (!stop.stop_requested()) {
    if (tryAcquireOrRenew()) {
      leading_ = true;
      logger_.info("successfully acquired lease");
      return true;
    }
    if (!waitFor(stop, jitteredRetryPeriod())) break;
  }
  return false;
}

void LeaderElector::startRenewing(std::function<void()> onLost) {
  if (!leading_) throw std::logic_error("LeaderElector::startRenewing() without the lease");
  if (renewThread_.joinable()) throw std::logic_error("LeaderElector: already renewing");
  onLost_ = std::move(onLost);
  renewThread_ = std::jthread([this](std::stop_token stop) { renewLoop(stop); });
}

void LeaderElector::release() {
  if (renewThread_.joinable()) {
    renewThread_.request_stop();
    if (renewThread_.get_id() != std::this_thread::get_id()) renewThread_.join();
  }
  const bool wasLeading = leading_.exchange(false);
  if (wasLeading && options_.releaseOnCancel) releaseLease();
}

bool LeaderElector::tryAcquireOrRenew() {
  std::lock_guard lock(mutex_);
  return tryAcquireOrRenewLocked();
}

bool LeaderElector::tryAcquireOrRenewLocked() {
  const auto now = Clock::now();
  Record record = newRecord();
  // 1. The leader's fast path: update the Lease as last written, without reading it first. A
  // conflict means someone else wrote it; the slow path then reads who.
  if (holdsObservedLocked() && observedValidLocked(now) && !lease_.isNull()) {
    record.acquireTime = observed_.acquireTime;
    record.leaseTransitions = observed_.leaseTransitions;
    if (updateLocked(record)) return true;
    logger_.debug("failed to update lock optimistically, falling back to slow path");
  }
  // 2. Read the Lease, or create it.
  core::Value current;
  try {
    current = client_.get(ref_);
  } catch (const std::exception& e) {
    if (!kube::isNotFound(e)) {
      logger_.error("error retrieving resource lock", e.what());
      return false;
    }
    return createLocked(record);
  }
  // 3. Another holder keeps the lease until leaseDurationSeconds have passed on OUR clock since
  // we saw its record change.
  observeLocked(current);
  if (!observed_.holderIdentity.empty() && observedValidLocked(now) && !holdsObservedLocked()) {
    logger_.debug("lock is held and has not yet expired", {{"holder", observed_.holderIdentity}});
    return false;
  }
  // 4. Take it (a new transition) or renew it (keeping acquireTime).
  if (holdsObservedLocked()) {
    record.acquireTime = observed_.acquireTime;
    record.leaseTransitions = observed_.leaseTransitions;
  } else {
    record.leaseTransitions = observed_.leaseTransitions + 1;
  }
  return updateLocked(record);
}

bool LeaderElector::createLocked(const Record& record) {
  core::Value lease = core::Object{
      {"apiVersion", kLeaseGvk.apiVersion()},
      {"kind", kLeaseGvk.kind},
      {"metadata", core::Object{{"name", options_.leaseName}, {"namespace", options_.namespace_}}},
      {"spec", record.toSpec()}};
  try {
    const core::Value stored = client_.create(lease);
    lease_ = stored;
    observedSpec_ = stored["spec"];
    observed_ = Record::fromSpec(observedSpec_);
    observedTime_ = Clock::now();
    return true;
  } catch (const std::exception& e) {
    logger_.error("error initially creating leader election record", e.what());
    return false;
  }
}

bool LeaderElector::updateLocked(const Record& record) {
  core::Value lease = lease_;
  // Only the fields of the record change; others (strategy, preferredHolder) are kept.
  core::Value& spec = lease["spec"];
  if (!spec.isObject()) spec = core::Value::object();
  const core::Value fields = record.toSpec();
  for (const auto& member : fields.asObject())
    spec.asObject().set(member.key, member.value);
  try {
    const core::Value stored = client_.update(lease);
    lease_ = stored;
    observedSpec_ = stored["spec"];
    observed_ = Record::fromSpec(observedSpec_);
    observedTime_ = Clock::now();
    return true;
  } catch (const std::exception& e) {
    // A conflict is the normal outcome of a race with another candidate.
    if (kube::isConflict(e))
      logger_.debug("failed to update lock", {{"error", std::string(e.what())}});
    else
      logger_.error("failed to update lock", e.what());
    return false;
  }
}

void LeaderElector::observeLocked(const core::Value& lease) {
  lease_ = lease;
  const core::Value& spec = lease["spec"];
  if (spec == observedSpec_) return;
  observedSpec_ = spec;
  observed_ = Record::fromSpec(spec);
  observedTime_ = Clock::now();
}

bool LeaderElector::holdsObservedLocked() const {
  return observed_.holderIdentity == options_.identity;
}

bool LeaderElector::observedValidLocked(Clock::time_point now) const {
  return observedTime_ + std::chrono::seconds(observed_.leaseDurationSeconds) > now;
}

LeaderElector::Record LeaderElector::newRecord() const {
  Record r;
  r.holderIdentity = options_.identity;
  r.leaseDurationSeconds = wholeSeconds(options_.leaseDuration);
  r.acquireTime = r.renewTime = core::formatRfc3339Micro(std::chrono::system_clock::now());
  return r;
}

bool LeaderElector::renewRound(std::stop_token stop) {
  const auto deadline = Clock::now() + options_.renewDeadline;
  while (!stop.stop_requested()) {
    if (tryAcquireOrRenew()) return true;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= options_.retryPeriod) {
      waitFor(stop, std::max(left, std::chrono::milliseconds(0)));
      return false;
    }
    if (!waitFor(stop, options_.retryPeriod)) return false;
  }
  return false;
}

void LeaderElector::renewLoop(std::stop_token stop) {
  while (renewRound(stop)) {
    if (!waitFor(stop, options_.retryPeriod)) return;
  }
  if (stop.stop_requested()) return;
  leading_ = false;
  logger_.info("failed to renew lease: leader election lost");
  // Give the lease up if the record still names us (the server may be back), as client-go does.
  if (options_.releaseOnCancel) releaseLease();
  if (!onLost_) return;
  try {
    onLost_();
  } catch (const std::exception& e) {
    logger_.error("the leader-election-lost callback failed", e.what());
  }
}

void LeaderElector::releaseLease() {
  std::lock_guard lock(mutex_);
  if (!holdsObservedLocked() || lease_.isNull()) return;
  Record record;
  record.leaseDurationSeconds = 1;
  record.acquireTime = record.renewTime =
      core::formatRfc3339Micro(std::chrono::system_clock::now());
  record.leaseTransitions = observed_.leaseTransitions;
  if (updateLocked(record)) logger_.info("released leader lease");
}

std::chrono::milliseconds LeaderElector::jitteredRetryPeriod() {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double base = static_cast<double>(options_.retryPeriod.count());
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(base + unit(rng_) * kJitterFactor * base));
}

}  // namespace driftless::runtime
