#include "git_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <fstream>
#include <random>

#include "kubectl_harness.h"
#include "test_support.h"

namespace driftless::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string sh(const std::string& cmd) {
  CommandResult r = run(cmd);
  INFO(cmd << "\n" << r.out);
  REQUIRE(r.exitCode == 0);
  return r.out;
}

}  // namespace

GitServer::GitServer(fs::path root) : root_(std::move(root)) {
  if (root_.empty()) {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("driftless-git-" + std::to_string(rd()));
    ownsRoot_ = true;
  }
  fs::create_directories(root_ / "work");
  sh("git init -q -b main " + (root_ / "work").string() + " && git init -q --bare -b main " +
     (root_ / "repo.git").string());
  git("config user.email test@example.com && git config user.name Test");
  port_ = freePort();
  pid_ = ::fork();
  if (pid_ == 0) {
    const std::string base = "--base-path=" + root_.string();
    const std::string port = "--port=" + std::to_string(port_);
    ::execlp("git", "git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
             port.c_str(), base.c_str(), root_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
}

GitServer::~GitServer() {
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
  if (ownsRoot_) {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
}

std::string GitServer::url() const {
  return "git://127.0.0.1:" + std::to_string(port_) + "/repo.git";
}

void GitServer::write(const std::string& path, const std::string& content) {
  fs::create_directories((root_ / "work" / path).parent_path());
  std::ofstream(root_ / "work" / path) << content;
}

void GitServer::remove(const std::string& path) {
  fs::remove(root_ / "work" / path);
}

std::string GitServer::commit(const std::string& message) {
  git("add -A && git commit -q -m '" + message + "' && git push -q " +
      (root_ / "repo.git").string() + " main");
  return git("rev-parse HEAD").substr(0, 40);
}

void GitServer::waitReady() {
  REQUIRE(eventually([&] { return run("git ls-remote " + url()).exitCode == 0; }, 10s));
}

std::string GitServer::git(const std::string& args) {
  return sh("cd " + (root_ / "work").string() + " && git " + args);
}

}  // namespace driftless::test
