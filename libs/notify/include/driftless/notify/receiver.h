#pragma once

// Receivers (notification.toolkit.fluxcd.io/v1): webhooks from Git forges and registries that
// make Flux reconcile at once. A Receiver's URL is /hook/<sha256(token+name+namespace)>; a
// request is checked as its type requires (HMAC signatures and tokens compared in constant
// time), then each listed resource gets the reconcile.fluxcd.io/requestedAt annotation.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driftless/core/log.h"
#include "driftless/core/value.h"
#include "driftless/net/http_server.h"
#include "driftless/notify/notifier.h"

namespace driftless::notify {

// "/hook/" + lowercase hex sha256(token + name + namespace); token verbatim.
std::string webhookPath(std::string_view token, std::string_view name, std::string_view ns);

struct Verdict {
  bool ok = true;
  std::string message;  // why it was refused (never the token)
};

// Checks a request against a Receiver's type, token and event allow-list (spec.events).
Verdict validateWebhook(const core::Value& receiverSpec, std::string_view token,
                        const net::HttpRequest& request);

// The apiVersion a resource entry may omit for Flux source kinds and ImageRepository; "" when
// the kind needs an explicit apiVersion.
std::string defaultResourceApiVersion(std::string_view kind);

class ReceiverCluster {
 public:
  virtual ~ReceiverCluster() = default;
  // Every Receiver, all namespaces.
  virtual std::vector<ObjectPtr> receivers() = 0;
  // The decoded data of a Secret; nullopt when it does not exist.
  virtual std::optional<std::vector<std::pair<std::string, std::string>>> secret(
      const std::string& ns, const std::string& name) = 0;
  // Names of the objects of a kind in ns whose labels match.
  virtual std::vector<std::string> list(const std::string& apiVersion, const std::string& kind,
                                        const std::string& ns, const core::Value& matchLabels) = 0;
  // Sets reconcile.fluxcd.io/requestedAt = value on the object; throws core::Error when it
  // cannot (not found, unknown kind).
  virtual void requestReconcile(const std::string& apiVersion, const std::string& kind,
                                const std::string& ns, const std::string& name,
                                const std::string& value) = 0;
};

struct ReceiverServerOptions {
  bool noCrossNamespaceRefs = false;
  std::size_t maxBodyBytes = 3 * 1024 * 1024;
};

class ReceiverServer {
 public:
  ReceiverServer(ReceiverCluster& cluster, ReceiverServerOptions options, core::Logger logger);
  void serveHttp(const net::HttpRequest& request, net::ResponseWriter& writer);
  // The status and message of one request (what serveHttp sends).
  std::pair<int, std::string> handle(const net::HttpRequest& request);

 private:
  void annotate(const core::Value& receiver);

  ReceiverCluster& cluster_;
  ReceiverServerOptions options_;
  core::Logger logger_;
};

}  // namespace driftless::notify
