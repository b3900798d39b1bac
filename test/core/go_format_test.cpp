#include "driftless/core/go_format.h"

#include <catch2/catch_test_macros.hpp>

#include "driftless/core/json.h"

namespace core = driftless::core;

TEST_CASE("goQuote follows Go's strconv.Quote", "[core][go]") {
  CHECK(core::goQuote("plain") == "\"plain\"");
  CHECK(core::goQuote("a\"b\\c") == R"("a\"b\\c")");
  CHECK(core::goQuote("\a\b\f\n\r\t\v") == R"("\a\b\f\n\r\t\v")");
  CHECK(core::goQuote(std::string("\x01\x7f", 2)) == R"("\x01\x7f")");
  CHECK(core::goQuote("caf\xc3\xa9 \xf0\x9f\x9a\x80") == "\"caf\xc3\xa9 \xf0\x9f\x9a\x80\"");
  CHECK(core::goQuote("\xff") == R"("\xff")");
  CHECK(core::goQuote("\xe2\x80\x8b") == R"("\u200b")");  // zero-width space: not printable
  CHECK(core::runeCount("caf\xc3\xa9") == 4);
  CHECK(core::runeCount("\xff\xfe") == 2);
}

TEST_CASE("toJson can sort object keys like Go's json.Marshal of maps", "[core][json]") {
  core::Value v = core::parseJson(R"({"b":1,"a":{"d":[{"z":1,"y":2}],"c":"<"}})");
  CHECK(core::toJson(v, {.indent = 0, .escapeHtml = true, .sortKeys = true}) ==
        R"({"a":{"c":"\u003c","d":[{"y":2,"z":1}]},"b":1})");
  CHECK(core::toJson(v) == R"({"b":1,"a":{"d":[{"z":1,"y":2}],"c":"\u003c"}})");
}

#include "driftless/core/base64.h"

TEST_CASE("base64 encodes and decodes with padding", "[core][base64]") {
  CHECK(core::base64Encode("") == "");
  CHECK(core::base64Encode("f") == "Zg==");
  CHECK(core::base64Encode("fo") == "Zm8=");
  CHECK(core::base64Encode("foo") == "Zm9v");
  CHECK(core::base64Encode("hunter2") == "aHVudGVyMg==");
  CHECK(core::base64Decode("aHVudGVyMg==").value() == "hunter2");
  CHECK(core::base64Decode("Zm8=").value() == "fo");
  CHECK_FALSE(core::base64Decode("Zm8").has_value());
  CHECK_FALSE(core::base64Decode("Z=m8").has_value());
  CHECK_FALSE(core::base64Decode("Zm!=").has_value());
}
