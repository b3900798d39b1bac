#include "driftless/runtime/event_recorder.h"

#include <unistd.h>

#include <array>
#include <utility>

#include "driftless/core/error.h"
#include "driftless/kube/api_error.h"
#include "event_correlator.h"
#include "event_forwarder.h"
#include "event_payload.h"
#include "event_worker.h"

namespace driftless::runtime {

using events::EventWorker;

namespace {

const kube::GroupVersionKind kEventGvk{"", "v1", "Event"};

std::string hostname() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return {};
  return std::string(buf.data());
}

std::string describe(const events::ObjectReference& ref, std::string_view reason) {
  std::string out = ref.kind + "/";
  if (!ref.namespace_.empty()) out += ref.namespace_ + "/";
  out += ref.name + " " + std::string(reason);
  return out;
}

const std::string& stringAt(const core::Value& v, std::string_view key) {
  static const std::string kEmpty;
  const core::Value& s = v[key];
  return s.isString() ? s.asString() : kEmpty;
}

}  // namespace

class EventRecorder::Impl {
 public:
  Impl(kube::Client& client, EventRecorderOptions options, core::Logger logger)
      : client_(client),
        options_(std::move(options)),
        logger_(std::move(logger)),
        forwarder_(options_.eventsAddr.empty()
                       ? nullptr
                       : events::makeEventForwarder(options_.eventsAddr, options_.timeout)),
        kubeWorker_("kubernetes", options_.queueCapacity, logger_) {
    if (options_.instance.empty()) options_.instance = hostname();
    if (forwarder_)
      forwardWorker_ = std::make_unique<EventWorker>("forward", options_.queueCapacity, logger_);
  }

  ~Impl() {
    const auto deadline = EventWorker::Clock::now() + options_.timeout;
    kubeWorker_.stop(deadline);
    if (forwardWorker_) forwardWorker_->stop(deadline);
  }

  void event(const core::Value& object, EventType type, std::string_view reason,
             std::string_view message, const events::Metadata& metadata);
  [[nodiscard]] const core::Logger& logger() const noexcept { return logger_; }
  void flush() {
    kubeWorker_.flush();
    if (forwardWorker_) forwardWorker_->flush();
  }

 private:
  void writeKubeEvent(const events::KubeEvent& event);
  void forward(const events::ForwardedEvent& event);

  kube::Client& client_;
  EventRecorderOptions options_;
  core::Logger logger_;
  events::EventCorrelator correlator_;   // used on kubeWorker_ only
  events::EventForwarderPtr forwarder_;  // used on forwardWorker_ only
  // Last, so they stop before what they use is destroyed.
  EventWorker kubeWorker_;
  std::unique_ptr<EventWorker> forwardWorker_;
};

void EventRecorder::Impl::event(const core::Value& object, EventType type, std::string_view reason,
                                std::string_view message, const events::Metadata& metadata) {
  events::ObjectReference ref;
  try {
    ref = events::ObjectReference::of(object);
  } catch (const core::Error& e) {
    logger_.error("failed to get object reference", e.what(), {{"reason", reason}});
    return;
  }
  const events::Metadata annotations = events::eventMetadata(object, metadata);
  const std::string text = events::truncateMessage(message);
  const core::Logger log = logger_.withValues(
      {{"name", ref.name}, {"namespace", ref.namespace_}, {"reconciler kind", ref.kind}});
  if (log.enabled(core::LogLevel::Trace)) {
    core::Object fields;
    for (const auto& [k, v] : annotations)
      fields.append(k, v);
    if (type == EventType::Warning)
      log.error(text, reason, {{"annotations", std::move(fields)}});
    else
      log.trace(text, {{"reason", reason}, {"annotations", std::move(fields)}});
  }

  const auto now = events::SystemClock::now();
  events::KubeEvent kubeEvent =
      events::makeKubeEvent(ref, annotations, events::kubeEventTypeOf(type), reason, text, now,
                            options_.controllerName, options_.instance);
  kubeWorker_.post(describe(ref, reason), [this, e = std::move(kubeEvent)] { writeKubeEvent(e); });

  if (type == EventType::Trace || !forwardWorker_) return;
  if (ref.namespace_.empty()) {
    // As in Flux: only namespaced objects are forwarded.
    log.error("unable to record event", "failed to get object namespace");
    return;
  }
  events::ForwardedEvent forwarded;
  forwarded.involvedObject = ref;
  forwarded.severity = events::severityOf(type);
  forwarded.timestamp = events::formatRfc3339(now);
  forwarded.message = text;
  forwarded.reason = reason;
  forwarded.metadata = annotations;
  forwarded.reportingController = options_.controllerName;
  forwarded.reportingInstance = options_.instance;
  forwardWorker_->post(describe(ref, reason), [this, e = std::move(forwarded)] { forward(e); });
}

// client-go's recordToSink: correlate, then patch the existing Event or create one; server
// rejections are final, transport errors are retried with backoff.
void EventRecorder::Impl::writeKubeEvent(const events::KubeEvent& input) {
  events::Correlation c = correlator_.correlate(input);
  const std::string what = describe(input.involvedObject, input.reason);
  if (c.skip) {
    logger_.debug("event dropped by the spam filter", {{"event", what}});
    return;
  }
  const kube::ObjectRef ref{kEventGvk, c.event.namespace_, c.event.name};
  for (int attempt = 0;; ++attempt) {
    try {
      core::Value stored;
      if (c.event.count > 1 && !c.patch.isNull()) {
        try {
          stored = client_.patch(ref, kube::PatchType::Strategic, c.patch);
        } catch (const kube::ApiError& e) {
          if (!e.isNotFound()) throw;  // deleted meanwhile: created again below
        }
      }
      if (stored.isNull()) {
        c.event.resourceVersion.clear();
        stored = client_.create(c.event.toValue());
      }
      const core::Value& meta = stored["metadata"];
      const core::Value& count = stored["count"];
      correlator_.updateState(
          c.key, events::EventLog{count.isInt() ? count.asInt() : c.event.count,
                                  stringAt(stored, "firstTimestamp"), stringAt(meta, "name"),
                                  stringAt(meta, "resourceVersion")});
      return;
    } catch (const kube::ApiError& e) {
      if (e.isAlreadyExists())
        logger_.debug("server rejected event (will not retry)", {{"event", what}});
      else
        logger_.error("server rejected event (will not retry)", e.what(), {{"event", what}});
      return;
    } catch (const std::exception& e) {
      if (attempt >= options_.maxRetries) {
        logger_.error("unable to write event (retry limit exceeded)", e.what(), {{"event", what}});
        return;
      }
      const auto wait = events::retryBackoff(attempt, options_.retryWaitMin, options_.retryWaitMax);
      logger_.debug("unable to write event (will retry)",
                    {{"event", what}, {"error", e.what()}, {"retryIn", wait.count()}});
      if (!kubeWorker_.sleepFor(wait)) {
        logger_.error("unable to write event (recorder is stopping)", e.what(), {{"event", what}});
        return;
      }
    }
  }
}

void EventRecorder::Impl::forward(const events::ForwardedEvent& event) {
  const std::string what = describe(event.involvedObject, event.reason);
  for (int attempt = 0;; ++attempt) {
    const events::ForwardResult r = forwarder_->send(event);
    switch (r.outcome) {
      case events::ForwardOutcome::Delivered:
        return;
      case events::ForwardOutcome::Fail:
        if (r.duplicate)
          logger_.debug("the notification controller already has the event", {{"event", what}});
        else
          logger_.error("unable to record event", r.detail,
                        {{"event", what}, {"address", events::redactAddress(options_.eventsAddr)}});
        return;
      case events::ForwardOutcome::Retry:
        break;
    }
    if (attempt >= options_.maxRetries) {
      logger_.error("unable to record event",
                    "giving up after " + std::to_string(attempt + 1) + " attempts: " + r.detail,
                    {{"event", what}, {"address", events::redactAddress(options_.eventsAddr)}});
      return;
    }
    if (!forwardWorker_->sleepFor(
            events::retryBackoff(attempt, options_.retryWaitMin, options_.retryWaitMax))) {
      logger_.error("unable to record event", "recorder is stopping: " + r.detail,
                    {{"event", what}});
      return;
    }
  }
}

EventRecorder::EventRecorder(kube::Client& client, EventRecorderOptions options,
                             core::Logger logger)
    : impl_(std::make_unique<Impl>(client, std::move(options), std::move(logger))) {}

EventRecorder::~EventRecorder() = default;

void EventRecorder::event(const core::Value& object, EventType type, std::string_view reason,
                          std::string_view message,
                          const std::map<std::string, std::string>& metadata) {
  try {
    impl_->event(object, type, reason, message, metadata);
  } catch (const std::exception& e) {
    // Never thrown to the reconciler.
    impl_->logger().error("unable to record event", e.what());
  }
}

void EventRecorder::flush() {
  impl_->flush();
}

}  // namespace driftless::runtime
