#include "kubectl_harness.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>

namespace driftless::test {

CommandResult run(const std::string& command) {
  CommandResult result;
  std::string full = command + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
    result.out.append(buf.data(), n);
  int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

ControlPlane::ControlPlane(bool simulateWorkloads)
    : ControlPlane(ControlPlaneOptions{simulateWorkloads}) {}

ControlPlane::ControlPlane(ControlPlaneOptions options) : options_(options) {
  std::random_device rd;
  dir_ = std::filesystem::temp_directory_path() / ("driftless-e2e-" + std::to_string(rd()));
  std::filesystem::create_directories(dir_);
  restart();
}

ControlPlane::~ControlPlane() {
  server_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void ControlPlane::stop() {
  server_.reset();
}

void ControlPlane::restart() {
  stop();
  apiserver::ApiServerOptions options;
  options.dataDir = dir_ / "data";
  options.port = port_;
  options.simulateWorkloads = options_.simulateWorkloads;
  options.store.historyEvents = options_.historyEvents;
  options.housekeepingInterval = std::chrono::milliseconds(200);
  core::Logger quiet(core::makeFdLogSink(2), core::LogLevel::Error, core::LogEncoding::Json);
  server_ = std::make_unique<apiserver::ApiServer>(options, quiet);
  server_->start();
  port_ = server_->port();
}

kube::RestConfig ControlPlane::config() const {
  return kube::loadKubeconfig(kubeconfig());
}

CommandResult ControlPlane::kubectl(const std::string& args) const {
  // A private discovery cache per control plane, so no state leaks between tests.
  return run("kubectl --kubeconfig " + kubeconfig().string() + " --cache-dir " +
             (dir_ / "cache").string() + " --request-timeout=20s " + args);
}

std::filesystem::path ControlPlane::writeFile(const std::string& name,
                                              const std::string& content) const {
  auto path = dir_ / name;
  std::ofstream(path) << content;
  return path;
}

}  // namespace driftless::test
