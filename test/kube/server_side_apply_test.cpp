#include "driftless/kube/server_side_apply.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_exception.hpp>

#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/patch.h"
#include "driftless/kube/patch_schema.h"

// Server-side apply as kube-apiserver does it (structured-merge-diff merge/update.go and
// k8s.io/apimachinery managedfields/internal); the worked example is §5 of
// shared/reference/apiserver-requirements.md, the merge triplets come from
// structured-merge-diff's typed/merge_test.go.

namespace core = driftless::core;
namespace kube = driftless::kube;

namespace {

core::Value yaml(std::string_view text) {
  return core::parseYaml(text);
}

std::string json(const core::Value& v) {
  return core::toJson(v);
}

std::string t(int second) {
  std::string s = std::to_string(second);
  if (s.size() < 2) s = "0" + s;
  return "2025-01-01T00:00:" + s + "Z";
}

// One managedFields entry, compact, in kube's field order.
std::string entry(std::string_view manager, std::string_view operation, std::string_view apiVersion,
                  const std::string& time, std::string_view fields,
                  std::string_view subresource = "") {
  std::string out = R"({"manager":")" + std::string(manager) + R"(","operation":")" +
                    std::string(operation) + R"(","apiVersion":")" + std::string(apiVersion) +
                    R"(","time":")" + time + R"(","fieldsType":"FieldsV1","fieldsV1":)" +
                    std::string(fields);
  if (!subresource.empty()) out += R"(,"subresource":")" + std::string(subresource) + "\"";
  return out + "}";
}

std::string entries(const std::vector<std::string>& list) {
  std::string out = "[";
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ',';
    out += list[i];
  }
  return out + "]";
}

std::string managedFieldsJson(const core::Value& obj) {
  const core::Value* mf = obj.find(core::Path{"metadata", "managedFields"});
  return mf != nullptr ? json(*mf) : "absent";
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

// What the API server adds on create.
void addServerFields(core::Value& obj) {
  core::Value& metadata = obj["metadata"];
  metadata["uid"] = "0b6c1f8e-uid";
  metadata["resourceVersion"] = "1";
  metadata["creationTimestamp"] = "2025-01-01T00:00:00Z";
}

std::string conflictMessage(const std::function<void()>& f) {
  try {
    f();
  } catch (const kube::ApplyConflictError& e) {
    return e.what();
  }
  return "no conflict";
}

constexpr std::string_view kConfigMap = R"({"type": "object", "properties": {
  "apiVersion": {"type": "string"}, "kind": {"type": "string"},
  "metadata": {"$ref": "#/components/schemas/ObjectMeta"},
  "data": {"type": "object", "additionalProperties": {"type": "string"}},
  "binaryData": {"type": "object", "additionalProperties": {"type": "string"}}}})";

// ConfigMap from the core/v1 document when the tree has it, else an equivalent schema.
kube::PatchSchema configMapSchema() {
  if (auto document = loadOpenApi("api__v1.json")) {
    return kube::PatchSchema::fromOpenApiV3(document, "io.k8s.api.core.v1.ConfigMap");
  }
  return kube::PatchSchema::fromJsonSchema(core::parseJson(kConfigMap));
}

}  // namespace

TEST_CASE("server-side apply: the worked example of §5", "[kube][ssa]") {
  kube::PatchSchema schema = configMapSchema();
  const std::string header = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n";

  enum class Op { Apply, Update };
  struct Step {
    std::string what;
    Op op;
    std::string manager;
    std::string document;  // apply: the configuration; update: a merge patch on the live object
    bool force;
    std::string error;          // the conflict message, or "" when the step succeeds
    std::string data;           // expected .data
    std::string labels;         // expected .metadata.labels ("absent")
    std::string managedFields;  // expected .metadata.managedFields
  };
  const std::string aliceAB =
      R"({"f:data":{"f:a":{},"f:b":{}},"f:metadata":{"f:labels":{"f:team":{}}}})";
  std::vector<Step> steps = {
      {"(a) alice applies", Op::Apply, "alice",
       header + "  labels: {team: x}\ndata: {a: \"1\", b: \"2\"}\n", false, "",
       R"({"a":"1","b":"2"})", R"({"team":"x"})",
       entries({entry("alice", "Apply", "v1", t(1), aliceAB)})},
      {"(b) bob applies b=3", Op::Apply, "bob", header + "data: {b: \"3\"}\n", false,
       R"(Apply failed with 1 conflict: conflict with "alice": .data.b)", "", "", ""},
      {"(c) bob forces b=3", Op::Apply, "bob", header + "data: {b: \"3\"}\n", true, "",
       R"({"a":"1","b":"3"})", R"({"team":"x"})",
       entries({entry("alice", "Apply", "v1", t(1),
                      R"({"f:data":{"f:a":{}},"f:metadata":{"f:labels":{"f:team":{}}}})"),
                entry("bob", "Apply", "v1", t(3), R"({"f:data":{"f:b":{}}})")})},
      {"(d) bob applies a=1 (unchanged) and b=3: a is shared", Op::Apply, "bob",
       header + "data: {a: \"1\", b: \"3\"}\n", false, "", R"({"a":"1","b":"3"})",
       R"({"team":"x"})",
       entries({entry("alice", "Apply", "v1", t(1),
                      R"({"f:data":{"f:a":{}},"f:metadata":{"f:labels":{"f:team":{}}}})"),
                entry("bob", "Apply", "v1", t(4), R"({"f:data":{"f:a":{},"f:b":{}}})")})},
      {"(e) alice applies only the label: a stays (bob owns it)", Op::Apply, "alice",
       header + "  labels: {team: x}\n", false, "", R"({"a":"1","b":"3"})", R"({"team":"x"})",
       entries(
           {entry("bob", "Apply", "v1", t(4), R"({"f:data":{"f:a":{},"f:b":{}}})"),
            entry("alice", "Apply", "v1", t(5), R"({"f:metadata":{"f:labels":{"f:team":{}}}})")})},
      {"(f) alice applies nothing: the label goes, and alice's entry", Op::Apply, "alice", header,
       false, "", R"({"a":"1","b":"3"})", "absent",
       entries({entry("bob", "Apply", "v1", t(4), R"({"f:data":{"f:a":{},"f:b":{}}})")})},
      {"(g) kubectl edit sets b=4", Op::Update, "kubectl-edit", R"({"data":{"b":"4"}})", false, "",
       R"({"a":"1","b":"4"})", "absent",
       entries({entry("bob", "Apply", "v1", t(4), R"({"f:data":{"f:a":{}}})"),
                entry("kubectl-edit", "Update", "v1", t(7), R"({"f:data":{"f:b":{}}})")})},
      {"(g) bob re-applies b=3", Op::Apply, "bob", header + "data: {a: \"1\", b: \"3\"}\n", false,
       R"(Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.b)", "", "",
       ""},
      {"bob forces b=3 back: kubectl-edit's entry empties", Op::Apply, "bob",
       header + "data: {a: \"1\", b: \"3\"}\n", true, "", R"({"a":"1","b":"3"})", "absent",
       entries({entry("bob", "Apply", "v1", t(9), R"({"f:data":{"f:a":{},"f:b":{}}})")})},
      {"hand-off: carol applies the same a (shared)", Op::Apply, "carol",
       header + "data: {a: \"1\"}\n", false, "", R"({"a":"1","b":"3"})", "absent",
       entries({entry("bob", "Apply", "v1", t(9), R"({"f:data":{"f:a":{},"f:b":{}}})"),
                entry("carol", "Apply", "v1", t(10), R"({"f:data":{"f:a":{}}})")})},
      {"hand-off: bob drops a, which carol keeps", Op::Apply, "bob", header + "data: {b: \"3\"}\n",
       false, "", R"({"a":"1","b":"3"})", "absent",
       entries({entry("carol", "Apply", "v1", t(10), R"({"f:data":{"f:a":{}}})"),
                entry("bob", "Apply", "v1", t(11), R"({"f:data":{"f:b":{}}})")})},
  };

  core::Value live;
  int second = 0;
  for (const auto& step : steps) {
    ++second;
    INFO(step.what);
    core::Value result;
    try {
      if (step.op == Op::Apply) {
        kube::ApplyOptions options{step.manager, step.force, "v1", t(second), "", false};
        result = kube::serverSideApply(live, yaml(step.document), schema, options);
      } else {
        core::Value updated = kube::applyMergePatch(live, core::parseJson(step.document));
        core::Value mf =
            kube::updateManagedFields(live, updated, schema, step.manager, "v1", t(second));
        updated["metadata"]["managedFields"] = mf;
        result = updated;
      }
    } catch (const kube::ApplyConflictError& e) {
      CHECK(e.what() == step.error);
      continue;
    }
    REQUIRE(step.error.empty());
    if (live.isNull()) addServerFields(result);
    CHECK(json(result["data"]) == step.data);
    const core::Value* labels = result.find(core::Path{"metadata", "labels"});
    CHECK((labels != nullptr ? json(*labels) : "absent") == step.labels);
    CHECK(managedFieldsJson(result) == step.managedFields);
    // Server-set metadata survives every write.
    CHECK(result["metadata"]["uid"] == core::Value("0b6c1f8e-uid"));
    CHECK(result["metadata"]["name"] == core::Value("demo"));
    live = result;
  }

  // Applying the same configuration again changes nothing, times included.
  kube::ApplyOptions options{"bob", false, "v1", t(59), "", false};
  core::Value again =
      kube::serverSideApply(live, yaml(header + "data: {b: \"3\"}\n"), schema, options);
  CHECK(json(again) == json(live));
}

TEST_CASE("server-side apply: conflict errors", "[kube][ssa]") {
  kube::PatchSchema schema = kube::PatchSchema::fromJsonSchema(yaml(R"(
type: object
properties:
  metadata: {type: object}
  spec:
    type: object
    properties:
      a: {type: string}
      b: {type: string}
      c: {type: string}
)"));
  core::Value live = yaml(R"(
apiVersion: example.com/v1
kind: Thing
metadata:
  name: x
  managedFields:
  - {manager: alice, operation: Apply, apiVersion: example.com/v1, time: "2025-01-01T00:00:01Z", fieldsType: FieldsV1, fieldsV1: {"f:spec": {"f:a": {}, "f:b": {}}}}
  - {manager: kubectl-client-side-apply, operation: Update, apiVersion: example.com/v1, time: "2025-01-01T00:00:02Z", fieldsType: FieldsV1, fieldsV1: {"f:spec": {"f:c": {}}}}
  - {manager: ctrl, operation: Update, apiVersion: example.com/v1, time: "2025-01-01T00:00:03Z", fieldsType: FieldsV1, fieldsV1: {"f:spec": {"f:c": {}}}, subresource: status}
spec: {a: "1", b: "2", c: "3"}
)");
  struct Case {
    std::string config;
    std::string message;
    std::vector<std::string> causes;  // "<message>|<path>"
  };
  std::vector<Case> cases = {
      {"spec: {a: changed}",
       R"(Apply failed with 1 conflict: conflict with "alice": .spec.a)",
       {R"(conflict with "alice"|.spec.a)"}},
      {"spec: {a: changed, b: changed}",
       "Apply failed with 2 conflicts: conflicts with \"alice\":\n- .spec.a\n- .spec.b",
       {R"(conflict with "alice"|.spec.a)", R"(conflict with "alice"|.spec.b)"}},
      {"spec: {a: changed, c: changed}",
       "Apply failed with 3 conflicts: conflicts with \"alice\":\n- .spec.a\nconflicts with "
       "\"ctrl\" with subresource \"status\" using example.com/v1:\n- .spec.c\nconflicts with "
       "\"kubectl-client-side-apply\" using example.com/v1:\n- .spec.c",
       {R"(conflict with "alice"|.spec.a)",
        R"(conflict with "ctrl" with subresource "status" using example.com/v1|.spec.c)",
        R"(conflict with "kubectl-client-side-apply" using example.com/v1|.spec.c)"}},
      // Same values: no conflict.
      {"spec: {a: \"1\", b: \"2\", c: \"3\"}", "", {}},
  };
  for (const auto& c : cases) {
    INFO(c.config);
    core::Value config =
        yaml("apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: x}\n" + c.config);
    kube::ApplyOptions options{"bob", false, "", t(10), "", false};
    try {
      core::Value result = kube::serverSideApply(live, config, schema, options);
      CHECK(c.message.empty());
      // The configuration's apiVersion is the entry's when the options leave it empty.
      const core::Value& bob = result["metadata"]["managedFields"][1];
      CHECK(bob["manager"] == core::Value("bob"));
      CHECK(bob["apiVersion"] == core::Value("example.com/v1"));
    } catch (const kube::ApplyConflictError& e) {
      CHECK(e.what() == c.message);
      std::vector<std::string> causes;
      for (const auto& conflict : e.conflicts())
        causes.push_back(conflict.message + "|" + conflict.path);
      CHECK(causes == c.causes);
    }
  }
  // force takes the fields from everyone.
  core::Value result = kube::serverSideApply(
      live,
      yaml("apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: x}\nspec: {a: A, c: C}"),
      schema, {"bob", true, "example.com/v1", t(10), "", false});
  CHECK(json(result["spec"]) == R"({"a":"A","b":"2","c":"C"})");
  CHECK(managedFieldsJson(result) ==
        entries(
            {entry("alice", "Apply", "example.com/v1", t(1), R"({"f:spec":{"f:b":{}}})"),
             entry("bob", "Apply", "example.com/v1", t(10), R"({"f:spec":{"f:a":{},"f:c":{}}})")}));
}

TEST_CASE("server-side apply: requests kube rejects", "[kube][ssa]") {
  kube::PatchSchema schema = configMapSchema();
  kube::ApplyOptions options{"alice", false, "v1", t(1), "", false};
  CHECK_THROWS_MATCHES(
      kube::serverSideApply(
          nullptr, yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, managedFields: []}"),
          schema, options),
      kube::ApplyError, Catch::Matchers::Message("metadata.managedFields must be nil"));
  CHECK_THROWS_AS(kube::serverSideApply(nullptr, yaml("[1]"), schema, options), kube::ApplyError);
  // Duplicate keys in the configuration.
  kube::PatchSchema crd = kube::PatchSchema::fromJsonSchema(yaml(R"(
type: object
properties:
  spec:
    type: object
    properties:
      tags: {type: array, items: {type: string}, x-kubernetes-list-type: set}
)"));
  CHECK_THROWS_WITH(kube::serverSideApply(nullptr, yaml("spec: {tags: [a, a]}"), crd, options),
                    R"(.spec.tags: duplicate entries for key [="a"])");
  // A status apply needs the object.
  kube::ApplyOptions status{"ctrl", false, "v1", t(1), "status", false};
  CHECK_THROWS_AS(kube::serverSideApply(nullptr, yaml("status: {}"), crd, status),
                  kube::ApplyError);
  // Malformed managedFields on the live object.
  core::Value live = yaml(R"(
metadata:
  name: x
  managedFields: [{manager: a, operation: Patch, apiVersion: v1, fieldsType: FieldsV1}]
)");
  CHECK_THROWS_WITH(kube::serverSideApply(live, yaml("metadata: {name: x}"), schema, options),
                    "failed to decode managed fields: operation must be `Apply` or `Update`");
}

TEST_CASE("server-side apply: before-first-apply", "[kube][ssa]") {
  kube::PatchSchema schema = configMapSchema();
  // An object written before anyone tracked fields.
  core::Value live = yaml(R"(
apiVersion: v1
kind: ConfigMap
metadata:
  name: demo
  namespace: default
  uid: u
  resourceVersion: "7"
  labels: {x: "1"}
data: {a: "1"}
)");
  core::Value result = kube::serverSideApply(
      live, yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\ndata: {b: \"2\"}"),
      schema, {"alice", false, "v1", t(5), "", false});
  CHECK(json(result["data"]) == R"({"a":"1","b":"2"})");
  CHECK(
      managedFieldsJson(result) ==
      entries(
          {entry("alice", "Apply", "v1", t(5), R"({"f:data":{"f:b":{}}})"),
           entry("before-first-apply", "Update", "v1", t(5),
                 R"({"f:data":{".":{},"f:a":{}},"f:metadata":{"f:labels":{".":{},"f:x":{}}}})")}));
  // The managedFields come last in metadata, as kube orders ObjectMeta.
  CHECK(result["metadata"].asObject().members().back().key == "managedFields");

  // Changing what before-first-apply owns is a conflict.
  CHECK(conflictMessage([&] {
          (void)kube::serverSideApply(
              result,
              yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\ndata: {a: \"9\"}"),
              schema, {"alice", false, "v1", t(6), "", false});
        }) ==
        R"(Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a)");

  // Creating through apply records no before-first-apply entry.
  core::Value created = kube::serverSideApply(
      nullptr, yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\ndata: {a: \"1\"}"),
      schema, {"alice", false, "v1", t(7), "", false});
  CHECK(managedFieldsJson(created) ==
        entries({entry("alice", "Apply", "v1", t(7), R"({"f:data":{"f:a":{}}})")}));
}

TEST_CASE("server-side apply: merge order and list semantics (SMD typed/merge_test)",
          "[kube][ssa]") {
  kube::PatchSchema schema = kube::PatchSchema::fromJsonSchema(yaml(R"(
type: object
properties:
  metadata: {type: object}
  numeric: {type: number}
  string: {type: string}
  bool: {type: boolean}
  setStr: {type: array, items: {type: string}, x-kubernetes-list-type: set}
  setBool: {type: array, items: {type: boolean}, x-kubernetes-list-type: set}
  setNumeric: {type: array, items: {type: number}, x-kubernetes-list-type: set}
  atomicList: {type: array, items: {type: string}}
  list:
    type: array
    x-kubernetes-list-type: map
    x-kubernetes-list-map-keys: [key, id]
    items:
      type: object
      properties:
        key: {type: string}
        id: {type: number}
        value: {type: object, additionalProperties: {type: string}}
        bv: {type: boolean}
        nv: {type: number}
)"));
  struct Triplet {
    std::string lhs;
    std::string rhs;
    std::string out;
  };
  std::vector<Triplet> triplets = {
      {R"({"numeric":1})", R"({"numeric":3.14159})", R"({"numeric":3.14159})"},
      {R"({"numeric":3.14159})", R"({"numeric":1})", R"({"numeric":1})"},
      {R"({"string":"aoeu"})", R"({"bool":true})", R"({"string":"aoeu","bool":true})"},
      {R"({"setStr":["a","b","c"]})", R"({"setStr":["a","b"]})", R"({"setStr":["a","b","c"]})"},
      {R"({"setStr":["a","b"]})", R"({"setStr":["a","b","c"]})", R"({"setStr":["a","b","c"]})"},
      {R"({"setStr":["a","b","c"]})", R"({"setStr":[]})", R"({"setStr":["a","b","c"]})"},
      {R"({"setStr":[]})", R"({"setStr":["a","b","c"]})", R"({"setStr":["a","b","c"]})"},
      {R"({"setStr":["a","b"]})", R"({"setStr":["b","a"]})", R"({"setStr":["b","a"]})"},
      {R"({"setStr":["a","b","c"]})", R"({"setStr":["d","e","f"]})",
       R"({"setStr":["a","b","c","d","e","f"]})"},
      {R"({"setStr":["a","b","c"]})", R"({"setStr":["c","d","e","f"]})",
       R"({"setStr":["a","b","c","d","e","f"]})"},
      {R"({"setStr":["a","b","c","g","f"]})", R"({"setStr":["c","d","e","f"]})",
       R"({"setStr":["a","b","c","g","d","e","f"]})"},
      {R"({"setStr":["c","d","e","f"]})", R"({"setStr":["a","c","e"]})",
       R"({"setStr":["a","c","d","e","f"]})"},
      {R"({"setStr":["a","b","c","x","y","z"]})", R"({"setStr":["d","e","f","x","y","z"]})",
       R"({"setStr":["a","b","c","d","e","f","x","y","z"]})"},
      {R"({"setStr":["c","a","g","f"]})", R"({"setStr":["c","f","a","g"]})",
       R"({"setStr":["c","f","a","g"]})"},
      {R"({"setStr":["a","b","c","d"]})", R"({"setStr":["d","e","f","a"]})",
       R"({"setStr":["b","c","d","e","f","a"]})"},
      {R"({"setStr":["c","d","e","f","g","h","i","j"]})",
       R"({"setStr":["2","h","3","e","4","k","l"]})",
       R"({"setStr":["c","d","f","g","2","h","i","j","3","e","4","k","l"]})"},
      {R"({"setStr":["a","b","c","d","e","f","g","h","i","j"]})",
       R"({"setStr":["1","b","2","h","3","e","4","k","l"]})",
       R"({"setStr":["a","1","b","c","d","f","g","2","h","i","j","3","e","4","k","l"]})"},
      // Duplicates in the live list.
      {R"({"setStr":["a","b","b"]})", R"({"setStr":["c"]})", R"({"setStr":["a","b","b","c"]})"},
      {R"({"setStr":["a","b","b"]})", R"({"setStr":["b"]})", R"({"setStr":["a","b"]})"},
      {R"({"setStr":["a","b","c","d","e","c"]})", R"({"setStr":["1","b","2","e","d"]})",
       R"({"setStr":["a","1","b","c","2","e","c","d"]})"},
      {R"({"setStr":["a","b","c","d","e","c"]})", R"({"setStr":["1","b","2","c","e","d"]})",
       R"({"setStr":["a","1","b","2","c","e","d"]})"},
      {R"({"setStr":["a","a","b","b"]})", R"({"setStr":["b","c","d"]})",
       R"({"setStr":["a","a","b","c","d"]})"},
      {R"({"setBool":[true]})", R"({"setBool":[false]})", R"({"setBool":[true,false]})"},
      {R"({"setNumeric":[1,2,3.14159]})", R"({"setNumeric":[1,2,3]})",
       R"({"setNumeric":[1,2,3.14159,3]})"},
      {R"({"setStr":["c","a","g","f","c","a"]})", R"({"setStr":["c","f","a","g"]})",
       R"({"setStr":["c","f","a","g"]})"},
      {R"({"setBool":[true,false,true]})", R"({"setBool":[true]})", R"({"setBool":[true,false]})"},
      // Associative lists.
      {R"({"list":[{"key":"a","id":1,"value":{"a":"a"}}]})",
       R"({"list":[{"key":"a","id":2,"value":{"a":"a"}}]})",
       R"({"list":[{"key":"a","id":1,"value":{"a":"a"}},{"key":"a","id":2,"value":{"a":"a"}}]})"},
      {R"({"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]})",
       R"({"list":[{"key":"c","id":3},{"key":"b","id":2}]})",
       R"({"list":[{"key":"a","id":1},{"key":"c","id":3},{"key":"b","id":2}]})"},
      {R"({"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]})",
       R"({"list":[{"key":"c","id":3},{"key":"a","id":1}]})",
       R"({"list":[{"key":"b","id":2},{"key":"c","id":3},{"key":"a","id":1}]})"},
      {R"({"list":[{"key":"a","id":1,"bv":true},{"key":"b","id":2},{"key":"a","id":1,"bv":false,"nv":2}]})",
       R"({"list":[{"key":"a","id":1,"nv":3},{"key":"c","id":3},{"key":"b","id":2}]})",
       R"({"list":[{"key":"a","id":1,"nv":3},{"key":"c","id":3},{"key":"b","id":2}]})"},
      {R"({"list":[{"key":"a","id":1,"value":{"x":"1"}}]})",
       R"({"list":[{"key":"a","id":1,"value":{"y":"2"}}]})",
       R"({"list":[{"key":"a","id":1,"value":{"x":"1","y":"2"}}]})"},
      // Atomic lists are replaced (a null in the configuration removes the field).
      {R"({"atomicList":["a","b","c"]})", R"({"atomicList":[]})", R"({"atomicList":[]})"},
      {R"({"atomicList":["a","a","a"]})", R"({"atomicList":["a","a"]})",
       R"({"atomicList":["a","a"]})"},
      {R"({"atomicList":["a","a","a"]})", R"({"atomicList":null})", R"({})"},
  };
  for (const auto& c : triplets) {
    INFO(c.lhs << " + " << c.rhs);
    core::Value live = core::parseJson(c.lhs);
    live["metadata"]["name"] = "x";
    core::Value config = core::parseJson(c.rhs);
    config["metadata"]["name"] = "x";
    core::Value result =
        kube::serverSideApply(live, config, schema, {"m", true, "v1", t(1), "", false});
    result.asObject().erase("metadata");
    CHECK(result == core::parseJson(c.out));
  }
}

TEST_CASE("server-side apply: a CRD with atomic and set lists", "[kube][ssa]") {
  kube::PatchSchema schema = kube::PatchSchema::fromJsonSchema(yaml(R"(
type: object
properties:
  apiVersion: {type: string}
  kind: {type: string}
  metadata: {type: object}
  spec:
    type: object
    properties:
      mode: {type: string}
      args: {type: array, items: {type: string}}
      tags: {type: array, items: {type: string}, x-kubernetes-list-type: set}
  status:
    type: object
    properties:
      phase: {type: string}
)"));
  const std::string header = "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: x\n";
  struct Step {
    std::string what;
    std::string manager;
    std::string config;
    std::string error;
    std::string spec;
    std::string finalizers;
    std::string managedFields;
  };
  std::vector<Step> steps = {
      {"alice creates", "alice",
       header + "  finalizers: [example.com/x]\nspec: {mode: m, args: [a, b], tags: [x]}", "",
       R"({"mode":"m","args":["a","b"],"tags":["x"]})", R"(["example.com/x"])",
       entries({entry(
           "alice", "Apply", "example.com/v1", t(1),
           R"({"f:metadata":{"f:finalizers":{"v:\"example.com/x\"":{}}},"f:spec":{"f:args":{},"f:mode":{},"f:tags":{"v:\"x\"":{}}}})")})},
      {"bob changes the atomic list", "bob",
       header + "  finalizers: [example.com/y]\nspec: {args: [c], tags: ['y']}",
       R"(Apply failed with 1 conflict: conflict with "alice": .spec.args)", "", "", ""},
      {"bob adds set items only", "bob",
       header + "  finalizers: [example.com/y]\nspec: {tags: ['y']}", "",
       R"({"mode":"m","args":["a","b"],"tags":["x","y"]})", R"(["example.com/x","example.com/y"])",
       entries(
           {entry(
                "alice", "Apply", "example.com/v1", t(1),
                R"({"f:metadata":{"f:finalizers":{"v:\"example.com/x\"":{}}},"f:spec":{"f:args":{},"f:mode":{},"f:tags":{"v:\"x\"":{}}}})"),
            entry(
                "bob", "Apply", "example.com/v1", t(3),
                R"({"f:metadata":{"f:finalizers":{"v:\"example.com/y\"":{}}},"f:spec":{"f:tags":{"v:\"y\"":{}}}})")})},
      {"alice drops her set items: bob's stay", "alice", header + "spec: {mode: m, args: [a, b]}",
       "", R"({"mode":"m","args":["a","b"],"tags":["y"]})", R"(["example.com/y"])",
       entries(
           {entry(
                "bob", "Apply", "example.com/v1", t(3),
                R"({"f:metadata":{"f:finalizers":{"v:\"example.com/y\"":{}}},"f:spec":{"f:tags":{"v:\"y\"":{}}}})"),
            entry("alice", "Apply", "example.com/v1", t(4),
                  R"({"f:spec":{"f:args":{},"f:mode":{}}})")})},
      {"bob changes two of alice's fields", "bob",
       header + "  finalizers: [example.com/y]\nspec: {mode: n, args: [z], tags: ['y']}",
       "Apply failed with 2 conflicts: conflicts with \"alice\":\n- .spec.args\n- .spec.mode", "",
       "", ""},
      {"alice stops applying the atomic list", "alice", header + "spec: {mode: m}", "",
       R"({"mode":"m","tags":["y"]})", R"(["example.com/y"])",
       entries(
           {entry(
                "bob", "Apply", "example.com/v1", t(3),
                R"({"f:metadata":{"f:finalizers":{"v:\"example.com/y\"":{}}},"f:spec":{"f:tags":{"v:\"y\"":{}}}})"),
            entry("alice", "Apply", "example.com/v1", t(6), R"({"f:spec":{"f:mode":{}}})")})},
  };
  core::Value live;
  int second = 0;
  for (const auto& step : steps) {
    ++second;
    INFO(step.what);
    core::Value result;
    try {
      result = kube::serverSideApply(live, yaml(step.config), schema,
                                     {step.manager, false, "example.com/v1", t(second), "", false});
    } catch (const kube::ApplyConflictError& e) {
      CHECK(e.what() == step.error);
      continue;
    }
    REQUIRE(step.error.empty());
    CHECK(json(result["spec"]) == step.spec);
    CHECK(json(result["metadata"]["finalizers"]) == step.finalizers);
    CHECK(managedFieldsJson(result) == step.managedFields);
    live = result;
  }
}

TEST_CASE("server-side apply: status is tracked apart", "[kube][ssa]") {
  kube::PatchSchema schema = kube::PatchSchema::fromJsonSchema(yaml(R"(
type: object
properties:
  metadata: {type: object}
  spec: {type: object, properties: {replicas: {type: integer}}}
  status: {type: object, properties: {phase: {type: string}, ready: {type: integer}}}
)"));
  const std::string header = "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: x}\n";
  // The main resource ignores status.
  core::Value live =
      kube::serverSideApply(nullptr, yaml(header + "spec: {replicas: 1}\nstatus: {phase: Fake}"),
                            schema, {"flux", false, "example.com/v1", t(1), "", true});
  CHECK(live.find("status") == nullptr);
  CHECK(managedFieldsJson(live) == entries({entry("flux", "Apply", "example.com/v1", t(1),
                                                  R"({"f:spec":{"f:replicas":{}}})")}));

  // The status subresource only sets status.
  core::Value withStatus = kube::serverSideApply(
      live, yaml(header + "spec: {replicas: 5}\nstatus: {phase: Ready, ready: 1}"), schema,
      {"ctrl", false, "example.com/v1", t(2), "status", false});
  CHECK(json(withStatus["spec"]) == R"({"replicas":1})");
  CHECK(json(withStatus["status"]) == R"({"phase":"Ready","ready":1})");
  CHECK(managedFieldsJson(withStatus) ==
        entries({entry("flux", "Apply", "example.com/v1", t(1), R"({"f:spec":{"f:replicas":{}}})"),
                 entry("ctrl", "Apply", "example.com/v1", t(2),
                       R"({"f:status":{"f:phase":{},"f:ready":{}}})", "status")}));

  // A main-resource apply neither conflicts on nor clears status.
  core::Value again = kube::serverSideApply(
      withStatus, yaml(header + "spec: {replicas: 2}\nstatus: {phase: Other}"), schema,
      {"flux", false, "example.com/v1", t(3), "", true});
  CHECK(json(again["status"]) == R"({"phase":"Ready","ready":1})");
  CHECK(json(again["spec"]) == R"({"replicas":2})");

  // Status updates by another manager conflict with the status applier.
  CHECK(
      conflictMessage([&] {
        (void)kube::serverSideApply(again, yaml(header + "status: {phase: Broken}"), schema,
                                    {"other", false, "example.com/v1", t(4), "status", false});
      }) ==
      R"(Apply failed with 1 conflict: conflict with "ctrl" with subresource "status": .status.phase)");

  // Non-apply status writes record an Update entry for the subresource only.
  core::Value updated = again;
  updated["status"]["ready"] = 2;
  updated["spec"]["replicas"] = 9;  // the status strategy would reset this
  core::Value mf = kube::updateManagedFields(again, updated, schema, "ctrl-update",
                                             "example.com/v1", t(5), "status");
  CHECK(json(mf) ==
        entries({entry("ctrl", "Apply", "example.com/v1", t(2), R"({"f:status":{"f:phase":{}}})",
                       "status"),
                 entry("flux", "Apply", "example.com/v1", t(3), R"({"f:spec":{"f:replicas":{}}})"),
                 entry("ctrl-update", "Update", "example.com/v1", t(5),
                       R"({"f:status":{"f:ready":{}}})", "status")}));
}

TEST_CASE("server-side apply: a Deployment's containers keyed by name", "[kube][ssa][schema]") {
  auto document = loadOpenApi("apis__apps__v1.json");
  REQUIRE(document != nullptr);
  kube::PatchSchema schema =
      kube::PatchSchema::fromOpenApiV3(document, "io.k8s.api.apps.v1.Deployment");

  auto deployment = [](std::string_view containers) {
    return yaml(std::string(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
)") + std::string(containers));
  };
  auto containerNames = [](const core::Value& obj) {
    std::vector<std::string> names;
    for (const auto& c : obj["spec"]["template"]["spec"]["containers"].asArray())
      names.push_back(c["name"].asString());
    return names;
  };
  auto image = [](const core::Value& obj, std::size_t i) {
    return obj["spec"]["template"]["spec"]["containers"][i]["image"].asString();
  };
  const std::string fluxV1 =
      R"({"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},)"
      R"("f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:env":{"k:{\"name\":\"A\"}":{".":{},"f:name":{},"f:value":{}}},)"
      R"("f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}},)"
      R"("k:{\"name\":\"sidecar\"}":{".":{},"f:image":{},"f:name":{}}}}}}})";

  // 1. flux creates the Deployment.
  const std::string d1 = R"(
      - name: app
        image: app:v1
        env: [{name: A, value: "1"}]
        ports: [{containerPort: 8080}]
      - name: sidecar
        image: sidecar:v1
)";
  core::Value live = kube::serverSideApply(nullptr, deployment(d1), schema,
                                           {"flux", false, "apps/v1", t(1), "", false});
  CHECK(managedFieldsJson(live) == entries({entry("flux", "Apply", "apps/v1", t(1), fluxV1)}));
  CHECK(containerNames(live) == std::vector<std::string>{"app", "sidecar"});

  // 2. istio adds a container of its own: no conflict, appended.
  core::Value istioConfig = yaml(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec: {template: {spec: {containers: [{name: proxy, image: "proxy:v1"}]}}}
)");
  live = kube::serverSideApply(live, istioConfig, schema,
                               {"istio", false, "apps/v1", t(2), "", false});
  CHECK(containerNames(live) == std::vector<std::string>{"app", "sidecar", "proxy"});
  CHECK(
      json(live["metadata"]["managedFields"][1]["fieldsV1"]) ==
      R"({"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"proxy\"}":{".":{},"f:image":{},"f:name":{}}}}}}})");

  // 3. flux drops the sidecar and bumps the image: the sidecar goes, istio's proxy stays.
  const std::string d2 = R"(
      - name: app
        image: app:v2
        env: [{name: A, value: "1"}]
        ports: [{containerPort: 8080}]
)";
  live = kube::serverSideApply(live, deployment(d2), schema,
                               {"flux", false, "apps/v1", t(3), "", false});
  CHECK(containerNames(live) == std::vector<std::string>{"app", "proxy"});
  CHECK(image(live, 0) == "app:v2");
  // The port item has no protocol; its key still defaults to TCP.
  CHECK(json(live["spec"]["template"]["spec"]["containers"][0]["ports"]) ==
        R"([{"containerPort":8080}])");

  // 4. kubectl set image (an Update) takes the image.
  core::Value edited = live;
  edited["spec"]["template"]["spec"]["containers"][0]["image"] = "app:v3";
  edited["spec"]["template"]["spec"]["containers"][0]["ports"][0]["protocol"] = "TCP";  // defaulted
  core::Value mf = kube::updateManagedFields(live, edited, schema, "kubectl-set", "apps/v1", t(4));
  CHECK(
      json(mf[2]) ==
      entry(
          "kubectl-set", "Update", "apps/v1", t(4),
          R"({"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{"f:image":{},"f:ports":{"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}":{"f:protocol":{}}}}}}}}})"));
  edited["metadata"]["managedFields"] = mf;
  live = edited;

  // 5. flux re-applies its image: conflict.
  CHECK(conflictMessage([&] {
          (void)kube::serverSideApply(live, deployment(d2), schema,
                                      {"flux", false, "apps/v1", t(5), "", false});
        }) == R"(Apply failed with 1 conflict: conflict with "kubectl-set" using apps/v1: )"
              R"(.spec.template.spec.containers[name="app"].image)");

  // 6. forced: the image is flux's again; kubectl-set keeps only the protocol it set.
  live = kube::serverSideApply(live, deployment(d2), schema,
                               {"flux", true, "apps/v1", t(6), "", false});
  CHECK(image(live, 0) == "app:v2");
  CHECK(containerNames(live) == std::vector<std::string>{"app", "proxy"});
  CHECK(
      json(live["metadata"]["managedFields"][2]) ==
      entry(
          "kubectl-set", "Update", "apps/v1", t(4),
          R"({"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{"f:ports":{"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}":{"f:protocol":{}}}}}}}}})"));
  // No-op re-apply.
  core::Value same = kube::serverSideApply(live, deployment(d2), schema,
                                           {"flux", false, "apps/v1", t(7), "", false});
  CHECK(json(same) == json(live));
}

TEST_CASE("managedFields for non-apply writes", "[kube][ssa][update]") {
  kube::PatchSchema schema = configMapSchema();
  const std::string cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n";
  const std::string tracked =
      cm +
      "  managedFields:\n  - {manager: kubectl-create, operation: Update, apiVersion: v1, "
      "time: \"2025-01-01T00:00:01Z\", fieldsType: FieldsV1, fieldsV1: {\"f:data\": {\".\": "
      "{}, \"f:a\": {}}}}\n";
  struct Case {
    std::string what;
    std::string oldObj;  // "" for a create
    std::string newObj;
    std::string manager;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"create", "", cm + "data: {a: \"1\"}", "kubectl-create",
       entries({entry("kubectl-create", "Update", "v1", t(9), R"({"f:data":{".":{},"f:a":{}}})")})},
      {"create without a manager", "", cm + "data: {a: \"1\"}", "",
       entries({entry("unknown", "Update", "v1", t(9), R"({"f:data":{".":{},"f:a":{}}})")})},
      {"create with nothing to track", "", cm, "kubectl-create", "[]"},
      {"an untracked object stays untracked", cm + "data: {a: \"1\"}", cm + "data: {a: \"2\"}",
       "kubectl-edit", "[]"},
      {"the live entries are kept when the write omits them", tracked + "data: {a: \"1\"}",
       cm + "data: {a: \"1\", b: \"2\"}", "kubectl-edit",
       entries({entry("kubectl-create", "Update", "v1", t(1), R"({"f:data":{".":{},"f:a":{}}})"),
                entry("kubectl-edit", "Update", "v1", t(9), R"({"f:data":{"f:b":{}}})")})},
      {"a changed field moves", tracked + "data: {a: \"1\"}", cm + "data: {a: \"2\"}",
       "kubectl-edit",
       entries({entry("kubectl-create", "Update", "v1", t(1), R"({"f:data":{}})"),
                entry("kubectl-edit", "Update", "v1", t(9), R"({"f:data":{"f:a":{}}})")})},
      {"a removed field leaves every set", tracked + "data: {a: \"1\"}", cm + "data: {}",
       "kubectl-edit",
       entries({entry("kubectl-create", "Update", "v1", t(1), R"({"f:data":{}})")})},
      {"an unchanged write changes nothing", tracked + "data: {a: \"1\"}",
       tracked + "data: {a: \"1\"}", "kubectl-edit",
       entries({entry("kubectl-create", "Update", "v1", t(1), R"({"f:data":{".":{},"f:a":{}}})")})},
      {"the same manager's entry grows, its time moves", tracked + "data: {a: \"1\"}",
       cm + "data: {a: \"1\", b: \"2\"}", "kubectl-create",
       entries({entry("kubectl-create", "Update", "v1", t(9),
                      R"({"f:data":{".":{},"f:a":{},"f:b":{}}})")})},
      {"another apiVersion is another entry", tracked + "data: {a: \"1\"}",
       cm + "data: {a: \"1\", b: \"2\"}", "kubectl-create",
       entries({entry("kubectl-create", "Update", "v1", t(1), R"({"f:data":{".":{},"f:a":{}}})"),
                entry("kubectl-create", "Update", "v2", t(9), R"({"f:data":{"f:b":{}}})")})},
      {"managedFields: [] resets", tracked + "data: {a: \"1\"}",
       cm + "  managedFields: []\ndata: {a: \"2\"}", "kubectl-edit", "[]"},
      {"managedFields: [{}] resets", tracked + "data: {a: \"1\"}",
       cm + "  managedFields: [{}]\ndata: {a: \"2\"}", "kubectl-edit", "[]"},
      {"the request's managedFields replace the live ones", tracked + "data: {a: \"1\"}",
       cm + "  managedFields:\n  - {manager: flux, operation: Apply, apiVersion: v1, time: "
            "\"2025-01-01T00:00:02Z\", fieldsType: FieldsV1, fieldsV1: {\"f:data\": {\"f:a\": "
            "{}}}}\ndata: {a: \"1\", b: \"2\"}",
       "kubectl-edit",
       entries({entry("flux", "Apply", "v1", t(2), R"({"f:data":{"f:a":{}}})"),
                entry("kubectl-edit", "Update", "v1", t(9), R"({"f:data":{"f:b":{}}})")})},
      {"invalid request managedFields fall back to the live ones", tracked + "data: {a: \"1\"}",
       cm + "  managedFields: [{manager: x, operation: Bad}]\ndata: {a: \"1\", b: \"2\"}",
       "kubectl-edit",
       entries({entry("kubectl-create", "Update", "v1", t(1), R"({"f:data":{".":{},"f:a":{}}})"),
                entry("kubectl-edit", "Update", "v1", t(9), R"({"f:data":{"f:b":{}}})")})},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    core::Value oldObj = c.oldObj.empty() ? core::Value() : yaml(c.oldObj);
    std::string version = c.what.starts_with("another apiVersion") ? "v2" : "v1";
    core::Value mf =
        kube::updateManagedFields(oldObj, yaml(c.newObj), schema, c.manager, version, t(9));
    CHECK(json(mf) == c.expected);
  }
}

TEST_CASE("managedFields keep at most 10 Update entries", "[kube][ssa][update]") {
  kube::PatchSchema schema = configMapSchema();
  core::Value obj = yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n");
  core::Array mf;
  core::Object data;
  for (int i = 0; i < 10; ++i) {
    std::string key = "k" + std::to_string(i);
    data.append(key, "v");
    mf.push_back(core::parseJson(entry("m" + std::to_string(i), "Update", "v1", t(10 + i),
                                       R"({"f:data":{"f:)" + key + R"(":{}}})")));
  }
  mf.push_back(core::parseJson(entry("applier", "Apply", "v1", t(5), R"({"f:data":{"f:k0":{}}})")));
  obj["metadata"]["managedFields"] = core::Value(mf);
  obj["data"] = core::Value(data);
  core::Value next = obj;
  next["data"]["k10"] = "v";
  next["metadata"].asObject().erase("managedFields");
  core::Value result = kube::updateManagedFields(obj, next, schema, "m10", "v1", t(30));
  std::vector<std::string> expected = {
      entry("applier", "Apply", "v1", t(5), R"({"f:data":{"f:k0":{}}})"),
      entry("ancient-changes", "Update", "v1", t(11), R"({"f:data":{"f:k0":{},"f:k1":{}}})"),
  };
  for (int i = 2; i < 10; ++i) {
    expected.push_back(entry("m" + std::to_string(i), "Update", "v1", t(10 + i),
                             R"({"f:data":{"f:k)" + std::to_string(i) + R"(":{}}})"));
  }
  expected.push_back(entry("m10", "Update", "v1", t(30), R"({"f:data":{"f:k10":{}}})"));
  CHECK(json(result) == entries(expected));
  CHECK(result.size() == 11);  // 10 Update entries and the Apply entry
}
