#include "driftless/kube/strategic_merge.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
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

// Cases adapted from the semantics of k8s.io/apimachinery/pkg/util/strategicpatch (v1.32) and
// its test tables: the `mergeItem` schema below has the same shape and patch metadata as
// upstream's MergeItem test type.

namespace core = driftless::core;
namespace kube = driftless::kube;

namespace {

constexpr std::string_view kMergeItemOpenApi = R"(
openapi: 3.0.0
components:
  schemas:
    mergeItem:
      type: object
      properties:
        name: {type: string}
        value: {type: string}
        other: {type: string}
        mergingList:
          type: array
          items: {allOf: [{$ref: '#/components/schemas/mergeItem'}], default: {}}
          x-kubernetes-patch-strategy: merge
          x-kubernetes-patch-merge-key: name
        nonMergingList:
          type: array
          items: {$ref: '#/components/schemas/mergeItem'}
        mergingIntList:
          type: array
          items: {type: integer, format: int32}
          x-kubernetes-patch-strategy: merge
        nonMergingIntList:
          type: array
          items: {type: integer, format: int32}
        simpleMap:
          type: object
          additionalProperties: {type: string}
        replacingItem:
          allOf: [{$ref: '#/components/schemas/io.k8s.apimachinery.pkg.runtime.RawExtension'}]
          x-kubernetes-patch-strategy: replace
        retainKeysMap:
          allOf: [{$ref: '#/components/schemas/retainKeysMergeItem'}]
          x-kubernetes-patch-strategy: retainKeys
        retainKeysMergingList:
          type: array
          items: {$ref: '#/components/schemas/mergeItem'}
          x-kubernetes-patch-strategy: merge,retainKeys
          x-kubernetes-patch-merge-key: name
        badStrategyList:
          type: array
          items: {type: string}
          x-kubernetes-patch-strategy: merge,replace
    retainKeysMergeItem:
      type: object
      properties:
        name: {type: string}
        value: {type: string}
        other: {type: string}
        simpleMap: {type: object, additionalProperties: {type: string}}
        mergingIntList:
          type: array
          items: {type: integer}
          x-kubernetes-patch-strategy: merge
        mergingList:
          type: array
          items: {$ref: '#/components/schemas/mergeItem'}
          x-kubernetes-patch-strategy: merge
          x-kubernetes-patch-merge-key: name
        nonMergingList:
          type: array
          items: {$ref: '#/components/schemas/mergeItem'}
    io.k8s.apimachinery.pkg.runtime.RawExtension:
      type: object
)";

// The parts of the apps/v1 OpenAPI v3 document the Deployment cases need, with the same
// x-kubernetes-patch-* extensions Kubernetes publishes (references written both ways Kubernetes
// writes them: bare $ref and a one-element allOf).
constexpr std::string_view kAppsOpenApi = R"(
openapi: 3.0.0
components:
  schemas:
    io.k8s.api.apps.v1.Deployment:
      type: object
      x-kubernetes-group-version-kind: [{group: apps, kind: Deployment, version: v1}]
      properties:
        apiVersion: {type: string}
        kind: {type: string}
        metadata:
          allOf: [{$ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'}]
          default: {}
        spec:
          allOf: [{$ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec'}]
          default: {}
        status: {type: object}
    io.k8s.api.apps.v1.DeploymentSpec:
      type: object
      properties:
        replicas: {type: integer, format: int32}
        strategy:
          $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy'
          x-kubernetes-patch-strategy: retainKeys
        template:
          allOf: [{$ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec'}]
          default: {}
    io.k8s.api.apps.v1.DeploymentStrategy:
      type: object
      properties:
        type: {type: string}
        rollingUpdate:
          type: object
          properties:
            maxSurge: {x-kubernetes-int-or-string: true}
            maxUnavailable: {x-kubernetes-int-or-string: true}
    io.k8s.api.core.v1.PodTemplateSpec:
      type: object
      properties:
        metadata:
          allOf: [{$ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'}]
          default: {}
        spec:
          allOf: [{$ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec'}]
          default: {}
    io.k8s.api.core.v1.PodSpec:
      type: object
      properties:
        containers:
          type: array
          items: {allOf: [{$ref: '#/components/schemas/io.k8s.api.core.v1.Container'}], default: {}}
          x-kubernetes-list-map-keys: [name]
          x-kubernetes-list-type: map
          x-kubernetes-patch-merge-key: name
          x-kubernetes-patch-strategy: merge
        volumes:
          type: array
          items: {type: object}
          x-kubernetes-patch-merge-key: name
          x-kubernetes-patch-strategy: merge,retainKeys
        nodeSelector:
          type: object
          additionalProperties: {type: string, default: ''}
          x-kubernetes-map-type: atomic
    io.k8s.api.core.v1.Container:
      type: object
      required: [name]
      properties:
        name: {type: string, default: ''}
        image: {type: string}
        args:
          type: array
          items: {type: string, default: ''}
          x-kubernetes-list-type: atomic
        env:
          type: array
          items: {allOf: [{$ref: '#/components/schemas/io.k8s.api.core.v1.EnvVar'}], default: {}}
          x-kubernetes-list-map-keys: [name]
          x-kubernetes-list-type: map
          x-kubernetes-patch-merge-key: name
          x-kubernetes-patch-strategy: merge
        ports:
          type: array
          items: {allOf: [{$ref: '#/components/schemas/io.k8s.api.core.v1.ContainerPort'}], default: {}}
          x-kubernetes-list-map-keys: [containerPort, protocol]
          x-kubernetes-list-type: map
          x-kubernetes-patch-merge-key: containerPort
          x-kubernetes-patch-strategy: merge
    io.k8s.api.core.v1.EnvVar:
      type: object
      required: [name]
      properties:
        name: {type: string, default: ''}
        value: {type: string}
        valueFrom: {type: object}
    io.k8s.api.core.v1.ContainerPort:
      type: object
      required: [containerPort]
      properties:
        containerPort: {type: integer, format: int32, default: 0}
        name: {type: string}
        protocol: {type: string}
    io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta:
      type: object
      properties:
        name: {type: string}
        namespace: {type: string}
        labels: {type: object, additionalProperties: {type: string, default: ''}}
        annotations: {type: object, additionalProperties: {type: string, default: ''}}
        finalizers:
          type: array
          items: {type: string, default: ''}
          x-kubernetes-list-type: set
          x-kubernetes-patch-strategy: merge
)";

core::Value yaml(std::string_view text) {
  return core::parseYaml(text);
}

void sortKeys(core::Value& v) {
  if (v.isArray()) {
    for (auto& item : v.asArray())
      sortKeys(item);
  } else if (v.isObject()) {
    auto& members = v.asObject().members();
    std::stable_sort(members.begin(), members.end(),
                     [](const core::Member& a, const core::Member& b) { return a.key < b.key; });
    for (auto& m : members)
      sortKeys(m.value);
  }
}

// JSON with object keys sorted, lists as they are: equal texts mean equal documents with equal
// list orders.
std::string canonical(core::Value v) {
  sortKeys(v);
  return core::toJson(v);
}

const kube::PatchSchema& mergeItemSchema() {
  static const kube::PatchSchema schema =
      kube::PatchSchema::fromOpenApiV3(yaml(kMergeItemOpenApi), "mergeItem");
  return schema;
}

const kube::PatchSchema& deploymentSchema() {
  static const kube::PatchSchema schema =
      kube::PatchSchema::fromOpenApiV3(yaml(kAppsOpenApi), "io.k8s.api.apps.v1.Deployment");
  return schema;
}

std::string describe(const core::Value& c) {
  const core::Value& d = c["description"];
  return d.isString() ? d.asString() : "<no description>";
}

// ---- applying patches ----

// original + patch -> result, with exact list orders.
constexpr std::string_view kApplyCases = R"(
description: maps merge recursively and null deletes
original: {name: a, value: x, simpleMap: {k1: v1, k2: v2}}
patch: {value: null, other: y, simpleMap: {k2: null, k3: v3}}
result: {name: a, other: y, simpleMap: {k1: v1, k3: v3}}
---
description: nulls that match nothing are dropped, also inside new maps
original: {name: a}
patch: {other: null, simpleMap: {k1: v1, k2: null}}
result: {name: a, simpleMap: {k1: v1}}
---
description: merging list merges items by merge key and keeps live order for known items
original: {mergingList: [{name: a, value: '1'}, {name: b, value: '2'}]}
patch: {mergingList: [{name: b, other: x}, {name: c, value: '3'}]}
result: {mergingList: [{name: a, value: '1'}, {name: b, value: '2', other: x}, {name: c, value: '3'}]}
---
description: without $setElementOrder, items new to the live list go before the remaining live items
original: {mergingList: [{name: a}, {name: b}]}
patch: {mergingList: [{name: c}]}
result: {mergingList: [{name: c}, {name: a}, {name: b}]}
---
description: the order of the patch wins for the items it names
original: {mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]}
patch: {mergingList: [{name: 3, value: c}, {name: 1, value: a}]}
result: {mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]}
---
description: $patch delete removes every item with the merge key
original: {mergingList: [{name: a}, {name: a, value: dup}, {name: b}]}
patch: {mergingList: [{name: a, $patch: delete}]}
result: {mergingList: [{name: b}]}
---
description: $patch delete of an item the live list lacks is a no-op
original: {mergingList: [{name: b, value: x}]}
patch: {mergingList: [{name: a, $patch: delete}]}
result: {mergingList: [{name: b, value: x}]}
---
description: $patch replace in a list replaces it with the other items
original: {mergingList: [{name: a, value: x}, {name: b}]}
patch: {mergingList: [{$patch: replace}, {name: c}, {name: a}]}
result: {mergingList: [{name: c}, {name: a}]}
---
description: $patch replace alone empties the list
original: {mergingList: [{name: 1}, {name: 2}]}
patch: {mergingList: [{$patch: replace}]}
result: {mergingList: []}
---
description: $patch replace in a map replaces the map
original: {simpleMap: {k1: v1, k2: v2}, name: a}
patch: {simpleMap: {$patch: replace, k3: v3}}
result: {simpleMap: {k3: v3}, name: a}
---
description: $patch delete in a map empties it
original: {simpleMap: {k1: v1, k2: v2}}
patch: {simpleMap: {$patch: delete}}
result: {simpleMap: {}}
---
description: top-level $patch replace keeps only the patch
original: {name: 1, value: 1}
patch: {other: a, $patch: replace}
result: {other: a}
---
description: $patch merge in a map is the default behaviour
original: {simpleMap: {k1: v1}}
patch: {simpleMap: {$patch: merge, k2: v2}}
result: {simpleMap: {k1: v1, k2: v2}}
---
description: merging primitive lists is a set union
original: {mergingIntList: [1, 2]}
patch: {mergingIntList: [2, 3]}
result: {mergingIntList: [1, 2, 3]}
---
description: merging an empty list changes nothing
original: {mergingList: [{name: a}], mergingIntList: [1]}
patch: {mergingList: [], mergingIntList: []}
result: {mergingList: [{name: a}], mergingIntList: [1]}
---
description: $deleteFromPrimitiveList removes all copies of the values
original: {mergingIntList: [1, 2, 3, 3, 4]}
patch: {$deleteFromPrimitiveList/mergingIntList: [3, 4]}
result: {mergingIntList: [1, 2]}
---
description: $deleteFromPrimitiveList of an absent list adds nothing
original: {name: a}
patch: {$deleteFromPrimitiveList/mergingIntList: [1]}
result: {name: a}
---
description: lists without patch strategy are replaced
original: {nonMergingList: [{name: a}, {name: b}], nonMergingIntList: [1, 2]}
patch: {nonMergingList: [{name: c}], nonMergingIntList: [3]}
result: {nonMergingList: [{name: c}], nonMergingIntList: [3]}
---
description: $setElementOrder orders the list and keeps server-only items between their neighbours
original: {mergingList: [{name: 1, other: a}, {name: 2, value: '2'}, {name: 9}, {name: 3, value: '3'}, {name: 4, value: '4'}]}
patch: {$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]}
result: {mergingList: [{name: 2, value: '2'}, {name: 1, other: a}, {name: 9}, {name: 4, value: '4'}, {name: 3, value: '3'}]}
---
description: $setElementOrder with an added and a deleted item
original: {mergingList: [{name: 1, other: a}, {name: 2, value: '2', other: b}, {name: 3, value: '3'}]}
patch:
  $setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 1}]
  mergingList: [{name: 4, value: '4'}, {name: 3, $patch: delete}]
result: {mergingList: [{name: 4, value: '4'}, {name: 2, value: '2', other: b}, {name: 1, other: a}]}
---
description: $setElementOrder for a primitive list keeps server-only values in place
original: {mergingIntList: [1, 2, 7, 9, 8, 3, 4]}
patch: {$setElementOrder/mergingIntList: [2, 1, 4, 3]}
result: {mergingIntList: [2, 1, 7, 9, 8, 4, 3]}
---
description: $setElementOrder with additions to a primitive list
original: {mergingIntList: [1, 4, 2]}
patch: {$setElementOrder/mergingIntList: [3, 1, 2], mergingIntList: [3]}
result: {mergingIntList: [3, 1, 4, 2]}
---
description: $setElementOrder may name items that are in neither list
original: {mergingList: [{name: 1}, {name: 3}]}
patch:
  $setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}]
  mergingList: [{name: 3, value: '3'}, {name: 1, value: '1'}]
result: {mergingList: [{name: 3, value: '3'}, {name: 1, value: '1'}]}
---
description: $setElementOrder and $deleteFromPrimitiveList together
original: {mergingIntList: [1, 3, 2]}
patch: {$setElementOrder/mergingIntList: [4, 2, 1], mergingIntList: [4], $deleteFromPrimitiveList/mergingIntList: [3]}
result: {mergingIntList: [4, 2, 1]}
---
description: $retainKeys clears the fields it does not list
original: {retainKeysMap: {name: foo, value: bar, other: a}}
patch: {retainKeysMap: {$retainKeys: [name, value], value: baz}}
result: {retainKeysMap: {name: foo, value: baz}}
---
description: $retainKeys in an item of a merging list
original: {retainKeysMergingList: [{name: bar}, {name: foo, value: a, other: x}]}
patch:
  $setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]
  retainKeysMergingList: [{$retainKeys: [name, value], name: foo, value: new}]
result: {retainKeysMergingList: [{name: bar}, {name: foo, value: new}]}
---
description: without $retainKeys a retainKeys map merges
original: {retainKeysMap: {name: foo, value: a}}
patch: {retainKeysMap: {value: null, other: b}}
result: {retainKeysMap: {name: foo, other: b}}
---
description: a map with patch strategy replace is replaced
original: {replacingItem: {Some: Generic, Field: Period}}
patch: {replacingItem: {Newly: Modified}}
result: {replacingItem: {Newly: Modified}}
---
description: a value of another type replaces the original
original: {simpleMap: {k: v}, mergingList: [{name: a}]}
patch: {simpleMap: text, mergingList: {name: b}}
result: {simpleMap: text, mergingList: {name: b}}
---
description: new values lose maps carrying $patch, as upstream removeDirectives does
original: {name: a}
patch:
  mergingList: [{name: x}, {name: y, $patch: delete}]
  simpleMap: {$patch: replace, k: v}
result: {name: a, mergingList: [{name: x}]}
---
description: items added to a merging list are cleaned of nulls and directives
original: {mergingList: [{name: a}]}
patch:
  mergingList:
  - name: b
    value: null
    mergingList: [{name: c, $patch: delete}, {name: d}]
    $setElementOrder/mergingList: [{name: d}]
result: {mergingList: [{name: b, mergingList: [{name: d}]}, {name: a}]}
---
description: nested merging lists merge recursively
original:
  mergingList:
  - name: 1
    mergingList: [{name: 1}, {name: 2, value: '2'}]
  - name: 2
patch:
  $setElementOrder/mergingList: [{name: 1}, {name: 2}]
  mergingList:
  - name: 1
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList: [{name: 1, value: '1'}]
result:
  mergingList:
  - name: 1
    mergingList: [{name: 1, value: '1'}, {name: 2, value: '2'}]
  - name: 2
)";

TEST_CASE("applyStrategicMergePatch: directives and list semantics", "[kube][smp]") {
  const auto cases = core::parseYamlStream(kApplyCases);
  REQUIRE(cases.size() >= 30);
  for (const auto& c : cases) {
    DYNAMIC_SECTION(describe(c)) {
      core::Value result =
          kube::applyStrategicMergePatch(c["original"], c["patch"], mergeItemSchema());
      CHECK(canonical(result) == canonical(c["result"]));
    }
  }
}

TEST_CASE("applyStrategicMergePatch: result keeps the original key order", "[kube][smp]") {
  core::Value result = kube::applyStrategicMergePatch(
      yaml("{b: 1, a: 2, c: 3}"), yaml("{d: 4, a: 5}"), kube::PatchSchema::unknown());
  CHECK(core::toJson(result) == R"({"b":1,"a":5,"c":3,"d":4})");
  // A null original is an empty object.
  CHECK(canonical(kube::applyStrategicMergePatch(core::Value(), yaml("{a: 1}"),
                                                 mergeItemSchema())) == R"({"a":1})");
}

// ---- malformed patches ----

constexpr std::string_view kErrorCases = R"(
description: merging list item without its merge key
original: {mergingList: [{name: 1, value: a}]}
patch: {mergingList: [{value: b}]}
error: does not contain declared merge key
---
description: $patch delete without the merge key
original: {mergingList: [{name: 1}]}
patch: {mergingList: [{$patch: delete}]}
error: does not contain declared merge key
---
description: unknown $patch value in a map
original: {simpleMap: {k: v}}
patch: {simpleMap: {$patch: frobnicate}}
error: 'unknown patch type: frobnicate'
---
description: unknown $patch value in a list
original: {mergingList: [{name: 1}]}
patch: {mergingList: [{name: 1, $patch: frobnicate}]}
error: 'unknown patch type: frobnicate'
---
description: $retainKeys that is not a list
original: {retainKeysMap: {name: a}}
patch: {retainKeysMap: {$retainKeys: name}}
error: invalid patch format of retainKeys
---
description: a patched field missing from $retainKeys
original: {retainKeysMap: {name: a}}
patch: {retainKeysMap: {$retainKeys: [name], value: b}}
error: invalid patch format of retainKeys
---
description: $setElementOrder in another order than the patch list
original: {mergingList: [{name: 1}, {name: 3}, {name: 2}]}
patch:
  $setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}]
  mergingList: [{name: 3, value: '3'}, {name: 1, value: '1'}]
error: doesn't match
---
description: $setElementOrder in another order than the primitive patch list
original: {mergingIntList: [1, 3, 2]}
patch: {$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3, 1]}
error: doesn't match
---
description: $setElementOrder that is not a list
original: {mergingIntList: [1]}
patch: {$setElementOrder/mergingIntList: 1}
error: expected a list
---
description: malformed $setElementOrder key
original: {mergingList: [{name: 1}]}
patch: {$setElementOrderX/mergingList: [{name: 1}]}
error: invalid patch format of setElementOrder list
---
description: malformed $deleteFromPrimitiveList key
original: {mergingIntList: [1]}
patch: {$deleteFromPrimitiveListX: [1]}
error: invalid patch format of primitive list
---
description: lists of lists cannot merge
original: {mergingIntList: [[1]]}
patch: {mergingIntList: [[2]]}
error: lists of lists are not supported
---
description: merging lists with different element types
original: {mergingIntList: [1]}
patch: {mergingIntList: [a]}
error: list element types are not identical
---
description: a merging list item that is not a map
original: {mergingList: [{name: 1}, plain]}
patch: {mergingList: [{name: 2}]}
error: list element types are not identical
---
description: a schema with an invalid strategy combination
original: {badStrategyList: [a]}
patch: {badStrategyList: [b]}
error: unexpected patch strategy
)";

TEST_CASE("applyStrategicMergePatch: malformed patches raise StrategicMergeError", "[kube][smp]") {
  const auto cases = core::parseYamlStream(kErrorCases);
  REQUIRE(cases.size() >= 15);
  for (const auto& c : cases) {
    DYNAMIC_SECTION(describe(c)) {
      CHECK_THROWS_WITH(
          kube::applyStrategicMergePatch(c["original"], c["patch"], mergeItemSchema()),
          Catch::Matchers::ContainsSubstring(c["error"].asString()));
      CHECK_THROWS_AS(kube::applyStrategicMergePatch(c["original"], c["patch"], mergeItemSchema()),
                      kube::StrategicMergeError);
    }
  }
  CHECK_THROWS_WITH(kube::applyStrategicMergePatch(yaml("{}"), yaml("[1]"), mergeItemSchema()),
                    Catch::Matchers::ContainsSubstring("invalid JSON document"));
  CHECK_THROWS_AS(kube::createTwoWayMergePatch(yaml("a"), yaml("{}"), mergeItemSchema()),
                  core::Error);
}

// ---- computing patches ----

// original/modified -> twoWay (which applied to original gives twoWayResult, default modified);
// with current: the three-way patch and its result on current. "conflict" in the description
// means overwrite=false must report a conflict.
constexpr std::string_view kDiffCases = R"(
description: add and delete fields of a map
original: {name: 1}
modified: {value: 1}
current: {name: 1, other: a}
twoWay: {name: null, value: 1}
threeWay: {name: null, value: 1}
result: {value: 1, other: a}
---
description: add field to map with conflict
original: {name: 1}
modified: {name: 1, value: 1}
current: {name: a, other: a}
twoWay: {value: 1}
threeWay: {name: 1, value: 1}
result: {name: 1, value: 1, other: a}
---
description: delete field from nested map with conflict
original: {simpleMap: {key1: '1', key2: '1'}}
modified: {simpleMap: {key1: '1'}}
current: {simpleMap: {key1: a, key2: '1', other: a}}
twoWay: {simpleMap: {key2: null}}
threeWay: {simpleMap: {key1: '1', key2: null}}
result: {simpleMap: {key1: '1', other: a}}
---
description: explicit nulls in modified delete fields
original: {name: original-name, value: original-value}
modified: {name: modified-name, value: null}
current: {name: original-name, value: original-value, other: current-other}
twoWay: {name: modified-name, value: null}
twoWayResult: {name: modified-name}
threeWay: {name: modified-name, value: null}
result: {name: modified-name, other: current-other}
---
description: replace list of scalars
original: {nonMergingIntList: [1, 2]}
modified: {nonMergingIntList: [2, 3]}
current: {nonMergingIntList: [1, 2]}
twoWay: {nonMergingIntList: [2, 3]}
threeWay: {nonMergingIntList: [2, 3]}
result: {nonMergingIntList: [2, 3]}
---
description: delete all maps from merging list with conflict
original: {mergingList: [{name: 1}, {name: 2}]}
modified: {mergingList: []}
current: {mergingList: [{name: 1, other: a}, {name: 2, other: b}]}
twoWay: {mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]}
threeWay: {mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]}
result: {mergingList: []}
---
description: add map and delete map from merging list
original: {mergingList: [{name: 1}, {name: 2}]}
modified: {mergingList: [{name: 2}, {name: 3}]}
current: {mergingList: [{name: 1}, {name: 2, other: b}, {name: 4, other: c}]}
twoWay:
  $setElementOrder/mergingList: [{name: 2}, {name: 3}]
  mergingList: [{name: 3}, {name: 1, $patch: delete}]
threeWay:
  $setElementOrder/mergingList: [{name: 2}, {name: 3}]
  mergingList: [{name: 3}, {name: 1, $patch: delete}]
result: {mergingList: [{name: 2, other: b}, {name: 4, other: c}, {name: 3}]}
---
description: add map and delete map from merging list with conflict
original: {mergingList: [{name: 1}, {name: 2}]}
modified: {mergingList: [{name: 2}, {name: 3}]}
current: {mergingList: [{name: 1, other: a}, {name: 4, other: c}]}
twoWay:
  $setElementOrder/mergingList: [{name: 2}, {name: 3}]
  mergingList: [{name: 3}, {name: 1, $patch: delete}]
threeWay:
  $setElementOrder/mergingList: [{name: 2}, {name: 3}]
  mergingList: [{name: 2}, {name: 3}, {name: 1, $patch: delete}]
result: {mergingList: [{name: 4, other: c}, {name: 2}, {name: 3}]}
---
description: add and delete an item in a merging int list and preserve order
original: {mergingIntList: [1, 3, 2]}
modified: {mergingIntList: [4, 2, 1]}
current: {mergingIntList: [1, 2, 3]}
twoWay:
  $setElementOrder/mergingIntList: [4, 2, 1]
  mergingIntList: [4]
  $deleteFromPrimitiveList/mergingIntList: [3]
threeWay:
  $setElementOrder/mergingIntList: [4, 2, 1]
  mergingIntList: [4]
  $deleteFromPrimitiveList/mergingIntList: [3]
result: {mergingIntList: [4, 2, 1]}
---
description: merge lists of scalars keeps values only the live object has
original: {mergingIntList: [1, 2]}
modified: {mergingIntList: [1, 2, 3]}
current: {mergingIntList: [1, 2, 4]}
twoWay: {$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3]}
threeWay: {$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3]}
result: {mergingIntList: [1, 2, 3, 4]}
---
description: add field to map in merging list nested in merging list
original:
  mergingList:
  - name: 1
    mergingList: [{name: 1}, {name: 2, value: '2'}]
  - name: 2
modified:
  mergingList:
  - name: 1
    mergingList: [{name: 1, value: '1'}, {name: 2, value: '2'}]
  - name: 2
current:
  mergingList:
  - name: 1
    other: a
    mergingList: [{name: 1}, {name: 2, value: '2'}]
  - name: 2
    other: b
twoWay:
  $setElementOrder/mergingList: [{name: 1}, {name: 2}]
  mergingList:
  - name: 1
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList: [{name: 1, value: '1'}]
threeWay:
  $setElementOrder/mergingList: [{name: 1}, {name: 2}]
  mergingList:
  - name: 1
    $setElementOrder/mergingList: [{name: 1}, {name: 2}]
    mergingList: [{name: 1, value: '1'}]
result:
  mergingList:
  - name: 1
    other: a
    mergingList: [{name: 1, value: '1'}, {name: 2, value: '2'}]
  - name: 2
    other: b
---
description: replace non merging list nested in merging list
original:
  mergingList:
  - name: 1
    nonMergingList: [{name: 1}, {name: 2, value: '2'}]
  - name: 2
modified:
  mergingList:
  - name: 1
    nonMergingList: [{name: 1, value: '1'}]
  - name: 2
current:
  mergingList:
  - name: 1
    other: a
    nonMergingList: [{name: 1}, {name: 2, value: '2'}]
  - name: 2
    other: b
twoWay:
  $setElementOrder/mergingList: [{name: 1}, {name: 2}]
  mergingList: [{name: 1, nonMergingList: [{name: 1, value: '1'}]}]
threeWay:
  $setElementOrder/mergingList: [{name: 1}, {name: 2}]
  mergingList: [{name: 1, nonMergingList: [{name: 1, value: '1'}]}]
result:
  mergingList:
  - name: 1
    other: a
    nonMergingList: [{name: 1, value: '1'}]
  - name: 2
    other: b
---
description: retainKeys map adds a field and clears a field
original: {retainKeysMap: {name: foo}}
modified: {retainKeysMap: {name: foo, value: bar}}
current: {retainKeysMap: {name: foo, other: a}}
twoWay: {retainKeysMap: {$retainKeys: [name, value], value: bar}}
threeWay: {retainKeysMap: {$retainKeys: [name, value], value: bar}}
result: {retainKeysMap: {name: foo, value: bar}}
---
description: retainKeys map should clear defaulted field
original: {}
modified: {retainKeysMap: {other: bar}}
current: {retainKeysMap: {value: foo}}
twoWay: {retainKeysMap: {other: bar}}
threeWay: {retainKeysMap: {$retainKeys: [other], other: bar}}
result: {retainKeysMap: {other: bar}}
---
description: retainKeys list of maps changes a field and clears a field
original: {retainKeysMergingList: [{name: bar}, {name: foo, value: old}]}
modified: {retainKeysMergingList: [{name: bar}, {name: foo, value: new}]}
current: {retainKeysMergingList: [{name: bar}, {name: foo, value: old, other: x}]}
twoWay:
  $setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]
  retainKeysMergingList: [{$retainKeys: [name, value], name: foo, value: new}]
threeWay:
  $setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]
  retainKeysMergingList: [{$retainKeys: [name, value], name: foo, value: new}]
result: {retainKeysMergingList: [{name: bar}, {name: foo, value: new}]}
---
description: set elements order in a list with server-only items
original: {mergingList: [{name: 1}, {name: 3, value: '3'}, {name: 4, value: '4'}, {name: 2, value: '2'}]}
modified: {mergingList: [{name: 4, value: '4'}, {name: 2, value: '2'}, {name: 3, value: '3'}, {name: 1}]}
current: {mergingList: [{name: 1, other: a}, {name: 3, value: '3'}, {name: 4, value: '4'}, {name: 2, value: '2'}, {name: 9}]}
twoWay: {$setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 3}, {name: 1}]}
threeWay: {$setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 3}, {name: 1}]}
result: {mergingList: [{name: 4, value: '4'}, {name: 2, value: '2'}, {name: 3, value: '3'}, {name: 1, other: a}, {name: 9}]}
---
description: replace RawExtension field and merge list
original: {name: my-object, mergingList: [{name: 1}], replacingItem: {Some: Generic, Field: Period}}
modified: {name: my-object, mergingList: [{name: 1}, {name: 2}], replacingItem: {Newly: Modified}}
current: {name: my-object, mergingList: [{name: 1}, {name: 3}], replacingItem: {Some: Generic, Field: Period}}
twoWay:
  $setElementOrder/mergingList: [{name: 1}, {name: 2}]
  mergingList: [{name: 2}]
  replacingItem: {Newly: Modified}
threeWay:
  $setElementOrder/mergingList: [{name: 1}, {name: 2}]
  mergingList: [{name: 2}]
  replacingItem: {Newly: Modified}
result: {name: my-object, mergingList: [{name: 1}, {name: 2}, {name: 3}], replacingItem: {Newly: Modified}}
---
description: an unchanged but unsorted merging primitive list still gets $setElementOrder (as upstream)
original: {mergingIntList: [2, 1]}
modified: {mergingIntList: [2, 1]}
twoWay: {$setElementOrder/mergingIntList: [2, 1]}
---
description: a map with patch strategy replace is sent whole even when unchanged (as upstream)
original: {name: x, replacingItem: {a: 1}}
modified: {name: y, replacingItem: {a: 1}}
twoWay: {name: y, replacingItem: {a: 1}}
---
description: integers and doubles of equal value differ (as Go's int64 and float64)
original: {name: x, value: 1}
modified: {name: x, value: 1.0}
twoWay: {value: 1.0}
)";

TEST_CASE("createTwoWayMergePatch and createThreeWayMergePatch", "[kube][smp]") {
  const auto cases = core::parseYamlStream(kDiffCases);
  REQUIRE(cases.size() >= 20);
  for (const auto& c : cases) {
    DYNAMIC_SECTION(describe(c)) {
      const auto& schema = mergeItemSchema();
      core::Value twoWay = kube::createTwoWayMergePatch(c["original"], c["modified"], schema);
      CHECK(canonical(twoWay) == canonical(c["twoWay"]));
      const core::Value* twoWayResult = c.find("twoWayResult");
      CHECK(canonical(kube::applyStrategicMergePatch(c["original"], twoWay, schema)) ==
            canonical(twoWayResult != nullptr ? *twoWayResult : c["modified"]));

      if (c.find("current") != nullptr) {
        bool conflict = false;
        core::Value threeWay;
        try {
          threeWay =
              kube::createThreeWayMergePatch(c["original"], c["modified"], c["current"], schema,
                                             /*overwrite=*/false);
        } catch (const kube::MergeConflictError&) {
          conflict = true;
        }
        CHECK(conflict == (describe(c).find("conflict") != std::string::npos));
        if (conflict) {
          threeWay =
              kube::createThreeWayMergePatch(c["original"], c["modified"], c["current"], schema);
        }
        CHECK(canonical(threeWay) == canonical(c["threeWay"]));
        CHECK(canonical(kube::applyStrategicMergePatch(c["current"], threeWay, schema)) ==
              canonical(c["result"]));
      }
    }
  }
}

TEST_CASE("createTwoWayMergePatch: keys are sorted like Go's encoding/json", "[kube][smp]") {
  core::Value patch = kube::createTwoWayMergePatch(
      yaml("{name: a}"), yaml("{zeta: {b: 1, a: 2}, name: b, alpha: 1}"), mergeItemSchema());
  CHECK(core::toJson(patch) == R"({"alpha":1,"name":"b","zeta":{"a":2,"b":1}})");
  CHECK(core::toJson(kube::createTwoWayMergePatch(yaml("{a: 1}"), yaml("{a: 1}"),
                                                  mergeItemSchema())) == "{}");
}

TEST_CASE("createTwoWayMergePatch: numbers keep their precision", "[kube][smp]") {
  // 1 and 1.0 are different values to Go's decoder (int64 and float64).
  core::Value changed =
      kube::createTwoWayMergePatch(yaml("{v: 1}"), yaml("{v: 1.0}"), kube::PatchSchema::unknown());
  CHECK(changed["v"].isDouble());
  for (std::string_view number : {"1000000", "2147483647", "9223372036854775807",
                                  "3.4028234663852886e+38", "1.7976931348623157e+308"}) {
    DYNAMIC_SECTION(number) {
      core::Value old = core::parseJson(R"({"n":)" + std::string(number) + "}");
      core::Value modified = core::parseJson(R"({"n":)" + std::string(number) + R"(,"name":"x"})");
      core::Value patch = kube::createTwoWayMergePatch(old, modified, kube::PatchSchema::unknown());
      CHECK(core::toJson(patch) == R"({"name":"x"})");
      CHECK(
          core::toJson(kube::applyStrategicMergePatch(old, patch, kube::PatchSchema::unknown())) ==
          R"({"n":)" + std::string(number) + R"(,"name":"x"})");
    }
  }
}

TEST_CASE("mergingMapsHaveConflicts", "[kube][smp]") {
  const auto& schema = mergeItemSchema();
  CHECK_FALSE(kube::mergingMapsHaveConflicts(yaml("{name: a}"), yaml("{value: b}"), schema));
  CHECK(kube::mergingMapsHaveConflicts(yaml("{name: a}"), yaml("{name: b}"), schema));
  // Merging lists compare items by merge key; merging primitive lists never conflict.
  CHECK_FALSE(kube::mergingMapsHaveConflicts(yaml("{mergingList: [{name: 1, value: a}]}"),
                                             yaml("{mergingList: [{name: 2, value: b}]}"), schema));
  CHECK(kube::mergingMapsHaveConflicts(yaml("{mergingList: [{name: 1, value: a}]}"),
                                       yaml("{mergingList: [{name: 1, value: b}]}"), schema));
  CHECK_FALSE(kube::mergingMapsHaveConflicts(yaml("{mergingIntList: [1]}"),
                                             yaml("{mergingIntList: [2]}"), schema));
  CHECK(kube::mergingMapsHaveConflicts(yaml("{nonMergingIntList: [1]}"),
                                       yaml("{nonMergingIntList: [2]}"), schema));
  // A directive on one side only conflicts with key changes on the other.
  CHECK(kube::mergingMapsHaveConflicts(yaml("{simpleMap: {$patch: delete}}"),
                                       yaml("{simpleMap: {a: b}}"), schema));
}

// ---- a Deployment ----

constexpr std::string_view kDeployment = R"(
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
  finalizers: [example.com/a, example.com/b]
spec:
  replicas: 2
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: app:v1
        env:
        - {name: A, value: '1'}
        - {name: B, value: '2'}
        ports:
        - {containerPort: 80, protocol: TCP}
        - {containerPort: 443, protocol: TCP}
      - name: sidecar
        image: proxy:v1
      volumes:
      - {name: data, emptyDir: {}}
)";

// Applies `patch` to kDeployment and checks the value at `path` in the result.
void checkDeploymentPatch(const kube::PatchSchema& schema, std::string_view patch,
                          std::string_view path, std::string_view expected) {
  core::Value result = kube::applyStrategicMergePatch(yaml(kDeployment), yaml(patch), schema);
  const core::Value* got = result.find(core::Path::parse(path));
  REQUIRE(got != nullptr);
  CHECK(canonical(*got) == canonical(yaml(expected)));
}

void deploymentApplyChecks(const kube::PatchSchema& schema) {
  SECTION("containers merge by name, env by name, ports by containerPort") {
    constexpr std::string_view patch = R"(
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:v2
        env:
        - {name: B, value: '3'}
        - {name: C, value: '4'}
        ports:
        - {containerPort: 8080, protocol: TCP}
)";
    // Items new to a live list come before the live items the patch does not name (upstream
    // order without $setElementOrder), so port 8080 goes first.
    checkDeploymentPatch(schema, patch, "spec.template.spec.containers", R"(
- name: app
  image: app:v2
  env:
  - {name: A, value: '1'}
  - {name: B, value: '3'}
  - {name: C, value: '4'}
  ports:
  - {containerPort: 8080, protocol: TCP}
  - {containerPort: 80, protocol: TCP}
  - {containerPort: 443, protocol: TCP}
- {name: sidecar, image: proxy:v1}
)");
  }
  SECTION("finalizers merge as a set") {
    checkDeploymentPatch(schema, "metadata: {finalizers: [example.com/b, example.com/c]}",
                         "metadata.finalizers", "[example.com/a, example.com/b, example.com/c]");
    checkDeploymentPatch(schema, "metadata: {$deleteFromPrimitiveList/finalizers: [example.com/a]}",
                         "metadata.finalizers", "[example.com/b]");
  }
  SECTION("$patch: delete removes a container") {
    checkDeploymentPatch(
        schema, "spec: {template: {spec: {containers: [{name: sidecar, $patch: delete}]}}}",
        "spec.template.spec.containers",
        "[{name: app, image: app:v1, env: [{name: A, value: '1'}, {name: B, value: '2'}],"
        " ports: [{containerPort: 80, protocol: TCP}, {containerPort: 443, protocol: TCP}]}]");
  }
  SECTION("$patch: replace replaces the container list") {
    checkDeploymentPatch(
        schema,
        "spec: {template: {spec: {containers: [{$patch: replace}, {name: only, image: only:v1}]}}}",
        "spec.template.spec.containers", "[{name: only, image: only:v1}]");
  }
  SECTION("$patch: replace replaces the labels") {
    checkDeploymentPatch(schema,
                         "spec: {template: {metadata: {labels: {$patch: replace, tier: web}}}}",
                         "spec.template.metadata.labels", "{tier: web}");
  }
  SECTION("$retainKeys clears the rolling update settings") {
    checkDeploymentPatch(schema, "spec: {strategy: {$retainKeys: [type], type: Recreate}}",
                         "spec.strategy", "{type: Recreate}");
  }
  SECTION("$setElementOrder reorders the containers") {
    checkDeploymentPatch(
        schema,
        "spec: {template: {spec: {$setElementOrder/containers: [{name: sidecar}, {name: app}]}}}",
        "spec.template.spec.containers[0].name", "sidecar");
  }
  SECTION("volumes merge by name") {
    checkDeploymentPatch(
        schema, "spec: {template: {spec: {volumes: [{name: cache, emptyDir: {medium: Memory}}]}}}",
        "spec.template.spec.volumes",
        "[{name: cache, emptyDir: {medium: Memory}}, {name: data, emptyDir: {}}]");
  }
}

TEST_CASE("strategic merge of a Deployment", "[kube][smp]") {
  deploymentApplyChecks(deploymentSchema());
}

TEST_CASE("two-way patch of a Deployment (kubectl edit)", "[kube][smp]") {
  core::Value original = yaml(kDeployment);
  core::Value modified = original;
  modified["spec"]["replicas"] = 3;
  core::Value& app = modified["spec"]["template"]["spec"]["containers"][0];
  app["image"] = "app:v2";
  app["env"].asArray().pop_back();  // remove B
  modified["metadata"]["finalizers"].push_back("example.com/c");

  core::Value patch = kube::createTwoWayMergePatch(original, modified, deploymentSchema());
  CHECK(canonical(patch) == canonical(yaml(R"(
metadata:
  $setElementOrder/finalizers: [example.com/a, example.com/b, example.com/c]
  finalizers: [example.com/c]
spec:
  replicas: 3
  template:
    spec:
      $setElementOrder/containers: [{name: app}, {name: sidecar}]
      containers:
      - name: app
        image: app:v2
        $setElementOrder/env: [{name: A}]
        env: [{name: B, $patch: delete}]
)")));
  CHECK(canonical(kube::applyStrategicMergePatch(original, patch, deploymentSchema())) ==
        canonical(modified));
}

TEST_CASE("three-way patch of a Deployment (kubectl apply)", "[kube][smp]") {
  core::Value lastApplied = yaml(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web, tier: frontend}}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: app
        image: app:v1
        env: [{name: A, value: '1'}, {name: B, value: '2'}]
)");
  core::Value live = yaml(R"(
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: frontend}
  annotations: {deployment.kubernetes.io/revision: '1'}
  finalizers: [example.com/ctrl]
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: app
        image: app:v1
        env: [{name: A, value: '1'}, {name: B, value: '2'}]
        terminationMessagePath: /dev/termination-log
      - {name: istio-proxy, image: proxy}
status: {replicas: 2}
)");
  core::Value modified = yaml(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: app
        image: app:v2
        env: [{name: A, value: '1'}]
)");
  core::Value patch = kube::createThreeWayMergePatch(lastApplied, modified, live,
                                                     deploymentSchema(), /*overwrite=*/false);
  CHECK(canonical(patch) == canonical(yaml(R"(
metadata:
  labels: {tier: null}
spec:
  replicas: 3
  template:
    spec:
      $setElementOrder/containers: [{name: app}]
      containers:
      - name: app
        image: app:v2
        $setElementOrder/env: [{name: A}]
        env: [{name: B, $patch: delete}]
)")));
  core::Value result = kube::applyStrategicMergePatch(live, patch, deploymentSchema());
  CHECK(canonical(result) == canonical(yaml(R"(
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
  annotations: {deployment.kubernetes.io/revision: '1'}
  finalizers: [example.com/ctrl]
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: app
        image: app:v2
        env: [{name: A, value: '1'}]
        terminationMessagePath: /dev/termination-log
      - {name: istio-proxy, image: proxy}
status: {replicas: 2}
)")));

  // Someone changed the image on the live object: without overwrite that is a conflict.
  core::Value edited = live;
  edited["spec"]["template"]["spec"]["containers"][0]["image"] = "app:hotfix";
  CHECK_THROWS_AS(kube::createThreeWayMergePatch(lastApplied, modified, edited, deploymentSchema(),
                                                 /*overwrite=*/false),
                  kube::MergeConflictError);
  core::Value forced =
      kube::createThreeWayMergePatch(lastApplied, modified, edited, deploymentSchema());
  CHECK(canonical(kube::applyStrategicMergePatch(edited, forced, deploymentSchema())) ==
        canonical(result));
}

// ---- custom resources (unknown schema) ----

TEST_CASE("custom resources use the unknown schema: lists replace, maps merge", "[kube][smp]") {
  const auto schema = kube::PatchSchema::unknown();
  core::Value original = yaml(R"(
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, finalizers: [a, b]}
spec:
  items: [a, b]
  entries: [{name: x, size: 1}, {name: y, size: 2}]
  settings: {color: red, shape: round}
)");
  core::Value result = kube::applyStrategicMergePatch(original, yaml(R"(
metadata: {finalizers: [c]}
spec:
  items: [c]
  entries: [{name: x, size: 5}]
  settings: {shape: null, weight: 3}
)"),
                                                      schema);
  CHECK(canonical(result) == canonical(yaml(R"(
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, finalizers: [c]}
spec:
  items: [c]
  entries: [{name: x, size: 5}]
  settings: {color: red, weight: 3}
)")));

  // Directives still work where they need no merge key.
  CHECK(canonical(kube::applyStrategicMergePatch(
            original, yaml("spec: {settings: {$patch: replace, size: 1}}"),
            schema)["spec"]["settings"]) == canonical(yaml("{size: 1}")));
  CHECK(canonical(kube::applyStrategicMergePatch(
            original, yaml("metadata: {$deleteFromPrimitiveList/finalizers: [a]}"),
            schema)["metadata"]) == canonical(yaml("{name: w, finalizers: [b]}")));

  // Diffs send changed lists whole, and unknown fields are fine.
  core::Value modified = original;
  modified["spec"]["entries"][1]["size"] = 3;
  modified["spec"]["extra"] = core::Object{{"deep", core::Object{{"x", 1}}}};
  core::Value patch = kube::createTwoWayMergePatch(original, modified, schema);
  CHECK(canonical(patch) == canonical(yaml(R"(
spec:
  entries: [{name: x, size: 1}, {name: y, size: 3}]
  extra: {deep: {x: 1}}
)")));
  CHECK(canonical(kube::applyStrategicMergePatch(original, patch, schema)) == canonical(modified));
}

// ---- PatchSchema ----

TEST_CASE("PatchSchema from an OpenAPI v3 document", "[kube][smp][schema]") {
  const auto& deployment = deploymentSchema();
  CHECK(deployment.isStruct());
  CHECK(deployment.name() == "io.k8s.api.apps.v1.Deployment");

  kube::PatchSchema podSpec = deployment.field("spec").field("template").field("spec");
  CHECK(podSpec.name() == "io.k8s.api.core.v1.PodSpec");
  kube::PatchSchema containers = podSpec.field("containers");
  CHECK(containers.isList());
  CHECK(containers.mergeKey() == "name");
  CHECK(containers.strategies().strategy == kube::PatchStrategy::Merge);
  CHECK_FALSE(containers.strategies().retainKeys);
  kube::PatchSchema container = containers.items();
  CHECK(container.name() == "io.k8s.api.core.v1.Container");
  CHECK(container.field("ports").mergeKey() == "containerPort");
  CHECK(container.field("ports").items().field("containerPort").isPrimitive());
  CHECK(container.field("args").isList());
  CHECK(container.field("args").strategies().strategy == kube::PatchStrategy::None);

  kube::PatchSchema volumes = podSpec.field("volumes");
  CHECK(volumes.strategies().strategy == kube::PatchStrategy::Merge);
  CHECK(volumes.strategies().retainKeys);
  CHECK((volumes.rawStrategies() == std::vector<std::string>{"merge", "retainKeys"}));

  kube::PatchSchema strategy = deployment.field("spec").field("strategy");
  CHECK(strategy.isStruct());
  CHECK(strategy.strategies().retainKeys);
  CHECK(strategy.strategies().strategy == kube::PatchStrategy::None);
  CHECK(strategy.field("rollingUpdate").field("maxSurge").isPrimitive());

  kube::PatchSchema metadata = deployment.field("metadata");
  CHECK(metadata.field("labels").isMap());
  CHECK(metadata.field("labels").items().isPrimitive());
  CHECK(metadata.field("labels").field("anything").isPrimitive());
  CHECK(metadata.field("finalizers").strategies().strategy == kube::PatchStrategy::Merge);
  CHECK(metadata.field("finalizers").mergeKey().empty());

  CHECK(deployment.field("nonexistent").isUnknown());
  CHECK(deployment.field("status").isUnknown());
  CHECK(deployment.field("nonexistent").field("x").items().isUnknown());
  // Lookups are repeatable (and cached).
  CHECK(podSpec.field("containers").mergeKey() == "name");

  CHECK_THROWS_AS(
      kube::PatchSchema::fromOpenApiV3(yaml(kAppsOpenApi), "io.k8s.api.apps.v1.Missing"),
      core::Error);
  CHECK_THROWS_WITH(mergeItemSchema().field("badStrategyList").strategies(),
                    Catch::Matchers::ContainsSubstring("unexpected patch strategy"));
}

TEST_CASE("PatchSchema: unknown and inline JSON schemas", "[kube][smp][schema]") {
  kube::PatchSchema unknown;
  CHECK(unknown.isUnknown());
  CHECK(unknown.field("a").isUnknown());
  CHECK(unknown.items().isUnknown());
  CHECK(unknown.mergeKey().empty());
  CHECK(unknown.strategies().strategy == kube::PatchStrategy::None);

  kube::PatchSchema inline_ = kube::PatchSchema::fromJsonSchema(yaml(R"(
type: object
properties:
  spec:
    type: object
    properties:
      ports:
        type: array
        items: {type: object, properties: {port: {type: integer}}}
        x-kubernetes-patch-strategy: merge
        x-kubernetes-patch-merge-key: port
)"));
  CHECK(inline_.field("spec").field("ports").mergeKey() == "port");
  core::Value result =
      kube::applyStrategicMergePatch(yaml("spec: {ports: [{port: 80, name: http}]}"),
                                     yaml("spec: {ports: [{port: 80, name: web}]}"), inline_);
  CHECK(canonical(result) == canonical(yaml("spec: {ports: [{port: 80, name: web}]}")));
}

TEST_CASE("findOpenApiSchemaName", "[kube][smp][schema]") {
  core::Value doc = yaml(kAppsOpenApi);
  CHECK(kube::findOpenApiSchemaName(doc, "apps", "v1", "Deployment") ==
        std::optional<std::string>("io.k8s.api.apps.v1.Deployment"));
  CHECK_FALSE(kube::findOpenApiSchemaName(doc, "apps", "v1beta1", "Deployment").has_value());
  CHECK_FALSE(kube::findOpenApiSchemaName(doc, "", "v1", "Deployment").has_value());
  CHECK_FALSE(kube::findOpenApiSchemaName(yaml("{}"), "apps", "v1", "Deployment").has_value());
}

// ---- the published apps/v1 document, when the tree has it ----

std::filesystem::path appsOpenApiPath() {
#ifdef DRIFTLESS_SOURCE_DIR
  std::filesystem::path root = DRIFTLESS_SOURCE_DIR;
#else
  std::filesystem::path root = std::filesystem::path(__FILE__).parent_path() / ".." / "..";
#endif
  return root / "libs" / "k8s" / "data" / "openapi-v3" / "apis__apps__v1.json";
}

TEST_CASE("strategic merge with the apps/v1 OpenAPI document", "[kube][smp][schema]") {
  std::filesystem::path path = appsOpenApiPath();
  REQUIRE(std::filesystem::exists(path));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto document = std::make_shared<const core::Value>(core::parseJson(text.str(), path.string()));
  std::optional<std::string> name =
      kube::findOpenApiSchemaName(*document, "apps", "v1", "Deployment");
  REQUIRE(name == std::optional<std::string>("io.k8s.api.apps.v1.Deployment"));
  kube::PatchSchema schema = kube::PatchSchema::fromOpenApiV3(document, *name);
  kube::PatchSchema container =
      schema.field("spec").field("template").field("spec").field("containers");
  CHECK(container.mergeKey() == "name");
  CHECK(container.items().field("env").mergeKey() == "name");
  CHECK(container.items().field("ports").mergeKey() == "containerPort");
  CHECK(schema.field("spec").field("strategy").strategies().retainKeys);
  CHECK(schema.field("metadata").field("finalizers").strategies().strategy ==
        kube::PatchStrategy::Merge);

  deploymentApplyChecks(schema);

  // Round trip through a two-way patch.
  core::Value original = yaml(kDeployment);
  core::Value modified = original;
  modified["spec"]["template"]["spec"]["containers"][1]["image"] = "proxy:v2";
  modified["spec"]["template"]["spec"]["containers"][0]["ports"].asArray().erase(
      modified["spec"]["template"]["spec"]["containers"][0]["ports"].asArray().begin());
  core::Value patch = kube::createTwoWayMergePatch(original, modified, schema);
  CHECK(canonical(kube::applyStrategicMergePatch(original, patch, schema)) == canonical(modified));
}

}  // namespace
