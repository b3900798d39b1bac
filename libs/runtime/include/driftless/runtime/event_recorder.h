#pragma once

// The events recorder of every controller (fluxcd/pkg runtime/events/recorder.go over client-go's
// event recorder): each event becomes a Kubernetes core/v1 Event about the object, deduplicated
// and aggregated as client-go's EventCorrelator does, and (unless it is a Trace) is forwarded to
// the notification controller (--events-addr) as Flux's event payload. Writes happen on worker
// threads; the caller never blocks on the network and never sees a failure (they are logged).

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "driftless/core/log.h"
#include "driftless/core/value.h"
#include "driftless/kube/client.h"

namespace driftless::runtime {

// Trace: recorded as a Normal Kubernetes event, never forwarded.
enum class EventType { Normal, Warning, Trace };

struct EventRecorderOptions {
  // reportingController of the forwarded event and source.component of the Kubernetes event,
  // e.g. "kustomize-controller".
  std::string controllerName;
  // reportingInstance (the pod's hostname); empty: gethostname().
  std::string instance;
  // "" = no forwarding; http(s)://host:port/path: a JSON POST; grpc://host:port: EventService.Send.
  std::string eventsAddr;
  // Of one forwarding attempt (the HTTP request, the gRPC deadline).
  std::chrono::milliseconds timeout{5000};
  // Retries of a forward on connection errors and 5xx (never on 4xx, 429 included), waiting
  // retryWaitMin * 2^attempt, at most retryWaitMax, in between (go-retryablehttp's defaults).
  int maxRetries = 4;
  std::chrono::milliseconds retryWaitMin{1000};
  std::chrono::milliseconds retryWaitMax{30000};
  // Of each bounded queue (Kubernetes writes, forwards); when full the oldest entry is dropped
  // and logged.
  std::size_t queueCapacity = 1024;
};

class EventRecorder {
 public:
  // Throws core::Error when eventsAddr is not a supported address.
  EventRecorder(kube::Client& client, EventRecorderOptions options, core::Logger logger);
  // Drains the queues for at most options.timeout, then stops the workers.
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Records a Kubernetes Event about `object` (a full object: apiVersion, kind, metadata) and
  // forwards it. metadata keys are given without the group prefix (e.g. "revision"); they are
  // prefixed with the object's API group as Flux's controllers do, and the object's
  // `event.toolkit.fluxcd.io/*` annotations are added (and win).
  void event(const core::Value& object, EventType type, std::string_view reason,
             std::string_view message, const std::map<std::string, std::string>& metadata = {});

  // Blocks until everything queued so far is written and forwarded (tests, shutdown).
  void flush();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};
using EventRecorderPtr = std::unique_ptr<EventRecorder>;

}  // namespace driftless::runtime
