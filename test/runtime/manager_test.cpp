// The manager in a real process (the example greeting-controller): readiness and metrics
// endpoints, leader election, events, and a SIGTERM that drains in-flight reconciles.

#include <catch2/catch_test_macros.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "driftless/core/json.h"
#include "driftless/kube/client.h"
#include "driftless/runtime/manager.h"
#include "example_controller.h"
#include "kubectl_harness.h"
#include "test_support.h"

namespace driftless::test {
namespace {

using namespace std::chrono_literals;

std::string httpGet(std::uint16_t port, const std::string& path) {
  return run("curl -s -m 5 -w '\\n%{http_code}' http://127.0.0.1:" + std::to_string(port) + path)
      .out;
}

std::string conditionStatus(const core::Value& obj, const std::string& type) {
  const core::Value& conds = obj["status"]["conditions"];
  for (std::size_t i = 0; i < conds.size(); ++i) {
    if (conds[i]["type"].asString() == type) return conds[i]["status"].asString();
  }
  return "";
}

// A child process running greeting-controller; killed (SIGKILL) if still alive at the end.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setenv("RUNTIME_NAMESPACE", "default", 1);
      std::vector<char*> argv;
      for (auto& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void signal(int sig) const { ::kill(pid_, sig); }
  // The exit status, or -1 when it did not exit before the timeout.
  int wait(std::chrono::milliseconds timeout) {
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

TEST_CASE("Manager: endpoints, leader election, events and a SIGTERM drain", "[runtime][manager]") {
  ControlPlane cp;
  auto client = kube::makeClient(cp.config(), quietLogger());
  client->create(greetingCrd());
  REQUIRE(waitForKind(*client, kGreetingGvk));
  const std::uint16_t metricsPort = freePort();
  const std::uint16_t healthPort = freePort();
  Child child({GREETING_CONTROLLER_PATH, "--kubeconfig=" + cp.kubeconfig().string(),
               "--metrics-addr=127.0.0.1:" + std::to_string(metricsPort),
               "--health-addr=127.0.0.1:" + std::to_string(healthPort), "--enable-leader-election",
               "--leader-election-lease-duration=4s", "--leader-election-renew-deadline=3s",
               "--leader-election-retry-period=500ms", "--log-level=error"});
  REQUIRE(eventually([&] { return httpGet(healthPort, "/readyz").ends_with("\n200"); }));
  CHECK(httpGet(healthPort, "/healthz") == "ok\n200");

  auto greeting = [&](const std::string& name, const std::string& message) {
    core::Value g = core::Value::object();
    g["apiVersion"] = "example.driftless.io/v1";
    g["kind"] = "Greeting";
    g["metadata"]["name"] = name;
    g["metadata"]["namespace"] = "default";
    g["spec"]["message"] = message;
    client->create(g);
  };
  auto get = [&](const std::string& name) { return client->get({kGreetingGvk, "default", name}); };
  greeting("hello", "world");
  REQUIRE(eventually([&] { return conditionStatus(get("hello"), "Ready") == "True"; }));

  // The Lease names this process; the Event of the success was written.
  const kube::GroupVersionKind lease{"coordination.k8s.io", "v1", "Lease"};
  core::Value l = client->get({lease, "default", "greeting-controller-leader-election"});
  CHECK(!l["spec"]["holderIdentity"].asString().empty());
  REQUIRE(eventually([&] {
    core::Value events = client->list({"", "v1", "Event"}, "default");
    for (const auto& e : events["items"].asArray()) {
      if (e["involvedObject"]["name"].asString() == "hello" &&
          e["reason"].asString() == "Greeted" &&
          e["source"]["component"].asString() == "greeting-controller") {
        return true;
      }
    }
    return false;
  }));

  const std::string metrics = httpGet(metricsPort, "/metrics");
  CHECK(metrics.find("controller_runtime_reconcile_total{controller=\"greeting\",result=") !=
        std::string::npos);
  CHECK(metrics.find(
            "leader_election_master_status{name=\"greeting-controller-leader-election\"} 1") !=
        std::string::npos);
  CHECK(metrics.find("rest_client_requests_total{code=\"200\"") != std::string::npos);
  CHECK(metrics.find("gotk_reconcile_duration_seconds_bucket{kind=\"Greeting\"") !=
        std::string::npos);
  CHECK(metrics.find("workqueue_depth{controller=\"greeting\",name=\"greeting\"}") !=
        std::string::npos);

  // SIGTERM while a reconcile is in flight: it finishes and is written before the exit, and the
  // lease is released for the next replica.
  greeting("slow", "slow down");
  REQUIRE(eventually([&] { return conditionStatus(get("slow"), "Reconciling") == "True"; }));
  child.signal(SIGTERM);
  CHECK(child.wait(20s) == 0);
  CHECK(conditionStatus(get("slow"), "Ready") == "True");
  l = client->get({lease, "default", "greeting-controller-leader-election"});
  CHECK(l["spec"]["holderIdentity"].asString().empty());
}

}  // namespace
}  // namespace driftless::test
