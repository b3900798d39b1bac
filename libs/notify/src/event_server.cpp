#include "driftless/notify/event_server.h"

#include <re2/re2.h>

#include <algorithm>

#include "driftless/core/crypto.h"
#include "driftless/core/duration.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/time.h"

namespace driftless::notify {
namespace {

constexpr std::string_view kEventGroup = "event.toolkit.fluxcd.io/";

// HTTP-date (RFC 1123, GMT) of a steady-clock instant, through the system clock.
std::string httpDate(RateLimiter::Clock::time_point t) {
  const auto system = std::chrono::system_clock::now() +
                      std::chrono::duration_cast<std::chrono::system_clock::duration>(
                          t - RateLimiter::Clock::now());
  const std::time_t tt = std::chrono::system_clock::to_time_t(system);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// The token of a secret masked in a message (dispatch errors may quote URLs with tokens).
std::string maskToken(std::string message, const std::string& token) {
  if (token.empty()) return message;
  for (std::size_t at = message.find(token); at != std::string::npos;
       at = message.find(token, at + 5))
    message.replace(at, token.size(), "*****");
  return message;
}

}  // namespace

kube::LabelSelector matchLabelsSelector(const core::Value& matchLabels) {
  return kube::LabelSelector::fromValue(core::Value(core::Object{{"matchLabels", matchLabels}}));
}

std::string groupOf(std::string_view apiVersion) {
  const std::size_t slash = apiVersion.find('/');
  return slash == std::string_view::npos ? std::string() : std::string(apiVersion.substr(0, slash));
}

void cleanupMetadata(Event& event) {
  const std::string prefix = groupOf(event.involvedObject.apiVersion) + "/";
  Metadata kept;
  for (auto& [k, v] : event.metadata) {
    if (k.starts_with(kEventGroup)) {
      kept.emplace(k, v);
    } else if (k.starts_with(prefix)) {
      const std::string_view rest = std::string_view(k).substr(prefix.size());
      if (rest != "checksum" && rest != "digest") kept.emplace(k, v);
    }
  }
  event.metadata = std::move(kept);
}

void excludeInternalMetadata(Event& event) {
  event.metadata.erase(groupOf(event.involvedObject.apiVersion) + "/token");
}

std::string rateLimitKeyString(const Event& event) {
  std::string key = "event/name=" + event.involvedObject.name +
                    "/namespace=" + event.involvedObject.namespace_ +
                    "/kind=" + event.involvedObject.kind + "/message=" + event.message;
  const std::string group = groupOf(event.involvedObject.apiVersion);
  for (const char* name : {"originRevision", "revision", "token"}) {
    auto it = event.metadata.find(group + "/" + name);
    if (it != event.metadata.end()) key += "/" + std::string(name) + "=" + it->second;
  }
  return key;
}

std::string rateLimitKey(const Event& event) {
  return core::sha256Hex(rateLimitKeyString(event));
}

RateLimiter::Result RateLimiter::take(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (now - lastSweep_ > interval_) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      it = now - it->second.lastSeen > 2 * interval_ ? buckets_.erase(it) : std::next(it);
    }
    lastSweep_ = now;
  }
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  if (inserted) {
    b.start = now;
    b.windowEnd = now + interval_;
  }
  if (now >= b.windowEnd) {
    // Windows stay anchored at the first request: skip whole intervals.
    const auto periods = (now - b.start) / interval_;
    b.windowEnd = b.start + (periods + 1) * interval_;
    b.used = false;
  }
  b.lastSeen = now;
  Result r;
  r.reset = b.windowEnd;
  r.allowed = !b.used;
  b.used = true;
  return r;
}

bool eventMatchesSource(const Event& event, const core::Value& source,
                        const std::string& alertNamespace, const std::string& alertSeverity,
                        ClusterView* cluster) {
  std::string ns = source["namespace"].stringOr();
  if (ns.empty()) ns = alertNamespace;
  if (event.involvedObject.namespace_ != ns) return false;
  if (event.involvedObject.kind != source["kind"].stringOr()) return false;
  if (!(event.severity == alertSeverity || alertSeverity == "info")) return false;
  const std::string name = source["name"].stringOr();
  if (name != "*" && name != event.involvedObject.name) return false;
  const core::Value& matchLabels = source["matchLabels"];
  if (matchLabels.isObject() && !matchLabels.asObject().empty()) {
    if (cluster == nullptr) return false;
    auto object = cluster->object(event.involvedObject.apiVersion, event.involvedObject.kind,
                                  event.involvedObject.namespace_, event.involvedObject.name);
    if (!object) return false;
    try {
      if (!matchLabelsSelector(matchLabels).matches((*object)["metadata"]["labels"])) return false;
    } catch (const kube::SelectorError&) {
      return false;  // invalid labels select nothing
    }
  }
  return true;
}

std::vector<ObjectPtr> matchingAlerts(const Event& event, const std::vector<ObjectPtr>& alerts,
                                      ClusterView* cluster) {
  std::vector<ObjectPtr> out;
  for (const auto& alertPtr : alerts) {
    const core::Value& alert = *alertPtr;
    const core::Value& spec = alert["spec"];
    if (spec["suspend"].isBool() && spec["suspend"].asBool()) continue;
    std::string severity = spec["eventSeverity"].stringOr();
    if (severity.empty()) severity = "info";
    const std::string ns = alert["metadata"]["namespace"].stringOr();
    bool matched = false;
    if (spec["eventSources"].isArray()) {
      for (const auto& source : spec["eventSources"].asArray()) {
        if (eventMatchesSource(event, source, ns, severity, cluster)) {
          matched = true;
          break;
        }
      }
    }
    if (!matched) continue;
    auto anyMatches = [&](const core::Value& list, bool& any) {
      any = false;
      if (!list.isArray()) return false;
      for (const auto& pattern : list.asArray()) {
        any = true;
        RE2 re(pattern.stringOr(), RE2::Quiet);
        if (!re.ok()) {
          if (cluster != nullptr) {
            cluster->warn(alert, "InvalidConfig",
                          "failed to compile regex " + pattern.stringOr() + ": " + re.error());
          }
          continue;
        }
        if (RE2::PartialMatch(event.message, re)) return true;
      }
      return false;
    };
    bool hasInclusions = false;
    bool hasExclusions = false;
    const bool included = anyMatches(spec["inclusionList"], hasInclusions);
    if (hasInclusions && !included) continue;
    if (anyMatches(spec["exclusionList"], hasExclusions)) continue;
    out.push_back(alertPtr);
  }
  return out;
}

std::string combineMetadata(Event& event, const core::Value& alertSpec) {
  Metadata out;
  std::map<std::string, std::string> sources;
  std::map<std::string, std::string> conflicts;
  auto add = [&](const std::string& key, const std::string& value, const std::string& source) {
    auto it = sources.find(key);
    if (it != sources.end()) {
      auto c = conflicts.find(key);
      if (c == conflicts.end()) {
        conflicts[key] = it->second + ", " + source;
      } else {
        c->second += ", " + source;
      }
    }
    out[key] = value;
    sources[key] = source;
  };
  for (const auto& [k, v] : event.metadata) {
    if (k.starts_with(kEventGroup))
      add(k.substr(kEventGroup.size()), v, "involved object annotations");
  }
  if (alertSpec["eventMetadata"].isObject()) {
    for (const auto& m : alertSpec["eventMetadata"].asObject())
      add(m.key, m.value.stringOr(), "Alert object .spec.eventMetadata");
  }
  if (const std::string summary = alertSpec["summary"].stringOr(); !summary.empty())
    add("summary", summary, "Alert object .spec.summary");
  const std::string prefix = groupOf(event.involvedObject.apiVersion) + "/";
  for (const auto& [k, v] : event.metadata) {
    if (prefix != kEventGroup && k.starts_with(prefix))
      add(k.substr(prefix.size()), v, "involved object controller metadata");
  }
  if (!out.empty()) event.metadata = std::move(out);
  if (conflicts.empty()) return {};
  std::string message =
      "metadata key conflicts detected (please refer to the Alert API docs and Flux RFC 0008 for "
      "more information) map[";
  bool first = true;
  for (const auto& [k, v] : conflicts) {
    message += (first ? "" : " ") + k + ":" + v;
    first = false;
  }
  return message + "]";
}

Gate notificationGate(const Event& event, const std::string& alertNamespace,
                      const std::string& providerType, bool providerSuspended,
                      bool noCrossNamespaceRefs) {
  if (noCrossNamespaceRefs && event.involvedObject.namespace_ != alertNamespace)
    return Gate::CrossNamespaceRefused;
  if (providerSuspended) return Gate::Skip;
  const std::string group = groupOf(event.involvedObject.apiVersion);
  auto status = event.metadata.find(group + "/commit_status");
  const bool commitStatusUpdate = status != event.metadata.end() && status->second == "update";
  const bool commitStatus = isCommitStatusProvider(providerType);
  if (commitStatusUpdate && !commitStatus && providerType != "generic" &&
      providerType != "generic-hmac")
    return Gate::Skip;
  if (commitStatus) {
    auto commit = event.metadata.find(std::string(kEventGroup) + "commit");
    const bool hasCommit = commit != event.metadata.end() && !commit->second.empty();
    if (!hasCommit && !commitStatusUpdate && event.severity != "error")
      return Gate::DropCommitStatus;
  }
  return Gate::Dispatch;
}

EventServer::EventServer(ClusterView& cluster, EventServerOptions options, core::Logger logger)
    : cluster_(cluster),
      options_(std::move(options)),
      logger_(std::move(logger)),
      limiter_(options_.rateLimitInterval) {
  if (!options_.clock) options_.clock = [] { return RateLimiter::Clock::now(); };
  if (!options_.transportFactory) {
    options_.transportFactory = [](const TransportOptions& o) { return makeCurlTransport(o); };
  }
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.workers); ++i)
    workers_.emplace_back([this] { workerLoop(); });
}

EventServer::~EventServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_)
    t.join();
}

EventResponse EventServer::handle(std::string_view body) {
  if (body.size() > options_.maxBodyBytes) return {413, "request body too large\n", {}};
  Event event;
  try {
    event = Event::fromValue(core::parseJson(body, "event"));
  } catch (const std::exception& e) {
    logger_.error("decoding the request body failed", e.what());
    return {400, "invalid event: " + std::string(e.what()) + "\n", {}};
  }
  return handle(std::move(event));
}

EventResponse EventServer::handle(Event event) {
  {
    std::lock_guard lock(mutex_);
    ++stats_.received;
  }
  cleanupMetadata(event);
  const RateLimiter::Result limit = limiter_.take(rateLimitKey(event), options_.clock());
  if (!limit.allowed) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.rateLimited;
    }
    const std::string reset = httpDate(limit.reset);
    return {429,
            "Too Many Requests\n",
            {{"X-Ratelimit-Limit", "1"},
             {"X-Ratelimit-Remaining", "0"},
             {"X-Ratelimit-Reset", reset},
             {"Retry-After", reset}}};
  }
  excludeInternalMetadata(event);
  const std::vector<ObjectPtr> alerts = matchingAlerts(event, cluster_.alerts(), &cluster_);
  if (alerts.empty()) {
    logger_.debug("discarding event, no alerts found for the involved object",
                  {{"kind", event.involvedObject.kind},
                   {"name", event.involvedObject.name},
                   {"namespace", event.involvedObject.namespace_}});
    return {202, "", {}};
  }
  std::lock_guard lock(mutex_);
  for (const auto& alert : alerts) {
    if (queue_.size() >= options_.maxQueued) {
      logger_.error("dropping a notification", "the dispatch queue is full",
                    {{"alert", (*alert)["metadata"]["name"].stringOr()}});
      continue;
    }
    queue_.push_back(Job{event, alert});
  }
  cv_.notify_all();
  return {202, "", {}};
}

void EventServer::serveHttp(const net::HttpRequest& request, net::ResponseWriter& writer) {
  if (request.method != "POST") {
    writer.send(405, "text/plain", "method not allowed\n");
    return;
  }
  EventResponse r = handle(request.body);
  writer.send(r.status, "text/plain", r.body, r.headers);
}

void EventServer::workerLoop() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    try {
      dispatch(std::move(job));
    } catch (const std::exception& e) {
      logger_.error("dispatching failed", e.what());
    }
    {
      std::lock_guard lock(mutex_);
      --busy_;
    }
    idle_.notify_all();
  }
}

void EventServer::drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && busy_ == 0; });
}

EventServer::Stats EventServer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void EventServer::dispatch(Job job) {
  const core::Value& alert = *job.alert;
  const std::string alertNs = alert["metadata"]["namespace"].stringOr();
  const std::string alertName = alert["metadata"]["name"].stringOr();
  const core::Value& spec = alert["spec"];
  const std::string providerName = spec["providerRef"]["name"].stringOr();
  const core::LogFields fields = {{"alert", alertNs + "/" + alertName}, {"provider", providerName}};
  std::optional<core::Value> provider = cluster_.provider(alertNs, providerName);
  if (!provider) {
    logger_.error("failed to read the provider",
                  "Provider " + alertNs + "/" + providerName + " not found", fields);
    cluster_.warn(alert, "NotificationDispatchFailed",
                  "Provider " + providerName + " not found in namespace " + alertNs);
    return;
  }
  const core::Value& pspec = (*provider)["spec"];
  const bool suspended = pspec["suspend"].isBool() && pspec["suspend"].asBool();
  Event& event = job.event;
  switch (notificationGate(event, alertNs, pspec["type"].stringOr(), suspended,
                           options_.noCrossNamespaceRefs)) {
    case Gate::Skip:
      return;
    case Gate::DropCommitStatus:
      logger_.debug("discarding event, commit status providers need a commit", fields);
      return;
    case Gate::CrossNamespaceRefused:
      logger_.error("discarding event", "cross-namespace references are not allowed", fields);
      return;
    case Gate::Dispatch:
      break;
  }
  if (std::string conflict = combineMetadata(event, spec); !conflict.empty())
    cluster_.warn(alert, "MetadataAppendFailed", conflict);

  std::string token;
  try {
    // A Secret the Provider names in field (nullopt when it names none).
    auto secretOf = [&](std::string_view field) -> std::optional<SecretData> {
      const std::string ref = pspec[field]["name"].stringOr();
      if (ref.empty()) return std::nullopt;
      auto data = cluster_.secret(alertNs, ref);
      if (!data) {
        throw core::Error("failed to read " + std::string(field) + ", error: Secret " + ref +
                          " not found");
      }
      return data;
    };
    const SecretData secret = secretOf("secretRef").value_or(SecretData{});
    ProviderSettings settings = providerSettings(*provider, secret);
    token = settings.token;
    settings.alert = alert;
    TransportOptions transport;
    if (const std::string t = pspec["timeout"].stringOr(); !t.empty()) {
      transport.timeout =
          std::chrono::duration_cast<std::chrono::milliseconds>(core::parseDuration(t));
    }
    if (const auto certs = secretOf("certSecretRef")) {
      transport.caPem = secretValue(*certs, "ca.crt")
                            .value_or(secretValue(*certs, "caFile").value_or(std::string()));
      transport.certPem = secretValue(*certs, "tls.crt").value_or(std::string());
      transport.keyPem = secretValue(*certs, "tls.key").value_or(std::string());
    }
    transport.proxy = secretValue(secret, "proxy").value_or(std::string());
    if (const std::string proxy = pspec["proxy"].stringOr(); !proxy.empty())
      transport.proxy = proxy;
    if (const auto proxy = secretOf("proxySecretRef")) {
      std::string address = secretValue(*proxy, "address").value_or(std::string());
      const std::string user = secretValue(*proxy, "username").value_or(std::string());
      const std::string password = secretValue(*proxy, "password").value_or(std::string());
      if (!user.empty() && address.find("://") != std::string::npos)
        address.insert(address.find("://") + 3, user + ":" + password + "@");
      transport.proxy = address;
    }
    std::unique_ptr<Notifier> notifier = makeNotifier(settings);
    std::unique_ptr<Transport> client = options_.transportFactory(transport);
    notifier->post(event, *client);
    std::lock_guard lock(mutex_);
    ++stats_.dispatched;
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.failed;
    }
    const std::string message = maskToken(e.what(), token);
    logger_.error("failed to send notification", message, fields);
    cluster_.warn(alert, "NotificationDispatchFailed",
                  "failed to send notification for " + event.involvedObject.kind + "/" +
                      event.involvedObject.name + ": " + message);
  }
}

}  // namespace driftless::notify
