#pragma once

// Internal to the events recorder: the two shapes an event takes (the Kubernetes core/v1 Event
// and Flux's forwarded event, fluxcd/pkg apis/event/v1beta1) and the pure functions that build
// them, apart from any I/O so they can be unit-tested.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "driftless/core/time.h"
#include "driftless/core/value.h"
#include "driftless/runtime/event_recorder.h"
#include "driftless/runtime/flux_event.h"

namespace driftless::runtime::events {

using core::formatRfc3339;

using SystemClock = std::chrono::system_clock;

// The group of Flux's event annotations: `event.toolkit.fluxcd.io/<key>` annotations of an
// object are copied into every event about it.
inline constexpr std::string_view kEventGroup = "event.toolkit.fluxcd.io";
// The largest message the notification controller accepts (the Event CRD's MaxLength).
inline constexpr std::size_t kMaxMessageLength = 39000;

// "kustomize.toolkit.fluxcd.io" of "kustomize.toolkit.fluxcd.io/v1"; "" for the core group.
std::string apiGroupOf(std::string_view apiVersion);

// The metadata of an event about object: each key of `metadata` prefixed with the object's API
// group (keys that already hold a '/' and keys of core-group objects are kept as they are), then
// the object's `event.toolkit.fluxcd.io/*` annotations, which win on conflicts (as in Flux).
Metadata eventMetadata(const core::Value& object, const Metadata& metadata);

// At most max bytes, cut on a UTF-8 boundary and ending in "..." when cut.
std::string truncateMessage(std::string_view message, std::size_t max = kMaxMessageLength);

// "info", "error" (Warning) or "trace".
std::string_view severityOf(EventType type) noexcept;
// "Normal" or "Warning" (a Trace is recorded as Normal).
std::string_view kubeEventTypeOf(EventType type) noexcept;

std::int64_t unixNanos(SystemClock::time_point t) noexcept;

// client-go's GenerateEventName: `<name>.<unix nanoseconds in hex>`, or a random UUID when that
// is not a valid DNS subdomain.
std::string eventName(std::string_view objectName, SystemClock::time_point t);
bool isDnsSubdomain(std::string_view name) noexcept;

// A core/v1 Event as client-go's recorder makes it.
struct KubeEvent {
  std::string namespace_;
  std::string name;
  std::string resourceVersion;
  Metadata annotations;
  ObjectReference involvedObject;
  std::string reason;
  std::string message;
  std::string type;  // Normal or Warning
  std::string sourceComponent;
  std::string sourceHost;
  std::string reportingController;
  std::string reportingInstance;
  std::int64_t count = 1;
  std::string firstTimestamp;  // RFC 3339
  std::string lastTimestamp;

  [[nodiscard]] core::Value toValue() const;
};

// The Event recorded when `controller` (instance `instance`) reports on ref at time t.
KubeEvent makeKubeEvent(const ObjectReference& ref, const Metadata& annotations,
                        std::string_view type, std::string_view reason, std::string_view message,
                        SystemClock::time_point t, std::string_view controller,
                        std::string_view instance);

}  // namespace driftless::runtime::events
