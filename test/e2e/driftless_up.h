#pragma once

// `driftless up -d` for end-to-end tests: a data directory, kubectl against it, `driftless down`
// when done.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "driftless/core/json.h"

#include "git_server.h"
#include "kubectl_harness.h"
#include "test_support.h"

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

// A GitRepository `repo` (a git daemon serving apps/cm.yaml, the ConfigMap default/settings)
// and a pruning Kustomization `apps` of ./apps, Ready under `driftless up`; `driftless(ARGS)` runs
// the CLI against it.
struct CliCluster {
  TempDir tmp{"driftless-cli"};
  GitServer git{tmp.path() / "git"};
  std::string first;
  std::unique_ptr<Driftless> d;
  std::string kubeconfig;

  CliCluster() {
    git.write(
        "apps/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\n");
    first = git.commit("first");
    d = std::make_unique<Driftless>(tmp.path() / "data");
    kubeconfig = d->kubeconfig().string();
    std::ofstream(tmp.path() / "flux.yaml")
        << "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: repo\n"
           "  namespace: flux-system\nspec:\n  interval: 1h\n  url: "
        << git.url()
        << "\n  ref:\n    branch: main\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\n"
           "kind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n"
           "  interval: 1h\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n"
           "    name: repo\n";
    sh("kubectl --kubeconfig " + kubeconfig + " apply -f " + (tmp.path() / "flux.yaml").string());
    REQUIRE(d->kubectl("-n flux-system wait kustomization/apps --for=condition=ready --timeout=60s")
                .exitCode == 0);
  }
  CommandResult driftless(const std::string& args) const {
    return run(Driftless::bin() + " " + args + " --kubeconfig " + kubeconfig);
  }
};

}  // namespace driftless::test
