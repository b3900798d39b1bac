#pragma once

// Condition helpers with the semantics of fluxcd/pkg/runtime/conditions: conditions change only
// through these functions; lastTransitionTime moves only when the status changes; the list is
// kept sorted with Ready first and the others by type; observedGeneration is the object's
// generation when the condition was set.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driftless/api/meta/v1/types.h"

namespace driftless::runtime::conditions {

using Condition = api::meta::Condition;
using Conditions = std::vector<Condition>;

// The condition types and reasons every Flux kind shares (fluxcd/pkg/apis/meta).
inline constexpr std::string_view kReady = "Ready";
inline constexpr std::string_view kReconciling = "Reconciling";
inline constexpr std::string_view kStalled = "Stalled";
inline constexpr std::string_view kSucceededReason = "Succeeded";
inline constexpr std::string_view kFailedReason = "Failed";
inline constexpr std::string_view kProgressingReason = "Progressing";
inline constexpr std::string_view kProgressingWithRetryReason = "ProgressingWithRetry";
inline constexpr std::string_view kDependencyNotReadyReason = "DependencyNotReady";
inline constexpr std::string_view kReconciliationSucceededReason = "ReconciliationSucceeded";
inline constexpr std::string_view kReconciliationFailedReason = "ReconciliationFailed";

// Where the helpers read the time and the object's generation.
struct Context {
  std::string now;              // RFC 3339, e.g. 2026-11-22T07:00:00Z
  std::int64_t generation = 0;  // metadata.generation of the object
};

[[nodiscard]] const Condition* get(const Conditions& list, std::string_view type);
[[nodiscard]] bool has(const Conditions& list, std::string_view type);
[[nodiscard]] bool isTrue(const Conditions& list, std::string_view type);
[[nodiscard]] bool isFalse(const Conditions& list, std::string_view type);
[[nodiscard]] bool isUnknown(const Conditions& list, std::string_view type);
[[nodiscard]] std::string reason(const Conditions& list, std::string_view type);
[[nodiscard]] std::string message(const Conditions& list, std::string_view type);

// Sets a condition: replaces the one of the same type, keeping its lastTransitionTime when the
// status is unchanged; keeps the list sorted (Ready first, then by type).
void set(Conditions& list, Condition condition, const Context& ctx);
void markTrue(Conditions& list, std::string_view type, std::string_view reason,
              std::string_view message, const Context& ctx);
void markFalse(Conditions& list, std::string_view type, std::string_view reason,
               std::string_view message, const Context& ctx);
void markUnknown(Conditions& list, std::string_view type, std::string_view reason,
                 std::string_view message, const Context& ctx);
// Reconciling=True (progress) and Stalled=True (waiting for a spec change), as Flux marks them.
void markReconciling(Conditions& list, std::string_view reason, std::string_view message,
                     const Context& ctx);
void markStalled(Conditions& list, std::string_view reason, std::string_view message,
                 const Context& ctx);
void remove(Conditions& list, std::string_view type);

}  // namespace driftless::runtime::conditions
