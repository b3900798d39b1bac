#include "driftless/runtime/leader_election.h"
#include "driftless/core/time.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/kube/client.h"
#include "driftless/kube/kubeconfig.h"
#include "kubectl_harness.h"
#include "lease_test_options.h"

namespace core = driftless::core;
namespace kube = driftless::kube;
namespace rt = driftless::runtime;
namespace dt = driftless::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// The electors' expected failures (conflicts, a stopped server) are not worth printing.
class DiscardSink : public core::LogSink {
 public:
  void write(std::string_view) override {}
};

core::Logger quietLogger() {
  return core::Logger(std::make_shared<DiscardSink>(), core::LogLevel::Error,
                      core::LogEncoding::Json);
}

kube::ClientPtr clientFor(const dt::ControlPlane& controlPlane) {
  auto config = kube::loadKubeconfig(controlPlane.kubeconfig());
  config.timeout = 1s;  // below the renew deadline, as the elector's documentation asks
  return kube::makeClient(config, quietLogger());
}

// Polls cond until it holds (true) or timeout passes (false).
template <typename Cond>
bool eventually(Cond cond, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!cond()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

kube::ObjectRef leaseRef(const std::string& name) {
  return {{"coordination.k8s.io", "v1", "Lease"}, dt::kTestLeaseNamespace, name};
}

core::Value leaseSpec(kube::Client& client, const std::string& name) {
  return client.get(leaseRef(name))["spec"];
}

// A candidate that runs acquire() on a thread of its own and notes when it got the lease.
class Candidate {
 public:
  explicit Candidate(rt::LeaderElector& elector)
      : thread_([this, &elector](std::stop_token stop) {
          if (!elector.acquire(stop)) return;
          acquiredAt_ = Clock::now();
          acquired_ = true;
        }) {}
  [[nodiscard]] bool acquired() const { return acquired_.load(); }
  [[nodiscard]] Clock::time_point acquiredAt() const { return acquiredAt_; }

 private:
  std::atomic<bool> acquired_{false};
  Clock::time_point acquiredAt_{};
  std::jthread thread_;
};

// lease_contender in a child process; its stdout is read through a pipe.
class Contender {
 public:
  Contender(const dt::ControlPlane& controlPlane, const std::string& lease,
            const std::string& identity) {
    const std::string kubeconfig = controlPlane.kubeconfig().string();
    std::vector<std::string> args{LEASE_CONTENDER_PATH, kubeconfig, lease, identity};
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~Contender() {
    kill();
    ::close(out_);
  }

  // Whether the child printed line within timeout.
  bool waitForLine(const std::string& line, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (output_.find(line + "\n") == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms) return false;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[256];
      const auto n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return false;  // the child exited
      output_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  // kill -9, and reap the child.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string output_;
};

}  // namespace

TEST_CASE("MicroTime and the default identity", "[runtime][leaderelection]") {
  const auto t = std::chrono::system_clock::time_point(std::chrono::microseconds(1136214245000042));
  CHECK(core::formatRfc3339Micro(t) == "2006-01-02T15:04:05.000042Z");
  const std::string id = rt::defaultLeaderElectionIdentity();
  CHECK_THAT(id, Catch::Matchers::Matches(
                     ".*_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  CHECK(id != rt::defaultLeaderElectionIdentity());
}

TEST_CASE("LeaderElector rejects inconsistent timings", "[runtime][leaderelection]") {
  kube::RestConfig config;  // never contacted: the constructor validates first
  config.server = "https://127.0.0.1:1";
  auto client = kube::makeClient(config, quietLogger());
  auto options = dt::testLeaseOptions("bad", "x");
  options.renewDeadline = options.leaseDuration;
  CHECK_THROWS_AS(rt::LeaderElector(*client, options, quietLogger()), core::Error);
  options = dt::testLeaseOptions("bad", "x");
  options.retryPeriod = options.renewDeadline;
  CHECK_THROWS_AS(rt::LeaderElector(*client, options, quietLogger()), core::Error);
}

TEST_CASE("LeaderElector acquires a new Lease and renews it", "[runtime][leaderelection]") {
  dt::ControlPlane controlPlane;
  auto client = clientFor(controlPlane);
  rt::LeaderElector elector(*client, dt::testLeaseOptions("single", "one"), quietLogger());
  CHECK(elector.identity() == "one");
  CHECK_FALSE(elector.isLeader());

  REQUIRE(elector.acquire(std::stop_token{}));
  CHECK(elector.isLeader());
  const core::Value spec = leaseSpec(*client, "single");
  CHECK(spec["holderIdentity"].asString() == "one");
  CHECK(spec["leaseDurationSeconds"].asInt() == 2);
  CHECK(spec["leaseTransitions"].asInt() == 0);
  CHECK(spec["acquireTime"] == spec["renewTime"]);
  CHECK_THAT(spec["renewTime"].asString(),
             Catch::Matchers::Matches(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)"));

  std::atomic<int> lost{0};
  elector.startRenewing([&] { ++lost; });
  CHECK(eventually([&] { return leaseSpec(*client, "single")["renewTime"] != spec["renewTime"]; },
                   2s));
  const core::Value renewed = leaseSpec(*client, "single");
  CHECK(renewed["renewTime"].asString() > spec["renewTime"].asString());
  CHECK(renewed["acquireTime"] == spec["acquireTime"]);
  CHECK(renewed["leaseTransitions"].asInt() == 0);
  CHECK(elector.isLeader());

  elector.release();
  CHECK_FALSE(elector.isLeader());
  const core::Value released = leaseSpec(*client, "single");
  CHECK(released["holderIdentity"].asString().empty());
  CHECK(released["leaseDurationSeconds"].asInt() == 1);
  CHECK(lost == 0);
}

TEST_CASE("LeaderElector: of two candidates one leads, and release hands over at once",
          "[runtime][leaderelection]") {
  dt::ControlPlane controlPlane;
  auto client = clientFor(controlPlane);
  rt::LeaderElector a(*client, dt::testLeaseOptions("pair", "a"), quietLogger());
  rt::LeaderElector b(*client, dt::testLeaseOptions("pair", "b"), quietLogger());
  REQUIRE(a.acquire(std::stop_token{}));
  a.startRenewing([] {});

  Candidate standby(b);
  // While a renews, b never leads, even past a lease duration.
  CHECK_FALSE(eventually([&] { return standby.acquired(); }, dt::kTestLeaseDuration + 500ms));
  CHECK(a.isLeader());
  CHECK_FALSE(b.isLeader());

  const auto releasedAt = Clock::now();
  a.release();
  REQUIRE(eventually([&] { return standby.acquired(); }, dt::kTestLeaseDuration));
  // A jittered retry period (at most 2.2 periods), well before the lease would expire.
  CHECK(standby.acquiredAt() - releasedAt < dt::kTestLeaseDuration / 2);
  CHECK(b.isLeader());
  CHECK_FALSE(a.isLeader());
  const core::Value spec = leaseSpec(*client, "pair");
  CHECK(spec["holderIdentity"].asString() == "b");
  CHECK(spec["leaseTransitions"].asInt() == 1);
  CHECK(spec["leaseDurationSeconds"].asInt() == 2);
}

TEST_CASE("LeaderElector: a candidate takes over from a killed process after the lease expires",
          "[runtime][leaderelection]") {
  dt::ControlPlane controlPlane;
  auto client = clientFor(controlPlane);
  Contender first(controlPlane, "procs", "first");
  REQUIRE(first.waitForLine("leading", 10s));
  Contender second(controlPlane, "procs", "second");
  CHECK_FALSE(second.waitForLine("leading", dt::kTestLeaseDuration + 500ms));

  // The lower bound: the last renewal may precede the kill by up to a retry period.
  const auto earliest = dt::kTestLeaseDuration - 2 * dt::kTestRetryPeriod;
  const auto latest = dt::kTestLeaseDuration + 2s;
  auto killedAt = Clock::now();
  first.kill();
  REQUIRE(second.waitForLine("leading", 3 * dt::kTestLeaseDuration));
  auto takeover = Clock::now() - killedAt;
  CHECK(takeover >= earliest);
  CHECK(takeover <= latest);
  CHECK(leaseSpec(*client, "procs")["holderIdentity"].asString() == "second");

  rt::LeaderElector elector(*client, dt::testLeaseOptions("procs", "third"), quietLogger());
  Candidate third(elector);
  CHECK_FALSE(eventually([&] { return third.acquired(); }, dt::kTestLeaseDuration + 500ms));
  killedAt = Clock::now();
  second.kill();
  REQUIRE(eventually([&] { return third.acquired(); }, 3 * dt::kTestLeaseDuration));
  takeover = third.acquiredAt() - killedAt;
  CHECK(takeover >= earliest);
  CHECK(takeover <= latest);
  const core::Value spec = leaseSpec(*client, "procs");
  CHECK(spec["holderIdentity"].asString() == "third");
  CHECK(spec["leaseTransitions"].asInt() == 2);
}

TEST_CASE("LeaderElector judges expiry by its own clock, not the holder's renewTime",
          "[runtime][leaderelection]") {
  struct Case {
    std::string name;
    std::string renewTime;  // as written by a holder whose clock is off
  };
  const std::vector<Case> cases{{"skew-past", "2000-01-01T00:00:00.000000Z"},
                                {"skew-future", "2999-01-01T00:00:00.000000Z"}};
  dt::ControlPlane controlPlane;
  auto client = clientFor(controlPlane);
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      core::Value spec = core::Object{{"holderIdentity", "skewed"},
                                      {"leaseDurationSeconds", 2},
                                      {"acquireTime", c.renewTime},
                                      {"renewTime", c.renewTime},
                                      {"leaseTransitions", 4}};
      client->create(core::Object{
          {"apiVersion", "coordination.k8s.io/v1"},
          {"kind", "Lease"},
          {"metadata", core::Object{{"name", c.name}, {"namespace", dt::kTestLeaseNamespace}}},
          {"spec", spec}});
      rt::LeaderElector elector(*client, dt::testLeaseOptions(c.name, "local"), quietLogger());
      const auto startedAt = Clock::now();
      Candidate candidate(elector);
      // The record never changes, so it expires leaseDurationSeconds after it was first seen.
      REQUIRE(eventually([&] { return candidate.acquired(); }, 3 * dt::kTestLeaseDuration));
      CHECK(candidate.acquiredAt() - startedAt >= dt::kTestLeaseDuration);
      CHECK(candidate.acquiredAt() - startedAt <= dt::kTestLeaseDuration + 1s);
      const core::Value taken = leaseSpec(*client, c.name);
      CHECK(taken["holderIdentity"].asString() == "local");
      CHECK(taken["leaseTransitions"].asInt() == 5);
    }
  }
}

TEST_CASE("LeaderElector loses leadership when another holder writes the Lease",
          "[runtime][leaderelection]") {
  dt::ControlPlane controlPlane;
  auto client = clientFor(controlPlane);
  rt::LeaderElector elector(*client, dt::testLeaseOptions("stolen", "owner"), quietLogger());
  REQUIRE(elector.acquire(std::stop_token{}));
  std::atomic<int> lost{0};
  elector.startRenewing([&] { ++lost; });

  // Another replica writes itself in (retrying while the renewals race with it).
  REQUIRE(eventually(
      [&] {
        core::Value lease = client->get(leaseRef("stolen"));
        lease["spec"]["holderIdentity"] = "intruder";
        lease["spec"]["renewTime"] = core::formatRfc3339Micro(std::chrono::system_clock::now());
        try {
          client->update(lease);
          return true;
        } catch (const std::exception& e) {
          if (!kube::isConflict(e)) throw;
          return false;
        }
      },
      2s));
  const auto stolenAt = Clock::now();
  REQUIRE(eventually([&] { return lost.load() == 1; }, 2 * dt::kTestRenewDeadline));
  CHECK(Clock::now() - stolenAt <= dt::kTestRenewDeadline + 500ms);
  CHECK_FALSE(elector.isLeader());
  // The elector neither overwrote nor released the new holder's lease, and reported once.
  CHECK(leaseSpec(*client, "stolen")["holderIdentity"].asString() == "intruder");
  CHECK_FALSE(eventually([&] { return lost.load() > 1; }, 3 * dt::kTestRetryPeriod));
}

TEST_CASE("LeaderElector loses leadership when the server is unreachable past the deadline",
          "[runtime][leaderelection]") {
  dt::ControlPlane controlPlane;
  auto client = clientFor(controlPlane);
  rt::LeaderElector elector(*client, dt::testLeaseOptions("unreachable", "owner"), quietLogger());
  REQUIRE(elector.acquire(std::stop_token{}));
  std::atomic<int> lost{0};
  std::atomic<Clock::time_point> lostAt{};
  elector.startRenewing([&] {
    lostAt = Clock::now();
    ++lost;
  });

  const auto stoppedAt = Clock::now();
  controlPlane.stop();
  REQUIRE(eventually([&] { return lost.load() == 1; }, 3 * dt::kTestRenewDeadline));
  CHECK_FALSE(elector.isLeader());
  // The failing renewal round began at most a retry period before the server stopped.
  const auto gone = lostAt.load() - stoppedAt;
  CHECK(gone >= dt::kTestRenewDeadline - 2 * dt::kTestRetryPeriod);
  CHECK(gone <= dt::kTestRenewDeadline + 1s);

  // Back online, a new candidate takes the lease once it has expired.
  controlPlane.restart();
  rt::LeaderElector next(*client, dt::testLeaseOptions("unreachable", "next"), quietLogger());
  Candidate candidate(next);
  REQUIRE(eventually([&] { return candidate.acquired(); }, 3 * dt::kTestLeaseDuration));
  CHECK(leaseSpec(*client, "unreachable")["holderIdentity"].asString() == "next");
}
