// Flux's additions around kustomize build: envsubst, the generated kustomization, secure joins.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include "driftless/core/yaml.h"
#include "driftless/kustomize/build.h"
#include "driftless/kustomize/envsubst.h"
#include "driftless/kustomize/flux.h"
#include "test_support.h"

namespace k = driftless::kustomize;
namespace core = driftless::core;
namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;

namespace {

std::string expand(std::string_view text, const std::map<std::string, std::string>& vars,
                   bool strict = true) {
  return k::envsubst(
      text,
      [&vars](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
      },
      strict);
}

void write(const fs::path& file, const std::string& content) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << content;
}

std::string read(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("envsubst: plain variables and escapes", "[kustomize][envsubst]") {
  const std::map<std::string, std::string> vars{{"name", "web"}, {"EMPTY", ""}};
  CHECK(expand("app: ${name}", vars) == "app: web");
  CHECK(expand("a ${name}-${name} b", vars) == "a web-web b");
  CHECK(expand("$name stays", vars) == "$name stays");
  CHECK(expand("$${name} is literal", vars) == "${name} is literal");
  CHECK(expand("cost: $$5", vars) == "cost: $5");
  CHECK(expand("$$$${name}", vars) == "$${name}");
  CHECK(expand("no vars at all", vars) == "no vars at all");
  CHECK(expand("trailing $", vars) == "trailing $");
  CHECK(expand("unicode: ${name} é", vars) == "unicode: web é");
}

TEST_CASE("envsubst: defaults and strict mode", "[kustomize][envsubst]") {
  const std::map<std::string, std::string> vars{{"set", "x"}, {"EMPTY", ""}};
  CHECK(expand("${missing:=fallback}", vars) == "fallback");
  CHECK(expand("${missing:-fallback}", vars) == "fallback");
  CHECK(expand("${missing=fallback}", vars) == "fallback");
  CHECK(expand("${EMPTY:=fallback}", vars) == "fallback");
  CHECK(expand("${set:=fallback}", vars) == "x");
  CHECK(expand("${missing:=a-${set}-b}", vars) == "a-x-b");
  CHECK(expand("${missing:=}", vars).empty());
  CHECK_THROWS_WITH(expand("v: ${missing}", vars), "variable not set (strict mode): \"missing\"");
  CHECK(expand("v: ${missing}", vars, false) == "v: ");
  // A nested variable is evaluated even when the default is not needed.
  CHECK_THROWS_WITH(expand("${set:=${missing}}", vars),
                    "variable not set (strict mode): \"missing\"");
}

TEST_CASE("envsubst: string functions", "[kustomize][envsubst]") {
  const std::map<std::string, std::string> vars{
      {"s", "Hello World"}, {"file", "archive.tar.gz"}, {"path", "a/b/c"}, {"lower", "flux"}};
  CHECK(expand("${#s}", vars) == "11");
  CHECK(expand("${s^^}", vars) == "HELLO WORLD");
  CHECK(expand("${s,,}", vars) == "hello world");
  CHECK(expand("${lower^}", vars) == "Flux");
  CHECK(expand("${s,}", vars) == "hello World");
  CHECK(expand("${s:6}", vars) == "World");
  CHECK(expand("${s:0:5}", vars) == "Hello");
  CHECK(expand("${s:-5}", vars) == "Hello World");  // `:-` is the default operator
  CHECK(expand("${s:6:100}", vars) == "World");
  CHECK(expand("${s:x}", vars) == "Hello World");
  CHECK(expand("${file#*.}", vars) == "tar.gz");
  CHECK(expand("${file##*.}", vars) == "gz");
  CHECK(expand("${file%.*}", vars) == "archive.tar");
  CHECK(expand("${file%%.*}", vars) == "archive");
  CHECK(expand("${path#*/}", vars) == "b/c");
  CHECK(expand("${s/o/0}", vars) == "Hell0 World");
  CHECK(expand("${s//o/0}", vars) == "Hell0 W0rld");
  CHECK(expand("${s/#Hello/Bye}", vars) == "Bye World");
  CHECK(expand("${s/%World/All}", vars) == "Hello All");
  CHECK(expand("${s/#World/All}", vars) == "Hello World");
  CHECK(expand("${path//\\//-}", vars) == "a-b-c");
  CHECK(expand("${s// /}", vars) == "HelloWorld");
}

TEST_CASE("envsubst: syntax errors", "[kustomize][envsubst]") {
  const std::map<std::string, std::string> vars{{"v", "x"}};
  CHECK_THROWS_WITH(expand("${v", vars), "missing closing brace");
  CHECK_THROWS_WITH(expand("${v-default}", vars), "missing closing brace");
  CHECK_THROWS_WITH(expand("${}", vars), "unable to parse variable name");
  CHECK_THROWS_WITH(expand("${#}", vars), "bad substitution");
  CHECK_THROWS_WITH(expand("${v/a}", vars), "bad substitution");
  CHECK_THROWS_WITH(expand("${v:}", vars), "unable to parse substitution within function");
}

TEST_CASE("substituteVariables on a resource", "[kustomize][envsubst]") {
  core::Value cm = core::parseYaml(R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-${cluster}
data:
  region: ${region:=eu-west-1}
  replicas: "${replicas}"
  enabled: ${enabled}
)");
  std::map<std::string, std::string> vars{
      {"cluster", "prod"}, {"replicas", "3"}, {"enabled", "true"}};
  REQUIRE(k::substituteVariables(cm, vars, true, false));
  CHECK(cm["metadata"]["name"].asString() == "cm-prod");
  CHECK(cm["data"]["region"].asString() == "eu-west-1");
  CHECK(cm["data"]["replicas"].asString() == "3");
  CHECK(cm["data"]["enabled"].isBool());

  SECTION("no variables: untouched unless always") {
    core::Value other = core::parseYaml("kind: A\nmetadata:\n  name: ${x:=d}\n");
    CHECK_FALSE(k::substituteVariables(other, {}, true, false));
    CHECK(other["metadata"]["name"].asString() == "${x:=d}");
    CHECK(k::substituteVariables(other, {}, true, true));
    CHECK(other["metadata"]["name"].asString() == "d");
  }
  SECTION("opt-out by label or annotation") {
    core::Value off = core::parseYaml(
        "kind: A\nmetadata:\n  name: ${cluster}\n  annotations:\n"
        "    kustomize.toolkit.fluxcd.io/substitute: disabled\n");
    CHECK_FALSE(k::substituteVariables(off, vars, true, false));
  }
  SECTION("strict mode names the variable") {
    core::Value bad = core::parseYaml("kind: A\nmetadata:\n  name: ${nope}\n");
    CHECK_THROWS_WITH(k::substituteVariables(bad, vars, true, false),
                      "envsubst error: variable substitution failed: variable not set (strict "
                      "mode): \"nope\"");
  }
  SECTION("invalid variable names") {
    core::Value any = core::parseYaml("kind: A\n");
    CHECK_THROWS_WITH(k::substituteVariables(any, {{"1bad", "x"}}, true, false),
                      ContainsSubstring("'1bad' var name is invalid"));
  }
}

TEST_CASE("secureJoin keeps paths under the root", "[kustomize][flux]") {
  driftless::test::TempDir tmp("flux-join");
  const fs::path root = tmp.path();
  CHECK(k::secureJoin(root, "") == root);
  CHECK(k::secureJoin(root, "./apps/prod") == root / "apps" / "prod");
  CHECK(k::secureJoin(root, "../../etc") == root / "etc");
  CHECK(k::secureJoin(root, "/abs/path") == root / "abs" / "path");
  fs::create_directories(root / "real");
  fs::create_symlink("/etc", root / "link");
  CHECK(k::secureJoin(root, "link/passwd") == root / "etc" / "passwd");
}

TEST_CASE("writeFluxKustomization generates and overrides", "[kustomize][flux]") {
  driftless::test::TempDir tmp("flux-gen");
  const fs::path root = tmp.path();

  SECTION("a plain directory of manifests") {
    write(root / "apps" / "b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n");
    write(root / "apps" / "a.yml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
    write(root / "apps" / "notes.txt", "not yaml");
    write(root / "apps" / "sub" / "kustomization.yaml", "resources:\n- c.yaml\n");
    write(root / "apps" / "sub" / "c.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
    core::Value spec = core::parseYaml(
        "targetNamespace: prod\nnamePrefix: p-\nimages:\n- name: nginx\n  newTag: '1.27'\n");
    CHECK(k::writeFluxKustomization(root, root / "apps", spec) == k::GenerateAction::Created);
    core::Value kus = core::parseYaml(read(root / "apps" / "kustomization.yaml"));
    REQUIRE(kus["resources"].asArray().size() == 3);
    CHECK(kus["resources"][0].asString() == "./a.yml");
    CHECK(kus["resources"][1].asString() == "./b.yaml");
    CHECK(kus["resources"][2].asString() == "./sub");
    CHECK(kus["namespace"].asString() == "prod");
    CHECK(kus["namePrefix"].asString() == "p-");
    CHECK(kus["images"][0]["newTag"].asString() == "1.27");
    auto built = k::buildFluxKustomization(root, root / "apps");
    REQUIRE(built.size() == 3);
    CHECK(built[0]["metadata"]["name"].asString() == "p-a");
    CHECK(built[0]["metadata"]["namespace"].asString() == "prod");
  }
  SECTION("an existing kustomization keeps its images' other fields") {
    write(root / "k" / "kustomization.yaml",
          "resources:\n- d.yaml\nimages:\n- name: web\n  newName: reg/web\n  newTag: v1\n"
          "  digest: sha256:aaa\n");
    write(root / "k" / "d.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n");
    core::Value spec = core::parseYaml(
        "images:\n- name: web\n  newTag: v2\npatches:\n- patch: |\n    - op: add\n"
        "      path: /data\n      value: {k: v}\n  target:\n    kind: ConfigMap\n");
    CHECK(k::writeFluxKustomization(root, root / "k", spec) == k::GenerateAction::Unchanged);
    core::Value kus = core::parseYaml(read(root / "k" / "kustomization.yaml"));
    CHECK(kus["images"][0]["newName"].asString() == "reg/web");
    CHECK(kus["images"][0]["newTag"].asString() == "v2");
    CHECK(std::as_const(kus)["images"][0].find("digest") == nullptr);
    auto built = k::buildFluxKustomization(root, root / "k");
    REQUIRE(built.size() == 1);
    CHECK(built[0]["data"]["k"].asString() == "v");
  }
  SECTION("an empty directory builds to nothing") {
    fs::create_directories(root / "empty");
    k::writeFluxKustomization(root, root / "empty", core::Value::object());
    CHECK(k::buildFluxKustomization(root, root / "empty").empty());
  }
  SECTION("invalid YAML names the file") {
    write(root / "bad" / "x.yaml", "a: [unclosed\n");
    CHECK_THROWS_WITH(k::writeFluxKustomization(root, root / "bad", core::Value::object()),
                      ContainsSubstring("failed to decode Kubernetes YAML from"));
  }
  SECTION("components must be local") {
    fs::create_directories(root / "c");
    write(root / "c" / "x.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    core::Value spec = core::parseYaml("components:\n- https://example.com/c\n");
    CHECK_THROWS_WITH(k::writeFluxKustomization(root, root / "c", spec),
                      "component path 'https://example.com/c' must be local and relative");
    core::Value missing =
        core::parseYaml("components:\n- ../nope\nignoreMissingComponents: true\n");
    k::writeFluxKustomization(root, root / "c", missing);
    CHECK(core::parseYaml(read(root / "c" / "kustomization.yaml")).find("components") == nullptr);
  }
  SECTION("overlays reach sibling bases but never leave the root") {
    write(root / "base" / "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(root / "base" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n");
    write(root / "overlay" / "kustomization.yaml", "resources:\n- ../base\nnameSuffix: -o\n");
    auto built = k::buildFluxKustomization(root, root / "overlay");
    REQUIRE(built.size() == 1);
    CHECK(built[0]["metadata"]["name"].asString() == "b-o");
    driftless::test::TempDir outside("flux-outside");
    write(outside.path() / "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(outside.path() / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z\n");
    write(root / "escape" / "kustomization.yaml",
          "resources:\n- " + outside.path().lexically_relative(root / "escape").string() + "\n");
    CHECK_THROWS_WITH(k::buildFluxKustomization(root, root / "escape"),
                      ContainsSubstring("is not in or below"));
  }
}
