#include "driftless/notify/memory_cluster.h"

#include "driftless/core/error.h"

namespace driftless::notify {
namespace {

std::string str(const core::Value& v) {
  return v.isString() ? v.asString() : std::string();
}

}  // namespace

std::vector<core::Value> MemoryCluster::alerts() {
  std::lock_guard lock(mutex_);
  return alertList;
}

std::optional<core::Value> MemoryCluster::provider(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = providers.find(ns + "/" + name);
  if (it == providers.end()) return std::nullopt;
  return it->second;
}

std::optional<SecretData> MemoryCluster::secret(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = secrets.find(ns + "/" + name);
  if (it == secrets.end()) return std::nullopt;
  return it->second;
}

std::optional<core::Value> MemoryCluster::object(const std::string& apiVersion,
                                                 const std::string& kind, const std::string& ns,
                                                 const std::string& name) {
  std::lock_guard lock(mutex_);
  for (const auto& o : objects) {
    if ((str(o["apiVersion"]).empty() || str(o["apiVersion"]) == apiVersion) &&
        str(o["kind"]) == kind && str(o["namespace"]) == ns && str(o["name"]) == name) {
      core::Object meta{{"name", name}, {"namespace", ns}};
      meta.set("labels", o["labels"]);
      return core::Value(core::Object{{"metadata", core::Value(std::move(meta))}});
    }
  }
  return std::nullopt;
}

void MemoryCluster::warn(const core::Value&, const std::string& reason,
                         const std::string& message) {
  std::lock_guard lock(mutex_);
  warnings_.push_back("Warning " + reason + " " + message);
}

std::vector<core::Value> MemoryCluster::receivers() {
  std::lock_guard lock(mutex_);
  return receiverList;
}

std::vector<std::string> MemoryCluster::list(const std::string&, const std::string& kind,
                                             const std::string& ns,
                                             const core::Value& matchLabels) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& o : objects) {
    if (str(o["kind"]) != kind || (!str(o["namespace"]).empty() && str(o["namespace"]) != ns))
      continue;
    bool match = true;
    for (const auto& m : matchLabels.asObject()) {
      if (!(o["labels"][m.key] == m.value)) match = false;
    }
    if (match) out.push_back(str(o["name"]));
  }
  return out;
}

void MemoryCluster::requestReconcile(const std::string&, const std::string& kind,
                                     const std::string&, const std::string& name,
                                     const std::string&) {
  std::lock_guard lock(mutex_);
  for (const auto& o : objects) {
    if (str(o["kind"]) == kind && str(o["name"]) == name) {
      annotated_.push_back(name);
      return;
    }
  }
  throw core::Error(kind + " " + name + " not found");
}

std::vector<std::string> MemoryCluster::warnings() const {
  std::lock_guard lock(mutex_);
  return warnings_;
}

std::vector<std::string> MemoryCluster::annotated() const {
  std::lock_guard lock(mutex_);
  return annotated_;
}

}  // namespace driftless::notify
