#include "capture_server.h"

#include <thread>

#include "driftless/apiserver/tls.h"

namespace driftless::test {

CaptureServer::CaptureServer(const std::filesystem::path& tlsDir) {
  net::SslCtxPtr ctx;
  if (!tlsDir.empty()) {
    const apiserver::ServingMaterial material = apiserver::ensureServingMaterial(tlsDir, {});
    caPem_ = material.caCertPem;
    ctx = apiserver::makeServerContext(material);
    tls_ = true;
  }
  net::HttpServerOptions options;
  options.bind = "127.0.0.1";
  server_ = std::make_unique<net::HttpServer>(
      std::move(ctx), options, [this](const net::HttpRequest& req, net::ResponseWriter& w) {
        int status = 200;
        std::string body = "{}";
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(req);
          auto it = scripts_.find(req.path);
          if (it != scripts_.end() && !it->second.empty()) {
            status = it->second.front();
            it->second.erase(it->second.begin());
          }
          if (auto b = bodies_.find(req.path); b != bodies_.end()) body = b->second;
        }
        w.send(status, "application/json", body);
      });
  server_->start();
}

CaptureServer::~CaptureServer() {
  server_->stop();
}

std::string CaptureServer::url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

std::uint16_t CaptureServer::port() const {
  return server_->port();
}

void CaptureServer::script(const std::string& path, std::vector<int> statuses) {
  std::lock_guard lock(mutex_);
  scripts_[path] = std::move(statuses);
}

void CaptureServer::respond(const std::string& path, std::string body) {
  std::lock_guard lock(mutex_);
  bodies_[path] = std::move(body);
}

std::vector<net::HttpRequest> CaptureServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<net::HttpRequest> CaptureServer::requests(const std::string& path) const {
  std::lock_guard lock(mutex_);
  std::vector<net::HttpRequest> out;
  for (const auto& r : requests_) {
    if (r.path == path) out.push_back(r);
  }
  return out;
}

bool CaptureServer::waitFor(const std::string& path, std::size_t n,
                            std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (requests(path).size() < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void CaptureServer::clear() {
  std::lock_guard lock(mutex_);
  requests_.clear();
}

}  // namespace driftless::test
