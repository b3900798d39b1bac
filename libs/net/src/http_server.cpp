#include "driftless/net/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>

#include "driftless/core/error.h"
#include "driftless/core/text.h"

namespace driftless::net {

namespace {

struct SslDeleter {
  void operator()(SSL* s) const noexcept { SSL_free(s); }
};
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

const char* reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "Request Entity Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

struct BadRequest : core::Error {
  using core::Error::Error;
};

// One connection (TLS when ssl is set, plain otherwise): buffered reads with the socket's
// receive timeout, whole writes.
class Connection final : public ResponseWriter {
 public:
  Connection(SSL* ssl, int fd, std::size_t maxBody) : ssl_(ssl), fd_(fd), maxBody_(maxBody) {}

  // Reads one request; false on a clean close or timeout before any byte.
  bool readRequest(HttpRequest& req) {
    std::size_t headerEnd;
    while ((headerEnd = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (buffer_.size() > 64 * 1024) throw BadRequest("request header too large");
      if (!fill()) {
        if (buffer_.empty()) return false;
        throw BadRequest("connection closed mid-request");
      }
    }
    std::string_view head(buffer_.data(), headerEnd);
    std::size_t lineEnd = head.find("\r\n");
    std::string_view requestLine = head.substr(0, lineEnd);
    std::size_t sp1 = requestLine.find(' ');
    std::size_t sp2 = requestLine.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) throw BadRequest("malformed request line");
    req = HttpRequest();
    req.method = std::string(requestLine.substr(0, sp1));
    req.target = std::string(requestLine.substr(sp1 + 1, sp2 - sp1 - 1));
    http10_ = requestLine.substr(sp2 + 1) == "HTTP/1.0";
    std::size_t pos = lineEnd == std::string_view::npos ? head.size() : lineEnd + 2;
    while (pos < head.size()) {
      std::size_t end = head.find("\r\n", pos);
      if (end == std::string_view::npos) end = head.size();
      std::string_view line = head.substr(pos, end - pos);
      std::size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        req.headers.emplace_back(core::asciiLower(trim(line.substr(0, colon))),
                                 std::string(trim(line.substr(colon + 1))));
      }
      pos = end + 2;
    }
    buffer_.erase(0, headerEnd + 4);
    parseTarget(req);
    keepAlive_ = !http10_ && core::asciiLower(req.header("connection")) != "close";
    if (core::asciiLower(req.header("transfer-encoding")).find("chunked") != std::string::npos) {
      readChunkedBody(req.body);
    } else if (auto cl = req.header("content-length"); !cl.empty()) {
      std::size_t n = 0;
      auto [ptr, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), n);
      if (ec != std::errc() || ptr != cl.data() + cl.size()) throw BadRequest("bad Content-Length");
      if (n > maxBody_) throw BadRequest("request body too large");
      while (buffer_.size() < n) {
        if (!fill()) throw BadRequest("connection closed mid-body");
      }
      req.body = buffer_.substr(0, n);
      buffer_.erase(0, n);
    }
    responded_ = false;
    headRequest_ = req.method == "HEAD";
    return true;
  }

  [[nodiscard]] bool keepAlive() const noexcept { return keepAlive_; }
  [[nodiscard]] bool responded() const noexcept { return responded_; }

  void send(int status, std::string_view contentType, std::string_view body,
            const std::vector<std::pair<std::string, std::string>>& headers) override {
    std::string out = statusLine(status);
    if (!contentType.empty()) out += "Content-Type: " + std::string(contentType) + "\r\n";
    for (const auto& [k, v] : headers)
      out += k + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    if (!keepAlive_) out += "Connection: close\r\n";
    out += "\r\n";
    if (!headRequest_) out.append(body);  // a HEAD response has the GET headers, no body
    responded_ = true;
    writeAll(out);
  }

  bool beginStream(int status, std::string_view contentType) override {
    std::string out = statusLine(status);
    out += "Content-Type: " + std::string(contentType) + "\r\nTransfer-Encoding: chunked\r\n";
    out += "Cache-Control: no-cache, private\r\n\r\n";
    responded_ = true;
    keepAlive_ = false;  // a watch ends its connection
    return writeAll(out);
  }

  bool writeChunk(std::string_view data) override {
    if (data.empty()) return true;
    char size[32];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string out(size, static_cast<std::size_t>(n));
    out.append(data);
    out += "\r\n";
    return writeAll(out);
  }

  void endStream() override { writeAll("0\r\n\r\n"); }

  bool clientGone() override {
    if (broken_) return true;
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if ((p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) return true;
    // Readable: either data (a pipelined request we ignore) or EOF.
    char c;
    if (ssl_ != nullptr) return SSL_peek(ssl_, &c, 1) <= 0;
    return ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }

 private:
  static std::string statusLine(int status) {
    return "HTTP/1.1 " + std::to_string(status) + " " + reasonPhrase(status) + "\r\n";
  }

  bool fill() {
    char buf[16384];
    long n = 0;
    if (ssl_ != nullptr) {
      n = SSL_read(ssl_, buf, sizeof buf);
    } else {
      do {
        n = ::recv(fd_, buf, sizeof buf, 0);
      } while (n < 0 && errno == EINTR);
    }
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  bool writeAll(std::string_view data) {
    while (!data.empty() && !broken_) {
      std::size_t chunk = std::min<std::size_t>(data.size(), 1 << 30);
      long n = 0;
      if (ssl_ != nullptr) {
        n = SSL_write(ssl_, data.data(), static_cast<int>(chunk));
      } else {
        do {
          n = ::send(fd_, data.data(), chunk, MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
      }
      if (n <= 0) {
        broken_ = true;
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return !broken_;
  }

  void readChunkedBody(std::string& body) {
    for (;;) {
      std::size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) {
        if (!fill()) throw BadRequest("connection closed mid-body");
      }
      std::size_t size = 0;
      std::string_view sizeText(buffer_.data(), eol);
      sizeText = sizeText.substr(0, sizeText.find(';'));
      auto [ptr, ec] =
          std::from_chars(sizeText.data(), sizeText.data() + sizeText.size(), size, 16);
      if (ec != std::errc()) throw BadRequest("bad chunk size");
      buffer_.erase(0, eol + 2);
      if (body.size() + size > maxBody_) throw BadRequest("request body too large");
      while (buffer_.size() < size + 2) {
        if (!fill()) throw BadRequest("connection closed mid-body");
      }
      body.append(buffer_, 0, size);
      buffer_.erase(0, size + 2);
      if (size == 0) return;  // (trailers are not supported)
    }
  }

  static void parseTarget(HttpRequest& req) {
    std::string_view target = req.target;
    std::size_t q = target.find('?');
    req.path = percentDecode(target.substr(0, q), false);
    if (q == std::string_view::npos) return;
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      std::size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      if (!pair.empty()) {
        std::size_t eq = pair.find('=');
        std::string key = percentDecode(pair.substr(0, eq), true);
        std::string value =
            eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1), true);
        req.query.emplace(std::move(key), std::move(value));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }

  SSL* ssl_;
  int fd_;
  std::size_t maxBody_;
  std::string buffer_;
  bool keepAlive_ = true;
  bool http10_ = false;
  bool broken_ = false;
  bool responded_ = false;
  bool headRequest_ = false;
};

}  // namespace

std::string percentDecode(std::string_view s, bool plusIsSpace) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hexValue(s[i + 1]);
      int lo = hexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plusIsSpace && s[i] == '+') ? ' ' : s[i];
  }
  return out;
}

std::string_view HttpRequest::header(std::string_view lowerName) const {
  for (const auto& [k, v] : headers) {
    if (k == lowerName) return v;
  }
  return {};
}

std::vector<std::string_view> HttpRequest::allHeaders(std::string_view lowerName) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : headers) {
    if (k == lowerName) out.push_back(v);
  }
  return out;
}

std::string HttpRequest::param(std::string_view name, std::string_view fallback) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? std::string(fallback) : it->second;
}

bool HttpRequest::hasParam(std::string_view name) const {
  return query.find(std::string(name)) != query.end();
}

void SslCtxDeleter::operator()(SSL_CTX* ctx) const noexcept {
  SSL_CTX_free(ctx);
}

void HttpServer::serveRequests(ResponseWriter& writer) {
  auto& conn = static_cast<Connection&>(writer);
  try {
    HttpRequest req;
    while (!stopping_ && conn.readRequest(req)) {
      handler_(req, conn);
      if (!conn.responded()) conn.send(500, "text/plain", "no response", {});
      if (!conn.keepAlive()) break;
    }
  } catch (const BadRequest& e) {
    if (!conn.responded()) conn.send(400, "text/plain", e.what(), {});
  } catch (const std::exception& e) {
    if (!conn.responded()) conn.send(500, "text/plain", e.what(), {});
  }
}

HttpServer::HttpServer(SslCtxPtr tls, HttpServerOptions options, HttpHandler handler)
    : tls_(std::move(tls)), options_(std::move(options)), handler_(std::move(handler)) {
  // Writes to a connection the client already closed must fail with EPIPE, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  bool v6 = options_.bind.find(':') != std::string::npos;
  listenFd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) throw core::Error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(options_.port);
    if (inet_pton(AF_INET6, options_.bind.c_str(), &a->sin6_addr) != 1) {
      throw core::Error("invalid bind address " + options_.bind);
    }
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(options_.port);
    if (inet_pton(AF_INET, options_.bind.c_str(), &a->sin_addr) != 1) {
      throw core::Error("invalid bind address " + options_.bind);
    }
    len = sizeof *a;
  }
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listenFd_, 128) != 0) {
    int err = errno;
    ::close(listenFd_);
    throw core::Error("cannot listen on " + options_.bind + ":" + std::to_string(options_.port) +
                      ": " + std::strerror(err));
  }
  sockaddr_storage bound{};
  socklen_t boundLen = sizeof bound;
  ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&bound), &boundLen);
  port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                   : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  acceptThread_ = std::thread([this] { acceptLoop(); });
}

void HttpServer::stop() {
  if (stopping_.exchange(true)) return;
  if (listenFd_ >= 0) ::shutdown(listenFd_, SHUT_RDWR);
  if (acceptThread_.joinable()) acceptThread_.join();
  if (listenFd_ >= 0) ::close(listenFd_);
  std::map<int, std::thread> connections;
  std::vector<std::thread> finished;
  {
    std::lock_guard lock(mutex_);
    for (auto& [fd, t] : connections_)
      ::shutdown(fd, SHUT_RDWR);
    connections.swap(connections_);
    finished.swap(finished_);
  }
  for (auto& [fd, t] : connections) {
    if (t.joinable()) t.join();
  }
  for (auto& t : finished) {
    if (t.joinable()) t.join();
  }
}

void HttpServer::acceptLoop() {
  while (!stopping_) {
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping_) return;
      ::usleep(10000);  // EMFILE and friends: back off briefly
      continue;
    }
    std::lock_guard lock(mutex_);
    for (auto& t : finished_)
      t.join();
    finished_.clear();
    if (stopping_ || connections_.size() >= options_.maxConnections) {
      ::close(fd);
      continue;
    }
    connections_.emplace(fd, std::thread([this, fd] { serveConnection(fd); }));
  }
}

void HttpServer::serveConnection(int fd) {
  timeval tv{static_cast<time_t>(options_.idleTimeout.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  timeval sendTv{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTv, sizeof sendTv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!tls_) {
    Connection conn(nullptr, fd, options_.maxBodyBytes);
    serveRequests(conn);
  } else {
    SslPtr ssl(SSL_new(tls_.get()));
    if (ssl && SSL_set_fd(ssl.get(), fd) == 1 && SSL_accept(ssl.get()) == 1) {
      Connection conn(ssl.get(), fd, options_.maxBodyBytes);
      serveRequests(conn);
      SSL_shutdown(ssl.get());
    }
    ERR_clear_error();
  }
  {
    // Forget the connection before its descriptor is closed, so accept() cannot hand the same
    // number to a new connection while this one is still registered.
    std::lock_guard lock(mutex_);
    auto it = connections_.find(fd);
    if (it != connections_.end()) {
      finished_.push_back(std::move(it->second));
      connections_.erase(it);
    }
  }
  ::close(fd);
}

}  // namespace driftless::net
