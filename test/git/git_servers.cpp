#include "git_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "driftless/core/base64.h"
#include "driftless/net/http_server.h"

namespace driftless::test::git {

namespace fs = std::filesystem;

namespace {

void setTestEnvironment() {
  static const bool done = [] {
    setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("GIT_AUTHOR_NAME", "Fixture Author", 1);
    setenv("GIT_AUTHOR_EMAIL", "author@example.com", 1);
    setenv("GIT_COMMITTER_NAME", "Fixture Committer", 1);
    setenv("GIT_COMMITTER_EMAIL", "committer@example.com", 1);
    return true;
  }();
  (void)done;
}

std::string readAll(int fd) {
  std::string out;
  std::array<char, 65536> buf{};
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n <= 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return out;
}

[[noreturn]] void execArgv(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

}  // namespace

std::string sh(const std::string& command) {
  setTestEnvironment();
  FILE* pipe = popen(("set -e; " + command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  const std::string out = readAll(fileno(pipe));
  const int status = pclose(pipe);
  if (status != 0) throw std::runtime_error("command failed: " + command + "\n" + out);
  return out.ends_with('\n') ? out.substr(0, out.size() - 1) : out;
}

std::uint16_t freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

void writeFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

bool waitForPort(std::uint16_t port) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

Process::Process(const std::vector<std::string>& argv) {
  setTestEnvironment();
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    const int devnull = ::open("/dev/null", O_RDWR);
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    execArgv(argv);
  }
  if (pid_ < 0) throw std::runtime_error("fork failed");
  setpgid(pid_, pid_);
}

Process::~Process() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
}

bool Process::running() {
  return waitpid(pid_, nullptr, WNOHANG) == 0;
}

GitDaemon::GitDaemon(const fs::path& root) : port_(freePort()) {
  process_ = std::make_unique<Process>(std::vector<std::string>{
      "git", "daemon", "--export-all", "--reuseaddr", "--listen=127.0.0.1",
      "--port=" + std::to_string(port_), "--base-path=" + root.string(), root.string()});
  if (!waitForPort(port_)) throw std::runtime_error("git daemon did not start");
}

std::string GitDaemon::url(const std::string& repo) const {
  return "git://127.0.0.1:" + std::to_string(port_) + "/" + repo;
}

namespace {

void sendCgiResponse(const std::string& response, net::ResponseWriter& w);

// Runs git-http-backend as CGI for one request.
void serveCgi(const fs::path& root, const net::HttpRequest& req, net::ResponseWriter& w) {
  TempDir tmp;
  const fs::path body = tmp.path() / "body";
  writeFile(body, req.body);
  const auto q = req.target.find('?');
  std::vector<std::string> env = {
      "GIT_PROJECT_ROOT=" + root.string(),
      "GIT_HTTP_EXPORT_ALL=1",
      "REQUEST_METHOD=" + req.method,
      "PATH_INFO=" + req.path,
      "QUERY_STRING=" + (q == std::string::npos ? "" : req.target.substr(q + 1)),
      "CONTENT_TYPE=" + std::string(req.header("content-type")),
      "CONTENT_LENGTH=" + std::to_string(req.body.size()),
      "REMOTE_ADDR=127.0.0.1",
      "REMOTE_USER=fixture",
      "GIT_CONFIG_NOSYSTEM=1",
      "GIT_CONFIG_GLOBAL=/dev/null",
      "HTTP_CONTENT_ENCODING=" + std::string(req.header("content-encoding")),
      "GIT_PROTOCOL=" + std::string(req.header("git-protocol")),
      std::string("PATH=") + (getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin")};
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid == 0) {
    const int in = ::open(body.c_str(), O_RDONLY);
    dup2(in, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    std::vector<char*> envp;
    for (auto& e : env)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    const char* argv[] = {"git", "http-backend", nullptr};
    execvpe("git", const_cast<char* const*>(argv), envp.data());
    _exit(127);
  }
  ::close(out[1]);
  const std::string response = readAll(out[0]);
  ::close(out[0]);
  waitpid(pid, nullptr, 0);
  sendCgiResponse(response, w);
}

// Turns a CGI response (headers, blank line, body) into an HTTP response.
void sendCgiResponse(const std::string& response, net::ResponseWriter& w) {
  auto split = response.find("\r\n\r\n");
  std::size_t sepLen = 4;
  if (split == std::string::npos) {
    split = response.find("\n\n");
    sepLen = 2;
  }
  int status = 200;
  std::string contentType = "text/plain";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string head = response.substr(0, split);
  std::size_t pos = 0;
  while (pos < head.size()) {
    auto eol = head.find('\n', pos);
    if (eol == std::string::npos) eol = head.size();
    std::string line = head.substr(pos, eol - pos);
    if (line.ends_with('\r')) line.pop_back();
    pos = eol + 1;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = line.substr(0, colon);
    const std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
    if (name == "Status") {
      status = std::stoi(value);
    } else if (name == "Content-Type") {
      contentType = value;
    } else if (name != "Content-Length") {
      headers.emplace_back(name, value);
    }
  }
  w.send(status, contentType, split == std::string::npos ? "" : response.substr(split + sepLen),
         headers);
}

}  // namespace

void makeTlsMaterial(const fs::path& dir) {
  const std::string d = dir.string();
  sh("cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt " +
     "-days 2 -subj /CN=fixture-ca 2>/dev/null && openssl req -newkey rsa:2048 -nodes " +
     "-keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null && " +
     "printf 'subjectAltName=IP:127.0.0.1' > san.ext && openssl x509 -req -in server.csr " +
     "-CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt " +
     "2>/dev/null");
}

namespace {

net::SslCtxPtr serverContext(const fs::path& dir) {
  net::SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx.get(), (dir / "server.crt").c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), (dir / "server.key").c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("cannot load the test TLS material");
  }
  return ctx;
}

}  // namespace

HttpGitServer::HttpGitServer(fs::path root, HttpAuth auth, const fs::path& tlsDir)
    : root_(std::move(root)), auth_(std::move(auth)) {
  net::SslCtxPtr tls;
  if (!tlsDir.empty()) {
    tls = serverContext(tlsDir);
    scheme_ = "https";
  }
  net::HttpServerOptions opts;
  opts.maxBodyBytes = 256 * 1024 * 1024;
  server_ = std::make_unique<net::HttpServer>(
      std::move(tls), opts, [this](const net::HttpRequest& req, net::ResponseWriter& w) {
        const std::string given(req.header("authorization"));
        std::string want;
        if (!auth_.username.empty()) {
          want = "Basic " + core::base64Encode(auth_.username + ":" + auth_.password);
        } else if (!auth_.bearerToken.empty()) {
          want = "Bearer " + auth_.bearerToken;
        }
        if (!want.empty() && given != want) {
          w.send(401, "text/plain", "unauthorized",
                 {{"WWW-Authenticate", auth_.username.empty() ? "Bearer" : "Basic realm=\"git\""}});
          return;
        }
        serveCgi(root_, req, w);
      });
  server_->start();
}

HttpGitServer::~HttpGitServer() {
  server_->stop();
}

std::string HttpGitServer::url(const std::string& repo) const {
  return scheme_ + "://127.0.0.1:" + std::to_string(server_->port()) + "/" + repo;
}

SshServer::SshServer(const fs::path& root, const std::string& clientPublicKey) : root_(root) {
  const char* sshd = "/usr/sbin/sshd";
  if (!fs::exists(sshd)) {
    why_ = "sshd is not installed (apt-get install openssh-server)";
    return;
  }
  user_ = sh("id -un");
  const fs::path dir = state_.path();
  sh("ssh-keygen -q -t ed25519 -N '' -f " + (dir / "host_key").string());
  writeFile(dir / "authorized_keys", clientPublicKey + "\n");
  fs::permissions(dir, fs::perms::owner_all);
  port_ = freePort();
  writeFile(dir / "sshd_config",
            "Port " + std::to_string(port_) + "\nListenAddress 127.0.0.1\nHostKey " +
                (dir / "host_key").string() + "\nAuthorizedKeysFile " +
                (dir / "authorized_keys").string() +
                "\nPidFile none\nUsePAM no\nStrictModes no\nPasswordAuthentication no\n"
                "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n"
                "KbdInteractiveAuthentication no\nLogLevel ERROR\n");
  if (geteuid() == 0) fs::create_directories("/run/sshd");
  process_ = std::make_unique<Process>(
      std::vector<std::string>{sshd, "-D", "-e", "-f", (dir / "sshd_config").string()});
  if (!waitForPort(port_)) {
    process_.reset();
    why_ = "sshd did not start on 127.0.0.1:" + std::to_string(port_);
  }
}

std::string SshServer::url(const std::string& repo) const {
  return "ssh://" + user_ + "@127.0.0.1:" + std::to_string(port_) + (root_ / repo).string();
}

std::string SshServer::knownHosts() const {
  const std::string pub = sh("cat " + (state_.path() / "host_key.pub").string());
  const auto space = pub.find(' ');
  const auto end = pub.find(' ', space + 1);
  return "[127.0.0.1]:" + std::to_string(port_) + " " + pub.substr(0, end) + "\n";
}

}  // namespace driftless::test::git
