#pragma once

// Test harness for end-to-end tests: an embedded control plane on 127.0.0.1 and a random port,
// in a temporary data directory, driven with the real kubectl.

#include <filesystem>
#include <memory>
#include <string>

#include "driftless/apiserver/api_server.h"
#include "driftless/kube/kubeconfig.h"

namespace driftless::test {

struct CommandResult {
  int exitCode = -1;
  std::string out;  // stdout and stderr together
};

// Runs a shell command and captures its output.
CommandResult run(const std::string& command);

struct ControlPlaneOptions {
  bool simulateWorkloads = false;
  // Watch history kept by the store (small values make old resourceVersions expire: 410).
  std::size_t historyEvents = 20000;
};

class ControlPlane {
 public:
  explicit ControlPlane(bool simulateWorkloads = false);
  explicit ControlPlane(ControlPlaneOptions options);
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Runs `kubectl --kubeconfig <ours> <args>` (args are passed to the shell as written).
  CommandResult kubectl(const std::string& args) const;
  // Writes a file in the data directory and returns its path.
  std::filesystem::path writeFile(const std::string& name, const std::string& content) const;
  // Stops the server: requests fail to connect until restart().
  void stop();
  // Stops and starts the server again on the same data directory (and port).
  void restart();
  // Our client's configuration for this control plane.
  [[nodiscard]] kube::RestConfig config() const;
  [[nodiscard]] std::uint16_t port() const { return port_; }

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::filesystem::path kubeconfig() const { return dir_ / "data" / "kubeconfig"; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<apiserver::ApiServer> server_;
  std::uint16_t port_ = 0;
  ControlPlaneOptions options_;
};

}  // namespace driftless::test
