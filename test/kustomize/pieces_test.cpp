// Unit tests of the kustomize engine's pieces: ids, field specs, images, hashes, vars, sort
// order, the kustomization decoder, strategic merge patches and the output key order.

#include <catch2/catch_test_macros.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "driftless/core/yaml.h"
#include "driftless/kustomize/build.h"
#include "driftless/kustomize/error.h"
#include "driftless/kustomize/field_spec.h"
#include "driftless/kustomize/generators.h"
#include "driftless/kustomize/kustomization.h"
#include "driftless/kustomize/patches.h"
#include "driftless/kustomize/replacements.h"
#include "driftless/kustomize/transformers.h"
#include "driftless/kustomize/vars.h"

namespace core = driftless::core;
namespace kz = driftless::kustomize;

namespace {

kz::ResourcePtr res(const std::string& yaml) {
  return std::make_shared<kz::Resource>(core::parseYaml(yaml, {.schema = core::YamlSchema::Core}));
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const kz::KustomizeError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("ResId strings and effective namespaces", "[kustomize][resid]") {
  struct Case {
    std::string apiVersion, kind, name, ns, text, effectiveNs;
  };
  const std::vector<Case> cases = {
      {"apps/v1", "Deployment", "web", "", "Deployment.v1.apps/web.[noNs]", "default"},
      {"v1", "ConfigMap", "cm", "prod", "ConfigMap.v1.[noGrp]/cm.prod", "prod"},
      {"v1", "Namespace", "ns", "", "Namespace.v1.[noGrp]/ns.[noNs]", "_non_namespaceable_"},
      {"rbac.authorization.k8s.io/v1", "ClusterRole", "r", "x",
       "ClusterRole.v1.rbac.authorization.k8s.io/r.x", "_non_namespaceable_"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.text) {
      kz::ResId id{kz::Gvk::fromApiVersion(c.apiVersion, c.kind), c.name, c.ns};
      CHECK(id.toString() == c.text);
      CHECK(id.effectiveNamespace() == c.effectiveNs);
      CHECK(kz::ResId::fromString(c.text).toString() == c.text);
    }
  }
}

TEST_CASE("field spec paths split at unescaped slashes", "[kustomize][fieldspec]") {
  CHECK(kz::splitFieldPath("spec/template/metadata/labels") ==
        std::vector<std::string>{"spec", "template", "metadata", "labels"});
  CHECK(kz::splitFieldPath("metadata/annotations/a.io\\/b") ==
        std::vector<std::string>{"metadata", "annotations", "a.io/b"});
  CHECK(kz::splitFieldPath("/a/b") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("field specs traverse lists and create missing maps", "[kustomize][fieldspec]") {
  auto r =
      res("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
          "spec: {template: {spec: {containers: [{name: a}, {name: b}]}}}\n");
  kz::FieldSetter set{[](core::Value& v) { v = core::Value("x"); }, core::Value::Type::String};
  kz::applyFieldSpec(r->obj(), kz::FieldSpec{{}, "spec/template/spec/containers/image", true}, set);
  CHECK(r->obj()["spec"]["template"]["spec"]["containers"][1]["image"].asString() == "x");
  kz::applyFieldSpec(r->obj(), kz::FieldSpec{{"", "", "Service"}, "spec/selector", true}, set);
  CHECK(r->obj()["spec"].find("selector") == nullptr);
}

TEST_CASE("image references split and match as kustomize does", "[kustomize][images]") {
  struct Case {
    std::string image, name, tag, digest;
  };
  const std::vector<Case> cases = {
      {"nginx", "nginx", "", ""},
      {"nginx:1.7", "nginx", "1.7", ""},
      {"nginx@sha256:abc", "nginx", "", "sha256:abc"},
      {"my.registry:5000/app:v1", "my.registry:5000/app", "v1", ""},
      {"my.registry:5000/app:v1@sha256:abc", "my.registry:5000/app", "v1", "sha256:abc"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.image) {
      auto p = kz::splitImage(c.image);
      CHECK(p.name == c.name);
      CHECK(p.tag == c.tag);
      CHECK(p.digest == c.digest);
    }
  }
  CHECK(kz::isImageMatched("nginx:1.7", "nginx"));
  CHECK_FALSE(kz::isImageMatched("nginx-ingress:1.7", "nginx"));
}

TEST_CASE("generated names hash like kustomize", "[kustomize][hash]") {
  // kubectl kustomize: configMapGenerator {name: json, literals: [a=b]} -> json-4h2mbtbbt6.
  auto cm = res("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: json}\ndata: {a: b}\n");
  CHECK(kz::resourceHash(*cm) == "4h2mbtbbt6");
  CHECK(kz::encodeHash("") == "tkbgc44298");
}

TEST_CASE("var references expand with the value's type", "[kustomize][vars]") {
  const std::vector<std::pair<std::string, core::Value>> vals = {{"PORT", core::Value(8080)},
                                                                 {"NAME", core::Value("web")}};
  CHECK(kz::expandVars("$(PORT)", vals) == core::Value(8080));
  CHECK(kz::expandVars("http://$(NAME):$(PORT)/", vals) == core::Value("http://web:8080/"));
  CHECK(kz::expandVars("$$(NAME) $(OTHER)", vals) == core::Value("$(NAME) $(OTHER)"));
}

TEST_CASE("legacy sort order puts namespaces first and webhooks last", "[kustomize][sort]") {
  kz::ResMap m;
  m.append(
      res("apiVersion: admissionregistration.k8s.io/v1\n"
          "kind: ValidatingWebhookConfiguration\nmetadata: {name: w}\n"));
  m.append(res("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"));
  m.append(res("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"));
  m.append(res("apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n"));
  kz::sortResources(m, kz::SortOptions{"legacy", false, {}, {}});
  std::vector<std::string> kinds;
  for (const auto& r : m.resources())
    kinds.push_back(r->kind());
  CHECK(kinds == std::vector<std::string>{"Namespace", "Service", "Deployment",
                                          "ValidatingWebhookConfiguration"});
  CHECK(errorOf([&] {
          kz::sortResources(m, kz::SortOptions{"random", false, {}, {}});
        }) == "the field 'sortOptions.order' must be one of [fifo, legacy]");
}

TEST_CASE("kustomization files decode strictly", "[kustomize][kustomization]") {
  auto k = kz::parseKustomization("nameprefix: p-\nresources: [a.yaml]\n", "/root");
  CHECK(k.namePrefix == "p-");
  CHECK(k.kind == "Kustomization");
  CHECK(errorOf([] { kz::parseKustomization("resources: []\nbogus: 1\n", "/r"); }) ==
        "invalid Kustomization: json: unknown field \"bogus\"");
  CHECK(errorOf([] { kz::parseKustomization("kind: Kustomization\n", "/r"); }) ==
        "kustomization.yaml is empty");
  CHECK(errorOf([] {
          kz::parseKustomization("kind: Component\napiVersion: v1\nresources: [a]\n", "/r");
        }).find("apiVersion for Component should be kustomize.config.k8s.io/v1alpha1") !=
        std::string::npos);
}

TEST_CASE("strategic merge patches keep the target's identity", "[kustomize][patches]") {
  auto target =
      res("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
          "spec: {template: {spec: {containers: [{name: a, image: x}]}}}\n");
  auto patch =
      res("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other}\n"
          "spec: {template: {spec: {containers: [{name: a, image: y}, {name: b, image: z}]}}}\n");
  kz::applySmPatch(*target, *patch, kz::OpenApi{});
  CHECK(target->name() == "d");
  const auto& cs = target->obj()["spec"]["template"]["spec"]["containers"];
  REQUIRE(cs.size() == 2);
  CHECK(cs[std::size_t{0}]["image"].asString() == "y");
}

TEST_CASE("replacement paths split like kyaml", "[kustomize][replacements]") {
  CHECK(kz::splitReplacementPath("spec.containers.[name=a.b].image") ==
        std::vector<std::string>{"spec", "containers", "[name=a.b]", "image"});
  CHECK(kz::splitReplacementPath("metadata.annotations.[a.io/b]") ==
        std::vector<std::string>{"metadata", "annotations", "a.io/b"});
}

TEST_CASE("output sorts keys in go-yaml v2 order", "[kustomize][output]") {
  core::Value v = core::parseYaml("z10: a\nz9: b\nZ: c\n_a: d\nkind: K\n");
  CHECK(kz::printResources({v}) == "_a: d\nZ: c\nkind: K\nz9: b\nz10: a\n");
}
