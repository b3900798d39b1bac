#include "driftless/apiserver/structural_schema.h"

#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/yaml.h"

namespace apiserver = driftless::apiserver;
namespace core = driftless::core;

namespace {

std::filesystem::path crdDirectory() {
#ifdef DRIFTLESS_SOURCE_DIR
  std::filesystem::path root = DRIFTLESS_SOURCE_DIR;
#else
  std::filesystem::path root = std::filesystem::path(__FILE__).parent_path() / ".." / "..";
#endif
  return root / "config" / "crd" / "bases";
}

// The storage version's schema of a CRD in config/crd/bases, parsed once.
const apiserver::StructuralSchema& crdSchema(const std::string& file) {
  static std::map<std::string, apiserver::StructuralSchema> cache;
  if (auto it = cache.find(file); it != cache.end()) return it->second;
  const std::filesystem::path path = crdDirectory() / file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& doc : core::parseYamlStream(text.str(), {.source = path.string()})) {
    if (doc["kind"] != core::Value("CustomResourceDefinition")) continue;
    for (const auto& version : doc["spec"]["versions"].asArray()) {
      if (version["storage"] != core::Value(true)) continue;
      return cache.emplace(file, apiserver::StructuralSchema(version["schema"]["openAPIV3Schema"]))
          .first->second;
    }
  }
  throw std::runtime_error("no storage version in " + path.string());
}

const apiserver::StructuralSchema& gitRepository() {
  return crdSchema("source.toolkit.fluxcd.io_gitrepositories.yaml");
}
const apiserver::StructuralSchema& kustomization() {
  return crdSchema("kustomize.toolkit.fluxcd.io_kustomizations.yaml");
}
const apiserver::StructuralSchema& helmRelease() {
  return crdSchema("helm.toolkit.fluxcd.io_helmreleases.yaml");
}

core::Value yaml(const std::string& text) {
  return core::parseYaml(text);
}

std::vector<std::string> causes(const apiserver::StructuralSchema& schema, const core::Value& obj) {
  std::vector<std::string> out;
  for (const auto& c : schema.validate(obj))
    out.push_back(c.toString());
  return out;
}

const char* const gitRepositoryHead = R"(apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: flux-system
)";

core::Value gitRepo(const std::string& rest) {
  return yaml(gitRepositoryHead + rest);
}

struct ValidationCase {
  const char* name;
  const char* body;  // appended to the GitRepository's apiVersion, kind and metadata
  std::vector<std::string> expected;
};

}  // namespace

TEST_CASE("GitRepository validation matches kube-apiserver's causes", "[apiserver][schema]") {
  const std::vector<ValidationCase> cases = {
      {"valid",
       R"(spec:
  url: https://github.com/stefanprodan/podinfo
  interval: 1m
  ref: {branch: master}
status:
  observedGeneration: 2
  conditions:
  - {type: Ready, status: "True", reason: Succeeded, message: ok, lastTransitionTime: "2024-05-01T10:00:00Z", observedGeneration: 2}
)",
       {}},
      {"pattern",
       "spec: {url: 'ftp://x', interval: 1m}\n",
       {"spec.url: Invalid value: \"ftp://x\": spec.url in body should match "
        "'^(http|https|ssh|git)://.*$'"}},
      {"required", "spec: {url: 'https://x'}\n", {"spec.interval: Required value"}},
      {"properties before required",
       "spec: {url: 'ftp://x'}\n",
       {"spec.url: Invalid value: \"ftp://x\": spec.url in body should match "
        "'^(http|https|ssh|git)://.*$'",
        "spec.interval: Required value"}},
      {"enum",
       "spec: {url: 'https://x', interval: 1m, provider: gitlab}\n",
       {"spec.provider: Unsupported value: \"gitlab\": supported values: \"generic\", \"aws\", "
        "\"azure\", \"github\""}},
      {"types",
       "spec: {url: 'https://x', interval: 1m, suspend: 'yes', timeout: 30}\n",
       {"spec.suspend: Invalid value: \"string\": spec.suspend in body must be of type boolean: "
        "\"string\"",
        "spec.timeout: Invalid value: \"integer\": spec.timeout in body must be of type string: "
        "\"integer\""}},
      {"object expected",
       "spec: x\n",
       {"spec: Invalid value: \"string\": spec in body must be of type object: \"string\""}},
      {"integer expected",
       "spec: {url: 'https://x', interval: 1m}\nstatus: {observedGeneration: x}\n",
       {"status.observedGeneration: Invalid value: \"string\": status.observedGeneration in body "
        "must be of type integer: \"string\""}},
      {"int64 given a fraction",
       "spec: {url: 'https://x', interval: 1m}\nstatus: {observedGeneration: 1.5}\n",
       {"status.observedGeneration: Invalid value: \"float64\": status.observedGeneration in body "
        "must be of type int64: \"float64\"",
        "<nil>: Invalid value: \"\": Checked value must be of type integer with format int64 in "
        "status.observedGeneration"}},
      {"int64 given an integral double",
       "spec: {url: 'https://x', interval: 1m}\nstatus: {observedGeneration: 2.0}\n",
       {}},
      {"pattern of a duration",
       "spec: {url: 'https://x', interval: 1 minute}\n",
       {"spec.interval: Invalid value: \"1 minute\": spec.interval in body should match "
        "'^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$'"}},
      {"array items",
       R"(spec: {url: 'https://x', interval: 1m}
status:
  conditions:
  - {type: Ready, status: Maybe, reason: "", message: m, lastTransitionTime: yesterday, observedGeneration: -1}
)",
       {"status.conditions[0].status: Unsupported value: \"Maybe\": supported values: \"True\", "
        "\"False\", \"Unknown\"",
        "status.conditions[0].reason: Invalid value: \"\": status.conditions[0].reason in body "
        "should be at least 1 chars long",
        "status.conditions[0].lastTransitionTime: Invalid value: \"yesterday\": "
        "status.conditions[0].lastTransitionTime in body must be of type date-time: "
        "\"yesterday\"",
        "status.conditions[0].observedGeneration: Invalid value: -1: "
        "status.conditions[0].observedGeneration in body should be greater than or equal to 0"}},
      {"required in array items",
       R"(spec: {url: 'https://x', interval: 1m}
status:
  conditions:
  - {type: Ready}
)",
       {"status.conditions[0].status: Required value",
        "status.conditions[0].lastTransitionTime: Required value",
        "status.conditions[0].reason: Required value",
        "status.conditions[0].message: Required value"}},
      {"nested object in array",
       "spec: {url: 'https://x', interval: 1m, include: [{fromPath: x}]}\n",
       {"spec.include[0].repository: Required value"}},
      {"enum and required in a nested object",
       "spec: {url: 'https://x', interval: 1m, verify: {mode: other}}\n",
       {"spec.verify.mode: Unsupported value: \"other\": supported values: \"head\", \"HEAD\", "
        "\"Tag\", \"TagAndHEAD\"",
        "spec.verify.secretRef: Required value"}},
      {"additionalProperties",
       R"(spec: {url: 'https://x', interval: 1m}
status:
  artifact:
    digest: sha256:abc
    path: p
    url: u
    revision: r
    lastUpdateTime: "2024-01-01T00:00:00Z"
    metadata: {a: 1}
)",
       {"status.artifact.metadata.a: Invalid value: \"integer\": status.artifact.metadata.a in "
        "body must be of type string: \"integer\""}},
      {"null array item",
       "spec: {url: 'https://x', interval: 1m, sparseCheckout: [null]}\n",
       {"spec.sparseCheckout[0]: Invalid value: \"null\": spec.sparseCheckout[0] in body must be "
        "of type string: \"null\""}},
      {"Go quoting of values",
       "spec: {url: \"ftp://\\\"x\\\"\\n\", interval: 1m}\n",
       {"spec.url: Invalid value: \"ftp://\\\"x\\\"\\n\": spec.url in body should match "
        "'^(http|https|ssh|git)://.*$'"}},
      {"date-time formats",
       R"(spec: {url: 'https://x', interval: 1m}
status:
  conditions:
  - {type: A, status: "True", reason: R, message: m, lastTransitionTime: "2024-02-29T23:59:59.123+02:00"}
  - {type: B, status: "True", reason: R, message: m, lastTransitionTime: "2023-02-29T10:00:00Z"}
  - {type: C, status: "True", reason: R, message: m, lastTransitionTime: "2024-01-01T24:00:00Z"}
  - {type: D, status: "True", reason: R, message: m, lastTransitionTime: 5}
)",
       {"status.conditions[1].lastTransitionTime: Invalid value: \"2023-02-29T10:00:00Z\": "
        "status.conditions[1].lastTransitionTime in body must be of type date-time: "
        "\"2023-02-29T10:00:00Z\"",
        "status.conditions[2].lastTransitionTime: Invalid value: \"2024-01-01T24:00:00Z\": "
        "status.conditions[2].lastTransitionTime in body must be of type date-time: "
        "\"2024-01-01T24:00:00Z\"",
        "status.conditions[3].lastTransitionTime: Invalid value: \"int64\": "
        "status.conditions[3].lastTransitionTime in body must be of type date-time: \"int64\""}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      CHECK(causes(gitRepository(), gitRepo(c.body)) == c.expected);
    }
  }
}

TEST_CASE("causes carry kube's cause types", "[apiserver][schema]") {
  const auto obj = gitRepo(R"(spec: {url: 'ftp://x', provider: x, suspend: 1}
status:
  conditions:
  - {type: Ready, status: "True", reason: "", message: m, lastTransitionTime: "2024-05-01T10:00:00Z"}
)");
  std::vector<std::string> types;
  for (const auto& c : gitRepository().validate(obj))
    types.push_back(c.field + " " + c.type);
  CHECK(types == std::vector<std::string>{
                     "spec.url FieldValueInvalid", "spec.provider FieldValueNotSupported",
                     "spec.suspend FieldValueTypeInvalid", "spec.interval FieldValueRequired",
                     "status.conditions[0].reason FieldValueInvalid"});
  const auto first = gitRepository().validate(obj).front();
  CHECK(first.message ==
        "Invalid value: \"ftp://x\": spec.url in body should match '^(http|https|ssh|git)://.*$'");
}

TEST_CASE("status updates are validated against the status schema", "[apiserver][schema]") {
  const auto obj = gitRepo(R"(spec: {url: 'ftp://x'}
status:
  observedGeneration: x
  conditions:
  - {type: Ready, status: "True", reason: "", lastTransitionTime: "2024-05-01T10:00:00Z"}
)");
  std::vector<std::string> found;
  for (const auto& c : gitRepository().validateStatus(obj))
    found.push_back(c.toString());
  CHECK(found ==
        std::vector<std::string>{
            "status.observedGeneration: Invalid value: \"string\": observedGeneration in body must "
            "be of type integer: \"string\"",
            "status.conditions[0].reason: Invalid value: \"\": conditions[0].reason in body should "
            "be at least 1 chars long",
            "status.conditions[0].message: Required value"});
  CHECK(gitRepository().validateStatus(gitRepo("spec: {url: 'ftp://x'}\n")).empty());
}

TEST_CASE("maxLength is reported as Too long", "[apiserver][schema]") {
  auto obj = gitRepo(R"(spec: {url: 'https://x', interval: 1m}
status:
  conditions:
  - {type: Ready, status: "True", reason: R, message: m, lastTransitionTime: "2024-05-01T10:00:00Z"}
)");
  obj["status"]["conditions"][0]["reason"] = core::Value(std::string(1025, 'A'));
  CHECK(causes(gitRepository(), obj) ==
        std::vector<std::string>{
            "status.conditions[0].reason: Too long: may not be more than 1024 bytes"});
  // Lengths count runes, as Go does: 1024 two-byte runes fit.
  std::string runes;
  for (int i = 0; i < 1024; ++i)
    runes += "\xC3\xA9";
  obj["status"]["conditions"][0]["reason"] = core::Value(runes);
  CHECK(causes(gitRepository(), obj) ==
        std::vector<std::string>{"status.conditions[0].reason: Invalid value: \"" + runes +
                                 "\": status.conditions[0].reason in body should match "
                                 "'^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$'"});
}

TEST_CASE("GitRepository defaults", "[apiserver][schema][defaults]") {
  SECTION("absent fields, nested objects and the status") {
    auto obj = gitRepo(R"(spec:
  url: https://x
  interval: 1m
  verify: {secretRef: {name: keys}}
)");
    gitRepository().applyDefaults(obj);
    CHECK(obj["spec"]["timeout"] == core::Value("60s"));
    CHECK(obj["spec"]["verify"]["mode"] == core::Value("HEAD"));
    CHECK(obj["status"] == yaml("{observedGeneration: -1}"));
    CHECK(obj["spec"].find("provider") == nullptr);
    CHECK(causes(gitRepository(), obj).empty());
  }
  SECTION("set values are kept, a present status is completed") {
    auto obj = gitRepo(
        "spec: {url: 'https://x', interval: 1m, timeout: 5m}\nstatus: {observedGeneration: 3}\n");
    gitRepository().applyDefaults(obj);
    CHECK(obj["spec"]["timeout"] == core::Value("5m"));
    CHECK(obj["status"] == yaml("{observedGeneration: 3}"));
    auto empty = gitRepo("spec: {url: 'https://x', interval: 1m}\nstatus: {}\n");
    gitRepository().applyDefaults(empty);
    CHECK(empty["status"] == yaml("{}"));  // the status default applies only when it is absent
  }
  SECTION("a non-nullable null is defaulted") {
    auto obj = gitRepo("spec: {url: 'https://x', interval: 1m, timeout: null}\n");
    CHECK(gitRepository().prune(obj).empty());  // kept for defaulting: it has a default
    REQUIRE(obj["spec"].find("timeout") != nullptr);
    gitRepository().applyDefaults(obj);
    CHECK(obj["spec"]["timeout"] == core::Value("60s"));
  }
  SECTION("defaults into array items") {
    auto obj = yaml(R"(apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps}
spec:
  interval: 10m
  prune: true
  sourceRef: {kind: GitRepository, name: podinfo}
  postBuild:
    substituteFrom:
    - {kind: ConfigMap, name: vars}
    - {kind: Secret, name: secret-vars, optional: true}
)");
    kustomization().applyDefaults(obj);
    CHECK(obj["spec"]["force"] == core::Value(false));
    CHECK(obj["spec"]["postBuild"]["substituteFrom"][0]["optional"] == core::Value(false));
    CHECK(obj["spec"]["postBuild"]["substituteFrom"][1]["optional"] == core::Value(true));
    CHECK(causes(kustomization(), obj).empty());
  }
  SECTION("defaults satisfy required fields") {
    auto obj = yaml(R"(apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo}
spec:
  interval: 5m
  chart:
    spec:
      chart: podinfo
      sourceRef: {kind: HelmRepository, name: podinfo}
      verify: {}
)");
    CHECK(causes(helmRelease(), obj) ==
          std::vector<std::string>{"spec.chart.spec.verify.provider: Required value"});
    helmRelease().applyDefaults(obj);
    CHECK(obj["spec"]["chart"]["spec"]["verify"]["provider"] == core::Value("cosign"));
    CHECK(obj["spec"]["chart"]["spec"]["version"] == core::Value("*"));
    CHECK(obj["spec"]["chart"]["spec"]["reconcileStrategy"] == core::Value("ChartVersion"));
    CHECK(causes(helmRelease(), obj).empty());
  }
  SECTION("array defaults") {
    const auto& imageRepository = crdSchema("image.toolkit.fluxcd.io_imagerepositories.yaml");
    auto obj = yaml(R"(apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {name: podinfo}
spec: {image: ghcr.io/stefanprodan/podinfo, interval: 5m}
)");
    imageRepository.applyDefaults(obj);
    CHECK(obj["spec"]["exclusionList"] == yaml("['^.*\\.sig$']"));
    CHECK(obj["spec"]["provider"] == core::Value("generic"));
    auto many = core::Value::array();
    for (int i = 0; i < 26; ++i)
      many.push_back(core::Value("x"));
    obj["spec"]["exclusionList"] = many;
    CHECK(causes(imageRepository, obj) ==
          std::vector<std::string>{"spec.exclusionList: Too many: 26: must have at most 25 items"});
  }
}

TEST_CASE("pruning unknown fields", "[apiserver][schema][prune]") {
  SECTION("unknown fields are removed and reported, sorted") {
    auto obj = gitRepo(R"(spec:
  url: https://x
  interval: 1m
  foo: 1
  include:
  - repository: {name: a, extra: true}
    bar: x
status:
  nope: {}
zzz: 1
)");
    obj["metadata"]["unknownMetaField"] = core::Value("kept");
    CHECK(gitRepository().prune(obj) == std::vector<std::string>{"spec.foo", "spec.include[0].bar",
                                                                 "spec.include[0].repository.extra",
                                                                 "status.nope", "zzz"});
    CHECK(obj["spec"] ==
          yaml("{url: 'https://x', interval: 1m, include: [{repository: {name: a}}]}"));
    CHECK(obj["status"] == yaml("{}"));
    CHECK(obj.find("zzz") == nullptr);
    CHECK(obj["apiVersion"] == core::Value("source.toolkit.fluxcd.io/v1"));
    CHECK(obj["kind"] == core::Value("GitRepository"));
    CHECK(obj["metadata"]["unknownMetaField"] == core::Value("kept"));
  }
  SECTION("nothing to prune") {
    auto obj = gitRepo("spec: {url: 'https://x', interval: 1m}\n");
    const auto before = obj;
    CHECK(gitRepository().prune(obj).empty());
    CHECK(obj == before);
  }
  SECTION("non-nullable nulls without a default are dropped silently") {
    auto obj = gitRepo("spec: {url: 'https://x', interval: 1m, ignore: null, include: [null]}\n");
    CHECK(gitRepository().prune(obj).empty());
    CHECK(obj["spec"].find("ignore") == nullptr);
    CHECK(obj["spec"]["include"] == yaml("[null]"));  // array items are not pruned
  }
  SECTION("HelmRelease values are preserved") {
    auto obj = yaml(R"(apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo}
spec:
  interval: 5m
  chartRef: {kind: OCIRepository, name: podinfo}
  values:
    replicaCount: 2
    ingress: {enabled: true, hosts: [{host: podinfo.local}]}
  unknown: x
)");
    const auto values = obj["spec"]["values"];
    CHECK(helmRelease().prune(obj) == std::vector<std::string>{"spec.unknown"});
    CHECK(obj["spec"]["values"] == values);
    CHECK(causes(helmRelease(), obj).empty());
  }
  SECTION("Kustomization patches") {
    auto obj = yaml(R"(apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps}
spec:
  interval: 10m
  prune: true
  sourceRef: {kind: GitRepository, name: podinfo}
  patches:
  - patch: |
      - op: replace
        path: /spec/replicas
        value: 2
    target: {kind: Deployment, name: podinfo, labelSelectorx: a=b}
  - target: {kind: Deployment}
  - patch: {spec: {replicas: 2}}
)");
    // A string given an object: its fields are unknown (pruned), the type error remains.
    CHECK(kustomization().prune(obj) ==
          std::vector<std::string>{"spec.patches[0].target.labelSelectorx",
                                   "spec.patches[2].patch.spec"});
    CHECK(causes(kustomization(), obj) ==
          std::vector<std::string>{
              "spec.patches[1].patch: Required value",
              "spec.patches[2].patch: Invalid value: \"object\": spec.patches[2].patch in body "
              "must be of type string: \"object\""});
  }
}

TEST_CASE("int-or-string, anyOf and formats", "[apiserver][schema]") {
  const apiserver::StructuralSchema schema(yaml(R"(
type: object
properties:
  spec:
    type: object
    properties:
      port:
        x-kubernetes-int-or-string: true
        anyOf: [{type: integer}, {type: string}]
      maxUnavailable:
        x-kubernetes-int-or-string: true
        pattern: '^[0-9]+%$'
      replicas: {type: integer, format: int32, minimum: 0, maximum: 1000000}
      ratio: {type: number, minimum: 0.5, exclusiveMaximum: true, maximum: 1}
      step: {type: integer, multipleOf: 5}
      level: {type: integer, enum: [1, 2]}
      name: {type: string, format: k8s-short-name}
      id: {type: string, format: uuid}
      when: {type: string, format: date}
      nothing: {type: string, nullable: true}
      labels: {type: object, maxProperties: 2, minProperties: 1, additionalProperties: {type: string}}
      hosts: {type: array, minItems: 1, items: {type: string}}
      choice:
        type: string
        oneOf: [{pattern: '^a'}, {pattern: 'b$'}]
      notX: {type: string, not: {enum: [x]}}
)"));
  const auto check = [&](const std::string& spec, const std::vector<std::string>& expected) {
    CHECK(causes(schema, yaml("spec: " + spec)) == expected);
  };
  check("{port: 80, maxUnavailable: 1, replicas: 3, ratio: 0.75, step: 10, level: 2}", {});
  check("{port: http, maxUnavailable: 25%, name: my-app, id: 0A0B0C0D-0000-4000-8000-00000000000F}",
        {});
  check("{port: true}",
        {"spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: "
         "\"boolean\"",
         "<nil>: Invalid value: \"\": \"spec.port\" must validate at least one schema (anyOf)",
         "spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer: "
         "\"boolean\""});
  check("{maxUnavailable: half}",
        {"spec.maxUnavailable: Invalid value: \"half\": spec.maxUnavailable in body should match "
         "'^[0-9]+%$'"});
  check("{replicas: 3000000000}",
        {"<nil>: Invalid value: \"\": Checked value must be of type integer with format int32 in "
         "spec.replicas",
         "spec.replicas: Invalid value: 3000000000: spec.replicas in body should be less than or "
         "equal to 1000000"});
  check("{replicas: -1}",
        {"spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal "
         "to 0"});
  check("{ratio: 0.25}",
        {"spec.ratio: Invalid value: 0.25: spec.ratio in body should be greater than or equal to "
         "0.5"});
  check("{ratio: 1}", {"spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1"});
  check("{step: 7}", {"spec.step: Invalid value: 7: spec.step in body should be a multiple of 5"});
  check("{level: 3}", {"spec.level: Unsupported value: 3: supported values: \"1\", \"2\""});
  check("{name: My_App}",
        {"spec.name: Invalid value: \"My_App\": spec.name in body must be of type k8s-short-name: "
         "\"My_App\""});
  check("{id: not-a-uuid, when: 2024-13-01}",
        {"spec.id: Invalid value: \"not-a-uuid\": spec.id in body must be of type uuid: "
         "\"not-a-uuid\"",
         "spec.when: Invalid value: \"2024-13-01\": spec.when in body must be of type date: "
         "\"2024-13-01\""});
  check("{nothing: null}", {});
  check("{labels: {}}",
        {"spec.labels: Invalid value: 0: spec.labels in body should have at least 1 properties"});
  check("{labels: {a: x, b: w, c: z}}", {"spec.labels: Too many: 3: must have at most 2 items"});
  check("{hosts: []}",
        {"spec.hosts: Invalid value: 0: spec.hosts in body should have at least 1 items"});
  check("{choice: ab}",
        {"<nil>: Invalid value: \"\": \"spec.choice\" must validate one and only one schema "
         "(oneOf). Found 2 valid alternatives"});
  check("{choice: c}",
        {"<nil>: Invalid value: \"\": \"spec.choice\" must validate one and only one schema "
         "(oneOf). Found none valid",
         "spec.choice: Invalid value: \"c\": spec.choice in body should match '^a'"});
  check("{notX: x}",
        {"<nil>: Invalid value: \"\": \"spec.notX\" must not validate the schema (not)"});
}

TEST_CASE("embedded resources and list types", "[apiserver][schema]") {
  const apiserver::StructuralSchema schema(yaml(R"(
type: object
properties:
  spec:
    type: object
    properties:
      template:
        type: object
        x-kubernetes-embedded-resource: true
        properties:
          spec: {type: object, properties: {replicas: {type: integer}}}
      tags:
        type: array
        x-kubernetes-list-type: set
        items: {type: string}
)"));
  auto obj = yaml(R"(spec:
  template:
    apiVersion: a/b/c
    metadata: {name: x, labels: {a: b}, bogus: 1, creationTimestamp: null}
    spec: {replicas: 1, extra: 2}
  tags: [a, b, a, a, b]
)");
  CHECK(schema.prune(obj) ==
        std::vector<std::string>{"spec.template.spec.extra", "spec.template.metadata.bogus"});
  CHECK(obj["spec"]["template"]["metadata"] == yaml("{name: x, labels: {a: b}}"));
  CHECK(causes(schema, obj) ==
        std::vector<std::string>{
            "spec.template.kind: Required value",
            "spec.template.apiVersion: Invalid value: \"a/b/c\": unexpected GroupVersion string: "
            "a/b/c",
            "spec.tags[2]: Duplicate value: \"a\"", "spec.tags[4]: Duplicate value: \"b\""});

  const auto& receiver = crdSchema("notification.toolkit.fluxcd.io_receivers.yaml");
  auto receiverObj = yaml(R"(apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: r}
spec:
  type: generic-oidc
  resources: [{kind: GitRepository, name: podinfo}]
  oidcProviders:
  - issuerURL: https://a
    validations: [{expression: 'true', message: m}]
  - issuerURL: https://a
    validations: []
)");
  CHECK(causes(receiver, receiverObj) ==
        std::vector<std::string>{
            "spec.oidcProviders[1].validations: Invalid value: 0: "
            "spec.oidcProviders[1].validations in body should have at least 1 items",
            "spec.oidcProviders[1]: Duplicate value: {\"issuerURL\":\"https://a\"}"});
}

TEST_CASE("Go regular expressions", "[apiserver][schema]") {
  const apiserver::StructuralSchema schema(yaml(R"(
type: object
properties:
  a: {type: string, pattern: '(?i)^abc$'}
  b: {type: string, pattern: '\Ax+\z'}
  c: {type: string, pattern: '^(?P<word>[[:alpha:]]+)$'}
  d: {type: string, pattern: '^\p{L}+$'}
)"));
  CHECK(schema.unsupportedPatterns() == std::vector<std::string>{"d: ^\\p{L}+$"});
  CHECK(causes(schema, yaml("{a: ABC, b: xxx, c: word, d: '1'}")).empty());
  CHECK(causes(schema, yaml("{a: abcd, b: xy, c: two words}")) ==
        std::vector<std::string>{"a: Invalid value: \"abcd\": a in body should match '(?i)^abc$'",
                                 "b: Invalid value: \"xy\": b in body should match '\\Ax+\\z'",
                                 "c: Invalid value: \"two words\": c in body should match "
                                 "'^(?P<word>[[:alpha:]]+)$'"});
}

TEST_CASE("every pattern of the Flux CRDs is checked", "[apiserver][schema]") {
  std::size_t crds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(crdDirectory())) {
    if (entry.path().extension() != ".yaml") continue;
    ++crds;
    INFO(entry.path().filename().string());
    CHECK(crdSchema(entry.path().filename().string()).unsupportedPatterns().empty());
  }
  CHECK(crds >= 14);
}

TEST_CASE("long strings are matched without deep recursion", "[apiserver][schema]") {
  std::string interval;
  while (interval.size() < 400000)
    interval += "1m";
  auto obj = gitRepo("spec: {url: 'https://x'}\n");
  obj["spec"]["interval"] = core::Value(interval);
  obj["spec"]["url"] = core::Value("https://" + std::string(400000, 'x'));
  CHECK(gitRepository().validate(obj).empty());
  obj["spec"]["interval"] = core::Value(interval + "1y");
  const auto found = gitRepository().validate(obj);
  REQUIRE(found.size() == 1);
  CHECK(found[0].field == "spec.interval");
}

TEST_CASE("schemas are shared and checked", "[apiserver][schema]") {
  const apiserver::StructuralSchema copy = gitRepository();
  CHECK(causes(copy, gitRepo("spec: {url: 'https://x'}\n")) ==
        std::vector<std::string>{"spec.interval: Required value"});
  CHECK_THROWS_AS(apiserver::StructuralSchema(core::Value("x")), core::Error);
  // The empty schema keeps only apiVersion, kind and metadata.
  apiserver::StructuralSchema empty;
  auto obj = gitRepo("spec: {url: 'https://x'}\n");
  CHECK(empty.prune(obj) == std::vector<std::string>{"spec"});
  CHECK(empty.validate(obj).empty());
}
