#pragma once

// Table output (meta.k8s.io/v1 Table) for `kubectl get`, the JSONPath subset printer columns use,
// and Kubernetes' human-readable ages.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "driftless/apiserver/registry.h"
#include "driftless/core/time.h"
#include "driftless/core/value.h"

namespace driftless::apiserver {

// Kubernetes' duration.HumanDuration: 45s, 5m30s, 3h, 2d4h, 1y20d.
std::string humanDuration(std::chrono::seconds d);

// Evaluates a printer-column JSONPath (`.spec.url`, `.a[0].b`, `.items[*].name`,
// `.status.conditions[?(@.type=="Ready")].status`) and returns the matches.
std::vector<const core::Value*> evalJsonPath(const core::Value& root, const std::string& path);

// Builds a Table for objects of one resource. withHeaders=false omits columnDefinitions
// (watch events after the first). includeObject: "None", "Metadata" (default) or "Object".
core::Value makeTable(const ResourceInfo& resource, const std::vector<const core::Value*>& objects,
                      const std::string& includeObject, bool withHeaders,
                      const std::string& resourceVersion);

// Parses an RFC 3339 timestamp (as written in metadata); nullopt when malformed.

}  // namespace driftless::apiserver
