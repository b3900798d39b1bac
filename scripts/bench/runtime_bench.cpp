// Reconciliation runtime benchmark (issue F3 item 8): one controller process watching N
// ConfigMaps through the shared informer cache, with a no-op reconciler and C workers, the way a
// Flux controller uses libs/runtime. Three processes, so that each is measured alone:
//   1. `driftless apiserver` (the embedded control plane),
//   2. `runtime_bench populate`: creates the namespaces and the ConfigMaps, then exits,
//   3. `runtime_bench watch`: the controller. It reports the time to the informer's initial sync
//      and to the initial reconcile of every object, its peak RSS at that point, the
//      event-to-reconcile latency of paced updates (each stamps reconcile.fluxcd.io/requestedAt,
//      which Flux's default predicate lets through, with the send time), and the steady
//      reconciles/s of enqueueing every key again.
// Without a mode, runtime_bench runs all three and prints a table and a summary line; the exit
// status is non-zero only when the setup fails (a missed goal is reported, not an error).
//
// Usage: runtime_bench [--objects 10000] [--namespaces 5] [--clients 8] [--concurrent 4]
//                      [--updates 1000] [--interval-ms 5] [--rounds 10] [--page-size N]
// (--page-size: a standalone informer listing in pages of N instead of the cache's 500.)
//        runtime_bench populate --kubeconfig F --results F [options]
//        runtime_bench watch --kubeconfig F --results F [options]

#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "driftless/core/log.h"
#include "driftless/core/value.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/client.h"
#include "driftless/kube/kubeconfig.h"
#include "driftless/runtime/controller.h"
#include "driftless/runtime/informer.h"
#include "driftless/runtime/metrics.h"

namespace {

namespace fs = std::filesystem;
namespace core = driftless::core;
namespace kube = driftless::kube;
namespace runtime = driftless::runtime;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const kube::GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};
const kube::GroupVersionKind kNamespace{"", "v1", "Namespace"};
constexpr std::string_view kRequestedAt = "reconcile.fluxcd.io/requestedAt";

// --flag value pairs (and the mode as the first argument).
struct Args {
  std::string mode;
  std::map<std::string, std::string> flags;

  [[nodiscard]] std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
  [[nodiscard]] int getInt(const std::string& name, int fallback) const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : std::stoi(it->second);
  }
};

Args parseArgs(int argc, char** argv) {
  Args args;
  int i = 1;
  if (argc > 1 && std::strncmp(argv[1], "--", 2) != 0) args.mode = argv[i++];
  for (; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag.rfind("--", 0) != 0 || i + 1 >= argc) {
      throw std::runtime_error("expected --flag value, got " + flag);
    }
    args.flags[flag.substr(2)] = argv[++i];
  }
  return args;
}

std::int64_t steadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The number on a line of /proc/self/status, such as VmHWM (peak RSS, in kB) or Threads.
double statusValue(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(field.size()));
  }
  return 0;
}

double statusMiB(const std::string& field) {
  return statusValue(field) / 1024.0;
}

// Bytes the allocator has handed out (every arena, plus mmapped chunks).
double heapInUseMiB() {
  struct mallinfo2 info = mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd) / (1024.0 * 1024.0);
}

double cpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The size of the glibc chunk that a malloc(n) occupies (header included).
std::size_t chunkBytes(std::size_t n) {
  return std::max<std::size_t>(32, (n + 8 + 15) & ~std::size_t{15});
}

// The heap a value tree owns below its root, counted from capacities (strings within the
// small-string buffer own none): the chunks, how many, and the bytes of unused capacity.
struct Footprint {
  std::size_t bytes = 0;
  std::size_t allocations = 0;
  std::size_t slack = 0;

  void add(std::size_t capacityBytes, std::size_t usedBytes) {
    bytes += chunkBytes(capacityBytes);
    ++allocations;
    slack += capacityBytes - usedBytes;
  }
};

void measure(const core::Value& value, Footprint& f) {
  switch (value.type()) {
    case core::Value::Type::String: {
      const std::string& s = value.asString();
      if (s.capacity() > 15) f.add(s.capacity() + 1, s.size() + 1);
      return;
    }
    case core::Value::Type::Array: {
      const core::Array& a = value.asArray();
      if (a.capacity() > 0)
        f.add(a.capacity() * sizeof(core::Value), a.size() * sizeof(core::Value));
      for (const auto& v : a)
        measure(v, f);
      return;
    }
    case core::Value::Type::Object: {
      const auto& members = value.asObject().members();
      if (members.capacity() > 0) {
        f.add(members.capacity() * sizeof(core::Member), members.size() * sizeof(core::Member));
      }
      for (const auto& m : members) {
        if (m.key.capacity() > 15) f.add(m.key.capacity() + 1, m.key.size() + 1);
        measure(m.value, f);
      }
      return;
    }
    default:
      return;
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

core::Logger quietLogger() {
  return core::Logger(core::makeFdLogSink(2), core::LogLevel::Error, core::LogEncoding::Json);
}

// key value lines, one a result, read back by the orchestrating process.
class Results {
 public:
  explicit Results(const std::string& path) : out_(path, std::ios::app) {
    if (!out_) throw std::runtime_error("cannot write " + path);
    out_.precision(10);
  }
  void add(const std::string& key, double value) {
    out_ << key << ' ' << value << '\n';
    out_.flush();
  }

 private:
  std::ofstream out_;
};

std::map<std::string, double> readResults(const fs::path& path) {
  std::map<std::string, double> results;
  std::ifstream in(path);
  std::string key;
  double value = 0;
  while (in >> key >> value)
    results[key] = value;
  return results;
}

std::string namespaceOf(int i, int namespaces) {
  return "bench-" + std::to_string(i % namespaces);
}

std::string nameOf(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "cm-%05d", i);
  return buf;
}

// ---- populate: creates the namespaces and the ConfigMaps (its own process, so that the
// objects it builds and sends are not counted in the controller's memory).

int populateMain(const Args& args) {
  const int objects = args.getInt("objects", 10000);
  const int namespaces = std::max(1, args.getInt("namespaces", 5));
  const int clients = std::max(1, args.getInt("clients", 8));
  Results results(args.get("results"));
  kube::RestConfig config = kube::loadKubeconfig(args.get("kubeconfig"));
  config.qps = 0;  // no client-side throttling: the population is setup, not the measurement
  kube::ClientPtr client = kube::makeClient(config, quietLogger());
  for (int n = 0; n < namespaces; ++n) {
    core::Value ns = core::Value::object();
    ns["apiVersion"] = "v1";
    ns["kind"] = "Namespace";
    ns["metadata"]["name"] = namespaceOf(n, namespaces);
    try {
      client->create(ns);
    } catch (const std::exception& e) {
      if (!kube::isAlreadyExists(e)) throw;
    }
  }
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::mutex errorMutex;
  std::string firstError;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      for (int i = next++; i < objects; i = next++) {
        core::Value cm = core::Value::object();
        cm["apiVersion"] = "v1";
        cm["kind"] = "ConfigMap";
        cm["metadata"]["name"] = nameOf(i);
        cm["metadata"]["namespace"] = namespaceOf(i, namespaces);
        cm["metadata"]["labels"]["app.kubernetes.io/part-of"] = "runtime-bench";
        cm["data"]["mode"] = "fast";
        cm["data"]["replicas"] = std::to_string(i % 7 + 1);
        cm["data"]["endpoint"] = "http://svc-" + std::to_string(i) + ".bench.svc:8080";
        try {
          client->create(cm);
        } catch (const std::exception& e) {
          if (kube::isAlreadyExists(e)) continue;  // a second run against the same server
          if (failures++ == 0) {
            std::lock_guard lock(errorMutex);
            firstError = e.what();
          }
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  const double seconds = secondsSince(start);
  results.add("populate_objects", objects);
  results.add("populate_seconds", seconds);
  results.add("populate_clients", clients);
  if (failures > 0) {
    std::fprintf(stderr, "populate: %d creates failed, the first: %s\n", failures.load(),
                 firstError.c_str());
    return 1;
  }
  return 0;
}

// ---- watch: the controller process.

// Latency bookkeeping: stamps are steady_clock nanoseconds taken just before an update is
// sent (the sender and the reconciler are in this process, so one monotonic clock serves both).
class LatencyProbe {
 public:
  // An informer handler registered before the controller's, so that it runs first: records
  // when each stamped update reached the informer.
  runtime::EventHandlers handlers() {
    runtime::EventHandlers h;
    h.onUpdate = [this](const runtime::ObjectPtr& before, const runtime::ObjectPtr& after) {
      if (!active_.load(std::memory_order_relaxed)) return;
      const core::Value& a = (*after)["metadata"]["annotations"][kRequestedAt];
      const core::Value& b = (*before)["metadata"]["annotations"][kRequestedAt];
      if (!a.isString() || a == b) return;
      const std::int64_t now = steadyNanos();
      std::lock_guard lock(mutex_);
      arrived_.emplace(std::stoll(a.asString()), now);
    };
    return h;
  }

  void setActive(bool active) { active_.store(active); }

  // Called by the reconciler with the stamp it read from the cache.
  void reconciled(const std::string& stamp) {
    if (!active_.load(std::memory_order_relaxed)) return;
    const std::int64_t now = steadyNanos();
    const std::int64_t sent = std::stoll(stamp);
    std::lock_guard lock(mutex_);
    if (!handled_.insert(sent).second) return;  // this update was already reconciled
    total_.push_back(static_cast<double>(now - sent) / 1e6);
    if (auto it = arrived_.find(sent); it != arrived_.end()) {
      runtime_.push_back(static_cast<double>(now - it->second) / 1e6);
    }
  }

  [[nodiscard]] std::size_t count() const {
    std::lock_guard lock(mutex_);
    return total_.size();
  }
  [[nodiscard]] std::vector<double> total() const {
    std::lock_guard lock(mutex_);
    return total_;
  }
  [[nodiscard]] std::vector<double> runtimePart() const {
    std::lock_guard lock(mutex_);
    return runtime_;
  }

 private:
  std::atomic<bool> active_{false};
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, std::int64_t> arrived_;
  std::unordered_set<std::int64_t> handled_;
  std::vector<double> total_;    // update sent -> reconcile started
  std::vector<double> runtime_;  // informer received the event -> reconcile started
};

// A no-op reconciler that reads its object from the informer cache, as every controller does.
class NoopReconciler : public runtime::Reconciler {
 public:
  NoopReconciler(runtime::Informer& informer, LatencyProbe& probe)
      : informer_(informer), probe_(probe) {}

  runtime::Result reconcile(const runtime::Request& req, std::stop_token) override {
    if (firstNanos_.load(std::memory_order_relaxed) == 0) {
      std::int64_t expected = 0;
      firstNanos_.compare_exchange_strong(expected, steadyNanos());
    }
    runtime::ObjectPtr object = informer_.get(req.namespace_, req.name);
    if (object) {
      const core::Value& stamp = (*object)["metadata"]["annotations"][kRequestedAt];
      if (stamp.isString()) probe_.reconciled(stamp.asString());
    }
    return {};
  }

  // When the first reconcile started (steady_clock nanoseconds).
  [[nodiscard]] std::int64_t firstNanos() const { return firstNanos_.load(); }

 private:
  runtime::Informer& informer_;
  LatencyProbe& probe_;
  std::atomic<std::int64_t> firstNanos_{0};
};

// Waits until cond holds; false when the timeout passes first.
template <typename Cond>
bool waitFor(Cond cond, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!cond()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(200us);
  }
  return true;
}

int watchMain(const Args& args) {
  const int concurrent = args.getInt("concurrent", 4);
  const int updates = args.getInt("updates", 1000);
  const auto interval = std::chrono::milliseconds(args.getInt("interval-ms", 5));
  const int rounds = args.getInt("rounds", 10);
  Results results(args.get("results"));
  core::Logger logger = quietLogger();

  // As a controller's main does: the client (Flux's default QPS/burst), metrics, the cache.
  const kube::RestConfig config = kube::loadKubeconfig(args.get("kubeconfig"));
  kube::ClientPtr client = kube::makeClient(config, logger);
  runtime::Metrics metrics;
  runtime::Cache cache(*client, {}, logger);
  // --page-size: a standalone informer listing in pages of that size, for comparison with the
  // cache's default (500, as client-go's reflector).
  runtime::InformerPtr standalone;
  if (const int pageSize = args.getInt("page-size", 0); pageSize > 0) {
    runtime::InformerOptions informerOptions;
    informerOptions.gvk = kConfigMap;
    informerOptions.pageSize = pageSize;
    standalone = std::make_unique<runtime::Informer>(*client, informerOptions, logger);
  }
  runtime::Informer& informer = standalone ? *standalone : cache.informer(kConfigMap);
  LatencyProbe probe;
  informer.addEventHandlers(probe.handlers());
  NoopReconciler reconciler(informer, probe);
  runtime::ControllerOptions options;
  options.name = "configmap";
  options.concurrent = concurrent;
  runtime::Controller controller(options, reconciler, logger, &metrics);
  controller.watchFor(informer);  // Flux's default predicate (generation or requestedAt changed)
  controller.start();

  results.add("concurrent", concurrent);
  results.add("rss_start_mib", statusMiB("VmRSS:"));
  results.add("rss_file_start_mib", statusMiB("RssFile:"));
  results.add("heap_start_mib", heapInUseMiB());

  // 1. Initial sync and the initial reconcile of every object.
  const auto start = Clock::now();
  informer.start();
  if (!informer.waitForSync(300s)) {
    std::fprintf(stderr, "watch: the informer did not sync within 300 s\n");
    return 1;
  }
  const double syncSeconds = secondsSince(start);
  const std::size_t objects = informer.size();
  results.add("objects", static_cast<double>(objects));
  results.add("sync_seconds", syncSeconds);
  results.add("rss_synced_mib", statusMiB("VmRSS:"));
  if (!waitFor([&] { return controller.reconciles() >= objects; }, 300s)) {
    std::fprintf(stderr, "watch: %zu of %zu initial reconciles after 300 s\n",
                 controller.reconciles(), objects);
    return 1;
  }
  const double reconciledSeconds = secondsSince(start);
  const std::int64_t startNanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
  results.add("initial_reconciled_seconds", reconciledSeconds);
  results.add("first_reconcile_seconds",
              static_cast<double>(reconciler.firstNanos() - startNanos) / 1e9);
  results.add("hwm_initial_mib", statusMiB("VmHWM:"));
  results.add("rss_initial_mib", statusMiB("VmRSS:"));
  results.add("rss_anon_initial_mib", statusMiB("RssAnon:"));
  results.add("threads", statusValue("Threads:"));
  results.add("heap_initial_mib", heapInUseMiB());
  {
    Footprint f;
    for (const auto& object : informer.list())
      measure(*object, f);
    const auto n = static_cast<double>(std::max<std::size_t>(objects, 1));
    results.add("value_bytes_per_object", static_cast<double>(f.bytes) / n);
    results.add("value_allocations_per_object", static_cast<double>(f.allocations) / n);
    results.add("value_slack_per_object", static_cast<double>(f.slack) / n);
  }
  ::malloc_trim(0);
  results.add("rss_trimmed_mib", statusMiB("VmRSS:"));

  // 2. Event-to-reconcile latency: paced updates of distinct objects, each stamping
  // requestedAt with its send time.
  std::vector<runtime::Request> requests;
  for (const auto& object : informer.list())
    requests.push_back(runtime::Request::of(*object));
  if (requests.empty()) {
    std::fprintf(stderr, "watch: no objects\n");
    return 1;
  }
  // The updates stand for another process's writes (kubectl, the flux CLI): their own client,
  // not throttled by the controller's QPS limit (50/s with a burst of 300).
  kube::RestConfig writerConfig = config;
  writerConfig.qps = 0;
  kube::ClientPtr writer = kube::makeClient(writerConfig, logger);
  probe.setActive(true);
  int updateFailures = 0;
  std::vector<double> roundTrips;  // the update requests themselves
  {
    auto next = Clock::now();
    for (int u = 0; u < updates; ++u) {
      const auto& req = requests[(static_cast<std::size_t>(u) * 7919) % requests.size()];
      core::Value patch = core::Value::object();
      patch["metadata"]["annotations"][kRequestedAt] = std::to_string(steadyNanos());
      try {
        const auto sent = Clock::now();
        writer->patch(kube::ObjectRef{kConfigMap, req.namespace_, req.name}, kube::PatchType::Merge,
                      patch);
        roundTrips.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      } catch (const std::exception& e) {
        if (updateFailures++ == 0) std::fprintf(stderr, "watch: update failed: %s\n", e.what());
      }
      next += interval;
      std::this_thread::sleep_until(next);
    }
  }
  const auto expected = static_cast<std::size_t>(updates - updateFailures);
  waitFor([&] { return probe.count() >= expected; }, 30s);
  probe.setActive(false);
  const auto total = probe.total();
  const auto runtimePart = probe.runtimePart();
  results.add("updates", updates);
  results.add("update_interval_ms", static_cast<double>(interval.count()));
  results.add("updates_failed", updateFailures);
  results.add("updates_reconciled", static_cast<double>(total.size()));
  results.add("latency_p50_ms", percentile(total, 0.5));
  results.add("latency_p99_ms", percentile(total, 0.99));
  results.add("runtime_latency_p50_ms", percentile(runtimePart, 0.5));
  results.add("update_request_p50_ms", percentile(roundTrips, 0.5));
  results.add("update_request_p99_ms", percentile(roundTrips, 0.99));
  results.add("runtime_latency_p99_ms", percentile(runtimePart, 0.99));

  // 3. Steady reconciles/s: every key enqueued again, round after round (a key still queued
  // would be deduplicated, so each round waits for the previous one).
  const std::size_t before = controller.reconciles();
  const double cpuBefore = cpuSeconds();
  const auto steadyStart = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& req : requests)
      controller.enqueue(req);
    const std::size_t target = before + static_cast<std::size_t>(r + 1) * requests.size();
    if (!waitFor([&] { return controller.reconciles() >= target; }, 120s)) {
      std::fprintf(stderr, "watch: steady round %d did not finish\n", r);
      return 1;
    }
  }
  const double steadySeconds = secondsSince(steadyStart);
  const double steadyReconciles = static_cast<double>(controller.reconciles() - before);
  results.add("steady_reconciles", steadyReconciles);
  results.add("steady_seconds", steadySeconds);
  results.add("steady_cpu_seconds", cpuSeconds() - cpuBefore);
  results.add("hwm_final_mib", statusMiB("VmHWM:"));
  results.add("rss_final_mib", statusMiB("VmRSS:"));

  controller.stop(1s);
  informer.stop();
  return 0;
}

// ---- the orchestrator: control plane, populate, watch, table.

pid_t spawn(const std::vector<std::string>& argv, bool quiet = false) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (quiet) {
      int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) ::dup2(null, STDOUT_FILENO);
    }
    std::vector<char*> raw;
    for (const auto& a : argv)
      raw.push_back(const_cast<char*>(a.c_str()));
    raw.push_back(nullptr);
    ::execv(raw[0], raw.data());
    std::_Exit(127);
  }
  if (pid < 0) throw std::runtime_error("fork failed");
  return pid;
}

bool runToCompletion(const std::vector<std::string>& argv) {
  int status = 0;
  ::waitpid(spawn(argv), &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string withCommas(double value) {
  auto n = static_cast<long long>(value + 0.5);
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

int orchestrate(const Args& args) {
  const fs::path self = fs::canonical("/proc/self/exe");
  const fs::path driftless = self.parent_path() / "driftless";
  const fs::path dir =
      fs::temp_directory_path() / ("driftless-runtime-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path resultsFile = dir / "results";
  pid_t server = spawn({driftless.string(), "apiserver", "--data-dir", (dir / "data").string(),
                        "--log-level", "error"},
                       true);
  auto cleanup = [&] {
    ::kill(server, SIGTERM);
    ::waitpid(server, nullptr, 0);
    std::error_code ec;
    fs::remove_all(dir, ec);
  };
  const fs::path kubeconfig = dir / "data" / "kubeconfig";
  if (!waitFor([&] { return fs::exists(kubeconfig); }, 15s)) {
    std::fprintf(stderr, "the control plane did not start (%s)\n", driftless.c_str());
    cleanup();
    return 1;
  }
  std::this_thread::sleep_for(100ms);  // the file is written whole, but let the server settle

  std::vector<std::string> common = {"--kubeconfig", kubeconfig.string(), "--results",
                                     resultsFile.string()};
  for (const auto& [flag, value] : args.flags) {
    common.push_back("--" + flag);
    common.push_back(value);
  }
  std::vector<std::string> populate = {self.string(), "populate"};
  populate.insert(populate.end(), common.begin(), common.end());
  std::vector<std::string> watch = {self.string(), "watch"};
  watch.insert(watch.end(), common.begin(), common.end());
  if (!runToCompletion(populate)) {
    std::fprintf(stderr, "populating the control plane failed\n");
    cleanup();
    return 1;
  }
  if (!runToCompletion(watch)) {
    std::fprintf(stderr, "the controller process failed\n");
    cleanup();
    return 1;
  }
  auto r = readResults(resultsFile);
  cleanup();

  const double objects = r["objects"];
  // From the first reconcile to the last (workers start while the informer still notifies).
  const double reconcileBurst = r["initial_reconciled_seconds"] - r["first_reconcile_seconds"];
  const double hwm = r["hwm_initial_mib"];
  const double p50 = r["latency_p50_ms"];
  const double steadyRate = r["steady_reconciles"] / std::max(r["steady_seconds"], 1e-9);
  const bool rssMet = hwm < 40;
  const bool latencyMet = p50 < 5;
  const std::string concurrent = withCommas(r["concurrent"]);

  std::printf(
      "\nReconciliation runtime: one controller process, %s ConfigMaps in %s namespaces, "
      "no-op reconciler, --concurrent=%s\n\n",
      withCommas(objects).c_str(), args.get("namespaces", "5").c_str(), concurrent.c_str());
  std::printf("| measurement | result | goal |\n| --- | --- | --- |\n");
  std::printf("| populate (separate process, %s clients) | %s creates in %.2f s | |\n",
              withCommas(r["populate_clients"]).c_str(), withCommas(r["populate_objects"]).c_str(),
              r["populate_seconds"]);
  std::printf("| initial list → informer synced | %.2f s | |\n", r["sync_seconds"]);
  std::printf(
      "| initial reconcile of all %s | first %.2f s, last %.2f s after start: %s reconciles/s "
      "| |\n",
      withCommas(objects).c_str(), r["first_reconcile_seconds"], r["initial_reconciled_seconds"],
      withCommas(objects / std::max(reconcileBurst, 1e-9)).c_str());
  std::printf("| peak RSS (VmHWM) after sync + initial reconciles | %.1f MiB | < 40 MiB: %s |\n",
              hwm, rssMet ? "met" : "**NOT MET**");
  std::printf(
      "| event-to-reconcile, %s updates every %.0f ms (update sent → reconcile) | p50 %.2f ms, "
      "p99 %.2f ms | p50 < 5 ms: %s |\n",
      withCommas(r["updates"]).c_str(), r["update_interval_ms"], p50, r["latency_p99_ms"],
      latencyMet ? "met" : "**NOT MET**");
  std::printf("| … the update request itself (PATCH round trip) | p50 %.2f ms, p99 %.2f ms | |\n",
              r["update_request_p50_ms"], r["update_request_p99_ms"]);
  std::printf(
      "| … informer received the event → reconcile (queue + worker) | p50 %.3f ms, p99 "
      "%.3f ms | |\n",
      r["runtime_latency_p50_ms"], r["runtime_latency_p99_ms"]);
  std::printf("| steady reconciles/s, %s × %s keys re-enqueued | %s/s (%.1f µs CPU each) | |\n",
              withCommas(r["steady_reconciles"] / std::max(objects, 1.0)).c_str(),
              withCommas(objects).c_str(), withCommas(steadyRate).c_str(),
              r["steady_cpu_seconds"] / std::max(r["steady_reconciles"], 1.0) * 1e6);
  std::printf(
      "\nmemory: RSS %.1f MiB at start (%.1f MiB of it file-backed: code and libraries), %.1f "
      "MiB synced, %.1f MiB after the initial reconciles (%.1f MiB anonymous; %.1f MiB after "
      "malloc_trim), %.1f MiB peak at the end; %.0f threads\n",
      r["rss_start_mib"], r["rss_file_start_mib"], r["rss_synced_mib"], r["rss_initial_mib"],
      r["rss_anon_initial_mib"], r["rss_trimmed_mib"],
      // (VmHWM trails VmRSS a little: the kernel folds per-thread RSS counters in lazily)
      std::max(r["hwm_final_mib"], hwm), r["threads"]);
  const double heapPerObject =
      (r["heap_initial_mib"] - r["heap_start_mib"]) * 1024 * 1024 / std::max(objects, 1.0);
  std::printf(
      "heap in use: %.1f MiB at start, %.1f MiB with the cache: %s bytes/object, %s of them the "
      "core::Value tree (%.0f allocations, %s bytes of unused capacity)\n",
      r["heap_start_mib"], r["heap_initial_mib"], withCommas(heapPerObject).c_str(),
      withCommas(r["value_bytes_per_object"]).c_str(), r["value_allocations_per_object"],
      withCommas(r["value_slack_per_object"]).c_str());
  if (r["updates_reconciled"] + r["updates_failed"] < r["updates"]) {
    std::printf("warning: %s of %s updates were never reconciled\n",
                withCommas(r["updates"] - r["updates_reconciled"] - r["updates_failed"]).c_str(),
                withCommas(r["updates"]).c_str());
  }
  std::printf(
      "\nsummary: %s objects, --concurrent=%s: peak RSS %.1f MiB (goal < 40: %s), synced in "
      "%.2f s, initial reconciles at %s/s, event-to-reconcile p50 %.2f ms / p99 %.2f ms (goal "
      "p50 < 5: %s), steady %s reconciles/s\n",
      withCommas(objects).c_str(), concurrent.c_str(), hwm, rssMet ? "MET" : "NOT MET",
      r["sync_seconds"], withCommas(objects / std::max(reconcileBurst, 1e-9)).c_str(), p50,
      r["latency_p99_ms"], latencyMet ? "MET" : "NOT MET", withCommas(steadyRate).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args args = parseArgs(argc, argv);
    if (args.mode.empty()) return orchestrate(args);
    if (args.get("kubeconfig").empty() || args.get("results").empty()) {
      throw std::runtime_error(args.mode + " needs --kubeconfig and --results");
    }
    if (args.mode == "populate") return populateMain(args);
    if (args.mode == "watch") return watchMain(args);
    throw std::runtime_error("unknown mode " + args.mode + " (populate, watch, or none)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runtime_bench: %s\n", e.what());
    return 2;
  }
}
