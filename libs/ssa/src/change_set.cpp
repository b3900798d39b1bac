#include "driftless/ssa/change_set.h"

namespace driftless::ssa {

const char* actionName(Action action) noexcept {
  switch (action) {
    case Action::Created:
      return "created";
    case Action::Configured:
      return "configured";
    case Action::Unchanged:
      return "unchanged";
    case Action::Deleted:
      return "deleted";
    case Action::Skipped:
      return "skipped";
    case Action::Unknown:
      break;
  }
  return "unknown";
}

ChangeSetEntry ChangeSetEntry::of(const ObjMetadata& id, std::string version, Action action) {
  return ChangeSetEntry{id, std::move(version), id.subject(), action};
}

std::string ChangeSetEntry::toString() const {
  return subject + " " + actionName(action);
}

void ChangeSet::append(const ChangeSet& other) {
  entries.insert(entries.end(), other.entries.begin(), other.entries.end());
}

std::string ChangeSet::toString() const {
  std::string out;
  for (const auto& e : entries) {
    if (!out.empty()) out += '\n';
    out += e.toString();
  }
  return out;
}

std::string ChangeSet::changeLog() const {
  std::string out;
  for (const auto& e : entries) {
    if (e.action != Action::Created && e.action != Action::Configured &&
        e.action != Action::Deleted) {
      continue;
    }
    if (!out.empty()) out += '\n';
    out += e.toString();
  }
  return out;
}

bool ChangeSet::hasChanges() const {
  for (const auto& e : entries) {
    if (e.action == Action::Created || e.action == Action::Configured ||
        e.action == Action::Deleted) {
      return true;
    }
  }
  return false;
}

std::vector<kube::ObjectRef> ChangeSet::refs() const {
  std::vector<kube::ObjectRef> out;
  out.reserve(entries.size());
  for (const auto& e : entries)
    out.push_back(e.ref());
  return out;
}

Inventory ChangeSet::toInventory() const {
  Inventory out;
  out.reserve(entries.size());
  for (const auto& e : entries)
    out.push_back({e.objMetadata.toString(), e.version});
  return out;
}

}  // namespace driftless::ssa
