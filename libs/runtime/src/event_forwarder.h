#pragma once

// Internal to the events recorder: delivery of a Flux event to the notification controller,
// one attempt at a time (the recorder retries), over HTTP (a JSON POST, as fluxcd/pkg's
// recorder does with go-retryablehttp) or gRPC (EventService.Send).

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "event_payload.h"

namespace driftless::runtime::events {

// Delivered; Retry: a connection error or a server error (5xx but 501, gRPC UNAVAILABLE...);
// Fail: anything else (4xx including 429, a bad URL, an untrusted certificate): not retried.
enum class ForwardOutcome { Delivered, Retry, Fail };

struct ForwardResult {
  ForwardOutcome outcome = ForwardOutcome::Fail;
  std::string detail;  // why it failed (never the request body or credentials)
  int status = 0;      // HTTP status or gRPC status code, when there was one
  // The receiver already had the event (HTTP 429, gRPC RESOURCE_EXHAUSTED): not an error.
  bool duplicate = false;
};

class EventForwarder {
 public:
  virtual ~EventForwarder() = default;
  // One attempt, bounded by the forwarder's timeout. Called from one thread at a time.
  virtual ForwardResult send(const ForwardedEvent& event) = 0;
};
using EventForwarderPtr = std::unique_ptr<EventForwarder>;

// http(s)://... or grpc://host:port. Throws core::Error for any other address.
EventForwarderPtr makeEventForwarder(const std::string& address, std::chrono::milliseconds timeout);

// go-retryablehttp's policy with Flux's exception: 2xx delivered; 5xx but 501 retried; the
// rest (429 included) failed.
ForwardOutcome classifyHttpStatus(long status) noexcept;
// go-retryablehttp's DefaultBackoff: min * 2^attempt, at most max (attempt counts from 0).
std::chrono::milliseconds retryBackoff(int attempt, std::chrono::milliseconds min,
                                       std::chrono::milliseconds max) noexcept;
// The address without user information, query or fragment, fit for logs.
std::string redactAddress(std::string_view address);

}  // namespace driftless::runtime::events
