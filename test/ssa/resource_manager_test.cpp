// ssa::ResourceManager against the fake client: skip rules, drift, cleanup, recreation on
// immutable-field errors, pruning and waiting.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <string>
#include <vector>

#include "driftless/core/json.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/fake_client.h"
#include "driftless/ssa/resource_manager.h"

namespace driftless::ssa {
namespace {

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::Equals;

const kube::GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};
const kube::GroupVersionKind kJob{"batch", "v1", "Job"};

core::Value configMap(const std::string& name, const std::string& value,
                      core::Object annotations = {}) {
  core::Value cm = core::Object{{"apiVersion", "v1"}, {"kind", "ConfigMap"}};
  cm["metadata"]["name"] = name;
  cm["metadata"]["namespace"] = "default";
  if (!annotations.empty()) cm["metadata"]["annotations"] = core::Value(std::move(annotations));
  cm["data"]["key"] = value;
  return cm;
}

core::Value job(const std::string& image, core::Object annotations = {}) {
  core::Value j = core::parseJson(R"({"apiVersion":"batch/v1","kind":"Job",
    "metadata":{"name":"migrate","namespace":"default"},
    "spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"m"}]}}}})");
  j["spec"]["template"]["spec"]["containers"][0]["image"] = image;
  if (!annotations.empty()) j["metadata"]["annotations"] = core::Value(std::move(annotations));
  return j;
}

kube::ObjectRef ref(const kube::GroupVersionKind& gvk, const std::string& name) {
  return kube::ObjectRef{gvk, "default", name};
}

std::string resourceVersion(kube::Client& c, const kube::ObjectRef& r) {
  return c.get(r)["metadata"]["resourceVersion"].asString();
}

struct AnnotationCase {
  const char* name;
  core::Object annotations;
  bool existsBefore;
  std::string line;
  std::string valueAfter;  // empty: the object does not exist
};

TEST_CASE("ResourceManager::applyAll honours the ssa annotations", "[ssa][manager]") {
  const std::string ssa = "kustomize.toolkit.fluxcd.io/ssa";
  const std::vector<AnnotationCase> cases = {
      {"Override corrects drift",
       {{ssa, "Override"}},
       true,
       "ConfigMap/default/cm configured",
       "desired"},
      {"Ignore on a new object", {{ssa, "Ignore"}}, false, "ConfigMap/default/cm skipped", ""},
      {"Ignore on an existing object",
       {{ssa, "ignore"}},
       true,
       "ConfigMap/default/cm skipped",
       "live"},
      {"IfNotPresent creates",
       {{ssa, "IfNotPresent"}},
       false,
       "ConfigMap/default/cm created",
       "desired"},
      {"IfNotPresent leaves existing objects",
       {{ssa, "IfNotPresent"}},
       true,
       "ConfigMap/default/cm skipped",
       "live"},
      {"reconcile disabled",
       {{"kustomize.toolkit.fluxcd.io/reconcile", "Disabled"}},
       true,
       "ConfigMap/default/cm skipped",
       "live"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      kube::FakeClient fake;
      ResourceManager manager(fake, Owner{});
      if (c.existsBefore) fake.addObject(configMap("cm", "live"));
      ChangeSet cs = manager.applyAll({configMap("cm", "desired", c.annotations)},
                                      defaultApplyOptions(Owner{}));
      CHECK(cs.toString() == c.line);
      if (c.valueAfter.empty()) {
        CHECK_THROWS_AS(fake.get(ref(kConfigMap, "cm")), kube::ApiError);
      } else {
        CHECK(fake.get(ref(kConfigMap, "cm"))["data"]["key"] == core::Value(c.valueAfter));
      }
    }
  }
}

TEST_CASE("ResourceManager::apply skips unchanged objects", "[ssa][manager]") {
  kube::FakeClient fake;
  ResourceManager manager(fake, Owner{});
  ApplyOptions options = defaultApplyOptions(Owner{});
  CHECK(manager.apply(configMap("cm", "v1"), options).toString() == "ConfigMap/default/cm created");
  std::string rv = resourceVersion(fake, ref(kConfigMap, "cm"));
  CHECK(manager.apply(configMap("cm", "v1"), options).toString() ==
        "ConfigMap/default/cm unchanged");
  CHECK(resourceVersion(fake, ref(kConfigMap, "cm")) == rv);
  CHECK(manager.apply(configMap("cm", "v2"), options).toString() ==
        "ConfigMap/default/cm configured");
  CHECK(fake.get(ref(kConfigMap, "cm"))["data"]["key"] == core::Value("v2"));
}

TEST_CASE("ResourceManager::apply cleans up kubectl's metadata", "[ssa][manager]") {
  kube::FakeClient fake;
  ResourceManager manager(fake, Owner{});
  core::Value cm = configMap("cm", "v1");
  cm["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}";
  fake.create(cm, kube::WriteOptions{"kubectl-client-side-apply", false});

  SECTION("removed by default") {
    ChangeSetEntry e = manager.apply(configMap("cm", "v1"), defaultApplyOptions(Owner{}));
    CHECK(e.action == Action::Configured);
    core::Value live = fake.get(ref(kConfigMap, "cm"));
    CHECK(live["metadata"]["annotations"].find(
              "kubectl.kubernetes.io/last-applied-configuration") == nullptr);
    for (const auto& entry : live["metadata"]["managedFields"].asArray()) {
      CHECK(entry["manager"] == core::Value("kustomize-controller"));
    }
    CHECK(manager.apply(configMap("cm", "v1"), defaultApplyOptions(Owner{})).action ==
          Action::Unchanged);
  }
  SECTION("kept with ssa: Merge") {
    core::Value merged = configMap("cm", "v1", {{"kustomize.toolkit.fluxcd.io/ssa", "merge"}});
    manager.apply(merged, defaultApplyOptions(Owner{}));
    core::Value live = fake.get(ref(kConfigMap, "cm"));
    CHECK(live["metadata"]["annotations"].find(
              "kubectl.kubernetes.io/last-applied-configuration") != nullptr);
  }
}

TEST_CASE("ResourceManager::apply recreates objects on immutable-field errors", "[ssa][manager]") {
  kube::FakeClient fake;
  ResourceManager manager(fake, Owner{});
  ApplyOptions options = defaultApplyOptions(Owner{});
  options.waitInterval = std::chrono::milliseconds(10);
  manager.apply(job("busybox:1"), options);
  std::string uid = fake.get(ref(kJob, "migrate"))["metadata"]["uid"].asString();
  auto immutable = kube::invalid("Job", "batch", "migrate",
                                 {{"spec.template", "FieldValueInvalid", "field is immutable"}});

  SECTION("fails without force") {
    fake.injectError(kube::FakeVerb::Apply, "Job", immutable);
    CHECK_THROWS_WITH(manager.apply(job("busybox:2"), options),
                      ContainsSubstring("Job/default/migrate dry-run failed (Invalid): ") &&
                          ContainsSubstring("field is immutable"));
    CHECK(fake.get(ref(kJob, "migrate"))["metadata"]["uid"].asString() == uid);
  }
  for (bool byAnnotation : {false, true}) {
    DYNAMIC_SECTION("recreates when forced " << (byAnnotation ? "by annotation" : "by option")) {
      fake.injectError(kube::FakeVerb::Apply, "Job", immutable);
      ApplyOptions forced = options;
      forced.force = !byAnnotation;
      core::Object annotations;
      if (byAnnotation) annotations = {{"kustomize.toolkit.fluxcd.io/force", "Enabled"}};
      CHECK(manager.apply(job("busybox:2", annotations), forced).toString() ==
            "Job/default/migrate created");
      core::Value live = fake.get(ref(kJob, "migrate"));
      CHECK(live["metadata"]["uid"].asString() != uid);
      CHECK(live["spec"]["template"]["spec"]["containers"][0]["image"] == core::Value("busybox:2"));
    }
  }
}

TEST_CASE("ResourceManager::applyAll reports dry-run failures", "[ssa][manager]") {
  kube::FakeClient fake;
  ResourceManager manager(fake, Owner{});
  core::Value widget = core::parseJson(
      R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"default"}})");
  CHECK_THROWS_WITH(manager.applyAll({configMap("cm", "1"), widget}, ApplyOptions{}),
                    ContainsSubstring("Widget/default/w dry-run failed"));
  CHECK_THROWS_AS(fake.get(ref(kConfigMap, "cm")), kube::ApiError);
}

TEST_CASE("ResourceManager::deleteAll", "[ssa][manager]") {
  kube::FakeClient fake;
  Owner owner;
  ResourceManager manager(fake, owner);
  std::vector<core::Value> objects = {
      configMap("owned", "1"),
      configMap("kept", "1", {{"kustomize.toolkit.fluxcd.io/prune", "Disabled"}})};
  manager.setOwnerLabels(objects, "app", "flux-system");
  for (const auto& o : objects)
    fake.addObject(o);
  core::Value other = configMap("other", "1");
  other["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] = "someone-else";
  other["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"] = "flux-system";
  fake.addObject(other);

  ChangeSet cs = manager.deleteAll({ref(kConfigMap, "owned"), ref(kConfigMap, "kept"),
                                    ref(kConfigMap, "other"), ref(kConfigMap, "gone")},
                                   defaultDeleteOptions(owner, "app", "flux-system"));
  CHECK_THAT(cs.toString(), Equals("ConfigMap/default/owned deleted\n"
                                   "ConfigMap/default/other skipped\n"
                                   "ConfigMap/default/kept skipped\n"
                                   "ConfigMap/default/gone deleted"));
  CHECK_THROWS(fake.get(ref(kConfigMap, "owned")));
  CHECK_NOTHROW(fake.get(ref(kConfigMap, "kept")));
  CHECK_NOTHROW(fake.get(ref(kConfigMap, "other")));
}

TEST_CASE("ResourceManager::waitForSet", "[ssa][manager]") {
  kube::FakeClient fake;
  ResourceManager manager(fake, Owner{});
  const WaitOptions fast{std::chrono::milliseconds(10), std::chrono::milliseconds(100), true, {}};
  fake.addObject(configMap("cm", "1"));
  core::Value failed = job("x");
  failed["status"] =
      core::parseJson(R"({"failed":1,"conditions":[{"type":"Failed","status":"True"}]})");
  fake.addObject(failed);
  core::Value deployment = core::parseJson(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"podinfo","namespace":"default"},"spec":{"replicas":1,
    "selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},
    "spec":{"containers":[{"name":"c","image":"i"}]}}}})");
  fake.addObject(deployment);
  const kube::ObjectRef deploymentRef{{"apps", "v1", "Deployment"}, "default", "podinfo"};

  SECTION("current") {
    auto statuses = manager.waitForSet({ref(kConfigMap, "cm")}, fast);
    REQUIRE(statuses.size() == 1);
    CHECK(statuses[0].status == Status::Current);
  }
  SECTION("fails fast") {
    CHECK_THROWS_WITH(manager.waitForSet({ref(kConfigMap, "cm"), ref(kJob, "migrate")}, fast),
                      Equals("failed early due to stalled resources: "
                             "[Job/default/migrate status: 'Failed']"));
  }
  SECTION("times out") {
    CHECK_THROWS_WITH(
        manager.waitForSet({ref(kConfigMap, "cm"), deploymentRef, ref(kConfigMap, "missing")},
                           fast),
        Equals("timeout waiting for: [Deployment/default/podinfo status: 'InProgress', "
               "ConfigMap/default/missing status: 'NotFound']"));
  }
}

}  // namespace
}  // namespace driftless::ssa
