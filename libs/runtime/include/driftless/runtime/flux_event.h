#pragma once

// Flux's event (fluxcd/pkg apis/event/v1beta1 Event): what every controller's recorder sends to
// the notification controller, and what the notification controller reads, filters and hands to
// its providers. One definition for both sides.

#include <map>
#include <string>

#include "driftless/core/value.h"

namespace driftless::runtime::events {

using Metadata = std::map<std::string, std::string>;

// corev1.ObjectReference as client-go's reference.GetReference fills it.
struct ObjectReference {
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string apiVersion;
  std::string resourceVersion;

  // Of a full object; throws core::Error when kind, apiVersion or name is missing.
  static ObjectReference of(const core::Value& object);
  // Go's field order, empty fields omitted (every field is omitempty).
  [[nodiscard]] core::Value toValue() const;
};

// The payload POSTed to the notification controller (fluxcd/pkg apis/event/v1beta1 Event).
struct ForwardedEvent {
  ObjectReference involvedObject;
  std::string severity;
  std::string timestamp;  // RFC 3339
  std::string message;
  std::string reason;
  Metadata metadata;
  std::string reportingController;
  std::string reportingInstance;

  // Go's field order; metadata and reportingInstance omitted when empty, metadata keys sorted.
  [[nodiscard]] core::Value toValue() const;
  // The exact bytes json.Marshal produces for the Go struct.
  [[nodiscard]] std::string toJson() const;
  // Of the JSON form; throws core::Error when a field has the wrong type.
  static ForwardedEvent fromValue(const core::Value& value);
};

}  // namespace driftless::runtime::events
