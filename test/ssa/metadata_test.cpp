// ssa metadata rules: selectors, cleanup patches, immutable errors, normalization.

#include <catch2/catch_test_macros.hpp>

#include <string>
#include <vector>

#include "driftless/core/json.h"
#include "driftless/kube/api_error.h"
#include "driftless/ssa/metadata.h"
#include "driftless/ssa/resource_manager.h"

namespace driftless::ssa {
namespace {

using core::parseJson;

struct SelectorCase {
  const char* name;
  const char* metadata;
  bool matches;
};

TEST_CASE("anyInMetadata", "[ssa][metadata]") {
  const Selector selector = {{"kustomize.toolkit.fluxcd.io/ssa", "ignore"},
                             {"kustomize.toolkit.fluxcd.io/reconcile", "disabled"}};
  const std::vector<SelectorCase> cases = {
      {"annotation", R"({"annotations":{"kustomize.toolkit.fluxcd.io/ssa":"Ignore"}})", true},
      {"label", R"({"labels":{"kustomize.toolkit.fluxcd.io/reconcile":"DISABLED"}})", true},
      {"other value", R"({"annotations":{"kustomize.toolkit.fluxcd.io/ssa":"Merge"}})", false},
      {"empty value", R"({"annotations":{"kustomize.toolkit.fluxcd.io/ssa":""}})", false},
      {"no metadata", R"({})", false},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      core::Value object = core::Object{{"metadata", parseJson(c.metadata)}};
      CHECK(anyInMetadata(object, selector) == c.matches);
    }
  }
}

core::Value liveWithManagers() {
  return parseJson(R"({"metadata":{
    "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","keep":"1"},
    "labels":{"fluxcd.io/sync-gc-mark":"x"},
    "managedFields":[
      {"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1",
       "fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}},
      {"manager":"kustomize-controller","operation":"Apply","apiVersion":"v1",
       "fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:b":{}}}},
      {"manager":"before-first-apply","operation":"Update","apiVersion":"v1",
       "fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:c":{}}}},
      {"manager":"kubectl","operation":"Update","apiVersion":"v1","subresource":"status",
       "fieldsType":"FieldsV1","fieldsV1":{"f:status":{}}},
      {"manager":"other","operation":"Update","apiVersion":"v1",
       "fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:d":{}}}}]}})");
}

TEST_CASE("cleanupPatch", "[ssa][metadata]") {
  CleanupOptions options = defaultApplyOptions(Owner{}).cleanup;
  SECTION("removes kubectl metadata and merges managers into our Apply entry") {
    core::Value patch = cleanupPatch(liveWithManagers(), options, "kustomize-controller");
    REQUIRE(patch.size() == 3);
    CHECK(patch[0] == parseJson(R"({"op":"remove",
                        "path":"/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"})"));
    CHECK(patch[1] ==
          parseJson(R"({"op":"remove","path":"/metadata/labels/fluxcd.io~1sync-gc-mark"})"));
    CHECK(patch[2]["op"] == core::Value("replace"));
    const core::Value& entries = patch[2]["value"];
    REQUIRE(entries.size() == 3);
    CHECK(entries[0]["subresource"] == core::Value("status"));
    CHECK(entries[1]["manager"] == core::Value("other"));
    CHECK(entries[2]["manager"] == core::Value("kustomize-controller"));
    CHECK(entries[2]["operation"] == core::Value("Apply"));
    CHECK(entries[2]["fieldsV1"] == parseJson(R"({"f:data":{"f:a":{},"f:b":{},"f:c":{}}})"));
  }
  SECTION("the first match is renamed when we have no Apply entry") {
    core::Value live = parseJson(R"({"metadata":{"managedFields":[
      {"manager":"kubectl-edit","operation":"Update","fieldsV1":{"f:data":{"f:a":{}}}}]}})");
    core::Value patch = cleanupPatch(live, options, "kustomize-controller");
    REQUIRE(patch.size() == 1);
    CHECK(patch[0]["value"] == parseJson(R"([{"manager":"kustomize-controller",
      "operation":"Apply","fieldsV1":{"f:data":{"f:a":{}}}}])"));
  }
  SECTION("nothing to clean") {
    core::Value live = parseJson(R"({"metadata":{"annotations":{"a":"b"},"managedFields":[
      {"manager":"kustomize-controller","operation":"Apply","fieldsV1":{}}]}})");
    CHECK(cleanupPatch(live, options, "kustomize-controller").size() == 0);
  }
  SECTION("exact match") {
    CleanupOptions exact;
    exact.fieldManagers = {{"kubectl", true, "Update"}};
    CHECK(cleanupPatch(liveWithManagers(), exact, "kustomize-controller").size() == 0);
  }
}

TEST_CASE("isImmutableError", "[ssa][metadata]") {
  CHECK(isImmutableError(kube::invalid(
      "Job", "batch", "j", {{"spec.template", "FieldValueInvalid", "field is immutable"}})));
  CHECK(isImmutableError(kube::conflict("jobs", "batch", "j", "the object has been modified")));
  CHECK(isImmutableError(kube::badRequest("admission webhook denied: spec.x is immutable")));
  CHECK(isImmutableError(core::Error("immutable field changed")));
  CHECK_FALSE(isImmutableError(kube::notFound("jobs", "batch", "j")));
  CHECK_FALSE(isImmutableError(kube::forbidden("no")));
}

struct NormalizeCase {
  const char* name;
  const char* in;
  const char* out;
};

TEST_CASE("normalizeObject", "[ssa][metadata]") {
  const std::vector<NormalizeCase> cases = {
      {"Service port protocol",
       R"({"apiVersion":"v1","kind":"Service","spec":{"ports":[{"port":80},{"port":53,"protocol":"UDP"}]}})",
       R"({"apiVersion":"v1","kind":"Service","spec":{"ports":[{"port":80,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}})"},
      {"Deployment container port protocol",
       R"({"apiVersion":"apps/v1","kind":"Deployment","spec":{"template":{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}}}})",
       R"({"apiVersion":"apps/v1","kind":"Deployment","spec":{"template":{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"protocol":"TCP"}]}]}}}})"},
      {"Secret stringData",
       R"({"apiVersion":"v1","kind":"Secret","data":{"a":"YQ=="},"stringData":{"b":"b"}})",
       R"({"apiVersion":"v1","kind":"Secret","data":{"a":"YQ==","b":"Yg=="}})"},
      {"status removed", R"({"apiVersion":"v1","kind":"ConfigMap","status":{"x":1}})",
       R"({"apiVersion":"v1","kind":"ConfigMap"})"},
      {"CRD status kept",
       R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","status":{"x":1}})",
       R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","status":{"x":1}})"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      core::Value object = parseJson(c.in);
      normalizeObject(object);
      CHECK(core::toJson(object) == core::toJson(parseJson(c.out)));
    }
  }
}

}  // namespace
}  // namespace driftless::ssa
