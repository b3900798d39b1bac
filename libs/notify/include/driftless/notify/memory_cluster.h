#pragma once

// An in-memory cluster for the event and receiver servers: Alerts, Providers, Secrets and
// objects held in fields, warnings and reconcile requests recorded. Used by the conformance
// driver and the unit tests in place of the API server.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "driftless/core/value.h"
#include "driftless/notify/event_server.h"
#include "driftless/notify/receiver.h"

namespace driftless::notify {

class MemoryCluster : public ClusterView, public ReceiverCluster {
 public:
  std::vector<core::Value> alertList;
  std::map<std::string, core::Value> providers;  // "<namespace>/<name>"
  std::map<std::string, SecretData> secrets;     // "<namespace>/<name>"
  // Objects as {apiVersion, kind, namespace, name, labels}; an empty namespace matches any.
  std::vector<core::Value> objects;
  std::vector<core::Value> receiverList;

  std::vector<ObjectPtr> alerts() override;
  std::optional<core::Value> provider(const std::string& ns, const std::string& name) override;
  std::optional<SecretData> secret(const std::string& ns, const std::string& name) override;
  std::optional<core::Value> object(const std::string& apiVersion, const std::string& kind,
                                    const std::string& ns, const std::string& name) override;
  void warn(const core::Value& alert, const std::string& reason,
            const std::string& message) override;
  std::vector<ObjectPtr> receivers() override;
  std::vector<std::string> list(const std::string& apiVersion, const std::string& kind,
                                const std::string& ns, const core::Value& matchLabels) override;
  void requestReconcile(const std::string& apiVersion, const std::string& kind,
                        const std::string& ns, const std::string& name,
                        const std::string& value) override;

  // "Warning <reason> <message>" of each warning so far.
  std::vector<std::string> warnings() const;
  // Names of the objects a reconcile was requested for, in order.
  std::vector<std::string> annotated() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> warnings_;
  std::vector<std::string> annotated_;
};

}  // namespace driftless::notify
