#pragma once

// The one HTTP/1.1 server of the toolkit (the control plane's API, controllers' health and
// metrics endpoints, the notification event receiver): TLS or plain HTTP, one thread per
// connection (clients keep few, long-lived connections), keep-alive, Content-Length and chunked
// request bodies, and chunked streaming responses for watches. Every read has an idle timeout;
// requests are bounded in size.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;

namespace driftless::net {

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const noexcept;
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

struct HttpRequest {
  std::string method;
  std::string target;                                        // path and query as sent
  std::string path;                                          // percent-decoded path
  std::multimap<std::string, std::string> query;             // decoded query parameters
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  [[nodiscard]] std::string_view header(std::string_view lowerName) const;
  [[nodiscard]] std::vector<std::string_view> allHeaders(std::string_view lowerName) const;
  // The value of a query parameter, or fallback when absent.
  [[nodiscard]] std::string param(std::string_view name, std::string_view fallback = "") const;
  [[nodiscard]] bool hasParam(std::string_view name) const;
};

// Writes one response; either send() once, or beginStream() then writeChunk()... endStream().
// For a HEAD request send() writes the headers (Content-Length of body included) and no body.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual void send(int status, std::string_view contentType, std::string_view body,
                    const std::vector<std::pair<std::string, std::string>>& headers = {}) = 0;
  virtual bool beginStream(int status, std::string_view contentType) = 0;
  // False once the client is gone.
  virtual bool writeChunk(std::string_view data) = 0;
  virtual void endStream() = 0;
  // True when the client closed its side (checked without blocking).
  [[nodiscard]] virtual bool clientGone() = 0;
};

using HttpHandler = std::function<void(const HttpRequest&, ResponseWriter&)>;

struct HttpServerOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;  // 0 picks a free port
  std::chrono::seconds idleTimeout{90};
  std::size_t maxConnections = 1024;
  std::size_t maxBodyBytes = 16 * 1024 * 1024;
};

class HttpServer {
 public:
  // Binds and listens; throws core::Error when the address is unavailable. A null tls serves
  // plain HTTP.
  HttpServer(SslCtxPtr tls, HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  // Accepts connections until stop(); returns immediately (the accept loop has its own thread).
  void start();
  // Stops accepting, closes every connection and joins their threads.
  void stop();

 private:
  void acceptLoop();
  void serveConnection(int fd);
  void serveRequests(ResponseWriter& connection);

  SslCtxPtr tls_;
  HttpServerOptions options_;
  HttpHandler handler_;
  int listenFd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptThread_;
  std::mutex mutex_;
  std::map<int, std::thread> connections_;
  std::vector<std::thread> finished_;
};

// Percent-decodes a URL component ('+' stays '+' in paths; in queries it means space).
std::string percentDecode(std::string_view s, bool plusIsSpace);

}  // namespace driftless::net
