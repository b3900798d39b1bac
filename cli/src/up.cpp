#include "up.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "driftless/api/crds.h"
#include "driftless/apiserver/api_server.h"
#include "driftless/core/duration.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/log.h"
#include "driftless/core/yaml.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/client.h"
#include "driftless/kube/kubeconfig.h"
#include "driftless/net/curl.h"

namespace driftless::cli {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kUpUsage = R"(Usage: driftless up [flags]

Starts the embedded control plane and every controller (source-controller,
kustomize-controller, ...) as child processes, installs the Flux CRDs, creates the
flux-system namespace and writes DATA_DIR/kubeconfig. State survives restarts.

Flags:
  --data-dir DIR            where state, logs and artifacts live
                            (default $DRIFTLESS_DATA_DIR, else ~/.driftless)
  -d, --detach              run in the background; `driftless down` stops it
  --port N                  control plane port (default: the previous one, else a free one)
  --no-simulate-workloads   do not mark Deployments, Jobs, ... as rolled out
  --log-level LEVEL         info, debug or trace (default info)

Example:
  driftless up -d --data-dir /tmp/gitops
  export KUBECONFIG=/tmp/gitops/kubeconfig
  kubectl apply -f my-gitrepository.yaml
)";

constexpr std::string_view kDownUsage = R"(Usage: driftless down [--data-dir DIR] [--timeout 60s]

Stops what `driftless up` started with that data directory (controllers first, then the
control plane). State is kept for the next `driftless up`.
)";

fs::path defaultDataDir() {
  if (const char* d = std::getenv("DRIFTLESS_DATA_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".driftless";
  }
  return fs::current_path() / ".driftless";
}

// A free TCP port on 127.0.0.1 (preferred when it is free).
std::uint16_t pickPort(std::uint16_t preferred) {
  auto tryBind = [](std::uint16_t port) -> std::uint16_t {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    std::uint16_t out = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      socklen_t len = sizeof a;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
      out = ntohs(a.sin_port);
    }
    ::close(fd);
    return out;
  };
  if (preferred != 0) {
    if (std::uint16_t p = tryBind(preferred); p != 0) return p;
  }
  std::uint16_t p = tryBind(0);
  if (p == 0) throw core::Error("no free TCP port on 127.0.0.1");
  return p;
}

// The ports of the previous run (state.json), so URLs (kubeconfig, artifact URLs) stay valid.
class State {
 public:
  explicit State(fs::path file) : file_(std::move(file)) {
    std::ifstream in(file_);
    if (!in) return;
    std::stringstream ss;
    ss << in.rdbuf();
    try {
      value_ = core::parseJson(ss.str());
    } catch (const std::exception&) {
      value_ = core::Value::object();
    }
  }
  std::uint16_t port(const std::string& name) const {
    const core::Value& v = value_["ports"][name];
    return v.isInt() ? static_cast<std::uint16_t>(v.asInt()) : 0;
  }
  void setPort(const std::string& name, std::uint16_t port) {
    value_["ports"][name] = static_cast<int>(port);
  }
  void save() const {
    const fs::path tmp = file_.string() + ".tmp";
    std::ofstream(tmp) << core::toJson(value_) << '\n';
    fs::rename(tmp, file_);
  }

 private:
  fs::path file_;
  core::Value value_ = core::Value::object();
};

// An exclusive lock on DATA_DIR/up.lock held for the supervisor's lifetime: one `up` per data
// directory, and `down` can tell a stale pid file from a running supervisor.
class DataDirLock {
 public:
  explicit DataDirLock(const fs::path& dataDir) {
    fd_ = ::open((dataDir / "up.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw core::Error("cannot open " + (dataDir / "up.lock").string());
    locked_ = ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  ~DataDirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  [[nodiscard]] bool locked() const noexcept { return locked_; }

 private:
  int fd_ = -1;
  bool locked_ = false;
};

std::optional<pid_t> readPid(const fs::path& file) {
  std::ifstream in(file);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

fs::path selfDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

// One controller process: its command line, log file and restart bookkeeping.
struct Child {
  std::string name;
  fs::path binary;
  std::vector<std::string> args;
  std::uint16_t healthPort = 0;
  pid_t pid = -1;
  int restarts = 0;
  std::chrono::steady_clock::time_point startedAt;
  std::chrono::steady_clock::time_point restartAt;
};

void spawn(Child& c, const fs::path& logDir, const sigset_t& oldMask) {
  // Everything the child needs is prepared before fork(): the process has threads, so the
  // child may only make async-signal-safe calls until exec.
  const std::string log = (logDir / (c.name + ".log")).string();
  std::vector<std::string> argv{c.binary.string()};
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!std::string_view(*e).starts_with("RUNTIME_NAMESPACE=")) env.emplace_back(*e);
  }
  env.emplace_back("RUNTIME_NAMESPACE=flux-system");
  std::vector<char*> cargv;
  for (auto& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (auto& e : env)
    cenv.push_back(e.data());
  cenv.push_back(nullptr);
  const std::string execError = "exec " + c.binary.string() + " failed\n";
  pid_t pid = ::fork();
  if (pid < 0) throw core::Error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);  // the supervisor alone decides when children stop
    ::sigprocmask(SIG_SETMASK, &oldMask, nullptr);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::close_range(3, ~0U, 0);  // no listening socket or lock of the supervisor leaks
    ::execve(cargv[0], cargv.data(), cenv.data());
    [[maybe_unused]] auto n = ::write(2, execError.data(), execError.size());
    ::_exit(127);
  }
  c.pid = pid;
  c.startedAt = std::chrono::steady_clock::now();
}

// Installs the CRDs (server-side apply) and the flux-system namespace.
void install(kube::Client& client, const core::Logger& log) {
  kube::ServerSideApplyOptions apply;
  apply.fieldManager = "driftless";
  apply.force = true;
  kube::ListOptions one;
  one.limit = 1;
  for (const auto& f : api::embeddedFiles()) {
    core::Value crd = core::parseYaml(f.content);
    client.apply(crd, apply);
  }
  client.apply(core::parseYaml("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n"),
               apply);
  // The control plane serves a CRD's kind once it is established.
  for (const auto& f : api::embeddedFiles()) {
    core::Value crd = core::parseYaml(f.content);
    const std::string group = crd["spec"]["group"].asString();
    const std::string kind = crd["spec"]["names"]["kind"].asString();
    std::string version;
    for (const auto& v : crd["spec"]["versions"].asArray()) {
      if (v["storage"].isBool() && v["storage"].asBool()) version = v["name"].asString();
    }
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (true) {
      try {
        client.list({group, version, kind}, "", one);
        break;
      } catch (const std::exception& e) {
        if (std::chrono::steady_clock::now() > deadline) {
          throw core::Error("CRD " + kind + "." + group + " is not served: " + e.what());
        }
        std::this_thread::sleep_for(100ms);
      }
    }
  }
  log.info("installed CRDs and the flux-system namespace",
           {{"crds", static_cast<int>(api::embeddedFiles().size())}});
}

struct UpOptions {
  fs::path dataDir = defaultDataDir();
  bool detach = false;
  std::uint16_t port = 0;
  bool simulateWorkloads = true;
  std::string logLevel = "info";
};

UpOptions parseUp(const std::vector<std::string>& args) {
  UpOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    bool hasValue = false;
    if (auto eq = name.find('='); eq != std::string::npos && name.starts_with("--")) {
      value = name.substr(eq + 1);
      name.resize(eq);
      hasValue = true;
    }
    auto next = [&]() -> std::string {
      if (hasValue) return value;
      if (i + 1 >= args.size()) throw core::Error("flag needs an argument: " + name);
      return args[++i];
    };
    if (name == "--data-dir") {
      o.dataDir = next();
    } else if (name == "-d" || name == "--detach") {
      o.detach = true;
    } else if (name == "--port") {
      o.port = static_cast<std::uint16_t>(std::stoi(next()));
    } else if (name == "--no-simulate-workloads") {
      o.simulateWorkloads = false;
    } else if (name == "--log-level") {
      o.logLevel = next();
    } else {
      throw core::Error("unknown flag: " + name + "\n\n" + std::string(kUpUsage));
    }
  }
  return o;
}

// Runs the supervisor in this process until SIGINT/SIGTERM. `ready` (a pipe, or -1) receives
// "ok <kubeconfig>\n" once everything is up, or "error <message>\n".
int supervise(const UpOptions& o, int ready) {
  auto report = [&](const std::string& line) {
    if (ready < 0) return;
    const std::string text = line + "\n";
    [[maybe_unused]] auto n = ::write(ready, text.data(), text.size());
    ::close(ready);
    ready = -1;
  };
  // Stop signals and SIGCHLD are taken synchronously by the main loop (before any thread).
  sigset_t signals;
  sigset_t oldMask;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &signals, &oldMask);

  const fs::path data = fs::absolute(o.dataDir);
  const fs::path logDir = data / "logs";
  fs::create_directories(logDir);
  ::chmod(data.c_str(), 0700);
  core::Logger log(core::makeFdLogSink(2), core::parseLogLevel(o.logLevel),
                   core::LogEncoding::Json);
  DataDirLock lock(data);
  if (!lock.locked()) {
    std::string msg = "driftless is already running with data dir " + data.string();
    if (auto pid = readPid(data / "up.pid")) msg += " (pid " + std::to_string(*pid) + ")";
    msg += "; stop it with `driftless down --data-dir " + data.string() + "`";
    report("error " + msg);
    std::cerr << "driftless up: " << msg << '\n';
    return 1;
  }
  std::ofstream(data / "up.pid") << ::getpid() << '\n';

  std::vector<Child> children;
  std::unique_ptr<apiserver::ApiServer> server;
  int exitCode = 0;
  try {
    State state(data / "state.json");
    apiserver::ApiServerOptions so;
    so.dataDir = data;
    so.port = pickPort(o.port != 0 ? o.port : state.port("apiserver"));
    so.simulateWorkloads = o.simulateWorkloads;
    int apiLog =
        ::open((logDir / "apiserver.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (apiLog < 0) throw core::Error("cannot open " + (logDir / "apiserver.log").string());
    core::Logger apiLogger(core::makeFdLogSink(apiLog), core::parseLogLevel(o.logLevel),
                           core::LogEncoding::Json);
    server = std::make_unique<apiserver::ApiServer>(so, apiLogger.withName("apiserver"));
    server->start();
    state.setPort("apiserver", server->port());
    const fs::path kubeconfig = server->kubeconfigPath();
    log.info("control plane serving", {{"port", static_cast<int>(server->port())},
                                       {"kubeconfig", kubeconfig.string()},
                                       {"simulateWorkloads", o.simulateWorkloads}});
    if (o.simulateWorkloads) {
      log.info(
          "workload simulator on: Deployments, StatefulSets, DaemonSets and Jobs are "
          "reported rolled out (no kubelet runs here)");
    }

    kube::ClientPtr client =
        kube::makeClient(kube::loadKubeconfig(kubeconfig), log.withName("install"));
    install(*client, log);

    // The controllers next to this binary (or in $DRIFTLESS_BIN_DIR).
    const char* binEnv = std::getenv("DRIFTLESS_BIN_DIR");
    const fs::path binDir = binEnv != nullptr && *binEnv != '\0' ? fs::path(binEnv) : selfDir();
    auto common = [&](const std::string& name, std::uint16_t health) {
      const std::uint16_t metrics = pickPort(state.port(name + "-metrics"));
      state.setPort(name + "-metrics", metrics);
      state.setPort(name + "-health", health);
      return std::vector<std::string>{"--kubeconfig=" + kubeconfig.string(),
                                      "--metrics-addr=127.0.0.1:" + std::to_string(metrics),
                                      "--health-addr=127.0.0.1:" + std::to_string(health),
                                      "--log-level=" + o.logLevel,
                                      // The local control plane needs no client-side throttling.
                                      "--kube-api-qps=1000", "--kube-api-burst=2000",
                                      // `driftless down` should be quick; an interrupted
                                      // reconcile runs again at the next start.
                                      "--graceful-shutdown-timeout=5s"};
    };
    auto add = [&](const std::string& name, std::vector<std::string> extra) {
      const fs::path binary = binDir / name;
      if (!fs::exists(binary)) {
        log.info("controller not built, skipped", {{"controller", name}});
        return;
      }
      const std::uint16_t health = pickPort(state.port(name + "-health"));
      Child c;
      c.name = name;
      c.binary = binary;
      c.args = common(name, health);
      c.healthPort = health;
      c.args.insert(c.args.end(), extra.begin(), extra.end());
      children.push_back(std::move(c));
    };
    // The notification-controller's event server receives every other controller's events.
    const std::uint16_t eventsPort = pickPort(state.port("notification-controller-events"));
    state.setPort("notification-controller-events", eventsPort);
    const std::uint16_t receiverPort = pickPort(state.port("notification-controller-receiver"));
    state.setPort("notification-controller-receiver", receiverPort);
    const bool notifications = fs::exists(binDir / "notification-controller");
    const std::string forward =
        notifications ? "--events-addr=http://127.0.0.1:" + std::to_string(eventsPort) + "/"
                      : std::string();
    auto withEvents = [&](std::vector<std::string> args) {
      if (!forward.empty()) args.push_back(forward);
      return args;
    };
    const std::uint16_t storagePort = pickPort(state.port("source-controller-storage"));
    state.setPort("source-controller-storage", storagePort);
    const std::string storage = "127.0.0.1:" + std::to_string(storagePort);
    const std::uint16_t grpcPort = pickPort(state.port("source-controller-grpc"));
    state.setPort("source-controller-grpc", grpcPort);
    add("source-controller",
        withEvents({"--storage-path=" + (data / "artifacts").string(), "--storage-addr=" + storage,
                    "--storage-adv-addr=" + storage,
                    "--artifact-grpc-addr=127.0.0.1:" + std::to_string(grpcPort)}));
    add("kustomize-controller", withEvents({}));
    add("notification-controller", {"--events-addr=127.0.0.1:" + std::to_string(eventsPort),
                                    "--receiverAddr=127.0.0.1:" + std::to_string(receiverPort)});
    state.save();
    for (auto& c : children) {
      spawn(c, logDir, oldMask);
      log.info("started", {{"controller", c.name},
                           {"pid", static_cast<int>(c.pid)},
                           {"log", (logDir / (c.name + ".log")).string()}});
    }
    // Ready when every controller answers /readyz (or 60s passed: report what is late).
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    for (const auto& c : children) {
      while (!net::httpGetOk("http://127.0.0.1:" + std::to_string(c.healthPort) + "/readyz", 2s)) {
        if (std::chrono::steady_clock::now() > deadline) {
          log.info("controller not ready yet", {{"controller", c.name}});
          break;
        }
        std::this_thread::sleep_for(100ms);
      }
    }
    report("ok " + kubeconfig.string());
    if (!o.detach) {
      std::cout << "driftless is up: control plane on 127.0.0.1:" << server->port() << ", "
                << children.size() << " controllers\n"
                << "  export KUBECONFIG=" << kubeconfig.string() << "\n"
                << "  logs: " << logDir.string() << "\nPress Ctrl-C to stop.\n"
                << std::flush;
    }

    // Supervise: restart a controller that exits, with backoff (1s doubling to 60s; reset
    // after 10 minutes of uptime), until asked to stop.
    bool stopping = false;
    while (!stopping) {
      timespec tick{1, 0};
      siginfo_t info{};
      int sig = ::sigtimedwait(&signals, &info, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        log.info("shutting down", {{"signal", sig}});
        stopping = true;
        break;
      }
      int status = 0;
      pid_t pid = 0;
      while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
        for (auto& c : children) {
          if (c.pid != pid) continue;
          c.pid = -1;
          if (std::chrono::steady_clock::now() - c.startedAt > 10min) c.restarts = 0;
          const auto delay = std::min<std::chrono::seconds>(
              60s, std::chrono::seconds(1LL << std::min(c.restarts, 6)));
          c.restartAt = std::chrono::steady_clock::now() + delay;
          ++c.restarts;
          log.error("controller exited, restarting", "exit status " + std::to_string(status),
                    {{"controller", c.name}, {"restartIn", core::formatDuration(delay)}});
        }
      }
      for (auto& c : children) {
        if (c.pid < 0 && std::chrono::steady_clock::now() >= c.restartAt) {
          spawn(c, logDir, oldMask);
          log.info("restarted", {{"controller", c.name}, {"pid", static_cast<int>(c.pid)}});
        }
      }
    }
  } catch (const std::exception& e) {
    report(std::string("error ") + e.what());
    log.error("driftless up failed", e.what());
    exitCode = 1;
  }
  // Controllers first (they drain their work), then the control plane.
  for (auto& c : children) {
    if (c.pid > 0) ::kill(c.pid, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (auto& c : children) {
    while (c.pid > 0) {
      int status = 0;
      pid_t r = ::waitpid(c.pid, &status, WNOHANG);
      if (r == c.pid || r < 0) {
        c.pid = -1;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(c.pid, SIGKILL);
        ::waitpid(c.pid, &status, 0);
        c.pid = -1;
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
  }
  if (server) server->stop();
  std::error_code ec;
  fs::remove(data / "up.pid", ec);
  log.info("stopped");
  return exitCode;
}

}  // namespace

int up(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << kUpUsage;
      return 0;
    }
  }
  UpOptions o = parseUp(args);
  fs::create_directories(o.dataDir);
  if (!o.detach) return supervise(o, -1);

  // Detach: the child becomes the supervisor in a new session with its output in the data
  // directory; the parent waits until it is ready (or failed) and prints the kubeconfig path.
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw core::Error("pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) throw core::Error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    ::setsid();
    fs::create_directories(o.dataDir / "logs");
    int fd =
        ::open((o.dataDir / "logs" / "driftless.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::_exit(supervise(o, fds[1]));
  }
  ::close(fds[1]);
  std::string line;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
    line.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  if (line.starts_with("ok ")) {
    std::string kubeconfig = line.substr(3);
    while (!kubeconfig.empty() && kubeconfig.back() == '\n')
      kubeconfig.pop_back();
    std::cout << kubeconfig << '\n';
    std::cerr << "driftless is up in the background (pid " << pid << "); logs in "
              << (fs::absolute(o.dataDir) / "logs").string()
              << "\n  export KUBECONFIG=" << kubeconfig << "\n  driftless down --data-dir "
              << fs::absolute(o.dataDir).string() << '\n';
    return 0;
  }
  std::string message = line.starts_with("error ") ? line.substr(6) : "the supervisor exited";
  while (!message.empty() && message.back() == '\n')
    message.pop_back();
  std::cerr << "driftless up: " << message << " (see "
            << (fs::absolute(o.dataDir) / "logs" / "driftless.log").string() << ")\n";
  int status = 0;
  ::waitpid(pid, &status, WNOHANG);
  return 1;
}

int down(const std::vector<std::string>& args) {
  fs::path dataDir = defaultDataDir();
  std::chrono::milliseconds timeout = 60s;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << kDownUsage;
      return 0;
    }
    if (a == "--data-dir" && i + 1 < args.size()) {
      dataDir = args[++i];
    } else if (a.starts_with("--data-dir=")) {
      dataDir = a.substr(11);
    } else if (a == "--timeout" && i + 1 < args.size()) {
      timeout =
          std::chrono::duration_cast<std::chrono::milliseconds>(core::parseDuration(args[++i]));
    } else if (a.starts_with("--timeout=")) {
      timeout =
          std::chrono::duration_cast<std::chrono::milliseconds>(core::parseDuration(a.substr(10)));
    } else {
      throw core::Error("unknown flag: " + a + "\n\n" + std::string(kDownUsage));
    }
  }
  dataDir = fs::absolute(dataDir);
  if (!fs::exists(dataDir / "up.lock")) {
    std::cerr << "driftless is not running with data dir " << dataDir.string() << '\n';
    return 0;
  }
  {
    DataDirLock probe(dataDir);
    if (probe.locked()) {
      std::error_code ec;
      fs::remove(dataDir / "up.pid", ec);
      std::cerr << "driftless is not running with data dir " << dataDir.string() << '\n';
      return 0;
    }
  }
  auto pid = readPid(dataDir / "up.pid");
  if (!pid)
    throw core::Error("driftless is running but " + (dataDir / "up.pid").string() +
                      " is missing or unreadable");
  if (::kill(*pid, SIGTERM) != 0) {
    throw core::Error("cannot signal pid " + std::to_string(*pid) + ": " + std::strerror(errno));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    DataDirLock probe(dataDir);
    if (probe.locked()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(*pid, SIGKILL);
      throw core::Error("driftless (pid " + std::to_string(*pid) + ") did not stop within " +
                        core::formatDuration(timeout) + "; killed");
    }
    std::this_thread::sleep_for(100ms);
  }
  std::cerr << "driftless stopped (data dir " << dataDir.string() << ")\n";
  return 0;
}

}  // namespace driftless::cli
