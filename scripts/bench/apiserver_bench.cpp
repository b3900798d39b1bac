// Embedded control plane benchmark (issue F2): N ConfigMaps created over HTTPS by concurrent
// clients, a list of all of them, and W watchers each receiving U updates of one ConfigMap.
// Reports writes/s, list latency, watch delivery latency p50/p99 and peak RSS.
// Usage: apiserver_bench [--objects 10000] [--clients 8] [--watchers 100] [--updates 1000]

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "driftless/core/json.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::int64_t nowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A keep-alive HTTPS/1.1 client for one connection, verifying the server with the CA.
class Client {
 public:
  Client(std::uint16_t port, const std::string& caFile, std::string token)
      : token_(std::move(token)) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx_, caFile.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set1_host(ssl_, "127.0.0.1");
    if (SSL_connect(ssl_) != 1) throw std::runtime_error("TLS handshake failed");
  }
  ~Client() {
    SSL_free(ssl_);
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends a request and reads a Content-Length response; returns the status.
  int request(const std::string& method, const std::string& path, const std::string& body,
              std::string* responseBody = nullptr) {
    sendRequest(method, path, body);
    std::string head = readHead();
    int status = std::atoi(head.c_str() + 9);
    auto pos = head.find("Content-Length: ");
    std::size_t length = pos == std::string::npos ? 0 : std::stoul(head.substr(pos + 16));
    while (buffer_.size() < length)
      fill();
    if (responseBody != nullptr) *responseBody = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return status;
  }

  void sendRequest(const std::string& method, const std::string& path, const std::string& body) {
    std::string req =
        method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token_ +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    if (SSL_write(ssl_, req.data(), static_cast<int>(req.size())) <= 0) {
      throw std::runtime_error("write failed");
    }
  }

  std::string readHead() {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
      fill();
    std::string head = buffer_.substr(0, end + 4);
    buffer_.erase(0, end + 4);
    return head;
  }

  // Reads the next newline-terminated line of a chunked stream body.
  std::string readStreamLine() {
    for (;;) {
      auto nl = decoded_.find('\n');
      if (nl != std::string::npos) {
        std::string line = decoded_.substr(0, nl);
        decoded_.erase(0, nl + 1);
        return line;
      }
      std::size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos)
        fill();
      std::size_t size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
      if (size == 0) throw std::runtime_error("stream ended");
      while (buffer_.size() < eol + 2 + size + 2)
        fill();
      decoded_.append(buffer_, eol + 2, size);
      buffer_.erase(0, eol + 2 + size + 2);
    }
  }

 private:
  void fill() {
    char buf[65536];
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("connection closed");
    buffer_.append(buf, static_cast<std::size_t>(n));
  }

  std::string token_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  std::string buffer_;
  std::string decoded_;
};

// A line of /proc/<pid>/status such as VmHWM (peak) or VmRSS, in MiB.
double serverRssMiB(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(field.size())) / 1024.0;
  }
  return 0;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  int objects = 10000;
  int clients = 8;
  int watchers = 100;
  int updates = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    int v = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--objects") == 0) objects = v;
    if (std::strcmp(argv[i], "--clients") == 0) clients = v;
    if (std::strcmp(argv[i], "--watchers") == 0) watchers = v;
    if (std::strcmp(argv[i], "--updates") == 0) updates = v;
  }
  fs::path dir = fs::temp_directory_path() / ("driftless-bench-" + std::to_string(::getpid()));
  namespace core = driftless::core;
  // The server runs as its own process (the driftless binary next to this one), so its peak
  // RSS is measured alone.
  const fs::path driftless = fs::canonical("/proc/self/exe").parent_path() / "driftless";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(driftless.c_str(), "driftless", "apiserver", "--data-dir", dir.c_str(), "--log-level",
            "error", static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  const fs::path kubeconfig = dir / "kubeconfig";
  for (int i = 0; i < 300 && !fs::exists(kubeconfig); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::uint16_t port = 0;
  {
    std::ifstream in(kubeconfig);
    std::string line;
    while (std::getline(in, line)) {
      auto pos = line.find("server: https://127.0.0.1:");
      if (pos != std::string::npos)
        port = static_cast<std::uint16_t>(std::stoi(line.substr(pos + 26)));
    }
  }
  if (port == 0) {
    std::fprintf(stderr, "the control plane did not start\n");
    return 1;
  }
  const std::string ca = (dir / "pki" / "ca.crt").string();
  std::string token;
  {
    FILE* f = std::fopen((dir / "pki" / "token").c_str(), "r");
    char buf[128] = {};
    if (f != nullptr && std::fgets(buf, sizeof buf, f) != nullptr) token = buf;
    if (f != nullptr) std::fclose(f);
  }
  const double baseRss = serverRssMiB(pid, "VmRSS:");

  // 1. Creates.
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      Client client(port, ca, token);
      for (int i = next++; i < objects; i = next++) {
        std::string body =
            R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-)" + std::to_string(i) +
            R"(","labels":{"bench":"yes"}},"data":{"key":"value-)" + std::to_string(i) + R"("}})";
        if (client.request("POST", "/api/v1/namespaces/default/configmaps", body) != 201)
          ++failures;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  threads.clear();
  double createSeconds = std::chrono::duration<double>(Clock::now() - start).count();

  // 2. List.
  Client lister(port, ca, token);
  std::vector<double> listMs;
  std::size_t listBytes = 0;
  for (int r = 0; r < 5; ++r) {
    std::string body;
    auto t0 = Clock::now();
    lister.request("GET", "/api/v1/namespaces/default/configmaps", "", &body);
    listMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    listBytes = body.size();
  }

  // 3. Watch fan-out: every watcher sees every update of one ConfigMap.
  Client setup(port, ca, token);
  setup.request("POST", "/api/v1/namespaces/default/configmaps",
                R"({"metadata":{"name":"watched"},"data":{"sent":"0"}})");
  std::string current;
  setup.request("GET", "/api/v1/namespaces/default/configmaps/watched", "", &current);
  std::string rv = core::parseJson(current)["metadata"]["resourceVersion"].asString();
  std::mutex latencyMutex;
  std::vector<double> latencies;
  std::atomic<int> ready{0};
  for (int w = 0; w < watchers; ++w) {
    threads.emplace_back([&] {
      Client client(port, ca, token);
      client.sendRequest(
          "GET",
          "/api/v1/namespaces/default/"
          "configmaps?watch=1&fieldSelector=metadata.name%3Dwatched&resourceVersion=" +
              rv,
          "");
      client.readHead();
      ++ready;
      std::vector<double> mine;
      for (int u = 0; u < updates; ++u) {
        std::string line = client.readStreamLine();
        auto ev = core::parseJson(line);
        auto sent = std::stoll(ev["object"]["data"]["sent"].asString());
        mine.push_back(static_cast<double>(nowMicros() - sent) / 1000.0);
      }
      std::lock_guard lock(latencyMutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  while (ready < watchers)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int u = 0; u < updates; ++u) {
    setup.request(
        "PUT", "/api/v1/namespaces/default/configmaps/watched",
        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"watched"},"data":{"sent":")" +
            std::to_string(nowMicros()) + R"("}})");
  }
  for (auto& t : threads)
    t.join();

  std::printf("objects: %d ConfigMaps created by %d clients in %.2f s: %.0f writes/s (%d failed)\n",
              objects, clients, createSeconds, objects / createSeconds, failures.load());
  std::printf("list of %d objects (%.1f MB): median %.1f ms\n", objects,
              static_cast<double>(listBytes) / 1e6, percentile(listMs, 0.5));
  std::printf("watch: %d watchers x %d updates: delivery p50 %.2f ms, p99 %.2f ms\n", watchers,
              updates, percentile(latencies, 0.5), percentile(latencies, 0.99));
  std::printf("server peak RSS: %.1f MiB (%.1f MiB at start; %.1f MiB now, with %d objects)\n",
              serverRssMiB(pid, "VmHWM:"), baseRss, serverRssMiB(pid, "VmRSS:"), objects + 1);
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return failures == 0 ? 0 : 1;
}
