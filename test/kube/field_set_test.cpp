#include "driftless/kube/field_set.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/patch_schema.h"

// Cases follow sigs.k8s.io/structured-merge-diff (fieldpath/serialize.go, typed/tofieldset.go)
// and FieldsV1 as kube-apiserver stores it.

namespace core = driftless::core;
namespace kube = driftless::kube;

namespace {

using E = kube::FieldPathElement;

core::Value yaml(std::string_view text) {
  return core::parseYaml(text);
}

kube::FieldSet fields(std::string_view json) {
  return kube::FieldSet::fromFieldsV1(core::parseJson(json));
}

std::filesystem::path openApiPath(std::string_view file) {
#ifdef DRIFTLESS_SOURCE_DIR
  std::filesystem::path root = DRIFTLESS_SOURCE_DIR;
#else
  std::filesystem::path root = std::filesystem::path(__FILE__).parent_path() / ".." / "..";
#endif
  return root / "libs" / "k8s" / "data" / "openapi-v3" / file;
}

std::shared_ptr<const core::Value> loadOpenApi(std::string_view file) {
  std::filesystem::path path = openApiPath(file);
  if (!std::filesystem::exists(path)) return nullptr;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return std::make_shared<const core::Value>(core::parseJson(text.str(), path.string()));
}

}  // namespace

TEST_CASE("path elements serialize, parse and print as kube does", "[kube][fieldset]") {
  struct Case {
    E element;
    std::string serialized;
    std::string printed;
  };
  std::vector<Case> cases = {
      {E::field("data"), "f:data", ".data"},
      {E::field("app.kubernetes.io/name"), "f:app.kubernetes.io/name", ".app.kubernetes.io/name"},
      {E::key({{"name", "app"}}), R"(k:{"name":"app"})", R"([name="app"])"},
      {E::key({{"protocol", "TCP"}, {"containerPort", 80}}),
       R"(k:{"containerPort":80,"protocol":"TCP"})", R"([containerPort=80,protocol="TCP"])"},
      {E::value("example.com/x"), R"(v:"example.com/x")", R"([="example.com/x"])"},
      {E::value(3), "v:3", "[=3]"},
      {E::value(true), "v:true", "[=true]"},
      {E::value("a<b"), R"(v:"a\u003cb")", R"([="a<b"])"},
      {E::value(yaml("{b: 1, a: [x]}")), R"(v:{"a":["x"],"b":1})", R"([=a=["x"]b=1])"},
      {E::index(4), "i:4", "[4]"},
  };
  for (const auto& c : cases) {
    INFO(c.serialized);
    CHECK(c.element.serialize() == c.serialized);
    CHECK(c.element.toString() == c.printed);
    std::optional<E> parsed = E::parse(c.serialized);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == c.element);
    CHECK(parsed->serialize() == c.serialized);
  }
  // Keys are sorted whatever order the text has.
  CHECK(E::parse(R"(k:{"protocol":"TCP","containerPort":80})")->serialize() ==
        R"(k:{"containerPort":80,"protocol":"TCP"})");
  CHECK_FALSE(E::parse("x:whatever").has_value());
  CHECK_THROWS_AS(E::parse("f"), core::Error);
  CHECK_THROWS_AS(E::parse("fx"), core::Error);
  CHECK_THROWS_AS(E::parse("k:[1]"), core::Error);
  CHECK_THROWS_AS(E::parse("v:{"), core::Error);
  CHECK_THROWS_AS(E::parse("i:x"), core::Error);
  CHECK(kube::formatFieldPath({E::field("spec"), E::field("containers"), E::key({{"name", "app"}}),
                               E::field("image")}) == R"(.spec.containers[name="app"].image)");
  CHECK(kube::formatFieldPath({E::field("data"), E::field("a")}) == ".data.a");
}

TEST_CASE("path elements order as structured-merge-diff orders them", "[kube][fieldset]") {
  // Fields < keys < values < indexes; values: numbers < strings < booleans < lists < maps < null.
  std::vector<E> ordered = {
      E::field("a"),
      E::field("b"),
      E::key({{"name", "a"}}),
      E::key({{"name", "a"}, {"x", 1}}),
      E::key({{"name", "b"}}),
      E::value(1.5),
      E::value(2),
      E::value(2.5),
      E::value(""),
      E::value("a"),
      E::value(false),
      E::value(true),
      E::value(yaml("[1]")),
      E::value(yaml("{a: 1}")),
      E::value(nullptr),
      E::index(0),
      E::index(10),
  };
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    for (std::size_t j = 0; j < ordered.size(); ++j) {
      INFO(ordered[i].serialize() << " vs " << ordered[j].serialize());
      int expected = i < j ? -1 : (i > j ? 1 : 0);
      CHECK(ordered[i].compare(ordered[j]) == expected);
    }
  }
  CHECK(kube::compareValues(core::Value(2), core::Value(2.0)) == 0);
}

TEST_CASE("FieldsV1 round-trips byte for byte", "[kube][fieldset]") {
  std::vector<std::string> documents = {
      // §5 (a): alice's set.
      R"({"f:data":{"f:a":{},"f:b":{}},"f:metadata":{"f:labels":{"f:team":{}}}})",
      // A Deployment container keyed by name.
      R"({"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}}}}}}})",
      // A set list and an atomic list.
      R"({"f:metadata":{"f:finalizers":{"v:\"example.com/x\"":{}}}})",
      R"({"f:spec":{"f:args":{}}})",
      // kubectl create (Update): maps created by the write are members themselves.
      R"({"f:data":{".":{},"f:a":{}}})",
      // kubectl apply --server-side of a Deployment (ports keyed by containerPort and protocol).
      R"({"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}})",
      // kube-controller-manager's status entry.
      R"({"f:metadata":{"f:annotations":{".":{},"f:deployment.kubernetes.io/revision":{}}},"f:status":{"f:availableReplicas":{},"f:conditions":{".":{},"k:{\"type\":\"Available\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Progressing\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}}},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{},"f:updatedReplicas":{}}})",
      // Values of several types in one set list, and index elements.
      R"({"f:spec":{"f:list":{"v:1":{},"v:\"a\"":{},"v:true":{}},"f:tuple":{"i:0":{},"i:1":{".":{},"f:x":{}}}}})",
      "{}",
  };
  for (const auto& text : documents) {
    INFO(text);
    kube::FieldSet set = fields(text);
    CHECK(set.toJson() == text);
    CHECK(kube::FieldSet::fromFieldsV1(set.toFieldsV1()) == set);
  }
}

TEST_CASE("FieldsV1 is read as upstream reads it", "[kube][fieldset]") {
  struct Case {
    std::string input;
    std::string output;
  };
  std::vector<Case> cases = {
      // Members come out sorted: fields, then keys, then values.
      {R"({"f:b":{},"v:1":{},"f:a":{},"k:{\"x\":1}":{}})",
       R"({"f:a":{},"f:b":{},"k:{\"x\":1}":{},"v:1":{}})"},
      // `.` alone is a plain member.
      {R"({"f:a":{".":{}}})", R"({"f:a":{}})"},
      // Unknown element types are dropped; a node left without children is a member.
      {R"({"f:a":{"z:1":{}},"y:2":{}})", R"({"f:a":{}})"},
      // Key fields are sorted.
      {R"({"k:{\"protocol\":\"TCP\",\"containerPort\":80}":{}})",
       R"({"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{}})"},
      {"null", "{}"},
  };
  for (const auto& c : cases) {
    INFO(c.input);
    CHECK(fields(c.input).toJson() == c.output);
  }
  CHECK_THROWS_AS(fields("[]"), core::Error);
  CHECK_THROWS_AS(fields(R"({"f:a":[]})"), core::Error);
  CHECK_THROWS_AS(fields(R"({"k:1":{}})"), core::Error);
}

TEST_CASE("field set operations", "[kube][fieldset]") {
  kube::FieldSet a =
      fields(R"({"f:data":{"f:a":{},"f:b":{}},"f:metadata":{"f:labels":{"f:team":{}}}})");
  kube::FieldSet b = fields(R"({"f:data":{".":{},"f:b":{},"f:c":{}}})");
  struct Case {
    std::string name;
    kube::FieldSet result;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"union", a.unionWith(b),
       R"({"f:data":{".":{},"f:a":{},"f:b":{},"f:c":{}},"f:metadata":{"f:labels":{"f:team":{}}}})"},
      {"intersection", a.intersection(b), R"({"f:data":{"f:b":{}}})"},
      {"difference a-b", a.difference(b),
       R"({"f:data":{"f:a":{}},"f:metadata":{"f:labels":{"f:team":{}}}})"},
      // parent - child = parent; child - parent = child (leaf-wise).
      {"difference b-a", b.difference(a), R"({"f:data":{".":{},"f:c":{}}})"},
      {"recursive difference", a.recursiveDifference(fields(R"({"f:data":{}})")),
       R"({"f:metadata":{"f:labels":{"f:team":{}}}})"},
      {"with prefix", a.withPrefix(E::field("data")), R"({"f:a":{},"f:b":{}})"},
      {"with missing prefix", a.withPrefix(E::field("spec")), "{}"},
      {"scope: ignore status",
       kube::scopeFieldSet(fields(R"({"f:spec":{"f:x":{}},"f:status":{".":{},"f:y":{}}})"),
                           kube::FieldScope::IgnoreStatus),
       R"({"f:spec":{"f:x":{}}})"},
      {"scope: status only",
       kube::scopeFieldSet(fields(R"({"f:spec":{"f:x":{}},"f:status":{".":{},"f:y":{}}})"),
                           kube::FieldScope::StatusOnly),
       R"({"f:status":{".":{},"f:y":{}}})"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(c.result.toJson() == c.expected);
  }

  CHECK(a.contains({E::field("data"), E::field("a")}));
  CHECK_FALSE(a.contains({E::field("data")}));
  CHECK(b.contains({E::field("data")}));
  CHECK_FALSE(a.contains({}));
  CHECK(a.size() == 3);
  CHECK_FALSE(a.empty());
  CHECK(kube::FieldSet().empty());
  CHECK(a.difference(a).empty());
  CHECK(a.difference(a).toJson() == "{}");

  std::vector<std::string> printed;
  b.unionWith(a).forEach(
      [&](const kube::FieldPath& path) { printed.push_back(kube::formatFieldPath(path)); });
  CHECK(printed == std::vector<std::string>{".data", ".data.a", ".data.b", ".data.c",
                                            ".metadata.labels.team"});

  kube::FieldSet built;
  built.insert({E::field("spec"), E::field("containers"), E::key({{"name", "app"}})});
  built.insert(
      {E::field("spec"), E::field("containers"), E::key({{"name", "app"}}), E::field("image")});
  built.insert({});
  CHECK(built.toJson() ==
        R"({"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{}}}}})");
  CHECK(built.paths().size() == 2);
}

TEST_CASE("fieldSetOf under a deduced schema", "[kube][fieldset]") {
  // No schema: maps are granular (every key is also a member), lists atomic.
  core::Value obj = yaml(R"(
apiVersion: example.com/v1
kind: Thing
metadata:
  name: x
  namespace: default
  uid: 1234
  resourceVersion: "5"
  labels: {a: b}
  finalizers: [example.com/x]
spec:
  args: [a, b]
  nested: {k: v}
  empty: {}
  nothing: null
)");
  CHECK(
      kube::fieldSetOf(obj, kube::PatchSchema::unknown()).toJson() ==
      R"({"f:metadata":{"f:finalizers":{"v:\"example.com/x\"":{}},"f:labels":{"f:a":{}}},)"
      R"("f:spec":{".":{},"f:args":{},"f:empty":{},"f:nested":{".":{},"f:k":{}},"f:nothing":{}}})");
}

TEST_CASE("fieldSetOf under a CRD schema", "[kube][fieldset]") {
  kube::PatchSchema schema = kube::PatchSchema::fromJsonSchema(yaml(R"(
type: object
properties:
  metadata: {type: object}
  spec:
    type: object
    properties:
      args: {type: array, items: {type: string}}
      tags: {type: array, items: {type: string}, x-kubernetes-list-type: set}
      ports:
        type: array
        x-kubernetes-list-type: map
        x-kubernetes-list-map-keys: [port, protocol]
        items:
          type: object
          properties:
            port: {type: integer}
            protocol: {type: string, default: UDP}
            name: {type: string}
      selector:
        type: object
        x-kubernetes-map-type: atomic
        properties: {app: {type: string}}
      settings: {type: object, additionalProperties: {type: string}}
      free: {type: object, x-kubernetes-preserve-unknown-fields: true}
  status:
    type: object
    properties:
      phase: {type: string}
)"));
  core::Value obj = yaml(R"(
apiVersion: example.com/v1
kind: Thing
metadata:
  name: x
  finalizers: [example.com/x, example.com/y]
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: o, uid: u1}]
spec:
  args: [a, b]
  tags: [t2, t1]
  ports: [{port: 80, name: http}, {port: 53, protocol: TCP}]
  selector: {app: x}
  settings: {k: v}
  free: {deep: {er: 1}}
status:
  phase: Ready
)");
  struct Case {
    kube::FieldScope scope;
    std::string expected;
  };
  std::string metadata =
      R"("f:metadata":{"f:finalizers":{"v:\"example.com/x\"":{},"v:\"example.com/y\"":{}},)"
      R"("f:ownerReferences":{"k:{\"uid\":\"u1\"}":{}}})";
  std::string spec =
      R"("f:spec":{"f:args":{},"f:free":{"f:deep":{".":{},"f:er":{}}},)"
      R"("f:ports":{"k:{\"port\":53,\"protocol\":\"TCP\"}":{".":{},"f:port":{},"f:protocol":{}},)"
      R"("k:{\"port\":80,\"protocol\":\"UDP\"}":{".":{},"f:name":{},"f:port":{}}},)"
      R"("f:selector":{},"f:settings":{"f:k":{}},"f:tags":{"v:\"t1\"":{},"v:\"t2\"":{}}})";
  std::string status = R"("f:status":{"f:phase":{}})";
  std::vector<Case> cases = {
      {kube::FieldScope::All, "{" + metadata + "," + spec + "," + status + "}"},
      {kube::FieldScope::IgnoreStatus, "{" + metadata + "," + spec + "}"},
      {kube::FieldScope::StatusOnly, "{" + status + "}"},
  };
  for (const auto& c : cases) {
    INFO(static_cast<int>(c.scope));
    CHECK(kube::fieldSetOf(obj, schema, c.scope).toJson() == c.expected);
  }

  // A key field the item omits takes the schema's default (protocol: UDP above).
  CHECK(kube::fieldSetOf(yaml("spec: {ports: [{name: x}]}"), schema).toJson() ==
        R"({"f:spec":{"f:ports":{"k:{\"protocol\":\"UDP\"}":{".":{},"f:name":{}}}}})");
}

TEST_CASE("fieldSetOf rejects items it cannot identify", "[kube][fieldset]") {
  kube::PatchSchema schema = kube::PatchSchema::fromJsonSchema(yaml(R"(
type: object
properties:
  spec:
    type: object
    properties:
      tags: {type: array, items: {type: string}, x-kubernetes-list-type: set}
      items:
        type: array
        x-kubernetes-list-type: map
        x-kubernetes-list-map-keys: [name]
        items: {type: object, properties: {name: {type: string}}}
)"));
  struct Case {
    std::string object;
    std::string message;
  };
  std::vector<Case> cases = {
      {"spec: {items: [{value: 1}]}",
       R"(.spec.items: element 0: associative list with keys has an element that omits all key fields ["name"] (and doesn't have default values for any key fields))"},
      {"spec: {items: [{name: a}, null]}",
       ".spec.items: element 1: associative list with keys may not have a null element"},
      {"spec: {items: [a]}",
       ".spec.items: element 0: associative list with keys may not have non-map elements"},
      {"spec: {tags: [{a: 1}]}",
       ".spec.tags: element 0: associative list without keys has an element that's a map type"},
      {"spec: {tags: [[a]]}",
       ".spec.tags: element 0: not supported: associative list with lists as elements"},
      {"spec: {tags: [a, null]}",
       ".spec.tags: element 1: associative list without keys has an element that's an explicit "
       "null"},
  };
  for (const auto& c : cases) {
    INFO(c.object);
    try {
      (void)kube::fieldSetOf(yaml(c.object), schema);
      FAIL("no error");
    } catch (const core::Error& e) {
      CHECK(std::string(e.what()) == c.message);
    }
  }
  // Duplicates are recorded as the item itself.
  CHECK(kube::fieldSetOf(yaml("spec: {tags: [a, a, b]}"), schema).toJson() ==
        R"({"f:spec":{"f:tags":{"v:\"a\"":{},"v:\"b\"":{}}}})");
}

TEST_CASE("fieldSetOf with the core/v1 and apps/v1 OpenAPI documents", "[kube][fieldset][schema]") {
  auto core = loadOpenApi("api__v1.json");
  auto apps = loadOpenApi("apis__apps__v1.json");
  REQUIRE((core != nullptr && apps != nullptr));

  kube::PatchSchema configMap =
      kube::PatchSchema::fromOpenApiV3(core, "io.k8s.api.core.v1.ConfigMap");
  CHECK(kube::fieldSetOf(yaml(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: demo, labels: {team: x}}
data: {a: "1", b: "2"}
)"),
                         configMap)
            .toJson() ==
        R"({"f:data":{"f:a":{},"f:b":{}},"f:metadata":{"f:labels":{"f:team":{}}}})");

  kube::PatchSchema deployment =
      kube::PatchSchema::fromOpenApiV3(apps, "io.k8s.api.apps.v1.Deployment");
  kube::PatchSchema podSpec = deployment.field("spec").field("template").field("spec");
  CHECK(podSpec.field("containers").listType() == "map");
  CHECK(podSpec.field("containers").listMapKeys() == std::vector<std::string>{"name"});
  CHECK(podSpec.field("containers").items().field("ports").listMapKeys() ==
        std::vector<std::string>{"containerPort", "protocol"});
  CHECK(podSpec.field("containers").items().field("args").listType() == "atomic");
  CHECK(deployment.field("metadata").field("finalizers").listType() == "set");
  CHECK(deployment.field("spec").field("selector").mapType() == "atomic");
  CHECK(deployment.field("spec").mapType() == "granular");
  CHECK(podSpec.field("nodeSelector").mapType() == "atomic");
  CHECK(deployment.field("metadata").field("labels").mapType() == "granular");
  CHECK(deployment.field("spec").listType().empty());
  CHECK(deployment.field("spec").field("replicas").mapType().empty());

  core::Value obj = yaml(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx}
spec:
  replicas: 1
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
)");
  CHECK(
      kube::fieldSetOf(obj, deployment).toJson() ==
      R"({"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}})");
}

TEST_CASE("PatchSchema list and map types", "[kube][fieldset][schema]") {
  struct Case {
    std::string schema;
    std::string listType;
    std::vector<std::string> keys;
    std::string mapType;
  };
  std::vector<Case> cases = {
      {"{type: array, items: {type: string}}", "atomic", {}, ""},
      {"{type: array, items: {type: string}, x-kubernetes-list-type: set}", "set", {}, ""},
      {"{type: array, items: {type: string}, x-kubernetes-list-type: atomic, "
       "x-kubernetes-patch-strategy: merge}",
       "atomic",
       {},
       ""},
      {"{type: array, items: {type: object}, x-kubernetes-list-type: map, "
       "x-kubernetes-list-map-keys: [a, b]}",
       "map",
       {"a", "b"},
       ""},
      // "map" without keys cannot identify items.
      {"{type: array, items: {type: object}, x-kubernetes-list-type: map}", "atomic", {}, ""},
      // Built-in lists without a list type: the patch strategy decides.
      {"{type: array, items: {type: object}, x-kubernetes-patch-strategy: merge, "
       "x-kubernetes-patch-merge-key: name}",
       "map",
       {"name"},
       ""},
      {"{type: array, items: {type: object}, x-kubernetes-patch-strategy: 'merge,retainKeys', "
       "x-kubernetes-patch-merge-key: name}",
       "map",
       {"name"},
       ""},
      {"{type: array, items: {type: string}, x-kubernetes-patch-strategy: merge}", "set", {}, ""},
      {"{type: array, items: {type: object}, x-kubernetes-patch-strategy: replace, "
       "x-kubernetes-patch-merge-key: name}",
       "atomic",
       {"name"},
       ""},
      {"{type: object, properties: {a: {type: string}}}", "", {}, "granular"},
      {"{type: object, additionalProperties: {type: string}, x-kubernetes-map-type: atomic}",
       "",
       {},
       "atomic"},
      {"{type: string}", "", {}, ""},
  };
  for (const auto& c : cases) {
    INFO(c.schema);
    kube::PatchSchema schema = kube::PatchSchema::fromJsonSchema(
        yaml("{type: object, properties: {x: " + c.schema + "}}"));
    kube::PatchSchema x = schema.field("x");
    CHECK(x.listType() == c.listType);
    CHECK(x.listMapKeys() == c.keys);
    CHECK(x.mapType() == c.mapType);
  }
  kube::PatchSchema schema = kube::PatchSchema::fromJsonSchema(
      yaml("{type: object, properties: {a: {type: string, default: x}, b: {type: string}}}"));
  CHECK(schema.hasField("a"));
  CHECK_FALSE(schema.hasField("c"));
  REQUIRE(schema.field("a").defaultValue() != nullptr);
  CHECK(*schema.field("a").defaultValue() == core::Value("x"));
  CHECK(schema.field("b").defaultValue() == nullptr);
  CHECK(kube::PatchSchema::unknown().listType().empty());
  CHECK(kube::PatchSchema::unknown().mapType().empty());
}
