// The `driftless` command: `up`/`down` for the local toolkit, flux's day-to-day commands
// (flux_commands.cpp), and the shared libraries' tools usable from scripts (apiserver,
// kustomize build, convert, semver).

#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <csignal>

#include "driftless/apiserver/api_server.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/log.h"
#include "driftless/core/semver.h"
#include "driftless/core/yaml.h"
#include "driftless/kustomize/build.h"
#include "flux_commands.h"
#include "help.h"
#include "up.h"

namespace {

namespace core = driftless::core;

constexpr std::string_view kUsage = R"(driftless: GitOps toolkit compatible with Flux v2

Usage:
  driftless up [--data-dir D] [-d]          start the control plane and every controller (see
                                            `driftless up --help`); writes D/kubeconfig
  driftless down [--data-dir D]             stop what `driftless up` started with D
  driftless get sources git|oci|helm|chart|bucket|all, get kustomizations|helmreleases|alerts|
            alert-providers|receivers|all [NAME] [-A] [-o json|yaml|name] [--watch]
                                            flux's status tables
  driftless reconcile source git|oci|helm|chart|bucket NAME | kustomization NAME [--with-source]
            | helmrelease NAME [--with-source] [--force|--reset]
                                            request a reconcile now and wait for its outcome
  driftless suspend|resume KIND NAME|--all  toggle spec.suspend (resume waits for Ready)
  driftless delete KIND NAME [--silent]     delete an object (asks first)
  driftless export KIND NAME|--all          the objects as clean YAML
  driftless events [--for Kind/name] [-A]   the Kubernetes events of the namespace
  driftless tree kustomization NAME         its inventory as a tree, nested Kustomizations expanded
  driftless trace KIND/NAME                 the Kustomization or HelmRelease managing an object,
                                            its source and revision
  driftless stats [-A]                      per kind: running, failing, suspended, storage
  driftless create source git|oci|helm NAME --url U ..., create kustomization NAME --source S,
            create helmrelease NAME --source S --chart C, create secret git NAME --url U,
            create alert-provider|alert|receiver NAME ...
                                            apply (and wait for Ready), or print with --export;
                                            see `driftless create --help`
  driftless build kustomization NAME --path DIR
                                            what the controller would apply from DIR (live
                                            substitutions and keys), as YAML
  driftless diff kustomization NAME --path DIR
                                            what would change in the cluster (server-side dry
                                            runs); exit 1 when something would
  driftless check                           the API answers, controllers are healthy, CRDs installed
  driftless logs [--data-dir D] [--kind K] [--name N] [--level L] [-A] [-f]
                                            the controllers' logs of `driftless up`
            (these take --kubeconfig, --context, -n NAMESPACE (default flux-system), --timeout)
  driftless completion bash|zsh             a shell completion script
  driftless version                         print the version
  driftless apiserver --data-dir DIR [--bind ADDR] [--port N] [--simulate-workloads]
                                            run the embedded Kubernetes-API-compatible control
                                            plane in the foreground; writes DIR/kubeconfig
  driftless kustomize build DIR             print what `kubectl kustomize DIR` prints (kustomize
                                            v5.5.0 semantics, no plugins or remote bases)
  driftless convert --to json|yaml [FILE]   convert YAML/JSON documents (stdin when FILE is -
                                            or absent); JSON output is one document per line
  driftless semver RANGE VERSION...         print the highest VERSION matching RANGE (Flux rules)
  driftless help [COMMAND]                  this text, or a command's help (also COMMAND --help)
)";

std::string readInput(const std::string& path) {
  std::ostringstream ss;
  if (path.empty() || path == "-") {
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::Error("cannot read " + path);
  ss << in.rdbuf();
  return ss.str();
}

int convert(const std::vector<std::string>& args) {
  std::string to;
  std::string file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--to" && i + 1 < args.size()) {
      to = args[++i];
    } else if (args[i].rfind("--to=", 0) == 0) {
      to = args[i].substr(5);
    } else {
      file = args[i];
    }
  }
  if (to != "json" && to != "yaml") {
    std::cerr << "driftless convert: --to must be json or yaml\n";
    return 2;
  }
  core::YamlParseOptions options;
  options.source = file.empty() ? "<stdin>" : file;
  auto docs = core::parseYamlStream(readInput(file), options);
  if (to == "yaml") {
    std::cout << core::toYamlStream(docs);
    return 0;
  }
  for (const auto& d : docs)
    std::cout << core::toJson(d) << '\n';
  return 0;
}

int apiserver(const std::vector<std::string>& args) {
  driftless::apiserver::ApiServerOptions options;
  std::string logLevel = "info";
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto value = [&](std::string_view flag) -> std::optional<std::string> {
      if (args[i] == flag && i + 1 < args.size()) return args[++i];
      std::string prefix = std::string(flag) + "=";
      if (args[i].rfind(prefix, 0) == 0) return args[i].substr(prefix.size());
      return std::nullopt;
    };
    if (auto v = value("--data-dir")) {
      options.dataDir = *v;
    } else if (auto b = value("--bind")) {
      options.bind = *b;
    } else if (auto p = value("--port")) {
      options.port = static_cast<std::uint16_t>(std::stoi(*p));
    } else if (auto l = value("--log-level")) {
      logLevel = *l;
    } else if (args[i] == "--simulate-workloads") {
      options.simulateWorkloads = true;
    } else {
      std::cerr << "driftless apiserver: unknown flag " << args[i] << '\n';
      return 2;
    }
  }
  if (options.dataDir.empty()) {
    std::cerr << "driftless apiserver: --data-dir is required\n";
    return 2;
  }
  // Block the stop signals before any thread starts, then wait for one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  core::Logger log(core::makeFdLogSink(2), core::parseLogLevel(logLevel), core::LogEncoding::Json);
  driftless::apiserver::ApiServer server(options, log.withName("apiserver"));
  server.start();
  log.info("serving", {{"port", static_cast<int>(server.port())},
                       {"kubeconfig", server.kubeconfigPath().string()}});
  std::cout << server.kubeconfigPath().string() << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  log.info("shutting down", {{"signal", sig}});
  server.stop();
  return 0;
}

int semver(const std::vector<std::string>& args) {
  if (args.size() < 2) {
    std::cerr << "driftless semver: need a RANGE and at least one VERSION\n";
    return 2;
  }
  auto range = core::Constraints::parse(args[0]);
  std::optional<core::Version> best;
  for (std::size_t i = 1; i < args.size(); ++i) {
    auto v = core::Version::parseFlux(args[i]);
    if (v && range.check(*v) && (!best || best->compare(*v) < 0)) best = v;
  }
  if (!best) {
    std::cerr << "no match found for semver: " << args[0] << '\n';
    return 1;
  }
  std::cout << best->original() << '\n';
  return 0;
}

// Prints kustomize's own message form on failure ("Error: ..."), exit code 1.
int kustomize(const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "build") {
    std::cerr << "usage: driftless kustomize build DIR\n";
    return 2;
  }
  try {
    std::cout << driftless::kustomize::build(args[1]);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "Error: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto printHelp = [](const std::string& command) {
    const auto help = driftless::cli::commandHelp(command);
    if (help) std::cout << *help;
    return help.has_value();
  };
  if (args.size() == 2 && args[0] == "help" && printHelp(args[1])) return 0;
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  const bool wantsHelp = std::find(args.begin(), args.end(), "--help") != args.end() ||
                         std::find(args.begin(), args.end(), "-h") != args.end();
  // `up` and `down` print their own help.
  if (wantsHelp && cmd != "up" && cmd != "down" && printHelp(cmd)) return 0;
  try {
    if (cmd == "version" || cmd == "--version") {
      std::cout << "driftless " << DRIFTLESS_VERSION << '\n';
      return 0;
    }
    if (cmd == "convert") return convert(args);
    if (cmd == "apiserver") return apiserver(args);
    if (cmd == "up") return driftless::cli::up(args);
    if (cmd == "get" || cmd == "reconcile" || cmd == "suspend" || cmd == "resume" ||
        cmd == "export" || cmd == "events" || cmd == "tree" || cmd == "stats" || cmd == "create" ||
        cmd == "logs" || cmd == "build" || cmd == "check" || cmd == "diff" || cmd == "delete" ||
        cmd == "trace") {
      return driftless::cli::fluxCommand(cmd, args);
    }
    if (cmd == "down") return driftless::cli::down(args);
    if (cmd == "completion") {
      if (args.size() != 1) {
        std::cerr << "usage: driftless completion bash|zsh\n";
        return 2;
      }
      std::cout << driftless::cli::completionScript(args[0]);
      return 0;
    }
    if (cmd == "semver") return semver(args);
    if (cmd == "kustomize") return kustomize(args);
  } catch (const std::exception& e) {
    std::cerr << "driftless " << cmd << ": " << e.what() << '\n';
    return 1;
  }
  std::cerr << "driftless: unknown command \"" << cmd << "\"\n" << kUsage;
  return 2;
}
