#include "driftless/kube/patch_schema.h"

#include <memory>
#include <string_view>

#include <catch2/catch_test_macros.hpp>

#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/strategic_merge.h"

namespace core = driftless::core;
namespace kube = driftless::kube;

namespace {

// A swagger v2 document in the shape kustomize's `openapi: {path: ...}` files use.
constexpr std::string_view kSwagger = R"({
  "definitions": {
    "v1alpha1.MyCRD": {
      "type": "object",
      "properties": {
        "spec": {"type": "object", "properties": {
          "template": {"$ref": "#/definitions/io.k8s.api.core.v1.PodTemplateSpec"}}}
      },
      "x-kubernetes-group-version-kind": [
        {"group": "example.com", "kind": "MyCRD", "version": "v1alpha1"},
        {"group": "", "kind": "MyCRD", "version": "v1alpha1"}
      ]
    },
    "io.k8s.api.core.v1.PodTemplateSpec": {
      "type": "object",
      "properties": {"spec": {"$ref": "#/definitions/io.k8s.api.core.v1.PodSpec"}}
    },
    "io.k8s.api.core.v1.PodSpec": {
      "type": "object",
      "properties": {
        "containers": {
          "type": "array",
          "items": {"$ref": "#/definitions/io.k8s.api.core.v1.Container"},
          "x-kubernetes-patch-merge-key": "name",
          "x-kubernetes-patch-strategy": "merge"
        }
      }
    },
    "io.k8s.api.core.v1.Container": {
      "type": "object",
      "properties": {"name": {"type": "string"}, "image": {"type": "string"},
                     "command": {"type": "array", "items": {"type": "string"}}}
    }
  }
})";

std::shared_ptr<const core::Value> swagger() {
  return std::make_shared<const core::Value>(core::parseJson(kSwagger));
}

}  // namespace

TEST_CASE("PatchSchema from an OpenAPI v2 (swagger) document", "[kube][schema]") {
  auto doc = swagger();
  auto name = kube::findOpenApiV2DefinitionName(*doc, "example.com", "v1alpha1", "MyCRD");
  REQUIRE(name);
  CHECK(*name == "v1alpha1.MyCRD");
  CHECK(kube::findOpenApiV2DefinitionName(*doc, "", "v1alpha1", "MyCRD") == name);
  CHECK_FALSE(kube::findOpenApiV2DefinitionName(*doc, "example.com", "v1", "MyCRD"));
  CHECK_FALSE(kube::findOpenApiSchemaName(*doc, "example.com", "v1alpha1", "MyCRD"));

  kube::PatchSchema crd = kube::PatchSchema::fromOpenApiV2(doc, *name);
  CHECK(crd.name() == "v1alpha1.MyCRD");
  kube::PatchSchema podSpec = crd.field("spec").field("template").field("spec");
  CHECK(podSpec.name() == "io.k8s.api.core.v1.PodSpec");
  kube::PatchSchema containers = podSpec.field("containers");
  CHECK(containers.mergeKey() == "name");
  CHECK(containers.strategies().strategy == kube::PatchStrategy::Merge);
  CHECK(containers.items().name() == "io.k8s.api.core.v1.Container");
  CHECK(containers.items().field("command").isList());

  CHECK_THROWS_AS(kube::PatchSchema::fromOpenApiV2(doc, "Missing"), core::Error);
}

TEST_CASE("strategic merge with a swagger v2 schema merges lists by key", "[kube][schema]") {
  auto doc = swagger();
  kube::PatchSchema crd = kube::PatchSchema::fromOpenApiV2(doc, "v1alpha1.MyCRD");
  core::Value original = core::parseYaml(R"(
spec:
  template:
    spec:
      containers:
      - name: server
        image: server
        command: [example]
)");
  core::Value patch = core::parseYaml(R"(
spec:
  template:
    spec:
      containers:
      - name: server
        image: nginx
)");
  core::Value merged = kube::applyStrategicMergePatch(original, patch, crd);
  const core::Value& container =
      (*merged.find(core::Path{"spec", "template", "spec", "containers"}))[0];
  CHECK(container["image"].asString() == "nginx");
  CHECK(container["command"][0].asString() == "example");
  // Without the schema the list is replaced.
  core::Value replaced = kube::applyStrategicMergePatch(original, patch, kube::PatchSchema{});
  CHECK((*replaced.find(core::Path{"spec", "template", "spec", "containers"}))[0].find("command") ==
        nullptr);
}

TEST_CASE("PatchSchema v2: references the document lacks go to resolveMissing", "[kube][schema]") {
  auto partial = std::make_shared<const core::Value>(core::parseJson(R"({"definitions": {
    "Root": {"type": "object", "properties": {
      "spec": {"$ref": "#/definitions/io.k8s.api.core.v1.PodSpec"},
      "other": {"$ref": "#/definitions/Nowhere"}}}}})"));
  auto full = swagger();
  int calls = 0;
  auto resolve = [&](std::string_view name) {
    ++calls;
    if (name == "io.k8s.api.core.v1.PodSpec") {
      return kube::PatchSchema::fromOpenApiV2(full, name);
    }
    return kube::PatchSchema::unknown();
  };
  kube::PatchSchema root = kube::PatchSchema::fromOpenApiV2(partial, "Root", resolve);
  kube::PatchSchema containers = root.field("spec").field("containers");
  CHECK(root.field("spec").name() == "io.k8s.api.core.v1.PodSpec");
  CHECK(containers.mergeKey() == "name");
  CHECK(containers.items().field("command").isList());
  CHECK(root.field("other").isUnknown());
  CHECK(calls == 2);
}
