#include "driftless/core/yaml.h"

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "driftless/core/error.h"
#include "driftless/core/json.h"

namespace core = driftless::core;

namespace {

core::Value yaml(std::string_view text, core::YamlSchema schema = core::YamlSchema::Kubernetes) {
  core::YamlParseOptions options;
  options.schema = schema;
  return core::parseYaml(text, options);
}

struct ScalarCase {
  const char* yaml;
  const char* kubernetesJson;  // sigs.k8s.io/yaml (go-yaml v2)
  const char* coreJson;        // go-yaml v3
};

// How plain and quoted scalars resolve under both schemas.
const ScalarCase kScalars[] = {
    {"v: yes", R"({"v":true})", R"({"v":"yes"})"},
    {"v: No", R"({"v":false})", R"({"v":"No"})"},
    {"v: on", R"({"v":true})", R"({"v":"on"})"},
    {"v: OFF", R"({"v":false})", R"({"v":"OFF"})"},
    {"v: y", R"({"v":true})", R"({"v":"y"})"},
    {"v: True", R"({"v":true})", R"({"v":true})"},
    {"v: \"yes\"", R"({"v":"yes"})", R"({"v":"yes"})"},
    {"v: ~", R"({"v":null})", R"({"v":null})"},
    {"v: null", R"({"v":null})", R"({"v":null})"},
    {"v:", R"({"v":null})", R"({"v":null})"},
    {"v: ''", R"({"v":""})", R"({"v":""})"},
    {"v: 010", R"({"v":8})", R"({"v":8})"},
    {"v: 0x1F", R"({"v":31})", R"({"v":31})"},
    {"v: 0o17", R"({"v":15})", R"({"v":15})"},
    {"v: 0b101", R"({"v":5})", R"({"v":5})"},
    {"v: 1_000", R"({"v":1000})", R"({"v":1000})"},
    {"v: 08", R"({"v":8})", R"({"v":8})"},
    {"v: +12", R"({"v":12})", R"({"v":12})"},
    {"v: -0", R"({"v":0})", R"({"v":0})"},
    {"v: 1.0", R"({"v":1})", R"({"v":1})"},
    {"v: 1.5e3", R"({"v":1500})", R"({"v":1500})"},
    {"v: .5", R"({"v":0.5})", R"({"v":0.5})"},
    {"v: 1.", R"({"v":1})", R"({"v":1})"},
    {"v: 9223372036854775807", R"({"v":9223372036854775807})", R"({"v":9223372036854775807})"},
    {"v: 12345678901234567890", R"({"v":12345678901234567000})", R"({"v":12345678901234567000})"},
    {"v: \"123\"", R"({"v":"123"})", R"({"v":"123"})"},
    {"v: 1.2.3", R"({"v":"1.2.3"})", R"({"v":"1.2.3"})"},
    {"v: 2024-01-02", R"({"v":"2024-01-02"})", R"({"v":"2024-01-02"})"},
    {"v: 2001-12-14t21:59:43.10-05:00", R"({"v":"2001-12-14t21:59:43.10-05:00"})",
     R"({"v":"2001-12-14t21:59:43.10-05:00"})"},
    {"v: 1:20", R"({"v":"1:20"})", R"({"v":"1:20"})"},
    {"v: !!str 42", R"({"v":"42"})", R"({"v":"42"})"},
    {"v: !!int \"42\"", R"({"v":42})", R"({"v":42})"},
    {"v: !!float 1", R"({"v":1})", R"({"v":1})"},
    {"v: ! 42", R"({"v":"42"})", R"({"v":"42"})"},
    {"v: !custom 42", R"({"v":42})", R"({"v":42})"},
    {"v: 'it''s'", R"({"v":"it's"})", R"({"v":"it's"})"},
    {"v: \"tab\\tnew\\nline \\u00e9\"", R"({"v":"tab\tnew\nline é"})",
     R"({"v":"tab\tnew\nline é"})"},
    {"v: caf\xc3\xa9 \xf0\x9f\x9a\x80", R"({"v":"café 🚀"})", R"({"v":"café 🚀"})"},
    {"1: a\ntrue: b\n~: c\n1.5: d", R"({"1":"a","true":"b","null":"c","1.5":"d"})",
     R"({"1":"a","true":"b","null":"c","1.5":"d"})"},
    {"v: [1, \"2\", three, {a: b}]", R"({"v":[1,"2","three",{"a":"b"}]})",
     R"({"v":[1,"2","three",{"a":"b"}]})"},
};

}  // namespace

TEST_CASE("YAML scalars resolve as go-yaml v2 (Kubernetes) and v3 (core)", "[core][yaml]") {
  for (const auto& c : kScalars) {
    DYNAMIC_SECTION(c.yaml) {
      CHECK(core::toJson(yaml(c.yaml, core::YamlSchema::Kubernetes), {.escapeHtml = false}) ==
            c.kubernetesJson);
      CHECK(core::toJson(yaml(c.yaml, core::YamlSchema::Core), {.escapeHtml = false}) ==
            c.coreJson);
    }
  }
  CHECK(std::isinf(yaml("v: .inf")["v"].asDouble()));
  CHECK(std::isnan(yaml("v: .NaN")["v"].asDouble()));
  CHECK(yaml("v: -.Inf")["v"].asDouble() < 0);
}

TEST_CASE("YAML block scalars", "[core][yaml]") {
  auto v = yaml(R"(literal: |
  line one
    indented
  last
strip: |-
  no newline
keep: |+
  kept

folded: >
  folded
  text

  para
indicator: |2
    leading spaces
empty: |
after: x
)");
  CHECK(v["literal"].asString() == "line one\n  indented\nlast\n");
  CHECK(v["strip"].asString() == "no newline");
  CHECK(v["keep"].asString() == "kept\n\n");
  CHECK(v["folded"].asString() == "folded text\npara\n");
  CHECK(v["indicator"].asString() == "  leading spaces\n");
  CHECK(v["empty"].asString().empty());
  CHECK(v["after"].asString() == "x");
}

TEST_CASE("YAML multi-document streams", "[core][yaml]") {
  auto docs = core::parseYamlStream(R"(# leading comment
---
a: 1 # trailing comment
---
---
# only a comment
---
s: |
  ---
  not a separator
--- {b: 2}
...
---
- x
)");
  REQUIRE(docs.size() == 4);
  CHECK(docs[0]["a"].asInt() == 1);
  CHECK(docs[1]["s"].asString() == "---\nnot a separator\n");
  CHECK(docs[2]["b"].asInt() == 2);
  CHECK(docs[3][0].asString() == "x");

  core::YamlParseOptions keep;
  keep.keepEmptyDocuments = true;
  CHECK(core::parseYamlStream("---\n---\na: 1\n", keep).size() == 2);
  CHECK(core::parseYamlStream("").empty());
  CHECK(core::parseYaml("").isNull());
  CHECK_THROWS_AS(core::parseYaml("a: 1\n---\nb: 2\n"), core::Error);
}

TEST_CASE("YAML anchors, aliases and merge keys", "[core][yaml]") {
  auto v = yaml(R"(
base: &base
  image: nginx
  port: 80
extra: &extra {debug: true}
list: &list [a, b]
copy: *list
one:
  <<: *base
  port: 8080
many:
  <<: [*extra, *base]
  name: many
scalar: &s hello
again: *s
*s : keyed
)");
  CHECK(v["copy"] == yaml("[a, b]"));
  CHECK(v["one"]["image"].asString() == "nginx");
  CHECK(v["one"]["port"].asInt() == 8080);
  CHECK(v["one"].size() == 2);
  CHECK(v["many"]["debug"].asBool());
  CHECK(v["many"]["port"].asInt() == 80);
  CHECK(v["many"]["name"].asString() == "many");
  CHECK(v["again"].asString() == "hello");
  CHECK(v["hello"].asString() == "keyed");
}

TEST_CASE("YAML errors name file, line and column", "[core][yaml]") {
  core::YamlParseOptions options;
  options.source = "deploy.yaml";
  try {
    core::parseYamlStream("a: 1\nb: [1, 2\nc: 3\n", options);
    FAIL("expected an error");
  } catch (const core::ParseError& e) {
    CHECK(e.source() == "deploy.yaml");
    CHECK(e.line() >= 2);
    CHECK(std::string(e.what()).rfind("deploy.yaml:", 0) == 0);
  }
  try {
    core::parseYamlStream("a: 1\nb: 2\na: 3\n", options);
    FAIL("expected an error");
  } catch (const core::ParseError& e) {
    CHECK(e.line() == 3);
    CHECK(e.problem() == "key \"a\" already set in map");
  }
  CHECK_THROWS_AS(core::parseYaml("a: *missing"), core::ParseError);
  CHECK_THROWS_AS(core::parseYaml("a: b: c"), core::ParseError);
  CHECK_THROWS_AS(core::parseYaml("\ta: 1"), core::ParseError);
  CHECK_THROWS_AS(core::parseYaml("? [a]\n: 1"), core::ParseError);
  CHECK_THROWS_AS(core::parseYaml("v: !!int abc"), core::ParseError);
}

TEST_CASE("YAML alias expansion is bounded", "[core][yaml]") {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + std::string(1, c) + " [";
    for (int i = 0; i < 10; ++i)
      bomb += (i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  CHECK_THROWS_WITH(core::parseYaml(bomb),
                    Catch::Matchers::ContainsSubstring("excessive aliasing"));
}

TEST_CASE("YAML printing in kubectl/kustomize style", "[core][yaml]") {
  core::Value v = core::parseJson(R"({
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "cfg", "labels": {"app.kubernetes.io/name": "web"}, "annotations": {}},
    "data": {
      "script": "#!/bin/sh\necho hi\n",
      "nonl": "a\nb",
      "bool": "true", "yes": "yes", "num": "123", "float": "1.5", "null": "null", "tilde": "~",
      "empty": "", "date": "2024-01-02", "colon": "a: b", "dash": "- x", "hash": "a #b",
      "star": "*x", "quote": "'q'", "dq": "say \"hi\"", "lead": " x", "plain": "hello world",
      "url": "https://example.com/a?b=c", "ver": "1.2.3", "octal": "0755", "at": "@x"
    },
    "list": [{"name": "a", "ports": [80, 443]}, [1, 2], [], {}],
    "n": 1.5, "big": 1e21, "i": -3, "t": true, "z": null
  })");
  std::string expected = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  labels:
    app.kubernetes.io/name: web
  annotations: {}
data:
  script: |
    #!/bin/sh
    echo hi
  nonl: |-
    a
    b
  bool: "true"
  "yes": "yes"
  num: "123"
  float: "1.5"
  "null": "null"
  tilde: "~"
  empty: ""
  date: "2024-01-02"
  colon: 'a: b'
  dash: '- x'
  hash: 'a #b'
  star: '*x'
  quote: '''q'''
  dq: say "hi"
  lead: ' x'
  plain: hello world
  url: https://example.com/a?b=c
  ver: 1.2.3
  octal: "0755"
  at: '@x'
list:
- name: a
  ports:
  - 80
  - 443
- - 1
  - 2
- []
- {}
"n": 1.5
big: 1e+21
i: -3
t: true
z: null
)";
  CHECK(core::toYaml(v) == expected);
  CHECK(core::parseYaml(core::toYaml(v)) == v);
}

TEST_CASE("YAML printing folds long plain strings like go-yaml", "[core][yaml]") {
  std::string longText;
  for (int i = 0; i < 30; ++i)
    longText += "word" + std::to_string(i) + " ";
  longText += "end";
  core::Value v = core::Object{{"description", longText}};
  std::string out = core::toYaml(v);
  CHECK(out.find('\n') < out.size() - 1);  // folded over several lines
  CHECK(core::parseYaml(out) == v);
}

TEST_CASE("YAML round-trips the fixture corpus", "[core][yaml]") {
  std::ifstream in(DRIFTLESS_FIXTURES_DIR "/yaml/tricky.yaml");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  auto docs = core::parseYamlStream(ss.str());
  REQUIRE(docs.size() >= 5);
  for (const auto& d : docs) {
    CHECK(core::parseYaml(core::toYaml(d)) == d);
    CHECK(core::parseJson(core::toJson(d)) == d);
  }
  CHECK(core::parseYamlStream(core::toYamlStream(docs)) == docs);
}
