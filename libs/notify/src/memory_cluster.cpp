#include "driftless/notify/memory_cluster.h"

#include "driftless/core/error.h"

namespace driftless::notify {
namespace {}  // namespace

namespace {

std::vector<ObjectPtr> shared(const std::vector<core::Value>& values) {
  std::vector<ObjectPtr> out;
  out.reserve(values.size());
  for (const auto& v : values)
    out.push_back(std::make_shared<const core::Value>(v));
  return out;
}

}  // namespace

std::vector<ObjectPtr> MemoryCluster::alerts() {
  std::lock_guard lock(mutex_);
  return shared(alertList);
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
    if ((o["apiVersion"].stringOr().empty() || o["apiVersion"].stringOr() == apiVersion) &&
        o["kind"].stringOr() == kind && o["namespace"].stringOr() == ns &&
        o["name"].stringOr() == name) {
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

std::vector<ObjectPtr> MemoryCluster::receivers() {
  std::lock_guard lock(mutex_);
  return shared(receiverList);
}

std::vector<std::string> MemoryCluster::list(const std::string&, const std::string& kind,
                                             const std::string& ns,
                                             const core::Value& matchLabels) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& o : objects) {
    if (o["kind"].stringOr() != kind ||
        (!o["namespace"].stringOr().empty() && o["namespace"].stringOr() != ns))
      continue;
    if (matchLabelsSelector(matchLabels).matches(o["labels"])) out.push_back(o["name"].stringOr());
  }
  return out;
}

void MemoryCluster::requestReconcile(const std::string&, const std::string& kind,
                                     const std::string&, const std::string& name,
                                     const std::string&) {
  std::lock_guard lock(mutex_);
  for (const auto& o : objects) {
    if (o["kind"].stringOr() == kind && o["name"].stringOr() == name) {
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
