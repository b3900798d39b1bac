#include "driftless/notify/receiver.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

#include "driftless/core/crypto.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/text.h"

namespace driftless::notify {
namespace {

bool eventAllowed(const core::Value& spec, std::string_view event) {
  const core::Value& events = spec["events"];
  if (!events.isArray() || events.asArray().empty()) return true;
  return std::any_of(events.asArray().begin(), events.asArray().end(), [&](const core::Value& e) {
    return core::asciiLower(e.stringOr()) == core::asciiLower(event);
  });
}

// "<sha1|sha256|sha512>=<hex>" checked against the HMAC of body.
Verdict checkSignature(std::string_view header, std::string_view token, std::string_view body) {
  const std::size_t eq = header.find('=');
  if (eq == std::string_view::npos) return {false, "error parsing signature"};
  const std::string algorithm(header.substr(0, eq));
  if (algorithm != "sha1" && algorithm != "sha256" && algorithm != "sha512")
    return {false, "unknown hash type prefix \"" + algorithm + "\""};
  const auto given = core::hexDecode(header.substr(eq + 1));
  if (!given) return {false, "error decoding signature"};
  if (!core::constantTimeEqual(*given, core::hmacBytes(algorithm, token, body)))
    return {false, "payload signature check failed"};
  return {};
}

bool isJson(std::string_view body) {
  try {
    (void)core::parseJson(body);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// Go's time.Time.String() of now, in UTC.
std::string nowString() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t tt = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() %
      1000000000;
  std::string frac = std::to_string(nanos);
  frac.insert(0, 9 - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0')
    frac.pop_back();
  return std::string(buf) + (frac.empty() ? "" : "." + frac) + " +0000 UTC";
}

bool isReady(const core::Value& receiver) {
  const core::Value& conditions = receiver["status"]["conditions"];
  if (!conditions.isArray()) return false;
  for (const auto& c : conditions.asArray()) {
    if (c["type"].stringOr() == "Ready") return c["status"].stringOr() == "True";
  }
  return false;
}

}  // namespace

std::string webhookPath(std::string_view token, std::string_view name, std::string_view ns) {
  std::string preimage(token);
  preimage += name;
  preimage += ns;
  return "/hook/" + core::sha256Hex(preimage);
}

std::string defaultResourceApiVersion(std::string_view kind) {
  if (kind == "Bucket" || kind == "HelmChart" || kind == "HelmRepository" ||
      kind == "GitRepository" || kind == "OCIRepository")
    return "source.toolkit.fluxcd.io/v1";
  if (kind == "ImageRepository") return "image.toolkit.fluxcd.io/v1";
  if (kind == "ArtifactGenerator") return "source.extensions.fluxcd.io/v1beta1";
  return {};
}

Verdict validateWebhook(const core::Value& spec, std::string_view token,
                        const net::HttpRequest& request) {
  const std::string type = spec["type"].stringOr();
  const std::string_view body = request.body;
  if (type == "generic") return {};
  if (type == "generic-hmac") {
    const std::string_view sig = request.header("x-signature");
    if (sig.empty()) return {false, "missing X-Signature header"};
    return checkSignature(sig, token, body);
  }
  if (type == "github" || type == "bitbucket") {
    std::string_view sig = request.header("x-hub-signature-256");
    if (sig.empty()) sig = request.header("x-hub-signature");
    if (sig.empty() && !token.empty()) return {false, "missing signature"};
    if (type == "github") {
      std::string mediaType(request.header("content-type"));
      mediaType = core::asciiLower(mediaType.substr(0, mediaType.find(';')));
      mediaType.erase(mediaType.find_last_not_of(" \t") + 1);
      if (mediaType != "application/json" && mediaType != "application/x-www-form-urlencoded")
        return {false, "webhook request has unsupported Content-Type \"" +
                           std::string(request.header("content-type")) + "\""};
    }
    if (!sig.empty()) {
      Verdict v = checkSignature(sig, token, body);
      if (!v.ok) return v;
    }
    const std::string_view event =
        request.header(type == "github" ? "x-github-event" : "x-event-key");
    if (!eventAllowed(spec, event))
      return {false, "the " + std::string(type == "github" ? "GitHub" : "Bitbucket") + " event '" +
                         std::string(event) + "' is not authorised"};
    return {};
  }
  if (type == "gitlab") {
    if (!core::constantTimeEqual(request.header("x-gitlab-token"), token))
      return {false, "the X-Gitlab-Token header value does not match the receiver token"};
    const std::string_view event = request.header("x-gitlab-event");
    if (!eventAllowed(spec, event))
      return {false, "GitLab event '" + std::string(event) + "' is not authorised"};
    return {};
  }
  if (type == "harbor") {
    if (!core::constantTimeEqual(request.header("authorization"), token))
      return {false, "the Harbor Authorization header value does not match the receiver token"};
    return {};
  }
  if (type == "nexus") {
    const auto given = core::hexDecode(request.header("x-nexus-webhook-signature"));
    if (!given || !core::constantTimeEqual(*given, core::hmacBytes("sha1", token, body)))
      return {false, "invalid Nexus signature"};
    return {};
  }
  if (type == "quay" || type == "dockerhub" || type == "acr") {
    if (!isJson(body)) return {false, "cannot decode the " + type + " webhook payload"};
    return {};
  }
  return {false, "receiver type '" + type + "' not supported"};
}

ReceiverServer::ReceiverServer(ReceiverCluster& cluster, ReceiverServerOptions options,
                               core::Logger logger)
    : cluster_(cluster), options_(options), logger_(std::move(logger)) {}

void ReceiverServer::serveHttp(const net::HttpRequest& request, net::ResponseWriter& writer) {
  auto [status, message] = handle(request);
  writer.send(status, "text/plain", message.empty() ? "" : message + "\n");
}

std::pair<int, std::string> ReceiverServer::handle(const net::HttpRequest& request) {
  ObjectPtr receiver;
  for (auto& r : cluster_.receivers()) {
    if ((*r)["status"]["webhookPath"].stringOr() == request.target) {
      receiver = std::move(r);
      break;
    }
  }
  if (!receiver) return {404, "404 page not found"};
  const core::Value& spec = (*receiver)["spec"];
  const std::string ns = (*receiver)["metadata"]["namespace"].stringOr();
  const std::string name = (*receiver)["metadata"]["name"].stringOr();
  const core::LogFields fields = {{"receiver", ns + "/" + name}};
  if ((spec["suspend"].isBool() && spec["suspend"].asBool()) || !isReady(*receiver)) {
    logger_.info("receiver is suspended or not ready", fields);
    return {503, "receiver is not ready"};
  }
  if (request.body.size() > options_.maxBodyBytes) return {413, "request body too large"};
  std::string token;
  if (const std::string ref = spec["secretRef"]["name"].stringOr(); !ref.empty()) {
    auto data = cluster_.secret(ns, ref);
    if (!data) {
      logger_.error("unable to read the token", "Secret " + ns + "/" + ref + " not found", fields);
      return {400, "unable to read token"};
    }
    const auto value = secretValue(*data, "token");
    if (!value) {
      logger_.error("unable to read the token", "the secret has no 'token' key", fields);
      return {400, "unable to read token"};
    }
    token = *value;
  }
  const Verdict verdict = validateWebhook(spec, token, request);
  if (!verdict.ok) {
    logger_.error("unable to validate payload", verdict.message, fields);
    return {400, verdict.message};
  }
  if (spec["type"].stringOr() == "github" && request.header("x-github-event") == "ping") {
    logger_.info("handling GitHub ping event", fields);
    return {200, ""};
  }
  try {
    annotate(*receiver);
  } catch (const std::exception& e) {
    logger_.error("unable to process resources", e.what(), fields);
    return {500, e.what()};
  }
  logger_.info("handling request", fields);
  return {200, ""};
}

void ReceiverServer::annotate(const core::Value& receiver) {
  const std::string receiverNs = receiver["metadata"]["namespace"].stringOr();
  const std::string value = nowString();
  const core::Value& resources = receiver["spec"]["resources"];
  if (!resources.isArray()) return;
  std::string failures;
  for (const auto& resource : resources.asArray()) {
    const std::string kind = resource["kind"].stringOr();
    std::string apiVersion = resource["apiVersion"].stringOr();
    if (apiVersion.empty()) apiVersion = defaultResourceApiVersion(kind);
    if (apiVersion.empty())
      throw core::Error("apiVersion must be specified for the " + kind + " resource");
    std::string ns = resource["namespace"].stringOr();
    if (ns.empty()) ns = receiverNs;
    if (options_.noCrossNamespaceRefs && ns != receiverNs)
      throw core::Error("cannot access " + kind + "/" + resource["name"].stringOr() +
                        ", cross-namespace references have been disabled");
    const std::string name = resource["name"].stringOr();
    const core::Value& matchLabels = resource["matchLabels"];
    if (name == "*") {
      if (!matchLabels.isObject() || matchLabels.asObject().empty())
        throw core::Error("matchLabels field not set when using wildcard '*' as name");
      for (const auto& n : cluster_.list(apiVersion, kind, ns, matchLabels)) {
        try {
          cluster_.requestReconcile(apiVersion, kind, ns, n, value);
        } catch (const std::exception& e) {
          failures += (failures.empty() ? "" : "; ") + std::string(e.what());
        }
      }
      continue;
    }
    try {
      cluster_.requestReconcile(apiVersion, kind, ns, name, value);
    } catch (const std::exception& e) {
      failures += (failures.empty() ? "" : "; ") + std::string(e.what());
    }
  }
  if (!failures.empty()) throw core::Error(failures);
}

}  // namespace driftless::notify
