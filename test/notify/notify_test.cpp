// libs/notify and libs/cel: CEL expressions, HMAC helpers, the curl transport against a local
// HTTPS server (TLS verification, retries, time limit), the event server dispatching real
// requests (Slack formatting, severity filters, duplicates, failures reported with the token
// masked) and the receiver server.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <chrono>

#include "capture_server.h"
#include "driftless/cel/cel.h"
#include "driftless/core/crypto.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/yaml.h"
#include "driftless/notify/event_server.h"
#include "driftless/notify/memory_cluster.h"
#include "driftless/notify/notifier.h"
#include "driftless/notify/receiver.h"
#include "test_support.h"

namespace driftless::test {
namespace {

using namespace std::chrono_literals;
using Catch::Matchers::ContainsSubstring;
using core::Value;

Value yaml(const std::string& text) {
  return core::parseYaml(text);
}

Value eval(const std::string& expr, const Value& vars = core::Object{}) {
  std::map<std::string, Value> bound;
  std::vector<std::string> names;
  for (const auto& m : vars.asObject()) {
    bound[m.key] = m.value;
    names.push_back(m.key);
  }
  return cel::Program::compile(expr, names).evaluate(bound);
}

notify::Event event(const std::string& severity, const std::string& message,
                    const std::string& kind = "Kustomization", const std::string& name = "apps") {
  notify::Event e;
  e.involvedObject.apiVersion = "kustomize.toolkit.fluxcd.io/v1";
  e.involvedObject.kind = kind;
  e.involvedObject.name = name;
  e.involvedObject.namespace_ = "flux-system";
  e.severity = severity;
  e.message = message;
  e.reason = severity == "error" ? "BuildFailed" : "ReconciliationSucceeded";
  e.timestamp = "2026-01-02T03:04:05Z";
  e.reportingController = "kustomize-controller";
  e.metadata["kustomize.toolkit.fluxcd.io/revision"] = "main@sha1:1234";
  return e;
}

// Alert + Provider in flux-system.
void addRoute(notify::MemoryCluster& cluster, const std::string& name, const std::string& type,
              const std::string& address, const std::string& severity = "info",
              const std::string& extraProvider = "") {
  cluster.alertList.push_back(yaml("metadata: {name: " + name +
                                   ", namespace: flux-system}\n"
                                   "spec:\n  providerRef: {name: " +
                                   name + "}\n  eventSeverity: " + severity +
                                   "\n  eventSources: [{kind: Kustomization, name: '*'}]\n"));
  cluster.providers["flux-system/" + name] =
      yaml("metadata: {name: " + name +
           ", namespace: flux-system, uid: 1111-2222}\nspec:\n  type: " + type +
           "\n  address: " + address + "\n" + extraProvider);
}

notify::EventServerOptions fastRetries() {
  notify::EventServerOptions o;
  o.transportFactory = [](const notify::TransportOptions& t) {
    notify::TransportOptions fast = t;
    fast.retryWaitMin = 20ms;
    fast.retryWaitMax = 50ms;
    return notify::makeCurlTransport(fast);
  };
  return o;
}

}  // namespace

TEST_CASE("cel: expressions over values", "[notify][cel]") {
  const Value vars = yaml("event: {kind: Kustomization, name: apps, metadata: {env: prod}}\n");
  CHECK(eval("event.kind + '/' + event.name", vars) == Value("Kustomization/apps"));
  CHECK(eval("(event.kind + '/' + event.name).lowerAscii()", vars) == Value("kustomization/apps"));
  CHECK(eval("has(event.metadata.env) && event.metadata.env == 'prod'", vars) == Value(true));
  CHECK(eval("has(event.metadata.region) ? 'x' : 'none'", vars) == Value("none"));
  CHECK(eval("1 + 2 * 3 - 4 / 2", vars) == Value(5));
  CHECK(eval("size('héllo') == 5 && 'b' in ['a', 'b'] && 'env' in event.metadata", vars) ==
        Value(true));
  CHECK(eval("'a,b'.split(',').join('-') + string(3)", vars) == Value("a-b3"));
  CHECK(eval("!(event.name.startsWith('ap') && event.name.endsWith('ps'))", vars) == Value(false));
  // Unknown variables are compile errors; missing keys and type errors fail at evaluation.
  CHECK_THROWS_WITH(eval("nothing.kind", vars),
                    ContainsSubstring("undeclared reference to 'nothing'"));
  CHECK_THROWS_WITH(eval("event.missing", vars), ContainsSubstring("no such key: missing"));
  CHECK_THROWS_WITH(eval("event.name + 1", vars), ContainsSubstring("no such overload"));
  CHECK_THROWS_WITH(eval("1 / 0", vars), ContainsSubstring("division by zero"));
  CHECK_THROWS_AS(eval("event.kind +", vars), core::Error);
  // false wins over an error in && (CEL's commutative logic).
  CHECK(eval("event.missing == 'x' && false", vars) == Value(false));
}

TEST_CASE("crypto: HMAC and hex", "[notify][crypto]") {
  // RFC 4231 test case 2.
  CHECK(core::hmacHex("sha256", "Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(core::hexDecode("0aFF") == std::string("\x0a\xff", 2));
  CHECK_FALSE(core::hexDecode("abc").has_value());
  CHECK_FALSE(core::hexDecode("zz").has_value());
  CHECK(core::constantTimeEqual("abc", "abc"));
  CHECK_FALSE(core::constantTimeEqual("abc", "abd"));
  CHECK_FALSE(core::constantTimeEqual("abc", "ab"));
  CHECK(notify::describeReason("HealthCheckFailed") == "health check failed");
  CHECK(notify::describeReason("PDFLoader") == "pdf loader");
  CHECK(notify::titleCase("upgrade-failed") == "Upgrade-Failed");
}

TEST_CASE("transport: TLS verification, retries and the time limit", "[notify][transport]") {
  TempDir tmp("notify-transport");
  CaptureServer server(tmp.path() / "tls");
  notify::OutboundRequest req;
  req.url = server.url() + "/hook";
  req.body = "{}";
  req.headers.emplace_back("Content-Type", "application/json");

  SECTION("an unknown CA is refused, not retried") {
    notify::TransportOptions o;
    o.retryWaitMin = 10ms;
    auto t = notify::makeCurlTransport(o);
    CHECK_THROWS_WITH(t->send(req), ContainsSubstring("failed to execute request"));
    CHECK(server.requests().empty());
  }
  SECTION("with the CA: 5xx and 429 are retried with backoff, then 200") {
    server.script("/hook", {503, 429, 500});
    notify::TransportOptions o;
    o.caPem = server.caPem();
    o.retryWaitMin = 10ms;
    o.retryWaitMax = 40ms;
    auto t = notify::makeCurlTransport(o);
    CHECK(t->send(req).status == 200);
    CHECK(server.requests("/hook").size() == 4);
  }
  SECTION("4xx answers are final") {
    server.script("/hook", {400});
    notify::TransportOptions o;
    o.caPem = server.caPem();
    auto t = notify::makeCurlTransport(o);
    CHECK(t->send(req).status == 400);
    CHECK(server.requests("/hook").size() == 1);
  }
  SECTION("the provider timeout bounds every retry") {
    server.script("/hook", {503, 503, 503, 503, 503, 503});
    notify::TransportOptions o;
    o.caPem = server.caPem();
    o.timeout = 300ms;
    o.retryWaitMin = 100ms;
    o.retryWaitMax = 1000ms;
    auto t = notify::makeCurlTransport(o);
    const auto start = std::chrono::steady_clock::now();
    CHECK(t->send(req).status == 503);
    CHECK(std::chrono::steady_clock::now() - start < 1s);
    CHECK(server.requests("/hook").size() < 4);
  }
}

TEST_CASE("event server: Slack and Teams over HTTPS, filters, duplicates, failures",
          "[notify][event-server]") {
  TempDir tmp("notify-events");
  CaptureServer chat(tmp.path() / "tls");
  notify::MemoryCluster cluster;
  cluster.secrets["flux-system/ca"] = {{"ca.crt", chat.caPem()}};
  addRoute(cluster, "slack", "slack", chat.url() + "/slack", "info",
           "  channel: general\n  certSecretRef: {name: ca}\n");
  addRoute(cluster, "teams", "msteams", chat.url() + "/teams", "error",
           "  certSecretRef: {name: ca}\n");
  notify::EventServer server(cluster, fastRetries(), quietLogger());

  CHECK(server.handle(event("info", "Reconciliation finished in 1s")).status == 202);
  CHECK(server.handle(event("error", "kustomize build failed: missing.yaml")).status == 202);
  server.drain();
  // Slack (eventSeverity info) gets both; Teams (error) only the error.
  REQUIRE(chat.requests("/slack").size() == 2);
  REQUIRE(chat.requests("/teams").size() == 1);
  // Dispatches run on several workers: the two messages may arrive in either order.
  Value error = core::parseJson(chat.requests("/slack")[0].body);
  if (error["attachments"][0]["color"] != Value("danger"))
    error = core::parseJson(chat.requests("/slack")[1].body);
  CHECK(error["channel"] == Value("general"));
  CHECK(error["username"] == Value("kustomize-controller"));
  CHECK(error["attachments"][0]["color"] == Value("danger"));
  CHECK(error["attachments"][0]["author_name"] == Value("kustomization/apps.flux-system"));
  CHECK(error["attachments"][0]["text"] == Value("kustomize build failed: missing.yaml"));
  CHECK(error["attachments"][0]["fields"][0]["title"] == Value("revision"));
  const Value card = core::parseJson(chat.requests("/teams")[0].body);
  CHECK(card["attachments"][0]["contentType"] == Value("application/vnd.microsoft.card.adaptive"));
  CHECK(card["attachments"][0]["content"]["body"][0]["items"][1]["color"] == Value("attention"));

  // The same event again within the window: 429 and nothing sent.
  const notify::EventResponse dup =
      server.handle(event("error", "kustomize build failed: missing.yaml"));
  CHECK(dup.status == 429);
  server.drain();
  CHECK(chat.requests("/teams").size() == 1);
  CHECK(server.stats().rateLimited == 1);

  // A provider that keeps failing: retried, then a NotificationDispatchFailed warning on the
  // Alert that never shows the token.
  chat.script("/down", {503, 503, 503, 503, 503});
  cluster.alertList.clear();
  addRoute(cluster, "down", "slack", chat.url() + "/down", "info",
           "  certSecretRef: {name: ca}\n  secretRef: {name: token}\n");
  cluster.secrets["flux-system/token"] = {{"token", "xoxb-very-secret"}};
  CHECK(server.handle(event("info", "another message")).status == 202);
  server.drain();
  CHECK(chat.requests("/down").size() == 5);
  CHECK(chat.requests("/down")[0].header("authorization") == "Bearer xoxb-very-secret");
  const auto warnings = cluster.warnings();
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], ContainsSubstring("NotificationDispatchFailed"));
  CHECK_THAT(warnings[0], ContainsSubstring("503"));
  CHECK_THAT(warnings[0], !ContainsSubstring("xoxb-very-secret"));

  // An unreachable provider: connection errors are retried and reported.
  cluster.alertList.clear();
  addRoute(cluster, "gone", "generic", "http://127.0.0.1:" + std::to_string(freePort()) + "/x");
  CHECK(server.handle(event("info", "third message")).status == 202);
  server.drain();
  CHECK(cluster.warnings().size() == 2);
  CHECK_THAT(cluster.warnings()[1], ContainsSubstring("failed to execute request"));

  // Malformed bodies are 400, oversized 413.
  CHECK(server.handle(std::string_view("{not json")).status == 400);
  CHECK(server.handle(std::string(3 * 1024 * 1024 + 1, ' ')).status == 413);
}

TEST_CASE("event server: Telegram errors never carry the bot token", "[notify][event-server]") {
  notify::MemoryCluster cluster;
  addRoute(cluster, "tg", "telegram", "", "info",
           "  channel: '-100'\n  secretRef: {name: tg}\n  timeout: 1s\n");
  cluster.secrets["flux-system/tg"] = {{"token", "123:SECRET"}};
  notify::EventServerOptions o;
  o.transportFactory = [](const notify::TransportOptions& t) {
    struct Refuse : notify::Transport {
      notify::OutboundResponse send(const notify::OutboundRequest& r) override {
        throw core::Error("failed to execute request to " + r.url + ": refused");
      }
    };
    (void)t;
    return std::unique_ptr<notify::Transport>(new Refuse);
  };
  notify::EventServer server(cluster, o, quietLogger());
  server.handle(event("info", "hello"));
  server.drain();
  REQUIRE(cluster.warnings().size() == 1);
  CHECK_THAT(cluster.warnings()[0], !ContainsSubstring("123:SECRET"));
  CHECK_THAT(cluster.warnings()[0], ContainsSubstring("*****"));
}

TEST_CASE("receiver server: signatures, tokens and annotations", "[notify][receiver]") {
  notify::MemoryCluster cluster;
  cluster.secrets["apps/hook"] = {{"token", "s3cret"}};
  const std::string path = notify::webhookPath("s3cret", "gh", "apps");
  cluster.receiverList.push_back(
      yaml("metadata: {name: gh, namespace: apps}\n"
           "spec:\n  type: github\n  events: [push]\n  secretRef: {name: hook}\n"
           "  resources: [{kind: GitRepository, name: repo}]\n"
           "status:\n  webhookPath: " +
           path + "\n  conditions: [{type: Ready, status: 'True'}]\n"));
  cluster.objects.push_back(yaml("{kind: GitRepository, namespace: apps, name: repo}"));
  notify::ReceiverServer server(cluster, {}, quietLogger());
  net::HttpRequest req;
  req.method = "POST";
  req.target = path;
  req.path = path;
  req.body = R"({"ref":"refs/heads/main"})";
  req.headers = {{"content-type", "application/json"},
                 {"x-github-event", "push"},
                 {"x-hub-signature-256", "sha256=" + core::hmacHex("sha256", "s3cret", req.body)}};
  CHECK(server.handle(req).first == 200);
  CHECK(cluster.annotated() == std::vector<std::string>{"repo"});

  net::HttpRequest bad = req;
  bad.headers[2].second = "sha256=" + core::hmacHex("sha256", "wrong", req.body);
  CHECK(server.handle(bad).first == 400);
  net::HttpRequest ping = req;
  ping.headers[1].second = "ping";
  CHECK(server.handle(ping).first == 400);  // not in spec.events
  net::HttpRequest other = req;
  other.target = "/hook/0000";
  CHECK(server.handle(other).first == 404);
  CHECK(cluster.annotated().size() == 1);
}

}  // namespace driftless::test
