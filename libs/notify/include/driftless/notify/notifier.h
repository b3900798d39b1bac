#pragma once

// Providers (notification.toolkit.fluxcd.io/v1beta3): turning a Flux event into the request a
// chat service, a webhook or a Git forge expects, byte for byte as Flux's notifiers send it, and
// sending it through a Transport (curl with Flux's retry policy in production, a recorder in
// tests).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/runtime/flux_event.h"

namespace driftless::notify {

using Event = runtime::events::ForwardedEvent;
using Metadata = runtime::events::Metadata;
using Headers = std::vector<std::pair<std::string, std::string>>;
// The decoded data of a Secret.
using SecretData = std::vector<std::pair<std::string, std::string>>;
// The value of key in a Secret's data; nullopt when absent.
std::optional<std::string> secretValue(const SecretData& data, std::string_view key);

// An object shared with an informer's cache (runtime::ObjectPtr), read without copying.
using ObjectPtr = std::shared_ptr<const core::Value>;

struct OutboundRequest {
  std::string method = "POST";
  std::string url;
  Headers headers;
  std::string body;

  [[nodiscard]] std::string header(std::string_view name) const;  // case-insensitive
};

struct OutboundResponse {
  long status = 0;
  std::string body;
};

// Sends one request. Implementations retry as they see fit and throw core::Error when the
// request could not be delivered (the message never carries the body or credentials).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual OutboundResponse send(const OutboundRequest& request) = 0;
};

struct TransportOptions {
  // The overall limit of one notification, retries included (Provider spec.timeout).
  std::chrono::milliseconds timeout{15000};
  std::string caPem;    // certSecretRef ca.crt: trusted instead of the system roots
  std::string certPem;  // certSecretRef tls.crt/tls.key: a client certificate
  std::string keyPem;
  std::string proxy;  // proxySecretRef / secret key proxy
  // go-retryablehttp's defaults as Flux configures them: 4 retries, 2s..30s.
  int retryMax = 4;
  std::chrono::milliseconds retryWaitMin{2000};
  std::chrono::milliseconds retryWaitMax{30000};
};

// curl with retries on connection errors, 429 and 5xx (but 501); a non-2xx final answer is an
// error ("request failed with status code N").
std::unique_ptr<Transport> makeCurlTransport(TransportOptions options);

// What a Provider object and its Secrets resolve to.
struct ProviderSettings {
  std::string type;
  std::string address;
  std::string channel;
  std::string username;
  std::string token;  // secret key token, untrimmed
  std::string user;   // secret keys username + password (both or neither)
  std::string password;
  Headers headers;  // secret key headers (a YAML map), generic providers only
  std::string providerUid;
  std::string commitStatusExpr;
  core::Value provider;  // the Provider object, for commitStatusExpr
  core::Value alert;     // the Alert object, for commitStatusExpr
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Throws core::Error when the notification cannot be sent or was refused.
  virtual void post(const Event& event, Transport& transport) = 0;
};

// Validates settings as Flux's notifier factory does; throws core::Error with Flux's message
// ("provider X not supported", "HMAC key is empty", "invalid repository id: ...").
std::unique_ptr<Notifier> makeNotifier(const ProviderSettings& settings);

// Types that set Git commit statuses (they only get events about commits).
bool isCommitStatusProvider(std::string_view type) noexcept;
// Every type makeNotifier knows.
const std::vector<std::string>& supportedProviderTypes();

// Settings from a Provider object and the data of its secretRef Secret (decoded values); throws
// core::Error for a secret Flux refuses (address too long, only one of username/password is
// ignored, headers that are not a YAML map).
ProviderSettings providerSettings(const core::Value& provider,
                                  const std::vector<std::pair<std::string, std::string>>& secret);

// The default commit status id: lower(kind + "/" + name + "/" + first segment of the UID).
std::string defaultCommitStatusId(const Event& event, std::string_view providerUid);
// "health check failed" of "HealthCheckFailed" (camel-case words, lower-cased).
std::string describeReason(std::string_view reason);
// golang.org/x/text cases.Title: each word's first letter upper-cased, the rest lower-cased.
std::string titleCase(std::string_view s);

}  // namespace driftless::notify
