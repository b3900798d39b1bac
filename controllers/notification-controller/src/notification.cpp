#include "notification.h"

#include "driftless/core/error.h"
#include "driftless/kube/api_error.h"
#include "driftless/kube/secret.h"
#include "driftless/runtime/controller.h"

namespace driftless::notification {
std::optional<notify::SecretData> readSecret(kube::Client& client, const std::string& ns,
                                             const std::string& name) {
  core::Value secret;
  try {
    secret = client.get({{"", "v1", "Secret"}, ns, name});
  } catch (const kube::ApiError& e) {
    if (e.isNotFound()) return std::nullopt;
    throw;
  }
  const auto data = kube::secretData(secret);
  return notify::SecretData(data.begin(), data.end());
}

std::vector<notify::ObjectPtr> KubeCluster::alerts() {
  return alerts_.list();
}

std::optional<core::Value> KubeCluster::provider(const std::string& ns, const std::string& name) {
  runtime::ObjectPtr p = providers_.get(ns, name);
  if (!p) return std::nullopt;
  return *p;
}

std::optional<notify::SecretData> KubeCluster::secret(const std::string& ns,
                                                      const std::string& name) {
  return readSecret(client_, ns, name);
}

std::optional<core::Value> KubeCluster::object(const std::string& apiVersion,
                                               const std::string& kind, const std::string& ns,
                                               const std::string& name) {
  if (apiVersion.empty() || kind.empty() || name.empty()) return std::nullopt;
  try {
    return client_.get({kube::GroupVersionKind::fromApiVersion(apiVersion, kind), ns, name});
  } catch (const std::exception&) {
    // Not found, or a kind the server does not serve: no labels to match.
    return std::nullopt;
  }
}

void KubeCluster::warn(const core::Value& alert, const std::string& reason,
                       const std::string& message) {
  if (recorder_ != nullptr) recorder_->event(alert, runtime::EventType::Warning, reason, message);
}

std::vector<notify::ObjectPtr> KubeCluster::receivers() {
  return receivers_.list();
}

std::vector<std::string> KubeCluster::list(const std::string& apiVersion, const std::string& kind,
                                           const std::string& ns, const core::Value& matchLabels) {
  kube::ListOptions options;
  options.labelSelector = notify::matchLabelsSelector(matchLabels).toString();
  const core::Value items =
      client_.list(kube::GroupVersionKind::fromApiVersion(apiVersion, kind), ns, options)["items"];
  std::vector<std::string> names;
  if (items.isArray()) {
    for (const auto& item : items.asArray())
      names.push_back(item["metadata"]["name"].asString());
  }
  return names;
}

void KubeCluster::requestReconcile(const std::string& apiVersion, const std::string& kind,
                                   const std::string& ns, const std::string& name,
                                   const std::string& value) {
  core::Value patch;
  patch["metadata"]["annotations"][runtime::kReconcileRequestAnnotation] = value;
  try {
    client_.patch({kube::GroupVersionKind::fromApiVersion(apiVersion, kind), ns, name},
                  kube::PatchType::Merge, patch);
  } catch (const std::exception& e) {
    throw core::Error("unable to annotate " + kind + " '" + ns + "/" + name + "': " + e.what());
  }
}

std::string ReceiverReconciler::reconcileObject(Receiver& obj, runtime::SerialPatcher&,
                                                std::stop_token) {
  std::string token;
  if (obj.spec.secretRef) {
    const std::string& name = obj.spec.secretRef->name;
    auto data = readSecret(client_, obj.metadata.namespace_, name);
    if (!data) {
      throw runtime::ReasonedError("TokenNotFound", "unable to read token from secret '" +
                                                        obj.metadata.namespace_ + "/" + name +
                                                        "': Secret not found");
    }
    const auto value = notify::secretValue(*data, "token");
    if (!value) {
      throw runtime::ReasonedError("TokenNotFound",
                                   "invalid '" + name + "' secret data: required field 'token'");
    }
    token = *value;
  } else if (obj.spec.type != "generic-oidc") {
    throw runtime::StallingError("InvalidConfig", "spec.secretRef is required");
  }
  const std::string path = notify::webhookPath(token, obj.metadata.name, obj.metadata.namespace_);
  obj.status->webhookPath = path;
  return "Receiver initialized for path: " + path;
}

std::chrono::milliseconds ReceiverReconciler::interval(const Receiver& obj) const {
  if (obj.spec.interval) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(obj.spec.interval->value());
  }
  return std::chrono::minutes(10);
}

}  // namespace driftless::notification
