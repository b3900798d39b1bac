// notification_conformance DIR: checks every case of ../shared/conformance/notification
// (providers/*.json, providers/construction.jsonl, alerts/cases.jsonl, receivers/cases.jsonl)
// against libs/notify and prints the failures, then "N passed, M failed".
//
// Requests providers send are captured by a recording transport (the cases name real hosts such
// as api.github.com); the curl transport itself is covered by the end-to-end tests.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "driftless/cel/cel.h"
#include "driftless/core/crypto.h"
#include "driftless/core/duration.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/text.h"
#include "driftless/notify/event_server.h"
#include "driftless/notify/memory_cluster.h"
#include "driftless/notify/notifier.h"
#include "driftless/notify/receiver.h"

namespace {

namespace core = driftless::core;
namespace notify = driftless::notify;
namespace fs = std::filesystem;
using core::Value;

constexpr std::string_view kServerUrl = "http://127.0.0.1:18080";

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string replaceAll(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

struct Discard : core::LogSink {
  void write(std::string_view) override {}
};

core::Logger quietLogger() {
  return core::Logger(std::make_shared<Discard>(), core::LogLevel::Error, core::LogEncoding::Json);
}

class Recorder : public notify::Transport {
 public:
  notify::OutboundResponse send(const notify::OutboundRequest& r) override {
    std::lock_guard lock(mutex);
    requests.push_back(r);
    if (r.method == "GET") return {200, "[]"};
    return {200, "{\"ok\":true}"};
  }
  std::mutex mutex;
  std::vector<notify::OutboundRequest> requests;
};

// Arrays compared as multisets (Go map order is random in the providers' metadata arrays).
Value normalized(const Value& v) {
  if (v.isArray()) {
    std::vector<std::pair<std::string, Value>> items;
    for (const auto& e : v.asArray()) {
      Value n = normalized(e);
      items.emplace_back(core::toJson(n, {0, true, true}), n);
    }
    std::sort(items.begin(), items.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    core::Array out;
    for (auto& [k, n] : items)
      out.push_back(std::move(n));
    return out;
  }
  if (v.isObject()) {
    core::Object out;
    for (const auto& m : v.asObject())
      out.set(m.key, normalized(m.value));
    return out;
  }
  return v;
}

bool bodyMatches(const Value& expected, const std::string& actual, std::string& why) {
  const std::string mode = expected["body_compare"].stringOr();
  if (mode == "exact") {
    if (actual == expected["body_raw"].stringOr()) return true;
    why = "body\n  got:  " + actual + "\n  want: " + expected["body_raw"].stringOr();
    return false;
  }
  Value got;
  try {
    got = core::parseJson(actual);
  } catch (const std::exception& e) {
    why = "body is not JSON: " + actual;
    return false;
  }
  Value want = expected["body"];
  bool ok = false;
  if (mode == "json_exact_arrays") {
    ok = got == want;
  } else if (mode == "json_text_lines_2_to_4_unordered") {
    auto lines = [](const std::string& text) {
      std::vector<std::string> out;
      std::stringstream ss(text);
      for (std::string line; std::getline(ss, line);)
        out.push_back(line);
      if (out.size() > 2) std::sort(out.begin() + 2, out.end());
      return out;
    };
    Value g = got;
    Value w = want;
    const bool textOk = lines(got["text"].stringOr()) == lines(want["text"].stringOr());
    g.asObject().erase("text");
    w.asObject().erase("text");
    ok = textOk && g == w;
  } else {
    ok = normalized(got) == normalized(want);
  }
  if (!ok) why = "body\n  got:  " + actual + "\n  want: " + core::toJson(want);
  return ok;
}

bool requestMatches(const Value& expected, const notify::OutboundRequest& r, std::string& why) {
  const std::string url = replaceAll(expected["url"].stringOr(), "{{SERVER_URL}}", kServerUrl);
  if (!url.empty() && url != r.url) {
    why = "url " + r.url + ", want " + url;
    return false;
  }
  if (expected["method"].stringOr() != r.method) {
    why = "method " + r.method;
    return false;
  }
  if (expected["headers"].isObject()) {
    for (const auto& h : expected["headers"].asObject()) {
      if (r.header(h.key) != h.value.stringOr()) {
        why = "header " + h.key + ": '" + r.header(h.key) + "', want '" + h.value.stringOr() + "'";
        return false;
      }
    }
  }
  if (!expected["body"].isNull() || expected["body_raw"].isString())
    return bodyMatches(expected, r.body, why);
  return true;
}

Value providerObject(const Value& p) {
  core::Object spec;
  for (const char* k : {"type", "address", "channel", "username", "commitStatusExpr"}) {
    if (p[k].isString()) spec.set(k, replaceAll(p[k].asString(), "{{SERVER_URL}}", kServerUrl));
  }
  core::Object meta{{"name", "provider"}, {"namespace", "default"}};
  if (p["metadata"]["uid"].isString()) meta.set("uid", p["metadata"]["uid"]);
  return Value(
      core::Object{{"metadata", Value(std::move(meta))}, {"spec", Value(std::move(spec))}});
}

notify::SecretData secretData(const Value& p) {
  notify::SecretData out;
  const Value& data = p["secretRef"]["data"];
  if (data.isObject()) {
    for (const auto& m : data.asObject())
      out.emplace_back(m.key, m.value.stringOr());
  }
  return out;
}

bool runProvider(const Value& c, std::string& why) {
  notify::ProviderSettings settings =
      notify::providerSettings(providerObject(c["provider"]), secretData(c["provider"]));
  Recorder recorder;
  std::string error;
  try {
    notify::makeNotifier(settings)->post(notify::Event::fromValue(c["event"]), recorder);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (c["expected_error"].isString()) {
    if (error.find(c["expected_error"].asString()) == std::string::npos) {
      why = "error '" + error + "', want '" + c["expected_error"].asString() + "'";
      return false;
    }
    return true;
  }
  if (!error.empty()) {
    why = "error: " + error;
    return false;
  }
  std::vector<Value> expected;
  if (c["expected_requests"].isArray()) {
    for (const auto& r : c["expected_requests"].asArray())
      expected.push_back(r);
  } else if (c["expected_request"].isObject()) {
    expected.push_back(c["expected_request"]);
  }
  if (expected.size() != recorder.requests.size()) {
    why = std::to_string(recorder.requests.size()) + " requests, want " +
          std::to_string(expected.size());
    return false;
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (!requestMatches(expected[i], recorder.requests[i], why)) return false;
  }
  return true;
}

bool runConstruction(const Value& c, std::string& why) {
  std::string error;
  try {
    (void)notify::makeNotifier(
        notify::providerSettings(providerObject(c["provider"]), secretData(c["provider"])));
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (c["expected"].stringOr() == "ok") {
    if (error.empty()) return true;
    why = "error: " + error;
    return false;
  }
  if (!error.empty() && error.find(c["error_contains"].stringOr()) != std::string::npos)
    return true;
  why = "error '" + error + "', want '" + c["error_contains"].stringOr() + "'";
  return false;
}

using FakeCluster = notify::MemoryCluster;

// The corpus's source_match cases lost their eventSources entry (the case's "source" key holds
// the citation); each is rebuilt here from the upstream subtest it cites and its note.
Value sourceFor(const Value& c) {
  const std::string cite = c["source"].stringOr();
  const std::string note = c["note"].stringOr();
  auto src = [](std::string kind, std::string name, std::string ns, Value labels = nullptr) {
    core::Object o{{"kind", kind}, {"name", name}};
    if (!ns.empty()) o.set("namespace", ns);
    if (!labels.isNull()) o.set("matchLabels", labels);
    return Value(std::move(o));
  };
  const Value podinfo(core::Object{{"app", "podinfo"}});
  const Value other(core::Object{{"app", "podinfo-two"}});
  if (cite.ends_with("namespace mismatch")) return src("Kustomization", "*", "test-ns");
  if (cite.ends_with("kind mismatch")) return src("GitRepository", "*", "foo-ns");
  if (cite.find("severity mismatch") != std::string::npos)
    return src("Kustomization", "*", "foo-ns");
  if (cite.ends_with("any name")) return src("Kustomization", "*", "foo-ns");
  if (cite.ends_with("unmatched name")) return src("Kustomization", "bar", "foo-ns");
  if (cite.ends_with("matched name")) return src("Kustomization", "foo", "foo-ns");
  if (cite.ends_with("label selector match")) return src("Kustomization", "*", "foo-ns", podinfo);
  if (cite.ends_with("label selector mismatch")) return src("Kustomization", "*", "foo-ns", other);
  if (cite.ends_with("object not found")) return src("Kustomization", "*", "foo-ns", podinfo);
  if (note.find("case-sensitive") != std::string::npos) return src("kustomization", "foo", "");
  if (note.find("glob") != std::string::npos) return src("Kustomization", "fo*", "");
  if (note.find("also with an explicit name") != std::string::npos)
    return src("Kustomization", "foo", "", other);
  return src("Kustomization", "foo", "");
}

Value alertObject(const Value& a, const std::string& ns, const std::string& name = "alert") {
  core::Object spec;
  if (a.isObject()) {
    for (const auto& m : a.asObject()) {
      if (m.key == "namespace") continue;
      if (m.key == "providerRef") {
        std::string ref = m.value.stringOr();
        spec.set("providerRef", core::Object{{"name", ref.substr(0, ref.find('('))}});
        continue;
      }
      spec.set(m.key, m.value);
    }
  }
  return Value(core::Object{{"metadata", Value(core::Object{{"name", name}, {"namespace", ns}})},
                            {"spec", Value(std::move(spec))}});
}

std::string metadataJson(const notify::Event& e) {
  core::Object o;
  for (const auto& [k, v] : e.metadata)
    o.set(k, v);
  return core::toJson(Value(std::move(o)), {0, true, true});
}

bool sameMetadata(const notify::Event& e, const Value& expected, std::string& why) {
  core::Object want;
  if (expected.isObject()) want = expected.asObject();
  const std::string w = core::toJson(normalized(Value(want)), {0, true, true});
  const std::string g = metadataJson(e);
  if (w == g) return true;
  why = "metadata " + g + ", want " + w;
  return false;
}

std::string bodyOfSize(std::size_t size) {
  std::string body =
      R"({"involvedObject":{"kind":"Kustomization","namespace":"x","name":"y"},"severity":"info","message":")";
  const std::string tail = R"("})";
  body.append(size - body.size() - tail.size(), 'a');
  return body + tail;
}

bool runAlertCase(const Value& c, std::string& why) {
  const std::string kind = c["kind"].stringOr();
  if (kind == "cleanup_metadata" || kind == "exclude_internal_metadata") {
    notify::Event e = notify::Event::fromValue(c["event"]);
    if (kind == "cleanup_metadata") {
      notify::cleanupMetadata(e);
    } else {
      notify::excludeInternalMetadata(e);
    }
    return sameMetadata(e, c["expected_metadata"], why);
  }
  if (kind == "combine_metadata") {
    notify::Event e = notify::Event::fromValue(c["event"]);
    const std::string conflict = notify::combineMetadata(e, c["alert_spec"]);
    if (!sameMetadata(e, c["expected_metadata"], why)) return false;
    const std::string want = c["expected_warning_event_on_alert"].stringOr();
    const std::string got = conflict.empty() ? "" : "Warning MetadataAppendFailed " + conflict;
    if (got == want) return true;
    why = "warning '" + got + "', want '" + want + "'";
    return false;
  }
  if (kind == "source_match") {
    FakeCluster cluster;
    const Value& obj = c["involved_object_in_cluster"];
    notify::Event e = notify::Event::fromValue(c["event"]);
    if (obj.isObject()) {
      cluster.objects.push_back(Value(core::Object{{"apiVersion", e.involvedObject.apiVersion},
                                                   {"kind", e.involvedObject.kind},
                                                   {"namespace", e.involvedObject.namespace_},
                                                   {"name", e.involvedObject.name},
                                                   {"labels", obj["labels"]}}));
    }
    const bool got = notify::eventMatchesSource(e, sourceFor(c), c["alert"]["namespace"].stringOr(),
                                                c["alert"]["eventSeverity"].stringOr(), &cluster);
    if (got == c["expected"].asBool()) return true;
    why = std::string("matched ") + (got ? "true" : "false");
    return false;
  }
  if (kind == "filter_alerts") {
    FakeCluster cluster;
    std::vector<notify::ObjectPtr> alerts;
    int i = 0;
    for (const auto& a : c["alerts"].asArray()) {
      alerts.push_back(std::make_shared<const Value>(
          alertObject(a, c["alerts_namespace"].stringOr(), "a" + std::to_string(i++))));
    }
    const auto got = notify::matchingAlerts(notify::Event::fromValue(c["event"]), alerts, &cluster);
    if (static_cast<std::int64_t>(got.size()) == c["expected_matching_alerts"].asInt()) return true;
    why = std::to_string(got.size()) + " alerts matched";
    return false;
  }
  if (kind == "notification_gate") {
    notify::Event e = notify::Event::fromValue(c["event"]);
    const Value& p = c["params"];
    std::string alertNs = p["alert_namespace"].stringOr();
    if (alertNs.empty()) alertNs = e.involvedObject.namespace_;
    const bool suspended = p["provider_suspended"].isBool() && p["provider_suspended"].asBool();
    const bool noCross =
        p["no_cross_namespace_refs"].isBool() && p["no_cross_namespace_refs"].asBool();
    const notify::Gate gate =
        notify::notificationGate(e, alertNs, c["provider_type"].stringOr(), suspended, noCross);
    std::string got;
    switch (gate) {
      case notify::Gate::Dispatch:
        got = "dispatched";
        break;
      case notify::Gate::Skip:
        got = "skipped";
        break;
      case notify::Gate::DropCommitStatus:
        got = "dropped_commit_status";
        break;
      case notify::Gate::CrossNamespaceRefused:
        got = "error";
        break;
    }
    std::string want = c["expected"].stringOr();
    if (want.starts_with("proceeds")) want = "dispatched";
    if (got != want) {
      why = "gate " + got + ", want " + want;
      return false;
    }
    if (p["alert_summary"].isString()) {
      notify::combineMetadata(e, Value(core::Object{{"summary", p["alert_summary"]}}));
      if (e.metadata["summary"] != p["expect_metadata_summary"].stringOr()) {
        why = "summary " + e.metadata["summary"];
        return false;
      }
    }
    return true;
  }
  if (kind == "commit_status_id") {
    const std::string got = notify::defaultCommitStatusId(notify::Event::fromValue(c["event"]),
                                                          c["provider_uid"].stringOr());
    if (got == c["expected"].stringOr()) return true;
    why = "id " + got;
    return false;
  }
  if (kind == "commit_status_expr") {
    std::string got;
    try {
      auto program = driftless::cel::Program::compile(c["expression"].stringOr(),
                                                      {"event", "alert", "provider"});
      Value v = program.evaluate({{"event", notify::Event::fromValue(c["event"]).toValue()},
                                  {"alert", c["alert"]},
                                  {"provider", c["provider"]}});
      got = v.isString() ? v.asString() : "error";
    } catch (const std::exception& e) {
      got = "error";
    }
    if (got == c["expected"].stringOr()) return true;
    why = "got " + got;
    return false;
  }
  if (kind == "ratelimit_sequence" || kind == "ratelimit_window") {
    auto now = notify::RateLimiter::Clock::time_point{} + std::chrono::hours(1);
    FakeCluster cluster;
    notify::EventServerOptions o;
    o.rateLimitInterval = std::chrono::duration_cast<std::chrono::milliseconds>(
        core::parseDuration(c["interval"].stringOr()));
    o.clock = [&now] { return now; };
    notify::EventServer server(cluster, o, quietLogger());
    if (kind == "ratelimit_sequence") {
      for (const auto& step : c["events"].asArray()) {
        notify::Event e = notify::Event::fromValue(step["event"]);
        if (notify::rateLimitKeyString(e) != step["key_string"].stringOr() ||
            notify::rateLimitKey(e) != step["key_sha256"].stringOr()) {
          why = "key " + notify::rateLimitKeyString(e);
          return false;
        }
        const int status = server.handle(core::toJson(step["event"])).status;
        const bool allowed = status == 200 || status == 202;
        if (allowed != (step["expected_status"].asInt() != 429)) {
          why = "step " + std::to_string(step["step"].asInt()) + ": " + std::to_string(status);
          return false;
        }
      }
      return true;
    }
    const auto start = now;
    const std::string body = bodyOfSize(200);
    for (const auto& r : c["requests"].asArray()) {
      now = start + core::parseDuration(r["t"].stringOr());
      const int status = server.handle(body).status;
      if (status != r["expected_status"].asInt()) {
        why = "at " + r["t"].stringOr() + ": " + std::to_string(status);
        return false;
      }
    }
    return true;
  }
  if (kind == "event_http") {
    FakeCluster cluster;
    notify::EventServer server(cluster, {}, quietLogger());
    const Value& req = c["request"];
    std::string body = req["body"].stringOr();
    if (req["body_size_bytes"].isInt())
      body = bodyOfSize(static_cast<std::size_t>(req["body_size_bytes"].asInt()));
    if (body == "<valid event, no matching alert>") body = bodyOfSize(300);
    const int status = server.handle(body).status;
    const Value& want = c["expected_status"];
    const bool ok = want.isInt() ? status == want.asInt() : (status == 200 || status == 202);
    if (!ok) why = "status " + std::to_string(status);
    return ok;
  }
  if (kind == "dispatch") {
    FakeCluster cluster;
    const Value& a = c["alert"];
    const std::string ns = a["namespace"].stringOr();
    cluster.alertList.push_back(alertObject(a, ns));
    const std::string ref = a["providerRef"].stringOr();
    const std::string type = ref.substr(ref.find('(') + 1, ref.find(')') - ref.find('(') - 1);
    cluster.providers[ns + "/" + ref.substr(0, ref.find('('))] = Value(core::Object{
        {"metadata",
         Value(core::Object{{"name", ref.substr(0, ref.find('('))}, {"namespace", ns}})},
        {"spec", Value(core::Object{{"type", type}, {"address", std::string(kServerUrl)}})}});
    if (c["cluster_objects"].isArray()) {
      for (const auto& o : c["cluster_objects"].asArray())
        cluster.objects.push_back(o);
    }
    Recorder recorder;
    notify::EventServerOptions o;
    o.noCrossNamespaceRefs = c["server_flags"]["no_cross_namespace_refs"].isBool() &&
                             c["server_flags"]["no_cross_namespace_refs"].asBool();
    o.transportFactory = [&recorder](const notify::TransportOptions&) {
      struct Forward : notify::Transport {
        explicit Forward(Recorder& to) : r(to) {}
        notify::OutboundResponse send(const notify::OutboundRequest& q) override {
          return r.send(q);
        }
        Recorder& r;
      };
      return std::unique_ptr<notify::Transport>(new Forward(recorder));
    };
    notify::EventServer server(cluster, o, quietLogger());
    const int status = server.handle(core::toJson(c["event"])).status;
    server.drain();
    const bool forwarded = !recorder.requests.empty();
    if (status == c["expected"]["http_status"].asInt() &&
        forwarded == c["expected"]["forwarded"].asBool())
      return true;
    why = "status " + std::to_string(status) + ", forwarded " + (forwarded ? "true" : "false");
    return false;
  }
  why = "unknown case kind " + kind;
  return false;
}

bool runReceiverCase(const Value& c, std::string& why) {
  const std::string kind = c["kind"].stringOr();
  if (kind == "webhook_path") {
    const std::string got =
        notify::webhookPath(c["token"].stringOr(), c["name"].stringOr(), c["namespace"].stringOr());
    if (got == c["expected_path"].stringOr()) return true;
    why = "path " + got;
    return false;
  }
  FakeCluster cluster;
  const Value& r = c["receiver"];
  const std::string ns = "flux-system";
  std::string path = "/hook/none";
  if (r.isObject()) {
    core::Object spec;
    spec.set("type", r["type"].stringOr().empty() ? "generic" : r["type"].stringOr());
    std::string token;
    if (r["secretRef"].isObject()) {
      spec.set("secretRef", core::Object{{"name", "token"}});
      cluster.secrets[ns + "/token"] = secretData(r);
      token = notify::secretValue(cluster.secrets[ns + "/token"], "token").value_or("");
    } else if (r.find("secretRef") != nullptr) {
      spec.set("secretRef", core::Object{{"name", "missing"}});
    }
    for (const char* k : {"events", "resources", "suspend"}) {
      if (r.find(k) != nullptr) spec.set(k, r[k]);
    }
    path = notify::webhookPath(token, r["name"].stringOr(), ns);
    const bool ready = !(r["ready"].isBool() && !r["ready"].asBool());
    core::Object status{{"webhookPath", path}};
    status.set(
        "conditions",
        core::Array{Value(core::Object{{"type", "Ready"}, {"status", ready ? "True" : "False"}})});
    cluster.receiverList.push_back(Value(core::Object{
        {"metadata", Value(core::Object{{"name", r["name"].stringOr()}, {"namespace", ns}})},
        {"spec", Value(std::move(spec))},
        {"status", Value(std::move(status))}}));
  }
  if (c["cluster_objects"].isArray()) {
    for (const auto& o : c["cluster_objects"].asArray())
      cluster.objects.push_back(o);
  }
  notify::ReceiverServerOptions o;
  o.noCrossNamespaceRefs = c["server_flags"]["no_cross_namespace_refs"].isBool() &&
                           c["server_flags"]["no_cross_namespace_refs"].asBool();
  notify::ReceiverServer server(cluster, o, quietLogger());
  const Value& req = c["request"];
  driftless::net::HttpRequest request;
  request.method = req["method"].stringOr();
  std::string target = req["path"].stringOr();
  if (const std::size_t lt = target.find('<'); lt != std::string::npos) {
    const std::size_t gt = target.find('>', lt);
    target = path + target.substr(gt + 1);
  }
  request.target = target;
  request.path = target.substr(0, target.find('?'));
  if (req["headers"].isObject()) {
    for (const auto& h : req["headers"].asObject())
      request.headers.emplace_back(core::asciiLower(h.key), h.value.stringOr());
  }
  request.body = req["body"].stringOr();
  if (req["body_size_bytes"].isInt())
    request.body.assign(static_cast<std::size_t>(req["body_size_bytes"].asInt()), 'a');
  const int status = server.handle(request).first;
  if (status != c["expected_status"].asInt()) {
    why = "status " + std::to_string(status);
    return false;
  }
  if (c["expected_annotated"].isArray()) {
    std::vector<std::string> want;
    for (const auto& n : c["expected_annotated"].asArray())
      want.push_back(n.stringOr());
    if (want != cluster.annotated()) {
      why = "annotated " + std::to_string(cluster.annotated().size()) + " objects";
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: notification_conformance DIR\n";
    return 2;
  }
  const fs::path dir = argv[1];
  int passed = 0;
  int failed = 0;
  auto record = [&](const std::string& name, auto&& run) {
    std::string why;
    bool ok = false;
    try {
      ok = run(why);
    } catch (const std::exception& e) {
      why = std::string("exception: ") + e.what();
    }
    if (ok) {
      ++passed;
    } else {
      ++failed;
      std::cout << "FAIL " << name << ": " << why << "\n";
    }
  };
  std::vector<fs::path> providerFiles;
  for (const auto& entry : fs::directory_iterator(dir / "providers")) {
    if (entry.path().extension() == ".json") providerFiles.push_back(entry.path());
  }
  std::sort(providerFiles.begin(), providerFiles.end());
  for (const auto& p : providerFiles) {
    const Value c = core::parseJson(readFile(p), p.string());
    record("providers/" + p.filename().string(),
           [&](std::string& why) { return runProvider(c, why); });
  }
  auto lines = [&](const fs::path& file, auto&& run) {
    std::ifstream in(file);
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      ++n;
      const Value c = core::parseJson(line, file.string());
      const std::string name = file.parent_path().filename().string() + "/" +
                               file.filename().string() + ":" + std::to_string(n) + " " +
                               c["source"].stringOr().substr(c["source"].stringOr().rfind(':') + 1);
      record(name, [&](std::string& why) { return run(c, why); });
    }
  };
  lines(dir / "providers" / "construction.jsonl", runConstruction);
  lines(dir / "alerts" / "cases.jsonl", runAlertCase);
  lines(dir / "receivers" / "cases.jsonl", runReceiverCase);
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
