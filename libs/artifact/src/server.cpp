#include "driftless/artifact/server.h"

#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

#include "driftless/core/error.h"

namespace driftless::artifact {
namespace {

namespace fs = std::filesystem;

std::string_view contentType(std::string_view path) {
  if (path.ends_with(".tar.gz") || path.ends_with(".tgz")) return "application/gzip";
  if (path.ends_with(".yaml")) return "application/x-yaml";
  return "application/octet-stream";
}

// Larger files are streamed (chunked) instead of read into memory.
constexpr std::uintmax_t kInMemoryLimit = 8u << 20;

void streamFile(std::ifstream& in, std::string_view type, net::ResponseWriter& response) {
  if (!response.beginStream(200, type)) return;
  std::vector<char> buf(256 * 1024);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto n = static_cast<std::size_t>(in.gcount());
    if (n > 0 && !response.writeChunk(std::string_view(buf.data(), n))) return;
  }
  response.endStream();
}

// The file under root that a decoded request path names, or nullopt (404).
std::optional<fs::path> resolve(const fs::path& root, std::string_view requestPath) {
  if (requestPath.find('\0') != std::string_view::npos) return std::nullopt;
  fs::path file = root;
  bool any = false;
  while (!requestPath.empty()) {
    std::size_t slash = requestPath.find('/');
    std::string_view part = requestPath.substr(0, slash);
    if (part == "." || part == ".." || part.find('\\') != std::string_view::npos)
      return std::nullopt;
    if (!part.empty()) {
      file /= std::string(part);
      any = true;
    }
    if (slash == std::string_view::npos) break;
    requestPath.remove_prefix(slash + 1);
  }
  if (!any) return std::nullopt;
  // Symlinks (HelmRepository's index.yaml) are served only when they stay inside root.
  std::error_code ec;
  fs::path real = fs::canonical(file, ec);
  if (ec) return std::nullopt;
  fs::path realRoot = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  std::string prefix = realRoot.string() + "/";
  if (real.string().rfind(prefix, 0) != 0 || !fs::is_regular_file(real, ec)) return std::nullopt;
  return real;
}

}  // namespace

ArtifactServer::ArtifactServer(fs::path root, std::string bindAddress, std::uint16_t port,
                               core::Logger logger)
    : root_(std::move(root)), logger_(std::move(logger)) {
  net::HttpServerOptions options;
  options.bind = std::move(bindAddress);
  options.port = port;
  options.maxBodyBytes = 64 * 1024;  // requests carry no body
  server_ = std::make_unique<net::HttpServer>(
      nullptr, options,
      [this](const net::HttpRequest& req, net::ResponseWriter& res) { handle(req, res); });
}

ArtifactServer::~ArtifactServer() {
  stop();
}

void ArtifactServer::start() {
  server_->start();
}

void ArtifactServer::stop() {
  server_->stop();
}

std::uint16_t ArtifactServer::port() const {
  return server_->port();
}

void ArtifactServer::handle(const net::HttpRequest& request, net::ResponseWriter& response) const {
  if (request.method != "GET" && request.method != "HEAD") {
    response.send(405, "text/plain; charset=utf-8", "405 method not allowed\n",
                  {{"Allow", "GET, HEAD"}});
    return;
  }
  if (request.path == "/") {
    response.send(200, "text/plain; charset=utf-8", "");
    return;
  }
  std::optional<fs::path> file = resolve(root_, request.path);
  if (!file) {
    response.send(404, "text/plain; charset=utf-8", "404 page not found\n");
    return;
  }
  std::error_code ec;
  std::uintmax_t size = fs::file_size(*file, ec);
  std::ifstream in(*file, std::ios::binary);
  if (ec || !in) {
    logger_.error("cannot read artifact", ec ? ec.message() : "open failed",
                  {{"path", core::Value(file->string())}});
    response.send(500, "text/plain; charset=utf-8", "500 internal server error\n");
    return;
  }
  std::string_view type = contentType(request.path);
  if (request.method == "GET" && size > kInMemoryLimit) {
    streamFile(in, type, response);
    return;
  }
  std::string body{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  response.send(200, type, body);
}

}  // namespace driftless::artifact
