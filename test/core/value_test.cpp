#include "driftless/core/value.h"

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers.hpp>

#include "driftless/core/error.h"

namespace core = driftless::core;

TEST_CASE("Value: types and typed access", "[core][value]") {
  core::Value v;
  CHECK(v.isNull());
  CHECK(core::Value(true).asBool());
  CHECK(core::Value(42).asInt() == 42);
  CHECK(core::Value(2.0).asInt() == 2);
  CHECK(core::Value(3).asDouble() == 3.0);
  CHECK(core::Value("s").asString() == "s");
  CHECK_THROWS_AS(core::Value("s").asInt(), core::Error);
  CHECK_THROWS_AS(core::Value(2.5).asInt(), core::Error);
  CHECK_THROWS_WITH(core::Value(1).asString(), "expected string, got integer");
}

TEST_CASE("Value: objects keep insertion order and unique keys", "[core][value]") {
  core::Value v;
  v["b"] = 1;
  v["a"] = 2;
  v["b"] = 3;
  REQUIRE(v.isObject());
  const auto& members = v.asObject().members();
  REQUIRE(members.size() == 2);
  CHECK(members[0].key == "b");
  CHECK(members[0].value.asInt() == 3);
  CHECK(members[1].key == "a");
  CHECK(v.asObject().erase("b"));
  CHECK_FALSE(v.asObject().erase("b"));
  CHECK(v.size() == 1);
}

TEST_CASE("Value: deep equality ignores key order and int/double spelling", "[core][value]") {
  core::Value a = core::Object{{"x", 1}, {"y", core::Array{1, "two", core::Value()}}};
  core::Value b = core::Object{{"y", core::Array{1.0, "two", nullptr}}, {"x", 1.0}};
  CHECK(a == b);
  b["x"] = 2;
  CHECK_FALSE(a == b);
  CHECK_FALSE(core::Value(core::Array{1, 2}) == core::Value(core::Array{2, 1}));
  CHECK_FALSE(core::Value("1") == core::Value(1));
  CHECK_FALSE(core::Value() == core::Value(false));
}

TEST_CASE("Value: path get, set and erase", "[core][value]") {
  core::Value v;
  v.set(core::Path::parse("spec.template.spec.containers[1].image"), "nginx");
  const auto* image = v.find(core::Path::parse("spec.template.spec.containers[1].image"));
  REQUIRE(image != nullptr);
  CHECK(image->asString() == "nginx");
  CHECK(v.find(core::Path::parse("spec.template.spec.containers[0]"))->isNull());
  CHECK(v.find(core::Path::parse("spec.missing")) == nullptr);
  CHECK(v.find(core::Path::parse("spec.template[0]")) == nullptr);

  v.set(core::Path::parse(R"(metadata.labels["app.kubernetes.io/name"])"), "web");
  CHECK(v["metadata"]["labels"]["app.kubernetes.io/name"].asString() == "web");
  CHECK(core::Path::parse(R"(metadata.labels["app.kubernetes.io/name"])").toString() ==
        R"(metadata.labels["app.kubernetes.io/name"])");
  CHECK(core::Path::parse("a.b[2].c").toString() == "a.b[2].c");

  CHECK(v.erase(core::Path::parse("spec.template.spec.containers[0]")));
  CHECK(v.find(core::Path::parse("spec.template.spec.containers[0].image"))->asString() == "nginx");
  CHECK_FALSE(v.erase(core::Path::parse("nope.nope")));
  CHECK_THROWS_AS(core::Path::parse("a[x]"), core::Error);
  CHECK_THROWS_AS(core::Path::parse("a[1"), core::Error);
}

TEST_CASE("Value: const lookups never throw", "[core][value]") {
  const core::Value v = core::Object{{"a", core::Array{1}}};
  CHECK(v["a"][0].asInt() == 1);
  CHECK(v["a"][5].isNull());
  CHECK(v["missing"]["deeper"].isNull());
  CHECK(v["a"]["key"].isNull());
}
