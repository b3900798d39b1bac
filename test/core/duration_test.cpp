#include "driftless/core/duration.h"

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers.hpp>

#include <string>

#include "driftless/core/error.h"

namespace core = driftless::core;
using std::chrono::nanoseconds;

namespace {
struct ParseCase {
  const char* text;
  std::int64_t nanos;
};
// Expected values follow Go's time.ParseDuration.
const ParseCase kParse[] = {
    {"0", 0},
    {"5s", 5'000'000'000},
    {"30s", 30'000'000'000},
    {"1478s", 1'478'000'000'000},
    {"-5s", -5'000'000'000},
    {"+5s", 5'000'000'000},
    {"-0", 0},
    {"5.0s", 5'000'000'000},
    {"5.6s", 5'600'000'000},
    {"5.s", 5'000'000'000},
    {".5s", 500'000'000},
    {"1.004s", 1'004'000'000},
    {"100.00100s", 100'001'000'000},
    {"10ns", 10},
    {"11us", 11'000},
    {"12\xc2\xb5s", 12'000},
    {"13ms", 13'000'000},
    {"14s", 14'000'000'000},
    {"15m", 900'000'000'000},
    {"16h", 57'600'000'000'000},
    {"3h30m", 12'600'000'000'000},
    {"10.5s4m", 250'500'000'000},
    {"1m30s", 90'000'000'000},
    {"1h1m1s", 3'661'000'000'000},
    {"0.3333333333333333333h", 1'200'000'000'000},
    {"9223372036854775807ns", 9'223'372'036'854'775'807},
    {"-9223372036854775808ns", INT64_MIN},
};
const char* const kBad[] = {
    "",       "3",   "-",  "s", ".", "-.", ".s", "+.s", "3000000h", "1d", "9223372036854775808ns",
    "1m-30s", "x1s", "1.5"};

struct FormatCase {
  std::int64_t nanos;
  const char* text;
};
// Expected values follow Go's Duration.String().
const FormatCase kFormat[] = {
    {0, "0s"},
    {1, "1ns"},
    {1'100, "1.1\xc2\xb5s"},
    {2'200'000, "2.2ms"},
    {3'300'000'000, "3.3s"},
    {60'000'000'000, "1m0s"},
    {90'000'000'000, "1m30s"},
    {600'000'000'000, "10m0s"},
    {3'600'000'000'000, "1h0m0s"},
    {4'000'000'000'000 + 5'000'000'000 + 1, "1h6m45.000000001s"},
    {-1'000'000'000, "-1s"},
    {INT64_MIN, "-2562047h47m16.854775808s"},
    {INT64_MAX, "2562047h47m16.854775807s"},
};
}  // namespace

TEST_CASE("parseDuration follows Go's time.ParseDuration", "[core][duration]") {
  for (const auto& c : kParse) {
    DYNAMIC_SECTION(c.text) {
      auto d = core::tryParseDuration(c.text);
      REQUIRE(d.has_value());
      CHECK(d->count() == c.nanos);
    }
  }
  for (const char* bad : kBad) {
    DYNAMIC_SECTION("invalid " << bad) {
      CHECK_FALSE(core::tryParseDuration(bad).has_value());
    }
  }
  CHECK_THROWS_WITH(core::parseDuration("1d"), "time: invalid duration \"1d\"");
}

TEST_CASE("formatDuration follows Go's Duration.String", "[core][duration]") {
  for (const auto& c : kFormat) {
    DYNAMIC_SECTION(c.text) {
      CHECK(core::formatDuration(nanoseconds(c.nanos)) == c.text);
    }
  }
  CHECK(core::formatDuration(core::parseDuration("1m")) == "1m0s");
  CHECK(core::formatDuration(core::parseDuration("90s")) == "1m30s");
}
