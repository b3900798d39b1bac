#pragma once

// Health of Kubernetes objects with the rules of kstatus (kubernetes-sigs/cli-utils
// pkg/kstatus/status): generic checks first (deletion, metadata.generation against
// status.observedGeneration, the Reconciling and Stalled conditions), then per-kind rules
// (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, Pods, PVCs, Services, PDBs, CRDs),
// then a Ready condition, and otherwise Current.

#include <string>

#include "driftless/core/value.h"

namespace driftless::ssa {

enum class Status { InProgress, Failed, Current, Terminating, NotFound, Unknown };

// "InProgress", "Failed", "Current", "Terminating", "NotFound", "Unknown".
const char* statusName(Status status) noexcept;

struct StatusResult {
  Status status = Status::Unknown;
  std::string message;
  // The reason of the Reconciling or Stalled condition kstatus would report (empty otherwise).
  std::string reason;
};

// The status of a live object. Never throws: malformed fields count as absent, an unknown Pod
// phase is Unknown.
StatusResult computeStatus(const core::Value& object);

}  // namespace driftless::ssa
