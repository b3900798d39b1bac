// The events recorder: its pure pieces (payload, metadata, correlator, retry policy, queue) and,
// against the embedded control plane, Kubernetes Events plus forwarding over HTTP and gRPC.

#include "driftless/runtime/event_recorder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include "driftless/core/json.h"
#include "driftless/kube/client.h"
#include "driftless/kube/kubeconfig.h"
#include "event_correlator.h"
#include "event_forwarder.h"
#include "event_payload.h"
#include "event_worker.h"
#include "kubectl_harness.h"
#include "proto/event.grpc.pb.h"

namespace driftless::runtime {
namespace {

using namespace std::chrono_literals;
using Catch::Matchers::ContainsSubstring;
using events::SystemClock;

const kube::GroupVersionKind kEventGvk{"", "v1", "Event"};

core::Value kustomization(const std::string& ns = "apps") {
  core::Value obj = core::Object{
      {"apiVersion", "kustomize.toolkit.fluxcd.io/v1"},
      {"kind", "Kustomization"},
      {"metadata",
       core::Object{{"name", "webapp"},
                    {"uid", "7d0cdc51-ddcf-4743-b223-83ca5c699632"},
                    {"resourceVersion", "123"},
                    {"annotations", core::Object{{"event.toolkit.fluxcd.io/deploymentID", "42"},
                                                 {"kustomize.toolkit.fluxcd.io/other", "x"}}}}},
      {"spec", core::Object{{"interval", "5m"}}}};
  if (!ns.empty()) obj["metadata"]["namespace"] = ns;
  return obj;
}

// Collects log lines, for checks on what was (not) logged.
class CaptureSink : public core::LogSink {
 public:
  void write(std::string_view line) override {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(line);
  }
  [[nodiscard]] std::string all() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& l : lines_)
      out += l + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// ---- pure pieces ----

TEST_CASE("events::eventMetadata", "[runtime][events]") {
  const events::Metadata got = events::eventMetadata(
      kustomization(),
      {{"revision", "main@sha1:abc"}, {"event.toolkit.fluxcd.io/deploymentID", "0"}});
  // Prefixed with the object's group; the object's event.toolkit.fluxcd.io/ annotations are
  // added and win; other annotations are not copied; keys with a '/' are kept as they are.
  const events::Metadata want{{"event.toolkit.fluxcd.io/deploymentID", "42"},
                              {"kustomize.toolkit.fluxcd.io/revision", "main@sha1:abc"}};
  CHECK(got == want);

  core::Value configMap = core::Object{
      {"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", core::Object{{"name", "c"}}}};
  CHECK(events::eventMetadata(configMap, {{"revision", "r"}}) ==
        events::Metadata{{"revision", "r"}});
  CHECK(events::apiGroupOf("helm.toolkit.fluxcd.io/v2") == "helm.toolkit.fluxcd.io");
  CHECK(events::apiGroupOf("v1").empty());
}

TEST_CASE("events::ForwardedEvent::toJson is Flux's payload", "[runtime][events]") {
  events::ForwardedEvent e;
  e.involvedObject = events::ObjectReference::of(kustomization());
  e.severity = events::severityOf(EventType::Warning);
  e.timestamp = events::formatRfc3339(SystemClock::time_point(1785578400s));
  e.message = "apply failed: <nil> & more";
  e.reason = "ReconciliationFailed";
  e.metadata = {{"kustomize.toolkit.fluxcd.io/revision", "main@sha1:abc"},
                {"event.toolkit.fluxcd.io/deploymentID", "42"}};
  e.reportingController = "kustomize-controller";
  e.reportingInstance = "kustomize-controller-7f8b";
  CHECK(e.toJson() ==
        R"({"involvedObject":{"kind":"Kustomization","namespace":"apps","name":"webapp",)"
        R"("uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632",)"
        R"("apiVersion":"kustomize.toolkit.fluxcd.io/v1","resourceVersion":"123"},)"
        R"("severity":"error","timestamp":"2026-08-01T10:00:00Z",)"
        R"("message":"apply failed: \u003cnil\u003e \u0026 more","reason":"ReconciliationFailed",)"
        R"("metadata":{"event.toolkit.fluxcd.io/deploymentID":"42",)"
        R"("kustomize.toolkit.fluxcd.io/revision":"main@sha1:abc"},)"
        R"("reportingController":"kustomize-controller",)"
        R"("reportingInstance":"kustomize-controller-7f8b"})");

  SECTION("empty metadata and instance are omitted") {
    e.metadata.clear();
    e.reportingInstance.clear();
    CHECK_THAT(e.toJson(),
               !ContainsSubstring("metadata") && !ContainsSubstring("reportingInstance") &&
                   ContainsSubstring(R"("reportingController":"kustomize-controller"})"));
  }
}

TEST_CASE("events::severityOf and kubeEventTypeOf", "[runtime][events]") {
  CHECK(events::severityOf(EventType::Normal) == "info");
  CHECK(events::severityOf(EventType::Warning) == "error");
  CHECK(events::severityOf(EventType::Trace) == "trace");
  CHECK(events::kubeEventTypeOf(EventType::Trace) == "Normal");
  CHECK(events::kubeEventTypeOf(EventType::Warning) == "Warning");
}

TEST_CASE("events::truncateMessage", "[runtime][events]") {
  CHECK(events::truncateMessage("short", 10) == "short");
  CHECK(events::truncateMessage("0123456789abc", 10) == "0123456...");
  // Never cuts a UTF-8 sequence: "é" is two bytes.
  CHECK(events::truncateMessage("012345\xC3\xA9xyz", 10) == "012345...");
  CHECK(events::truncateMessage(std::string(50000, 'a')).size() == events::kMaxMessageLength);
}

TEST_CASE("events::eventName", "[runtime][events]") {
  const auto t = SystemClock::time_point(1785578400123456789ns);
  CHECK(events::eventName("webapp", t) == "webapp.18c7a61831f80d15");
  // Not a DNS subdomain: a random UUID instead.
  const std::string uuid = events::eventName("Web_App", t);
  CHECK(std::regex_match(
      uuid, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  CHECK(events::isDnsSubdomain("a.b-c.d"));
  CHECK_FALSE(events::isDnsSubdomain("a..b"));
  CHECK_FALSE(events::isDnsSubdomain("-a"));
  CHECK_FALSE(events::isDnsSubdomain(std::string(254, 'a')));
}

TEST_CASE("events::KubeEvent::toValue", "[runtime][events]") {
  const auto t = SystemClock::time_point(1785578400s);
  events::KubeEvent e =
      events::makeKubeEvent(events::ObjectReference::of(kustomization("")), {{"a/b", "c"}},
                            "Normal", "Progressing", "msg", t, "kustomize-controller", "pod-1");
  const core::Value v = e.toValue();
  CHECK(v["metadata"]["namespace"] == core::Value("default"));  // cluster-scoped object
  CHECK(v["metadata"]["annotations"]["a/b"] == core::Value("c"));
  CHECK(v["source"] == core::Value(core::Object{{"component", "kustomize-controller"}}));
  CHECK(v["reportingComponent"] == core::Value("kustomize-controller"));
  CHECK(v["reportingInstance"] == core::Value("pod-1"));
  CHECK(v["firstTimestamp"] == core::Value("2026-08-01T10:00:00Z"));
  CHECK(v["count"] == core::Value(1));
  CHECK(v["involvedObject"]["resourceVersion"] == core::Value("123"));
}

struct FakeClock {
  SystemClock::time_point now = SystemClock::time_point(1785578400s);
  events::CorrelatorOptions options() {
    events::CorrelatorOptions o;
    o.now = [this] { return now; };
    return o;
  }
};

events::KubeEvent sample(std::string message = "m", std::string reason = "R") {
  return events::makeKubeEvent(events::ObjectReference::of(kustomization()), {}, "Normal", reason,
                               message, SystemClock::time_point(1785578400s), "ctrl", "pod");
}

TEST_CASE("events::EventCorrelator keys", "[runtime][events]") {
  const events::KubeEvent base = sample();
  auto with = [&](auto field, std::string value) {
    events::KubeEvent e = base;
    e.*field = std::move(value);
    return e;
  };
  using K = events::KubeEvent;
  const std::string key = events::EventCorrelator::eventKey(base);
  for (auto field : {&K::message, &K::reason, &K::type, &K::sourceComponent, &K::sourceHost})
    CHECK(events::EventCorrelator::eventKey(with(field, "other")) != key);
  events::KubeEvent otherObject = base;
  otherObject.involvedObject.uid = "other";
  CHECK(events::EventCorrelator::eventKey(otherObject) != key);
  // Time, name and count are not part of the identity.
  events::KubeEvent later = base;
  later.lastTimestamp = "2030-01-01T00:00:00Z";
  later.name = "x";
  CHECK(events::EventCorrelator::eventKey(later) == key);
  // No two fields run into each other.
  CHECK(events::EventCorrelator::eventKey(with(&K::reason, "Rm")) !=
        events::EventCorrelator::eventKey(with(&K::message, "Rm")));
  // The spam key ignores reason and message; the aggregate key ignores the message.
  CHECK(events::EventCorrelator::spamKey(with(&K::reason, "X")) ==
        events::EventCorrelator::spamKey(base));
  CHECK(events::EventCorrelator::aggregateKey(with(&K::message, "X")).first ==
        events::EventCorrelator::aggregateKey(base).first);
}

TEST_CASE("events::EventCorrelator deduplicates", "[runtime][events]") {
  FakeClock clock;
  events::EventCorrelator c(clock.options());
  events::Correlation first = c.correlate(sample());
  REQUIRE_FALSE(first.skip);
  CHECK(first.event.count == 1);
  CHECK(first.patch.isNull());
  c.updateState(first.key, {1, first.event.firstTimestamp, first.event.name, "7"});

  events::KubeEvent again = sample();
  again.name = "webapp.other";
  again.lastTimestamp = "2026-08-01T10:01:00Z";
  events::Correlation second = c.correlate(again);
  CHECK(second.event.count == 2);
  CHECK(second.event.name == first.event.name);
  CHECK(second.event.resourceVersion == "7");
  CHECK(second.patch ==
        core::Value(core::Object{
            {"count", 2}, {"lastTimestamp", "2026-08-01T10:01:00Z"}, {"message", "m"}}));

  events::Correlation different = c.correlate(sample("other message"));
  CHECK(different.event.count == 1);
  CHECK(different.patch.isNull());
}

TEST_CASE("events::EventCorrelator aggregates similar events", "[runtime][events]") {
  FakeClock clock;
  events::EventCorrelator c(clock.options());
  for (int i = 0; i < 9; ++i) {
    events::Correlation r = c.correlate(sample("message " + std::to_string(i)));
    CHECK(r.event.message == "message " + std::to_string(i));
  }
  events::Correlation tenth = c.correlate(sample("message 9"));
  CHECK(tenth.event.message == "(combined from similar events): message 9");
  events::Correlation eleventh = c.correlate(sample("message 10"));
  CHECK(eleventh.event.count == 2);  // the combined Event is bumped
  CHECK(eleventh.event.name == tenth.event.name);

  SECTION("only within the interval") {
    clock.now += 601s;
    CHECK(c.correlate(sample("message 11")).event.message == "message 11");
  }
}

TEST_CASE("events::EventCorrelator filters spam per object", "[runtime][events]") {
  FakeClock clock;
  events::EventCorrelator c(clock.options());
  for (int i = 0; i < 25; ++i)
    CHECK_FALSE(c.correlate(sample()).skip);
  CHECK(c.correlate(sample()).skip);
  clock.now += 300s;  // one token back
  CHECK_FALSE(c.correlate(sample()).skip);
  CHECK(c.correlate(sample()).skip);
}

TEST_CASE("events::EventCorrelator caches are bounded", "[runtime][events]") {
  FakeClock clock;
  events::CorrelatorOptions options = clock.options();
  options.lruCacheSize = 2;
  events::EventCorrelator c(options);
  c.correlate(sample("a", "A"));
  c.correlate(sample("b", "B"));
  c.correlate(sample("c", "C"));  // evicts "a"
  CHECK(c.correlate(sample("a", "A")).event.count == 1);
  CHECK(c.correlate(sample("c", "C")).event.count == 2);

  events::LruCache<int> lru(2);
  lru.put("x", 1);
  lru.put("y", 2);
  lru.get("x");
  lru.put("z", 3);
  CHECK(lru.get("y") == nullptr);
  CHECK(lru.size() == 2);
}

TEST_CASE("events retry policy", "[runtime][events]") {
  using events::ForwardOutcome;
  CHECK(events::classifyHttpStatus(202) == ForwardOutcome::Delivered);
  CHECK(events::classifyHttpStatus(500) == ForwardOutcome::Retry);
  CHECK(events::classifyHttpStatus(503) == ForwardOutcome::Retry);
  CHECK(events::classifyHttpStatus(501) == ForwardOutcome::Fail);
  CHECK(events::classifyHttpStatus(429) == ForwardOutcome::Fail);
  CHECK(events::classifyHttpStatus(400) == ForwardOutcome::Fail);
  CHECK(events::retryBackoff(0, 1000ms, 30000ms) == 1000ms);
  CHECK(events::retryBackoff(3, 1000ms, 30000ms) == 8000ms);
  CHECK(events::retryBackoff(10, 1000ms, 30000ms) == 30000ms);
  CHECK(events::redactAddress("https://user:secret@host:9090/path?token=x") ==
        "https://host:9090/path");
  CHECK_THROWS_AS(events::makeEventForwarder("ftp://host/", 1s), core::Error);
}

TEST_CASE("events::EventWorker", "[runtime][events]") {
  core::Logger quiet(core::makeFdLogSink(2), core::LogLevel::Error, core::LogEncoding::Json);
  auto sink = std::make_shared<CaptureSink>();
  events::EventWorker worker("test", 2,
                             core::Logger(sink, core::LogLevel::Info, core::LogEncoding::Json));
  std::promise<void> release;
  std::promise<void> started;
  std::shared_future<void> gate = release.get_future().share();
  std::vector<int> ran;
  worker.post("blocker", [&, gate] {
    started.set_value();
    gate.wait();
  });
  started.get_future().wait();
  for (int i = 1; i <= 3; ++i)
    worker.post("task " + std::to_string(i), [&ran, i] { ran.push_back(i); });
  release.set_value();
  worker.flush();
  CHECK(ran == std::vector<int>{2, 3});  // the oldest queued was dropped
  CHECK(worker.droppedForTest() == 1);
  CHECK_THAT(sink->all(), ContainsSubstring("task 1"));

  SECTION("a stopping worker cuts retries short") {
    worker.stop(events::EventWorker::Clock::now());
    CHECK_FALSE(worker.sleepFor(10s));
  }
}

// ---- against the embedded control plane ----

// A plain-HTTP receiver on 127.0.0.1 (port 0) answering each request with the next scripted
// status (202 when the script is exhausted), one connection at a time.
class HttpReceiver {
 public:
  struct Request {
    std::string head;  // request line and headers
    std::string body;
  };

  explicit HttpReceiver(std::vector<int> statuses = {})
      : script_(statuses.begin(), statuses.end()) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~HttpReceiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  [[nodiscard]] std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  [[nodiscard]] std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      timeval tv{5, 0};
      ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      handle(conn);
      ::close(conn);
    }
  }

  void handle(int conn) {
    std::string data;
    std::array<char, 4096> buf{};
    std::size_t headEnd = std::string::npos;
    std::size_t contentLength = 0;
    while (true) {
      if (headEnd == std::string::npos && (headEnd = data.find("\r\n\r\n")) != std::string::npos) {
        std::smatch m;
        std::string head = data.substr(0, headEnd);
        if (std::regex_search(head, m, std::regex("Content-Length: *([0-9]+)", std::regex::icase)))
          contentLength = std::stoul(m[1]);
      }
      if (headEnd != std::string::npos && data.size() >= headEnd + 4 + contentLength) break;
      ssize_t n = ::recv(conn, buf.data(), buf.size(), 0);
      if (n <= 0) return;
      data.append(buf.data(), static_cast<std::size_t>(n));
    }
    int status = 202;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back({data.substr(0, headEnd), data.substr(headEnd + 4, contentLength)});
      if (!script_.empty()) {
        status = script_.front();
        script_.pop_front();
      }
    }
    std::string response = "HTTP/1.1 " + std::to_string(status) +
                           " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)::send(conn, response.data(), response.size(), MSG_NOSIGNAL);
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::deque<int> script_;
  std::vector<Request> requests_;
  std::thread thread_;
};

// EventService on 127.0.0.1 (port 0), answering with the scripted codes, then OK.
class GrpcReceiver final : public event::v1::EventService::Service {
 public:
  explicit GrpcReceiver(std::vector<grpc::StatusCode> codes = {})
      : script_(codes.begin(), codes.end()) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
  }
  ~GrpcReceiver() override { server_->Shutdown(std::chrono::system_clock::now() + 1s); }

  grpc::Status Send(grpc::ServerContext*, const event::v1::Event* request,
                    event::v1::SendResponse*) override {
    std::lock_guard lock(mutex_);
    received_.push_back(*request);
    if (script_.empty()) return grpc::Status::OK;
    grpc::StatusCode code = script_.front();
    script_.pop_front();
    return {code, "scripted"};
  }

  [[nodiscard]] std::string address() const { return "grpc://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::vector<event::v1::Event> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  int port_ = 0;
  mutable std::mutex mutex_;
  std::deque<grpc::StatusCode> script_;
  std::vector<event::v1::Event> received_;
  std::unique_ptr<grpc::Server> server_;
};

class Cluster {
 public:
  Cluster() : client_(kube::makeClient(kube::loadKubeconfig(cp_.kubeconfig()), quiet())) {
    client_->create(core::Object{
        {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", core::Object{{"name", "apps"}}}});
  }
  static core::Logger quiet() {
    return core::Logger(core::makeFdLogSink(2), core::LogLevel::Error, core::LogEncoding::Json);
  }
  kube::Client& client() { return *client_; }
  std::vector<core::Value> events(const std::string& ns = "apps") {
    const core::Value list = client_->list(kEventGvk, ns);
    return list["items"].asArray();
  }

 private:
  test::ControlPlane cp_;
  kube::ClientPtr client_;
};

EventRecorderOptions recorderOptions(const std::string& eventsAddr = "") {
  EventRecorderOptions o;
  o.controllerName = "kustomize-controller";
  o.instance = "kustomize-controller-7f8b";
  o.eventsAddr = eventsAddr;
  o.timeout = 2000ms;
  o.retryWaitMin = 5ms;
  o.retryWaitMax = 20ms;
  return o;
}

TEST_CASE("EventRecorder records Kubernetes Events", "[runtime][events][integration]") {
  Cluster cluster;
  EventRecorder recorder(cluster.client(), recorderOptions(), Cluster::quiet());
  recorder.event(kustomization(), EventType::Normal, "ReconciliationSucceeded",
                 "Applied revision: main@sha1:abc", {{"revision", "main@sha1:abc"}});
  recorder.flush();

  auto list = cluster.events();
  REQUIRE(list.size() == 1);
  const core::Value e = list[0];  // a copy: list is read again below
  CHECK(std::regex_match(e["metadata"]["name"].asString(), std::regex(R"(webapp\.[0-9a-f]{16})")));
  CHECK(e["metadata"]["annotations"] ==
        core::Value(core::Object{{"event.toolkit.fluxcd.io/deploymentID", "42"},
                                 {"kustomize.toolkit.fluxcd.io/revision", "main@sha1:abc"}}));
  CHECK(e["involvedObject"] ==
        core::Value(core::Object{{"kind", "Kustomization"},
                                 {"namespace", "apps"},
                                 {"name", "webapp"},
                                 {"uid", "7d0cdc51-ddcf-4743-b223-83ca5c699632"},
                                 {"apiVersion", "kustomize.toolkit.fluxcd.io/v1"},
                                 {"resourceVersion", "123"}}));
  CHECK(e["reason"] == core::Value("ReconciliationSucceeded"));
  CHECK(e["message"] == core::Value("Applied revision: main@sha1:abc"));
  CHECK(e["type"] == core::Value("Normal"));
  CHECK(e["source"]["component"] == core::Value("kustomize-controller"));
  CHECK(e["reportingComponent"] == core::Value("kustomize-controller"));
  CHECK(e["reportingInstance"] == core::Value("kustomize-controller-7f8b"));
  CHECK(e["count"] == core::Value(1));
  CHECK(e["firstTimestamp"] == e["lastTimestamp"]);

  SECTION("a repeated event bumps count on the same Event") {
    recorder.event(kustomization(), EventType::Normal, "ReconciliationSucceeded",
                   "Applied revision: main@sha1:abc", {{"revision", "main@sha1:abc"}});
    recorder.event(kustomization(), EventType::Normal, "ReconciliationSucceeded",
                   "Applied revision: main@sha1:abc", {{"revision", "main@sha1:abc"}});
    recorder.flush();
    list = cluster.events();
    REQUIRE(list.size() == 1);
    CHECK(list[0]["metadata"]["name"] == e["metadata"]["name"]);
    CHECK(list[0]["count"] == core::Value(3));
    CHECK(list[0]["firstTimestamp"] == e["firstTimestamp"]);
    CHECK(list[0]["lastTimestamp"].asString() >= e["lastTimestamp"].asString());
  }
  SECTION("a different message, a Warning and a Trace are Events of their own") {
    recorder.event(kustomization(), EventType::Warning, "ReconciliationFailed", "boom");
    recorder.event(kustomization(), EventType::Trace, "Progressing", "step");
    recorder.flush();
    list = cluster.events();
    REQUIRE(list.size() == 3);
    std::map<std::string, std::string> typeByReason;
    for (const auto& item : list)
      typeByReason[item["reason"].asString()] = item["type"].asString();
    CHECK(typeByReason["ReconciliationFailed"] == "Warning");
    CHECK(typeByReason["Progressing"] == "Normal");
  }
  SECTION("a deleted Event is created again on the next repeat") {
    cluster.client().remove({kEventGvk, "apps", e["metadata"]["name"].asString()});
    recorder.event(kustomization(), EventType::Normal, "ReconciliationSucceeded",
                   "Applied revision: main@sha1:abc", {{"revision", "main@sha1:abc"}});
    recorder.flush();
    list = cluster.events();
    REQUIRE(list.size() == 1);
    CHECK(list[0]["count"] == core::Value(2));
  }
  SECTION("cluster-scoped objects get their Events in default") {
    core::Value role = core::Object{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                                    {"kind", "ClusterRole"},
                                    {"metadata", core::Object{{"name", "viewer"}}}};
    recorder.event(role, EventType::Normal, "Created", "created");
    recorder.flush();
    auto defaults = cluster.events("default");
    REQUIRE(defaults.size() == 1);
    CHECK(defaults[0]["involvedObject"]["name"] == core::Value("viewer"));
  }
}

TEST_CASE("EventRecorder forwards Flux's payload over HTTP", "[runtime][events][integration]") {
  Cluster cluster;
  auto sink = std::make_shared<CaptureSink>();
  core::Logger logger(sink, core::LogLevel::Info, core::LogEncoding::Json);

  SECTION("the payload, byte for byte") {
    HttpReceiver receiver;
    EventRecorder recorder(cluster.client(), recorderOptions(receiver.url("/events")), logger);
    recorder.event(kustomization(), EventType::Warning, "ReconciliationFailed",
                   "apply failed: <nil>", {{"revision", "main@sha1:abc"}});
    recorder.event(kustomization(), EventType::Trace, "Progressing", "never forwarded");
    recorder.flush();
    auto requests = receiver.requests();
    REQUIRE(requests.size() == 1);
    CHECK_THAT(requests[0].head, ContainsSubstring("POST /events HTTP/1.1\r\n"));
    CHECK_THAT(requests[0].head, ContainsSubstring("Content-Type: application/json\r\n"));

    const core::Value body = core::parseJson(requests[0].body);
    const std::string& timestamp = body["timestamp"].asString();
    CHECK(std::regex_match(timestamp, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    CHECK(body["severity"] == core::Value("error"));
    CHECK(body["reason"] == core::Value("ReconciliationFailed"));
    CHECK(body["message"] == core::Value("apply failed: <nil>"));
    CHECK(body["involvedObject"]["uid"] == core::Value("7d0cdc51-ddcf-4743-b223-83ca5c699632"));
    CHECK(body["metadata"]["kustomize.toolkit.fluxcd.io/revision"] == core::Value("main@sha1:abc"));
    CHECK(body["reportingController"] == core::Value("kustomize-controller"));
    CHECK(body["reportingInstance"] == core::Value("kustomize-controller-7f8b"));
    CHECK(requests[0].body ==
          R"({"involvedObject":{"kind":"Kustomization","namespace":"apps","name":"webapp",)"
          R"("uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632",)"
          R"("apiVersion":"kustomize.toolkit.fluxcd.io/v1","resourceVersion":"123"},)"
          R"("severity":"error","timestamp":")" +
              timestamp +
              R"(","message":"apply failed: \u003cnil\u003e","reason":"ReconciliationFailed",)"
              R"("metadata":{"event.toolkit.fluxcd.io/deploymentID":"42",)"
              R"("kustomize.toolkit.fluxcd.io/revision":"main@sha1:abc"},)"
              R"("reportingController":"kustomize-controller",)"
              R"("reportingInstance":"kustomize-controller-7f8b"})");
    // The Trace is still a Kubernetes Event.
    CHECK(cluster.events().size() == 2);
  }
  SECTION("a 500 is retried") {
    HttpReceiver receiver({500, 503});
    EventRecorder recorder(cluster.client(), recorderOptions(receiver.url()), logger);
    recorder.event(kustomization(), EventType::Normal, "ReconciliationSucceeded", "ok");
    recorder.flush();
    CHECK(receiver.requests().size() == 3);
    CHECK_THAT(sink->all(), !ContainsSubstring("unable to record event"));
  }
  SECTION("a 429 (duplicate) is not retried, nor logged as an error") {
    HttpReceiver receiver({429});
    EventRecorder recorder(cluster.client(), recorderOptions(receiver.url()), logger);
    recorder.event(kustomization(), EventType::Normal, "ReconciliationSucceeded", "ok");
    recorder.flush();
    CHECK(receiver.requests().size() == 1);
    CHECK(sink->all().empty());
  }
  SECTION("a 400 is not retried and is logged") {
    HttpReceiver receiver({400});
    EventRecorder recorder(cluster.client(), recorderOptions(receiver.url()), logger);
    recorder.event(kustomization(), EventType::Normal, "ReconciliationSucceeded", "ok");
    recorder.flush();
    CHECK(receiver.requests().size() == 1);
    CHECK_THAT(sink->all(), ContainsSubstring("unexpected HTTP status 400"));
  }
  SECTION("retries stop after maxRetries") {
    HttpReceiver receiver({500, 500, 500, 500, 500, 500, 500});
    EventRecorderOptions options = recorderOptions(receiver.url());
    options.maxRetries = 2;
    EventRecorder recorder(cluster.client(), options, logger);
    recorder.event(kustomization(), EventType::Normal, "ReconciliationSucceeded", "ok");
    recorder.flush();
    CHECK(receiver.requests().size() == 3);
    CHECK_THAT(sink->all(), ContainsSubstring("giving up after 3 attempts"));
  }
  SECTION("a receiver that is down is logged, never thrown") {
    std::string url;
    { url = HttpReceiver().url(); }  // a port nobody listens on any more
    EventRecorderOptions options = recorderOptions("http://user:hunter2@" + url.substr(7));
    options.maxRetries = 1;
    EventRecorder recorder(cluster.client(), options, logger);
    recorder.event(kustomization(), EventType::Normal, "ReconciliationSucceeded", "ok");
    recorder.flush();
    CHECK_THAT(sink->all(), ContainsSubstring("unable to record event"));
    CHECK_THAT(sink->all(), !ContainsSubstring("hunter2"));
  }
  SECTION("the destructor drains what is queued") {
    HttpReceiver receiver;
    {
      EventRecorder recorder(cluster.client(), recorderOptions(receiver.url()), logger);
      for (int i = 0; i < 3; ++i)
        recorder.event(kustomization(), EventType::Normal, "Progressing", std::to_string(i));
    }
    CHECK(receiver.requests().size() == 3);
    CHECK(cluster.events().size() == 3);
  }
  SECTION("cluster-scoped objects are not forwarded") {
    HttpReceiver receiver;
    EventRecorder recorder(cluster.client(), recorderOptions(receiver.url()), logger);
    recorder.event(kustomization(""), EventType::Normal, "ReconciliationSucceeded", "ok");
    recorder.flush();
    CHECK(receiver.requests().empty());
  }
}

TEST_CASE("EventRecorder forwards over gRPC", "[runtime][events][integration]") {
  Cluster cluster;
  GrpcReceiver receiver({grpc::StatusCode::UNAVAILABLE});
  EventRecorder recorder(cluster.client(), recorderOptions(receiver.address()), Cluster::quiet());
  recorder.event(kustomization(), EventType::Normal, "ReconciliationSucceeded", "done",
                 {{"revision", "main@sha1:abc"}});
  recorder.flush();
  auto received = receiver.received();
  REQUIRE(received.size() == 2);  // UNAVAILABLE, then delivered
  const event::v1::Event& e = received[1];
  CHECK(e.involved_object().kind() == "Kustomization");
  CHECK(e.involved_object().namespace_() == "apps");
  CHECK(e.involved_object().name() == "webapp");
  CHECK(e.involved_object().uid() == "7d0cdc51-ddcf-4743-b223-83ca5c699632");
  CHECK(e.involved_object().api_version() == "kustomize.toolkit.fluxcd.io/v1");
  CHECK(e.involved_object().resource_version() == "123");
  CHECK(e.severity() == "info");
  CHECK(e.message() == "done");
  CHECK(e.reason() == "ReconciliationSucceeded");
  CHECK(e.metadata().at("kustomize.toolkit.fluxcd.io/revision") == "main@sha1:abc");
  CHECK(e.metadata().at("event.toolkit.fluxcd.io/deploymentID") == "42");
  CHECK(e.reporting_controller() == "kustomize-controller");
  CHECK(e.reporting_instance() == "kustomize-controller-7f8b");
  CHECK_FALSE(e.timestamp().empty());
}

}  // namespace
}  // namespace driftless::runtime
