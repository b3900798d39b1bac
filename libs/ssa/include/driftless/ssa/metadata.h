#pragma once

// Per-object metadata rules of the resource manager (fluxcd/pkg ssa/utils/meta.go, ssa/patch.go,
// ssa/errors/immutable.go, ssa/normalize): label/annotation selectors, the cleanup of kubectl's
// tracking metadata and field managers, immutable-field errors, and the normalization of
// objects before they are applied.

#include <exception>
#include <map>
#include <string>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::ssa {

// Label or annotation key -> value. An object matches when any pair is found among its labels
// or its annotations, values compared case-insensitively.
using Selector = std::map<std::string, std::string>;

bool anyInMetadata(const core::Value& object, const Selector& selector);

// A managedFields entry to take over (ssa/patch.go FieldManager).
struct FieldManager {
  std::string name;
  bool exactMatch = false;  // otherwise a prefix of the manager's name
  std::string operation;    // "Apply" or "Update"

  friend bool operator==(const FieldManager&, const FieldManager&) = default;
};

struct CleanupOptions {
  std::vector<std::string> annotations;  // removed from live objects
  std::vector<std::string> labels;       // removed from live objects
  // Their managedFields entries are merged into the resource manager's Apply entry, so fields
  // set with kubectl (or an older controller) are owned, and removed when no longer applied.
  std::vector<FieldManager> fieldManagers;
  Selector exclusions;  // objects (desired or live) matching are left alone
};

// The RFC 6902 patch that cleans up `live` (removing annotations and labels, replacing
// metadata.managedFields), empty when nothing needs cleaning. Throws core::Error when a
// managedFields entry is malformed.
core::Value cleanupPatch(const core::Value& live, const CleanupOptions& options,
                         const std::string& fieldManager);

// Whether a failed apply may be fixed by recreating the object (kubectl's rule: Conflict or
// Invalid, or a message saying a field is immutable, as webhooks and CEL rules report).
bool isImmutableError(const std::exception& error) noexcept;

// Defaults the API server adds that would otherwise show as drift, applied to desired objects:
// `protocol: TCP` on container and Service ports, Secret stringData moved into data (base64),
// status removed (except from CRDs).
void normalizeObject(core::Value& object);

}  // namespace driftless::ssa
