// kube::FakeClient: the API server's object semantics in memory, and (last) one scenario run
// against both the fake and the embedded control plane to keep the fake honest.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "driftless/core/json.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/fake_client.h"
#include "driftless/kube/patch_schema.h"
#include "kubectl_harness.h"

namespace driftless::kube {
namespace {

using Catch::Matchers::ContainsSubstring;

const GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};
const GroupVersionKind kDeployment{"apps", "v1", "Deployment"};
const GroupVersionKind kGitRepository{"source.toolkit.fluxcd.io", "v1", "GitRepository"};
const GroupVersionKind kNamespace{"", "v1", "Namespace"};

core::Value json(std::string_view text) {
  return core::parseJson(text);
}

core::Value configMap(const std::string& name, core::Object data = {{"a", "1"}},
                      core::Object labels = {}) {
  return core::Object{{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata", core::Object{{"name", name},
                                                {"namespace", "default"},
                                                {"labels", core::Value(std::move(labels))}}},
                      {"data", core::Value(std::move(data))}};
}

core::Value deployment(const std::string& name, int replicas = 1) {
  core::Value d = json(R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"namespace": "default"},
    "spec": {"selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})");
  d["metadata"]["name"] = name;
  d["spec"]["replicas"] = replicas;
  return d;
}

core::Value gitRepository(const std::string& name) {
  core::Value g = json(R"({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
    "metadata": {"namespace": "default"},
    "spec": {"url": "https://example.com/repo.git", "interval": "1m"},
    "status": {"observedGeneration": 7}})");
  g["metadata"]["name"] = name;
  return g;
}

ObjectRef refOf(const GroupVersionKind& gvk, const std::string& name,
                const std::string& ns = "default") {
  return {gvk, ns, name};
}

std::string rvOf(const core::Value& obj) {
  return obj["metadata"]["resourceVersion"].asString();
}

std::int64_t generationOf(const core::Value& obj) {
  const core::Value& g = obj["metadata"]["generation"];
  return g.isInt() ? g.asInt() : 0;
}

// Options by value (designated initializers would have to name every member).
WriteOptions dryRunWrite() {
  WriteOptions o;
  o.dryRun = true;
  return o;
}

PatchOptions patchOptions(const std::string& subresource, bool dryRun = false) {
  PatchOptions o;
  o.subresource = subresource;
  o.dryRun = dryRun;
  return o;
}

ServerSideApplyOptions applyAs(const std::string& manager, bool force = false,
                               bool dryRun = false) {
  ServerSideApplyOptions o;
  o.fieldManager = manager;
  o.force = force;
  o.dryRun = dryRun;
  return o;
}

DeleteOptions deleteOptions(const std::string& uid, const std::string& rv, bool dryRun = false) {
  DeleteOptions o;
  o.preconditionUid = uid;
  o.preconditionResourceVersion = rv;
  o.dryRun = dryRun;
  return o;
}

ListOptions listOptions(const std::string& labels, const std::string& fields,
                        std::int64_t limit = 0, const std::string& continue_ = "") {
  ListOptions o;
  o.labelSelector = labels;
  o.fieldSelector = fields;
  o.limit = limit;
  o.continue_ = continue_;
  return o;
}

WatchOptions watchOptions(const std::string& rv, const std::string& labels = "",
                          std::int64_t timeoutSeconds = 0) {
  WatchOptions o;
  o.resourceVersion = rv;
  o.labelSelector = labels;
  o.timeoutSeconds = timeoutSeconds;
  return o;
}

// Runs f, expecting an ApiError; returns it.
ApiError apiErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e;
  }
  FAIL("no ApiError");
  return internalError("unreachable");
}

TEST_CASE("FakeClient::create", "[kube][fake]") {
  FakeClient client;
  SECTION("sets uid, creationTimestamp, resourceVersion and generation") {
    core::Value d = client.create(deployment("web"));
    CHECK(!d["metadata"]["uid"].asString().empty());
    CHECK(!d["metadata"]["creationTimestamp"].asString().empty());
    CHECK(!rvOf(d).empty());
    CHECK(generationOf(d) == 1);
    CHECK(client.get(refOf(kDeployment, "web")) == d);
    CHECK(d["metadata"]["managedFields"][0]["manager"] == core::Value("driftless"));
    CHECK(generationOf(client.create(configMap("cm"))) == 0);  // ConfigMaps have none
  }
  SECTION("generateName") {
    core::Value cm = configMap("");
    cm["metadata"]["generateName"] = "cm-";
    std::string name = client.create(cm)["metadata"]["name"].asString();
    CHECK(name.size() == 8);
    CHECK(name.starts_with("cm-"));
  }
  SECTION("drops status of custom resources with a status subresource") {
    CHECK(client.create(gitRepository("repo"))["status"].isNull());
  }
  SECTION("errors") {
    client.create(configMap("cm"));
    ApiError exists = apiErrorOf([&] { client.create(configMap("cm")); });
    CHECK(exists.code() == 409);
    CHECK(exists.reason() == "AlreadyExists");
    CHECK(exists.message() == "configmaps \"cm\" already exists");
    ApiError bad = apiErrorOf([&] { client.create(configMap("Bad_Name")); });
    CHECK(bad.code() == 422);
    CHECK_THAT(bad.message(), ContainsSubstring("metadata.name: Invalid value: \"Bad_Name\""));
    CHECK_THROWS_AS(client.create(configMap("x", {}, {})["metadata"]), core::Error);
    CHECK_THROWS_AS(client.get(refOf({"example.com", "v1", "Widget"}, "w")), NoMatchError);
  }
  SECTION("dry run stores nothing") {
    core::Value cm = client.create(configMap("cm"), dryRunWrite());
    CHECK(cm["metadata"]["resourceVersion"].isNull());
    CHECK(isNotFound(apiErrorOf([&] { client.get(refOf(kConfigMap, "cm")); })));
  }
}

TEST_CASE("FakeClient::get", "[kube][fake]") {
  FakeClient client;
  ApiError e = apiErrorOf([&] { client.get(refOf(kDeployment, "nope")); });
  CHECK(e.code() == 404);
  CHECK(e.reason() == "NotFound");
  CHECK(e.message() == "deployments.apps \"nope\" not found");
  CHECK(e.details().kind == "deployments");
  CHECK(e.details().group == "apps");
}

TEST_CASE("FakeClient::update", "[kube][fake]") {
  FakeClient client;
  core::Value d = client.create(deployment("web"));
  SECTION("a stale resourceVersion is a conflict") {
    core::Value fresh = d;
    fresh["spec"]["replicas"] = 2;
    client.update(fresh);
    d["spec"]["replicas"] = 3;
    ApiError e = apiErrorOf([&] { client.update(d); });
    CHECK(e.code() == 409);
    CHECK(e.reason() == "Conflict");
    CHECK(e.message() ==
          "Operation cannot be fulfilled on deployments.apps \"web\": the object has been "
          "modified; please apply your changes to the latest version and try again");
  }
  SECTION("generation follows spec changes only; status is ignored") {
    d["metadata"]["labels"]["x"] = "y";
    d["status"]["replicas"] = 5;
    core::Value labelled = client.update(d);
    CHECK(generationOf(labelled) == 1);
    CHECK(labelled["status"].isNull());
    CHECK(std::stoll(rvOf(labelled)) > std::stoll(rvOf(d)));
    labelled["spec"]["replicas"] = 4;
    CHECK(generationOf(client.update(labelled)) == 2);
  }
  SECTION("an unchanged object keeps its resourceVersion") {
    CHECK(rvOf(client.update(d)) == rvOf(d));
  }
  SECTION("updateStatus changes status only") {
    d["status"]["replicas"] = 5;
    d["spec"]["replicas"] = 9;
    core::Value s = client.updateStatus(d);
    CHECK(s["status"]["replicas"] == core::Value(5));
    CHECK(s["spec"]["replicas"] == core::Value(1));
    CHECK(generationOf(s) == 1);
    CHECK(apiErrorOf([&] { client.updateStatus(client.create(configMap("cm"))); }).code() == 404);
  }
  SECTION("custom resources need a resourceVersion; missing objects are not found") {
    core::Value g = client.create(gitRepository("repo"));
    g["metadata"].asObject().erase("resourceVersion");
    ApiError e = apiErrorOf([&] { client.update(g); });
    CHECK(e.code() == 422);
    CHECK_THAT(e.message(), ContainsSubstring("must be specified for an update"));
    CHECK(isNotFound(apiErrorOf([&] { client.update(configMap("missing")); })));
  }
}

struct PatchCase {
  std::string name;
  PatchType type;
  std::string body;
  std::string expectedData;  // JSON of .data, or empty when an error is expected
  int expectedCode = 0;
};

std::vector<PatchCase> patchCases() {
  return {
      {"merge", PatchType::Merge, R"({"data": {"b": "2", "a": null}})", R"({"b": "2"})"},
      {"json", PatchType::Json, R"([{"op": "add", "path": "/data/b", "value": "2"}])",
       R"({"a": "1", "b": "2"})"},
      {"strategic, unknown schema", PatchType::Strategic, R"({"data": {"c": "3"}})",
       R"({"a": "1", "c": "3"})"},
      {"json test fails: 422", PatchType::Json,
       R"([{"op": "test", "path": "/data/a", "value": "9"}])", "", 422},
      {"malformed json patch: 400", PatchType::Json, R"({"op": "add"})", "", 400},
      {"stale resourceVersion: 409", PatchType::Merge,
       R"({"metadata": {"resourceVersion": "1"}, "data": {"b": "2"}})", "", 409},
  };
}

TEST_CASE("FakeClient::patch", "[kube][fake]") {
  for (const auto& c : patchCases()) {
    DYNAMIC_SECTION(c.name) {
      FakeClient client;
      client.create(configMap("zero"));  // so that resourceVersion 1 is stale
      client.create(configMap("cm"));
      auto run = [&] { return client.patch(refOf(kConfigMap, "cm"), c.type, json(c.body)); };
      if (c.expectedCode != 0) {
        CHECK(apiErrorOf([&] { run(); }).code() == c.expectedCode);
      } else {
        CHECK(run()["data"] == json(c.expectedData));
      }
    }
  }
}

TEST_CASE("FakeClient::patch: subresources, schemas, dry run", "[kube][fake]") {
  FakeClient client;
  client.create(deployment("web"));
  SECTION("status patches change status only; main patches ignore status") {
    core::Value s = client.patch(refOf(kDeployment, "web"), PatchType::Merge,
                                 json(R"({"spec": {"replicas": 3}, "status": {"replicas": 2}})"),
                                 patchOptions("status"));
    CHECK(s["status"]["replicas"] == core::Value(2));
    CHECK(s["spec"]["replicas"] == core::Value(1));
    core::Value m = client.patch(refOf(kDeployment, "web"), PatchType::Merge,
                                 json(R"({"spec": {"replicas": 3}, "status": {"replicas": 9}})"));
    CHECK(m["status"]["replicas"] == core::Value(2));
    CHECK(generationOf(m) == 2);
  }
  SECTION("strategic merge: 415 on custom resources, merge keys from a registered schema") {
    client.create(gitRepository("repo"));
    CHECK(apiErrorOf([&] {
            client.patch(refOf(kGitRepository, "repo"), PatchType::Strategic, json("{}"));
          }).code() == 415);
    const core::Value containers = json(R"({"spec": {"template": {"spec": {"containers":
        [{"name": "sidecar", "image": "busybox"}]}}}})");
    // Built-in kinds carry the merge keys of the embedded Kubernetes OpenAPI.
    core::Value merged = client.patch(refOf(kDeployment, "web"), PatchType::Strategic, containers);
    CHECK(merged["spec"]["template"]["spec"]["containers"].size() == 2);
    // A registered schema replaces it (here: none, so the list is replaced).
    FakeKind kind;
    kind.mapping = client.restMapper().mappingFor(kDeployment);
    kind.schema = PatchSchema::unknown();
    client.registerKind(kind);
    client.create(deployment("replaced"));
    core::Value replaced =
        client.patch(refOf(kDeployment, "replaced"), PatchType::Strategic, containers);
    CHECK(replaced["spec"]["template"]["spec"]["containers"].size() == 1);
  }
  SECTION("dry run and missing objects") {
    core::Value before = client.get(refOf(kDeployment, "web"));
    core::Value dry = client.patch(refOf(kDeployment, "web"), PatchType::Merge,
                                   json(R"({"spec": {"replicas": 7}})"), patchOptions("", true));
    CHECK(dry["spec"]["replicas"] == core::Value(7));
    CHECK(client.get(refOf(kDeployment, "web")) == before);
    CHECK(isNotFound(apiErrorOf(
        [&] { client.patch(refOf(kDeployment, "nope"), PatchType::Merge, json("{}")); })));
  }
}

TEST_CASE("FakeClient::apply", "[kube][fake]") {
  FakeClient client;
  core::Value config = configMap("cm", {{"a", "1"}});
  core::Value created = client.apply(config, applyAs("alice"));
  CHECK(created["metadata"]["managedFields"][0]["manager"] == core::Value("alice"));
  CHECK(created["metadata"]["managedFields"][0]["operation"] == core::Value("Apply"));
  SECTION("conflicts with another manager: 409 with FieldManagerConflict causes") {
    core::Value other = configMap("cm", {{"a", "2"}});
    ApiError e = apiErrorOf([&] { client.apply(other, applyAs("bob")); });
    CHECK(e.code() == 409);
    CHECK(e.reason() == "Conflict");
    CHECK(e.message() == "Apply failed with 1 conflict: conflict with \"alice\": .data.a");
    REQUIRE(e.causes().size() == 1);
    CHECK(e.causes()[0].type == "FieldManagerConflict");
    CHECK(e.causes()[0].field == ".data.a");
    core::Value forced = client.apply(other, applyAs("bob", true));
    CHECK(forced["data"]["a"] == core::Value("2"));
  }
  SECTION("dry run, no field manager") {
    core::Value dry = client.apply(configMap("cm", {{"a", "9"}}), applyAs("alice", false, true));
    CHECK(dry["data"]["a"] == core::Value("9"));
    CHECK(client.get(refOf(kConfigMap, "cm"))["data"]["a"] == core::Value("1"));
    CHECK(apiErrorOf([&] { client.apply(config, {}); }).code() == 422);
  }
  SECTION("fields no longer applied are removed") {
    core::Value two = client.apply(configMap("cm", {{"a", "1"}, {"b", "2"}}), applyAs("alice"));
    CHECK(two["data"].size() == 2);
    CHECK(client.apply(config, applyAs("alice"))["data"] == json(R"({"a": "1"})"));
  }
}

TEST_CASE("FakeClient::remove", "[kube][fake]") {
  FakeClient client;
  SECTION("without finalizers the object goes at once") {
    client.create(configMap("cm"));
    client.remove(refOf(kConfigMap, "cm"));
    CHECK(isNotFound(apiErrorOf([&] { client.get(refOf(kConfigMap, "cm")); })));
    CHECK(isNotFound(apiErrorOf([&] { client.remove(refOf(kConfigMap, "cm")); })));
  }
  SECTION("finalizers keep it, with a deletionTimestamp, until they are removed") {
    core::Value g = gitRepository("repo");
    g["metadata"]["finalizers"] = core::Array{"finalizers.fluxcd.io"};
    g = client.create(g);
    client.remove(refOf(kGitRepository, "repo"));
    core::Value deleting = client.get(refOf(kGitRepository, "repo"));
    CHECK(!deleting["metadata"]["deletionTimestamp"].isNull());
    CHECK(generationOf(deleting) == 2);
    client.remove(refOf(kGitRepository, "repo"));  // again: nothing changes
    CHECK(client.get(refOf(kGitRepository, "repo")) == deleting);
    core::Value added = deleting;
    added["metadata"]["finalizers"].push_back("another");
    CHECK(apiErrorOf([&] { client.update(added); }).code() == 422);
    client.patch(refOf(kGitRepository, "repo"), PatchType::Merge,
                 json(R"({"metadata": {"finalizers": null}})"));
    CHECK(isNotFound(apiErrorOf([&] { client.get(refOf(kGitRepository, "repo")); })));
  }
  SECTION("preconditions and dry run") {
    core::Value cm = client.create(configMap("cm"));
    ApiError e =
        apiErrorOf([&] { client.remove(refOf(kConfigMap, "cm"), deleteOptions("other", "")); });
    CHECK(e.code() == 409);
    CHECK_THAT(e.message(), ContainsSubstring("Precondition failed: UID in precondition: other"));
    CHECK(apiErrorOf([&] {
            client.remove(refOf(kConfigMap, "cm"), deleteOptions("", "999"));
          }).code() == 409);
    client.remove(refOf(kConfigMap, "cm"), deleteOptions("", "", true));
    CHECK(client.get(refOf(kConfigMap, "cm")) == cm);
    client.remove(refOf(kConfigMap, "cm"),
                  deleteOptions(cm["metadata"]["uid"].asString(), rvOf(cm)));
    CHECK(client.list(kConfigMap, "default")["items"].size() == 0);
  }
}

TEST_CASE("FakeClient::list", "[kube][fake]") {
  FakeClient client;
  client.create(configMap("a", {}, {{"app", "web"}}));
  client.create(configMap("b", {}, {{"app", "db"}}));
  core::Value other = configMap("c", {}, {{"app", "web"}});
  other["metadata"]["namespace"] = "other";
  client.create(other);
  client.create(json(R"({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})"));
  auto names = [&](const std::string& ns, const ListOptions& options) {
    std::vector<std::string> out;
    const core::Value list = client.list(kConfigMap, ns, options);
    for (const auto& item : list["items"].asArray())
      out.push_back(item["metadata"]["name"].asString());
    return out;
  };
  using Names = std::vector<std::string>;
  CHECK(names("default", {}) == Names{"a", "b"});
  CHECK(names("", {}) == Names{"a", "b", "c"});
  CHECK(names("", listOptions("app=web", "")) == Names{"a", "c"});
  CHECK(names("", listOptions("app notin (web)", "")) == Names{"b"});
  CHECK(names("", listOptions("", "metadata.name=b")) == Names{"b"});
  CHECK(names("", listOptions("", "metadata.namespace!=default")) == Names{"c"});
  CHECK(apiErrorOf([&] { names("", listOptions("", "data.a=1")); }).code() == 400);
  CHECK(apiErrorOf([&] { names("", listOptions("a in (", "")); }).code() == 400);

  core::Value list = client.list(kConfigMap, "default");
  CHECK(list["kind"] == core::Value("ConfigMapList"));
  CHECK(list["apiVersion"] == core::Value("v1"));
  CHECK(list["items"][0]["kind"] == core::Value("ConfigMap"));
  CHECK(list["items"][0]["apiVersion"] == core::Value("v1"));
  CHECK(std::stoll(list["metadata"]["resourceVersion"].asString()) >=
        std::stoll(rvOf(list["items"][1])));
  CHECK(client.list(kNamespace, "ignored")["items"].size() == 1);

  core::Value page = client.list(kConfigMap, "", listOptions("", "", 2));
  CHECK(page["items"].size() == 2);
  CHECK(page["metadata"]["remainingItemCount"] == core::Value(1));
  core::Value rest =
      client.list(kConfigMap, "", listOptions("", "", 2, page["metadata"]["continue"].asString()));
  CHECK(rest["items"].size() == 1);
  CHECK(rest["metadata"]["continue"].isNull());
}

// Collects watch events on a thread until stopped.
class WatchRecorder {
 public:
  WatchRecorder(FakeClient& client, WatchOptions options) {
    thread_ = std::jthread(
        [&client, options](std::stop_token stop, WatchRecorder* self) mutable {
          options.stop = stop;
          client.watch(kConfigMap, "default", options, [self](const WatchEvent& ev) {
            std::lock_guard lock(self->mutex_);
            self->events_.push_back(std::string(watchEventTypeName(ev.type)) + " " +
                                    ev.object["metadata"]["name"].asString());
            return true;
          });
        },
        this);
  }
  // Waits (with a deadline) for `n` events and returns them.
  std::vector<std::string> waitFor(std::size_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mutex_);
        if (events_.size() >= n) return events_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> events_;
  std::jthread thread_;  // last: joined (after a stop request) before the events go
};

TEST_CASE("FakeClient::watch", "[kube][fake]") {
  FakeClient client;
  core::Value first = client.create(configMap("a", {}, {{"app", "web"}}));
  using Events = std::vector<std::string>;
  SECTION("existing objects first, then changes, in order; stopped by the stop token") {
    WatchRecorder recorder(client, watchOptions("", "app=web"));
    CHECK(recorder.waitFor(1) == Events{"ADDED a"});
    client.create(configMap("b", {}, {{"app", "web"}}));
    client.create(configMap("skipped", {}, {{"app", "db"}}));
    client.patch(refOf(kConfigMap, "a"), PatchType::Merge, json(R"({"data": {"x": "1"}})"));
    client.patch(refOf(kConfigMap, "b"), PatchType::Merge,
                 json(R"({"metadata": {"labels": {"app": "db"}}})"));
    client.patch(refOf(kConfigMap, "skipped"), PatchType::Merge,
                 json(R"({"metadata": {"labels": {"app": "web"}}})"));
    client.remove(refOf(kConfigMap, "a"));
    CHECK(recorder.waitFor(6) ==
          Events{"ADDED a", "ADDED b", "MODIFIED a", "DELETED b", "ADDED skipped", "DELETED a"});
  }
  SECTION("from a resourceVersion: the changes after it") {
    client.create(configMap("b"));
    WatchRecorder recorder(client, watchOptions(rvOf(first)));
    CHECK(recorder.waitFor(1) == Events{"ADDED b"});
  }
  SECTION("ends when the callback says so") {
    int calls = 0;
    client.watch(kConfigMap, "", {}, [&](const WatchEvent&) { return ++calls < 1; });
    CHECK(calls == 1);
  }
  SECTION("ends at timeoutSeconds") {
    client.watch(kConfigMap, "", watchOptions(rvOf(first), "", 1),
                 [](const WatchEvent&) { return true; });
  }
}

TEST_CASE("FakeClient: actions, injected errors and reactors", "[kube][fake]") {
  FakeClient client;
  core::Value cm = client.create(configMap("cm"));
  client.get(refOf(kConfigMap, "cm"));
  client.list(kConfigMap, "default");
  CHECK(apiErrorOf([&] { client.updateStatus(cm); }).code() == 404);  // recorded all the same
  const std::vector<FakeAction> expected{{FakeVerb::Create, refOf(kConfigMap, "cm"), ""},
                                         {FakeVerb::Get, refOf(kConfigMap, "cm"), ""},
                                         {FakeVerb::List, {kConfigMap, "default", ""}, ""},
                                         {FakeVerb::Update, refOf(kConfigMap, "cm"), "status"}};
  CHECK(client.actions() == expected);
  CHECK(std::string(fakeVerbName(client.actions()[3].verb)) == "update");
  client.clearActions();
  CHECK(client.actions().empty());

  SECTION("the next update of a kind fails with the injected error, writing nothing") {
    client.injectError(FakeVerb::Update, "ConfigMap", conflict("configmaps", "", "cm", "injected"));
    client.injectError(FakeVerb::Update, "Deployment", internalError("not this one"));
    cm["data"]["a"] = "2";
    ApiError e = apiErrorOf([&] { client.update(cm); });
    CHECK(e.isConflict());
    CHECK(e.message() == "Operation cannot be fulfilled on configmaps \"cm\": injected");
    CHECK(client.get(refOf(kConfigMap, "cm"))["data"]["a"] == core::Value("1"));
    CHECK(client.update(cm)["data"]["a"] == core::Value("2"));
  }
  SECTION("reactors see every action and may fail it") {
    std::vector<FakeVerb> seen;
    client.addReactor([&](const FakeAction& a) {
      seen.push_back(a.verb);
      if (a.verb == FakeVerb::Delete) throw forbidden("configmaps \"cm\" is forbidden");
    });
    CHECK(apiErrorOf([&] { client.remove(refOf(kConfigMap, "cm")); }).isForbidden());
    client.get(refOf(kConfigMap, "cm"));
    CHECK(seen == std::vector<FakeVerb>{FakeVerb::Delete, FakeVerb::Get});
  }
  SECTION("seeded objects keep status and deletionTimestamp") {
    core::Value seed = gitRepository("seeded");
    seed["metadata"]["finalizers"] = core::Array{"f"};
    seed["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
    core::Value stored = client.addObject(seed);
    CHECK(stored["status"]["observedGeneration"] == core::Value(7));
    CHECK(stored["metadata"]["deletionTimestamp"] == core::Value("2024-01-01T00:00:00Z"));
    CHECK(client.actions().empty());
  }
}

TEST_CASE("FakeClient: thread safety", "[kube][fake]") {
  FakeClient client;
  client.create(configMap("counter", {{"n", "0"}}));
  std::atomic<int> conflicts{0};
  std::vector<std::jthread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25;) {
        core::Value cm = client.get(refOf(kConfigMap, "counter"));
        cm["data"]["n"] = std::to_string(std::stoi(cm["data"]["n"].asString()) + 1);
        try {
          client.update(cm);
          ++i;
        } catch (const ApiError& e) {
          REQUIRE(e.isConflict());
          ++conflicts;
        }
      }
    });
  }
  threads.clear();
  CHECK(client.get(refOf(kConfigMap, "counter"))["data"]["n"] == core::Value("100"));
}

// One scenario, told as lines of observations, for the fake and for the embedded control plane.
std::vector<std::string> scenario(Client& c) {
  std::vector<std::string> out;
  auto attempt = [](const std::function<void()>& f) -> std::string {
    try {
      f();
      return "ok";
    } catch (const ApiError& e) {
      return std::to_string(e.code()) + " " + e.reason() + ": " + e.message();
    }
  };
  std::int64_t lastRv = 0;
  auto note = [&](const std::string& what, const core::Value& obj) {
    std::int64_t rv = std::stoll(rvOf(obj));
    out.push_back(what + ": generation " + std::to_string(generationOf(obj)) +
                  (rv > lastRv ? ", newer" : ", not newer"));
    lastRv = rv;
  };
  core::Value cm = c.create(configMap("fc-cm"));
  note("create", cm);
  out.push_back("create again: " + attempt([&] { c.create(configMap("fc-cm")); }));
  out.push_back("get missing: " + attempt([&] { c.get(refOf(kConfigMap, "fc-nope")); }));
  core::Value changed = cm;
  changed["data"]["a"] = "2";
  note("update", c.update(changed));
  out.push_back("stale update: " + attempt([&] { c.update(cm); }));
  out.push_back("json test: " + attempt([&] {
                  c.patch(refOf(kConfigMap, "fc-cm"), PatchType::Json,
                          json(R"([{"op": "test", "path": "/data/a", "value": "1"}])"));
                }));

  core::Value d = c.create(deployment("fc-web"));
  note("deployment", d);
  d["metadata"]["labels"]["tier"] = "front";
  note("label", d = c.update(d));
  d["spec"]["replicas"] = 3;
  note("replicas", d = c.update(d));
  d["status"] = core::Object{{"replicas", 3}};
  note("status", d = c.updateStatus(d));
  out.push_back("status kept: " + core::toJson(c.get(refOf(kDeployment, "fc-web"))["status"]));

  c.patch(refOf(kConfigMap, "fc-cm"), PatchType::Merge,
          json(R"({"metadata": {"finalizers": ["example.com/hold"]}})"));
  c.remove(refOf(kConfigMap, "fc-cm"));
  core::Value held = c.get(refOf(kConfigMap, "fc-cm"));
  out.push_back(std::string("deleting: ") +
                (held["metadata"]["deletionTimestamp"].isNull() ? "no" : "yes"));
  c.patch(refOf(kConfigMap, "fc-cm"), PatchType::Merge,
          json(R"({"metadata": {"finalizers": null}})"));
  out.push_back("after finalizers: " + attempt([&] { c.get(refOf(kConfigMap, "fc-cm")); }));

  c.apply(configMap("fc-applied", {{"k", "alice"}}), applyAs("alice"));
  out.push_back("apply conflict: " + attempt([&] {
                  c.apply(configMap("fc-applied", {{"k", "bob"}}), applyAs("bob"));
                }));
  out.push_back("strategic: " + attempt([&] {
                  c.patch(refOf(kConfigMap, "fc-applied"), PatchType::Strategic,
                          json(R"({"data": {"s": "1"}})"));
                }));
  return out;
}

const GroupVersionKind kWidget{"example.com", "v1", "Widget"};

// The CRD of Widgets: a status subresource, any fields.
core::Value widgetCrd() {
  return core::parseYaml(R"(
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
)");
}

// The custom resource part of the scenario.
std::vector<std::string> customScenario(Client& c) {
  std::vector<std::string> out;
  auto attempt = [](const std::function<void()>& f) -> std::string {
    try {
      f();
      return "ok";
    } catch (const ApiError& e) {
      return std::to_string(e.code()) + " " + e.reason() + ": " + e.message();
    }
  };
  core::Value w = core::parseYaml(R"(
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: default}
spec: {size: 1}
status: {ready: true}
)");
  core::Value created = c.create(w);
  out.push_back("created status: " + core::toJson(created["status"]));
  out.push_back("generation: " + std::to_string(generationOf(created)));
  core::Value noRv = created;
  noRv["metadata"].asObject().erase("resourceVersion");
  out.push_back("update without resourceVersion: " + attempt([&] { c.update(noRv); }));
  out.push_back("strategic: " +
                attempt([&] { c.patch(refOf(kWidget, "w"), PatchType::Strategic, json("{}")); }));
  core::Value bigger = c.patch(refOf(kWidget, "w"), PatchType::Merge,
                               json(R"({"spec": {"size": 2}, "status": {"ready": false}})"));
  out.push_back("after merge patch: generation " + std::to_string(generationOf(bigger)) +
                ", status " + core::toJson(bigger["status"]));
  core::Value list = c.list(kWidget, "default");
  out.push_back("list: " + list["kind"].asString() + " " + list["apiVersion"].asString() + " " +
                std::to_string(list["items"].size()));
  return out;
}

TEST_CASE("FakeClient agrees with the embedded control plane", "[kube][fake][controlplane]") {
  FakeClient fake;
  test::ControlPlane controlPlane;
  ClientPtr real = makeClient(
      controlPlane.config(),
      core::Logger(core::makeFdLogSink(2), core::LogLevel::Error, core::LogEncoding::Json));
  CHECK(scenario(fake) == scenario(*real));

  real->create(widgetCrd());
  FakeKind widget;
  widget.mapping = {kWidget, {"example.com", "v1", "widgets"}, true, {"status"}};
  widget.custom = true;
  fake.registerKind(widget);
  CHECK(customScenario(fake) == customScenario(*real));
}

}  // namespace
}  // namespace driftless::kube
