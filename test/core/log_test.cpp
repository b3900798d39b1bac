#include "driftless/core/log.h"

#include <catch2/catch_test_macros.hpp>

#include <mutex>

#include "driftless/core/json.h"

namespace core = driftless::core;

namespace {
class MemorySink final : public core::LogSink {
 public:
  void write(std::string_view line) override {
    std::lock_guard lock(mutex_);
    lines.emplace_back(line);
  }
  std::vector<std::string> lines;

 private:
  std::mutex mutex_;
};
}  // namespace

TEST_CASE("Logger prints controller-runtime's JSON lines", "[core][log]") {
  auto sink = std::make_shared<MemorySink>();
  core::Logger root(sink, core::LogLevel::Info, core::LogEncoding::Json);
  auto log = root.withName("source-controller")
                 .withValues({{"controller", "gitrepository"},
                              {"controllerGroup", "source.toolkit.fluxcd.io"},
                              {"name", "podinfo"},
                              {"namespace", "flux-system"},
                              {"reconcileID", "1b2c"}});
  log.info("stored artifact", {{"revision", "main@sha1:abc"}});
  log.debug("hidden at info level");
  log.error("Reconciler error", "failed to checkout");
  REQUIRE(sink->lines.size() == 2);
  auto first = core::parseJson(sink->lines[0]);
  CHECK(first["level"].asString() == "info");
  CHECK(first["logger"].asString() == "source-controller");
  CHECK(first["msg"].asString() == "stored artifact");
  CHECK(first["controller"].asString() == "gitrepository");
  CHECK(first["reconcileID"].asString() == "1b2c");
  CHECK(first["revision"].asString() == "main@sha1:abc");
  CHECK(first["ts"].asString().size() == 24);
  CHECK(sink->lines[0].rfind(R"({"level":"info","ts":")", 0) == 0);
  auto second = core::parseJson(sink->lines[1]);
  CHECK(second["level"].asString() == "error");
  CHECK(second["error"].asString() == "failed to checkout");
}

TEST_CASE("Logger levels and timestamps", "[core][log]") {
  CHECK(core::parseLogLevel("trace") == core::LogLevel::Trace);
  CHECK_THROWS(core::parseLogLevel("verbose"));
  CHECK(core::formatLogTimestamp(1'700'000'000'123) == "2023-11-14T22:13:20.123Z");
  auto sink = std::make_shared<MemorySink>();
  core::Logger log(sink, core::LogLevel::Trace, core::LogEncoding::Console);
  log.trace("hello", {{"k", 1}});
  REQUIRE(sink->lines.size() == 1);
  CHECK(sink->lines[0].find("\ttrace\thello\tk=1\n") != std::string::npos);
}
