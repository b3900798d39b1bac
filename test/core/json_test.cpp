#include "driftless/core/json.h"

#include <catch2/catch_test_macros.hpp>

#include <cmath>
#include <limits>

#include "driftless/core/error.h"

namespace core = driftless::core;

TEST_CASE("parseJson builds the value model", "[core][json]") {
  auto v = core::parseJson(
      R"({"b":1,"a":[true,false,null,1.5,-7,"s\u00e9\n"],"big":12345678901234567890,)"
      R"("min":-9223372036854775808,"exp":1e3,"o":{}})");
  REQUIRE(v.isObject());
  CHECK(v.asObject().members()[0].key == "b");
  CHECK(v["b"].isInt());
  CHECK(v["a"][0].asBool());
  CHECK(v["a"][2].isNull());
  CHECK(v["a"][3].asDouble() == 1.5);
  CHECK(v["a"][4].asInt() == -7);
  CHECK(v["a"][5].asString() == "s\xc3\xa9\n");
  CHECK(v["big"].isDouble());
  CHECK(v["min"].asInt() == std::numeric_limits<std::int64_t>::min());
  CHECK(v["exp"].isDouble());
  CHECK(v["o"].isObject());
}

TEST_CASE("parseJson keeps the last of duplicate keys, like Go", "[core][json]") {
  auto v = core::parseJson(R"({"a":1,"b":2,"a":3})");
  CHECK(v.size() == 2);
  CHECK(v["a"].asInt() == 3);
}

TEST_CASE("parseJson reports line and column", "[core][json]") {
  try {
    core::parseJson("{\n  \"a\": 1,\n  \"b\": tru\n}", "obj.json");
    FAIL("expected an error");
  } catch (const core::ParseError& e) {
    CHECK(e.source() == "obj.json");
    CHECK(e.line() == 3);
    CHECK(e.column() == 8);
    CHECK(std::string(e.what()).rfind("obj.json:3:8: ", 0) == 0);
  }
  CHECK_THROWS_AS(core::parseJson("[1,2"), core::ParseError);
  CHECK_THROWS_AS(core::parseJson(""), core::ParseError);
  CHECK_THROWS_AS(core::parseJson("{} {}"), core::ParseError);
}

TEST_CASE("toJson escapes strings as Go's encoding/json", "[core][json]") {
  CHECK(core::toJson(core::Value("<a href=\"x\">&</a>")) ==
        R"("\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e")");
  CHECK(core::toJson(core::Value("<>&"), {.indent = 0, .escapeHtml = false}) == R"("<>&")");
  CHECK(core::toJson(core::Value("tab\tnl\ncr\rbs\\q\"\b\f\x01\x1f")) ==
        R"("tab\tnl\ncr\rbs\\q\"\b\f\u0001\u001f")");
  CHECK(core::toJson(core::Value("\xe2\x80\xa8\xe2\x80\xa9")) == R"("\u2028\u2029")");
  CHECK(core::toJson(core::Value("ok \xc3\xa9 \xf0\x9f\x98\x80")) ==
        "\"ok \xc3\xa9 \xf0\x9f\x98\x80\"");
  CHECK(core::toJson(core::Value("bad \xff\xc3")) == R"("bad \ufffd\ufffd")");
}

TEST_CASE("toJson formats numbers as Go", "[core][json]") {
  CHECK(core::formatJsonNumber(1.0) == "1");
  CHECK(core::formatJsonNumber(1.5) == "1.5");
  CHECK(core::formatJsonNumber(-0.25) == "-0.25");
  CHECK(core::formatJsonNumber(1e20) == "100000000000000000000");
  CHECK(core::formatJsonNumber(1e21) == "1e+21");
  CHECK(core::formatJsonNumber(1.2345678901234567e19) == "12345678901234567000");
  CHECK(core::formatJsonNumber(0.000001) == "0.000001");
  CHECK(core::formatJsonNumber(0.0000001) == "1e-7");
  CHECK(core::formatJsonNumber(1.5e-10) == "1.5e-10");
  CHECK(core::formatJsonNumber(0.1) == "0.1");
  CHECK_THROWS_AS(core::formatJsonNumber(std::nan("")), core::Error);
  CHECK(core::toJson(core::Value(std::int64_t{-9007199254740993})) == "-9007199254740993");
}

TEST_CASE("toJson compact and indented output", "[core][json]") {
  core::Value v = core::Object{{"kind", "List"},
                               {"items", core::Array{core::Object{{"a", 1}}, core::Array{}}},
                               {"empty", core::Object{}}};
  CHECK(core::toJson(v) == R"({"kind":"List","items":[{"a":1},[]],"empty":{}})");
  CHECK(core::toJson(v, {.indent = 2}) == R"({
  "kind": "List",
  "items": [
    {
      "a": 1
    },
    []
  ],
  "empty": {}
})");
  CHECK(core::parseJson(core::toJson(v, {.indent = 4})) == v);
}
