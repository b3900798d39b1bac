#pragma once

// `driftless up -d` for end-to-end tests: a data directory, kubectl against it, `driftless down`
// when done.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "driftless/core/json.h"

#include "kubectl_harness.h"

namespace driftless::test {

// Runs cmd; the test fails when it does not exit 0.
inline std::string sh(const std::string& cmd) {
  CommandResult r = run(cmd);
  INFO(cmd << "\n" << r.out);
  REQUIRE(r.exitCode == 0);
  return r.out;
}

// `driftless up -d` on a temporary data directory; `driftless down` when done.
class Driftless {
 public:
  explicit Driftless(const std::filesystem::path& dataDir) : dataDir_(dataDir) { up(); }
  ~Driftless() { run(bin() + " down --data-dir " + dataDir_.string()); }
  void up() {
    const std::string out = sh(bin() + " up -d --data-dir " + dataDir_.string() + " 2>&1");
    REQUIRE_THAT(out, Catch::Matchers::ContainsSubstring((dataDir_ / "kubeconfig").string()));
  }
  void down() { sh(bin() + " down --data-dir " + dataDir_.string()); }
  [[nodiscard]] CommandResult kubectl(const std::string& args) const {
    return run("kubectl --kubeconfig " + (dataDir_ / "kubeconfig").string() + " " + args + " 2>&1");
  }
  [[nodiscard]] std::string get(const std::string& args) const {
    CommandResult r = kubectl(args);
    return r.exitCode == 0 ? r.out : std::string();
  }
  // A port `driftless up` recorded in state.json (e.g. notification-controller-events).
  [[nodiscard]] int port(const std::string& name) const {
    std::ifstream state(dataDir_ / "state.json");
    const core::Value ports = core::parseJson(
        std::string(std::istreambuf_iterator<char>(state), std::istreambuf_iterator<char>()));
    return static_cast<int>(ports["ports"][name].asInt());
  }
  [[nodiscard]] std::filesystem::path kubeconfig() const { return dataDir_ / "kubeconfig"; }
  static std::string bin() { return std::string(DRIFTLESS_BIN_DIR) + "/driftless"; }

 private:
  std::filesystem::path dataDir_;
};

}  // namespace driftless::test
