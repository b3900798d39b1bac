// The REST client against the embedded control plane (HTTPS on 127.0.0.1, port 0).

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_predicate.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "driftless/apiserver/api_server.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/client.h"
#include "driftless/kube/kubeconfig.h"
// Internal: the legacy discovery path is driven directly.
#include "client_impl.h"
#include "rest_mapper_impl.h"

namespace driftless::kube {
namespace {

using Catch::Matchers::ContainsSubstring;

const GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};
const GroupVersionKind kDeployment{"apps", "v1", "Deployment"};
const GroupVersionKind kWidget{"example.com", "v1", "Widget"};

core::Logger quietLogger() {
  return core::Logger(core::makeFdLogSink(2), core::LogLevel::Error, core::LogEncoding::Json);
}

// A control plane in a temporary directory, torn down with the fixture.
class ControlPlane {
 public:
  explicit ControlPlane(std::size_t historyEvents = 20000) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("driftless-client-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    apiserver::ApiServerOptions options;
    options.dataDir = dir_ / "data";
    options.store.historyEvents = historyEvents;
    options.housekeepingInterval = std::chrono::milliseconds(200);
    server_ = std::make_unique<apiserver::ApiServer>(options, quietLogger());
    server_->start();
  }
  ~ControlPlane() {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  [[nodiscard]] std::filesystem::path kubeconfig() const { return server_->kubeconfigPath(); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] RestConfig config() const { return loadKubeconfig(kubeconfig()); }
  [[nodiscard]] ClientPtr client() const { return makeClient(config(), quietLogger()); }

  std::filesystem::path writeFile(const std::string& name, const std::string& content) const {
    auto path = dir_ / name;
    std::ofstream(path) << content;
    return path;
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<apiserver::ApiServer> server_;
};

core::Value configMap(const std::string& name, core::Object data = {}, core::Object labels = {}) {
  core::Value cm =
      core::Object{{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"metadata", core::Object{{"name", name}, {"namespace", "default"}}}};
  if (!labels.empty()) cm["metadata"]["labels"] = core::Value(std::move(labels));
  if (!data.empty()) cm["data"] = core::Value(std::move(data));
  return cm;
}

ObjectRef cmRef(const std::string& name) {
  return {kConfigMap, "default", name};
}

const char* kWidgetCrd = R"(
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
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
          status: {type: object, properties: {ready: {type: boolean}}}
)";

// Creates the Widget CRD and waits until discovery serves it.
void installWidgetCrd(Client& client) {
  client.create(core::parseYaml(kWidgetCrd));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    try {
      client.restMapper().reset();
      client.restMapper().mappingFor(kWidget);
      return;
    } catch (const NoMatchError&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
    }
  }
}

// Options with one field set (designated initializers would trip -Wmissing-field-initializers).
template <typename Options, typename Field, typename Value>
Options with(Field Options::*field, Value value) {
  Options o;
  o.*field = std::move(value);
  return o;
}

ServerSideApplyOptions forcedBy(const std::string& manager) {
  ServerSideApplyOptions o;
  o.fieldManager = manager;
  o.force = true;
  return o;
}

WatchOptions watchFrom(const std::string& rv, std::int64_t timeoutSeconds,
                       std::stop_token stop = {}) {
  WatchOptions o;
  o.resourceVersion = rv;
  o.timeoutSeconds = timeoutSeconds;
  o.stop = std::move(stop);
  return o;
}

std::string rvOf(const core::Value& obj) {
  return obj["metadata"]["resourceVersion"].asString();
}

TEST_CASE("loadKubeconfig", "[kube][client]") {
  ControlPlane cp;
  SECTION("the control plane's kubeconfig") {
    RestConfig config = cp.config();
    CHECK_THAT(config.server, ContainsSubstring("https://127.0.0.1:"));
    CHECK_THAT(config.caPem, ContainsSubstring("BEGIN CERTIFICATE"));
    CHECK_FALSE(config.bearerToken.empty());
    CHECK(config.namespace_ == "default");
  }
  SECTION("files relative to the kubeconfig's directory") {
    RestConfig base = cp.config();
    cp.writeFile("ca.pem", base.caPem);
    cp.writeFile("token", base.bearerToken + "\n");
    auto path = cp.writeFile("relative.yaml", R"(
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: ")" + base.server +
                                                  R"(", certificate-authority: ca.pem}}]
users: [{name: u, user: {tokenFile: token}}]
contexts: [{name: ctx, context: {cluster: c, user: u, namespace: apps}}]
current-context: ctx
)");
    RestConfig config = loadKubeconfig(path);
    CHECK(config.caPem == base.caPem);
    CHECK(config.bearerToken == base.bearerToken);
    CHECK(config.tokenFile == (cp.dir() / "token").string());
    CHECK(config.namespace_ == "apps");
    // The token file works end to end.
    auto client = makeClient(config, quietLogger());
    CHECK(client->get({{"", "v1", "Namespace"}, "", "default"})["metadata"]["name"] ==
          core::Value("default"));
  }
  SECTION("a missing user is named") {
    auto path = cp.writeFile("broken.yaml", R"(
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: ctx, context: {cluster: c, user: nobody}}]
current-context: ctx
)");
    CHECK_THROWS_WITH(loadKubeconfig(path), ContainsSubstring("user \"nobody\" not found"));
    CHECK_THROWS_WITH(loadKubeconfig(path, "other"),
                      ContainsSubstring("context \"other\" not found"));
  }
  SECTION("a missing file") {
    CHECK_THROWS_AS(loadKubeconfig(cp.dir() / "absent"), core::Error);
  }
  SECTION("in-cluster configuration from a service account directory") {
    RestConfig base = cp.config();
    auto sa = cp.dir() / "sa";
    std::filesystem::create_directories(sa);
    std::ofstream(sa / "token") << base.bearerToken;
    std::ofstream(sa / "ca.crt") << base.caPem;
    std::ofstream(sa / "namespace") << "flux-system";
    ::setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
    ::setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
    RestConfig config = inClusterConfig(sa);
    ::unsetenv("KUBERNETES_SERVICE_HOST");
    ::unsetenv("KUBERNETES_SERVICE_PORT");
    CHECK(config.server == "https://127.0.0.1:6443");
    CHECK(config.bearerToken == base.bearerToken);
    CHECK(config.tokenFile == (sa / "token").string());
    CHECK(config.namespace_ == "flux-system");
    CHECK_THROWS_WITH(inClusterConfig(sa), ContainsSubstring("not running in a cluster"));
  }
  SECTION("defaultConfig prefers the flag, then $KUBECONFIG") {
    CHECK(defaultConfig(cp.kubeconfig().string()).server == cp.config().server);
    ::setenv("KUBECONFIG", (cp.kubeconfig().string() + ":/nonexistent").c_str(), 1);
    CHECK(defaultConfig().server == cp.config().server);
    ::unsetenv("KUBECONFIG");
  }
}

TEST_CASE("ApiError", "[kube][client]") {
  core::Value status = core::parseJson(R"({"kind":"Status","apiVersion":"v1","status":"Failure",
    "message":"m","reason":"Invalid","code":422,"details":{"causes":[
    {"reason":"FieldValueInvalid","message":"bad","field":"spec.x"}],"retryAfterSeconds":3}})");
  ApiError e = ApiError::fromStatus(status);
  CHECK(e.isInvalid());
  CHECK_FALSE(e.isNotFound());
  REQUIRE(e.causes().size() == 1);
  CHECK(e.causes()[0].field == "spec.x");
  CHECK(e.causes()[0].type == "FieldValueInvalid");
  CHECK(e.retryAfter() == std::chrono::seconds(3));
  CHECK(ApiError::fromStatus(e.toStatus()).causes().size() == 1);

  ApiError plain = ApiError::fromResponse(503, "upstream down\n", std::chrono::seconds(7));
  CHECK(plain.reason() == "InternalError");
  CHECK(plain.code() == 503);
  CHECK(plain.retryAfter() == std::chrono::seconds(7));
  CHECK_THAT(plain.message(), ContainsSubstring("503: upstream down"));
  CHECK(ApiError::fromResponse(404, "nope").isNotFound());

  CHECK(isNotFound(notFound("configmaps", "", "x")));
  CHECK(notFound("deployments", "apps", "x").message() == "deployments.apps \"x\" not found");
  CHECK(isAlreadyExists(alreadyExists("configmaps", "", "x")));
  CHECK(isConflict(conflict("configmaps", "", "x", "stale")));
  CHECK_FALSE(isConflict(alreadyExists("configmaps", "", "x")));
  CHECK(invalid("ConfigMap", "", "x", {{"data", "FieldValueInvalid", "bad"}}).message() ==
        "ConfigMap \"x\" is invalid: data: bad");
  CHECK(isForbidden(forbidden("no")));
  CHECK(isGone(gone("old")));
  CHECK(isTooManyRequests(tooManyRequests("slow down", std::chrono::seconds(1))));
  CHECK(ApiError(504, "Timeout", "t").isTimeout());
  CHECK_FALSE(isNotFound(core::Error("plain")));
}

TEST_CASE("RestMapper", "[kube][client]") {
  ControlPlane cp;
  auto client = cp.client();
  RestMapper& mapper = client->restMapper();
  RestMapping cm = mapper.mappingFor(kConfigMap);
  CHECK(cm.gvr.resource == "configmaps");
  CHECK(cm.namespaced);
  RestMapping deploy = mapper.mappingFor(kDeployment);
  CHECK(deploy.gvr == GroupVersionResource{"apps", "v1", "deployments"});
  CHECK(std::find(deploy.subresources.begin(), deploy.subresources.end(), "status") !=
        deploy.subresources.end());
  CHECK_FALSE(mapper.mappingFor({"", "v1", "Namespace"}).namespaced);
  CHECK(mapper.mappingForResource({"apps", "", "deploy"}).gvk == kDeployment);
  CHECK(mapper.mappingForResource({"", "v1", "configmap"}).gvk == kConfigMap);
  CHECK(mapper.mappingForResourceInAnyGroup("deployment").gvk == kDeployment);
  CHECK(mapper.mappingForResourceInAnyGroup("cm").gvk == kConfigMap);
  CHECK_THROWS_AS(mapper.mappingForResourceInAnyGroup("nothings"), NoMatchError);

  CHECK_THROWS_AS(mapper.mappingFor(kWidget), NoMatchError);
  // Created through the client; the mapper learns the kind on its next miss.
  client->create(core::parseYaml(kWidgetCrd));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::optional<RestMapping> widget;
  while (!widget && std::chrono::steady_clock::now() < deadline) {
    try {
      widget = mapper.mappingFor(kWidget);
    } catch (const NoMatchError&) {
    }
  }
  REQUIRE(widget);
  CHECK(widget->gvr.resource == "widgets");
  CHECK(widget->namespaced);
  CHECK_THROWS_WITH(mapper.mappingFor({"example.com", "v1", "Gadget"}),
                    "no matches for kind \"Gadget\" in version \"example.com/v1\"");
}

TEST_CASE("RestMapperImpl legacy discovery", "[kube][client]") {
  ControlPlane cp;
  ClientImpl client(cp.config(), quietLogger());
  // Plain application/json: the server answers with the legacy documents.
  RestMapperImpl legacy(
      [&](const std::string& path, const std::string&) -> std::optional<core::Value> {
        HttpRequest req;
        req.path = path;
        HttpResponse response = client.send(req);
        if (response.status == 404) return std::nullopt;
        REQUIRE(response.status == 200);
        return core::parseJson(response.body);
      });
  RestMapping deploy = legacy.mappingFor(kDeployment);
  CHECK(deploy.gvr == GroupVersionResource{"apps", "v1", "deployments"});
  CHECK(deploy.namespaced);
  CHECK(std::find(deploy.subresources.begin(), deploy.subresources.end(), "status") !=
        deploy.subresources.end());
  CHECK_FALSE(legacy.mappingFor({"", "v1", "Namespace"}).namespaced);
  CHECK(legacy.mappingForResource({"", "v1", "cm"}).gvk == kConfigMap);
  CHECK(legacy.refreshCountForTest() == 1);
  // An unknown kind refreshes once, then fails.
  CHECK_THROWS_AS(legacy.mappingFor({"example.com", "v1", "Gadget"}), NoMatchError);
  CHECK(legacy.refreshCountForTest() == 2);
}

TEST_CASE("Client CRUD", "[kube][client]") {
  ControlPlane cp;
  auto client = cp.client();

  core::Value created = client->create(configMap("a", {{"k", "1"}}, {{"app", "web"}}));
  CHECK_FALSE(rvOf(created).empty());
  client->create(configMap("b", {}, {{"app", "db"}}));
  CHECK_THROWS_MATCHES(
      client->create(configMap("a")), ApiError,
      Catch::Matchers::Predicate<ApiError>([](const ApiError& e) { return e.isAlreadyExists(); }));

  core::Value got = client->get(cmRef("a"));
  CHECK(got["data"]["k"] == core::Value("1"));
  try {
    client->get(cmRef("absent"));
    FAIL("expected NotFound");
  } catch (const ApiError& e) {
    CHECK(e.isNotFound());
    CHECK(e.code() == 404);
    CHECK(e.message() == "configmaps \"absent\" not found");
  }

  core::Value all = client->list(kConfigMap, "default");
  CHECK(all["kind"] == core::Value("ConfigMapList"));
  core::Value web = client->list(kConfigMap, "default",
                                 with(&ListOptions::labelSelector, std::string("app=web")));
  REQUIRE(web["items"].size() == 1);
  CHECK(web["items"][0]["metadata"]["name"] == core::Value("a"));
  CHECK(web["items"][0]["kind"] == core::Value("ConfigMap"));
  core::Value byName = client->list(
      kConfigMap, "", with(&ListOptions::fieldSelector, std::string("metadata.name=b")));
  REQUIRE(byName["items"].size() == 1);
  CHECK(byName["items"][0]["metadata"]["namespace"] == core::Value("default"));

  core::Value changed = got;
  changed["data"]["k"] = "2";
  core::Value updated = client->update(changed);
  CHECK(updated["data"]["k"] == core::Value("2"));
  // `changed` still carries the old resourceVersion.
  changed["data"]["k"] = "3";
  try {
    client->update(changed);
    FAIL("expected Conflict");
  } catch (const ApiError& e) {
    CHECK(e.isConflict());
    CHECK(isConflict(e));
  }

  SECTION("patches") {
    core::Value merged = client->patch(cmRef("a"), PatchType::Merge,
                                       core::parseJson(R"({"data":{"m":"x","k":null}})"));
    CHECK(merged["data"]["m"] == core::Value("x"));
    CHECK(merged["data"].find("k") == nullptr);
    core::Value json =
        client->patch(cmRef("a"), PatchType::Json,
                      core::parseJson(R"([{"op":"add","path":"/data/j","value":"y"}])"));
    CHECK(json["data"]["j"] == core::Value("y"));
    core::Value strategic = client->patch(cmRef("a"), PatchType::Strategic,
                                          core::parseJson(R"({"metadata":{"labels":{"s":"z"}}})"));
    CHECK(strategic["metadata"]["labels"]["s"] == core::Value("z"));
    CHECK(strategic["metadata"]["labels"]["app"] == core::Value("web"));
    CHECK_THROWS_MATCHES(
        client->patch(cmRef("a"), PatchType::Json,
                      core::parseJson(R"([{"op":"test","path":"/data/j","value":"no"}])")),
        ApiError,
        Catch::Matchers::Predicate<ApiError>([](const ApiError& e) { return e.isInvalid(); }));
    core::Value dry =
        client->patch(cmRef("a"), PatchType::Merge, core::parseJson(R"({"data":{"dry":"1"}})"),
                      with(&PatchOptions::dryRun, true));
    CHECK(dry["data"]["dry"] == core::Value("1"));
    CHECK(client->get(cmRef("a"))["data"].find("dry") == nullptr);
  }

  SECTION("delete") {
    client->remove(cmRef("b"),
                   with(&DeleteOptions::propagationPolicy, PropagationPolicy::Background));
    CHECK_THROWS_MATCHES(
        client->get(cmRef("b")), ApiError,
        Catch::Matchers::Predicate<ApiError>([](const ApiError& e) { return e.isNotFound(); }));
    CHECK_THROWS_MATCHES(
        client->remove(cmRef("b")), ApiError,
        Catch::Matchers::Predicate<ApiError>([](const ApiError& e) { return e.isNotFound(); }));
    // Foreground: the object stays, marked for deletion, until its dependents are gone.
    client->remove(cmRef("a"),
                   with(&DeleteOptions::propagationPolicy, PropagationPolicy::Foreground));
    core::Value deleting;
    try {
      deleting = client->get(cmRef("a"));
    } catch (const ApiError& e) {
      CHECK(e.isNotFound());  // the garbage collector was quick
    }
    if (!deleting.isNull()) {
      CHECK(deleting["metadata"]["deletionTimestamp"].isString());
      CHECK(deleting["metadata"]["finalizers"][0] == core::Value("foregroundDeletion"));
    }
    client->create(configMap("kept"));
    client->remove(cmRef("kept"), with(&DeleteOptions::dryRun, true));
    CHECK(client->get(cmRef("kept"))["metadata"]["name"] == core::Value("kept"));
    // Preconditions: a stale uid or resourceVersion is a conflict.
    CHECK_THROWS_MATCHES(
        client->remove(cmRef("kept"), with(&DeleteOptions::preconditionUid, std::string("nope"))),
        ApiError,
        Catch::Matchers::Predicate<ApiError>([](const ApiError& e) { return e.isConflict(); }));
    std::string rv = client->get(cmRef("kept"))["metadata"]["resourceVersion"].asString();
    client->remove(cmRef("kept"), with(&DeleteOptions::preconditionResourceVersion, rv));
    CHECK_THROWS(client->get(cmRef("kept")));
  }
}

TEST_CASE("Client server-side apply", "[kube][client]") {
  ControlPlane cp;
  auto client = cp.client();
  core::Value cm = configMap("applied", {{"owner", "first"}});
  core::Value first =
      client->apply(cm, with(&ServerSideApplyOptions::fieldManager, std::string("first")));
  CHECK(first["data"]["owner"] == core::Value("first"));

  core::Value other = configMap("applied", {{"owner", "second"}});
  try {
    client->apply(other, with(&ServerSideApplyOptions::fieldManager, std::string("second")));
    FAIL("expected a conflict");
  } catch (const ApiError& e) {
    CHECK(e.isConflict());
    REQUIRE_FALSE(e.causes().empty());
    CHECK(e.causes()[0].type == "FieldManagerConflict");
    CHECK_THAT(e.causes()[0].field, ContainsSubstring("data.owner"));
  }
  core::Value forced = client->apply(other, forcedBy("second"));
  CHECK(forced["data"]["owner"] == core::Value("second"));
}

TEST_CASE("Client status subresource", "[kube][client]") {
  ControlPlane cp;
  auto client = cp.client();
  installWidgetCrd(*client);
  core::Value widget = core::parseYaml(R"(
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: default}
spec: {size: 3}
status: {ready: true}
)");
  core::Value created = client->create(widget);
  CHECK(created["spec"]["size"] == core::Value(3));
  CHECK(created["status"].isNull());  // status is ignored on create

  created["status"]["ready"] = true;
  created["spec"]["size"] = 9;  // ignored by the status subresource
  core::Value status = client->updateStatus(created);
  CHECK(status["status"]["ready"] == core::Value(true));
  CHECK(status["spec"]["size"] == core::Value(3));

  core::Value patched = client->patch({kWidget, "default", "w"}, PatchType::Merge,
                                      core::parseJson(R"({"status":{"ready":false}})"),
                                      with(&PatchOptions::subresource, std::string("status")));
  CHECK(patched["status"]["ready"] == core::Value(false));

  ServerSideApplyOptions statusApply = forcedBy("status-writer");
  statusApply.subresource = "status";
  core::Value applied =
      client->apply(core::parseJson(R"({"apiVersion":"example.com/v1","kind":"Widget",
        "metadata":{"name":"w","namespace":"default"},"status":{"ready":true}})"),
                    statusApply);
  CHECK(applied["status"]["ready"] == core::Value(true));
  CHECK(client->get({kWidget, "default", "w"})["status"]["ready"] == core::Value(true));
}

TEST_CASE("Client watch", "[kube][client]") {
  ControlPlane cp(/*historyEvents=*/8);
  auto client = cp.client();
  std::string rv = client->list(kConfigMap, "default")["metadata"]["resourceVersion"].asString();

  SECTION("ADDED, MODIFIED, DELETED in order") {
    std::vector<std::pair<WatchEventType, std::string>> seen;
    std::thread writer([&] {
      auto w = cp.client();
      core::Value cm = w->create(configMap("watched", {{"k", "1"}}));
      cm["data"]["k"] = "2";
      w->update(cm);
      w->remove(cmRef("watched"));
    });
    client->watch(kConfigMap, "default", watchFrom(rv, 20), [&](const WatchEvent& e) {
      seen.emplace_back(e.type,
                        e.object["data"]["k"].isString() ? e.object["data"]["k"].asString() : "");
      return seen.size() < 3;
    });
    writer.join();
    REQUIRE(seen.size() == 3);
    CHECK(seen[0] == std::pair{WatchEventType::Added, std::string("1")});
    CHECK(seen[1] == std::pair{WatchEventType::Modified, std::string("2")});
    CHECK(seen[2] == std::pair{WatchEventType::Deleted, std::string("2")});
  }

  SECTION("a resourceVersion older than the history is gone") {
    for (int i = 0; i < 12; ++i)
      client->create(configMap("filler-" + std::to_string(i)));
    std::optional<WatchEvent> error;
    client->watch(kConfigMap, "default", watchFrom("1", 5), [&](const WatchEvent& e) {
      if (e.type == WatchEventType::Error) error = e;
      return false;
    });
    REQUIRE(error);
    ApiError e = ApiError::fromStatus(error->object);
    CHECK(e.isGone());
    CHECK(e.code() == 410);
  }

  SECTION("a stop token ends an idle watch") {
    std::stop_source stop;
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      stop.request_stop();
    });
    auto start = std::chrono::steady_clock::now();
    client->watch(kConfigMap, "default", watchFrom(rv, 0, stop.get_token()),
                  [](const WatchEvent&) { return true; });
    stopper.join();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }
}

TEST_CASE("Client TLS and throttling", "[kube][client]") {
  ControlPlane cp;
  SECTION("a wrong CA fails verification") {
    ControlPlane other;
    RestConfig config = cp.config();
    config.caPem = other.config().caPem;
    auto client = makeClient(config, quietLogger());
    try {
      client->get({{"", "v1", "Namespace"}, "", "default"});
      FAIL("expected a TLS failure");
    } catch (const ApiError&) {
      FAIL("a TLS failure is not an API error");
    } catch (const core::Error& e) {
      CHECK_THAT(e.what(), ContainsSubstring(config.server));
    }
    config.insecureSkipTlsVerify = true;
    CHECK_NOTHROW(makeClient(config, quietLogger())->get({{"", "v1", "Namespace"}, "", "default"}));
  }
  SECTION("qps and burst") {
    RestConfig config = cp.config();
    config.qps = 5;
    config.burst = 1;
    auto client = makeClient(config, quietLogger());
    client->restMapper().mappingFor(kConfigMap);  // discovery first, so it is not counted
    std::this_thread::sleep_for(std::chrono::milliseconds(250));  // refill the bucket
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 6; ++i)
      client->list(kConfigMap, "default");
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(950));
  }
  SECTION("no token is unauthorized") {
    RestConfig config = cp.config();
    config.bearerToken.clear();
    auto client = makeClient(config, quietLogger());
    try {
      client->get({{"", "v1", "Namespace"}, "", "default"});
      FAIL("expected 401");
    } catch (const ApiError& e) {
      CHECK(e.code() == 401);
    }
  }
}

}  // namespace
}  // namespace driftless::kube
