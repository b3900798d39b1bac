#pragma once

// The result of applying or deleting a set of objects (fluxcd/pkg ssa/changeset.go): one entry
// per object, printed as Flux's change-log lines (`Deployment/default/podinfo configured`).

#include <string>
#include <vector>

#include "driftless/kube/client.h"
#include "driftless/ssa/inventory.h"

namespace driftless::ssa {

enum class Action { Created, Configured, Unchanged, Deleted, Skipped, Unknown };

// "created", "configured", "unchanged", "deleted", "skipped", "unknown".
const char* actionName(Action action) noexcept;

struct ChangeSetEntry {
  ObjMetadata objMetadata;
  std::string version;  // the API version of the object (`v1`), without the group
  std::string subject;  // objMetadata.subject()
  Action action = Action::Unknown;

  static ChangeSetEntry of(const ObjMetadata& id, std::string version, Action action);
  // `<subject> <action>`.
  [[nodiscard]] std::string toString() const;
  [[nodiscard]] kube::ObjectRef ref() const { return objMetadata.ref(version); }
};

struct ChangeSet {
  std::vector<ChangeSetEntry> entries;

  void add(ChangeSetEntry entry) { entries.push_back(std::move(entry)); }
  void append(const ChangeSet& other);
  // The lines of the entries, newline-separated (no trailing newline).
  [[nodiscard]] std::string toString() const;
  // The change-log of the event Flux emits: only created, configured and deleted entries.
  [[nodiscard]] std::string changeLog() const;
  [[nodiscard]] bool hasChanges() const;
  // The references of the entries (to wait for them).
  [[nodiscard]] std::vector<kube::ObjectRef> refs() const;
  // The inventory of the entries, in order.
  [[nodiscard]] Inventory toInventory() const;
};

}  // namespace driftless::ssa
