#include "driftless/runtime/controller.h"

#include <utility>

#include "driftless/runtime/metrics.h"

namespace driftless::runtime {

namespace {

constexpr std::string_view kRequestedAt = "reconcile.fluxcd.io/requestedAt";

const core::Value& metaField(const core::Value& object, std::string_view field) {
  return object["metadata"][field];
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Request Request::fromKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return Request{"", key};
  return Request{key.substr(0, slash), key.substr(slash + 1)};
}

Request Request::of(const core::Value& object) {
  const core::Value& ns = metaField(object, "namespace");
  const core::Value& name = metaField(object, "name");
  return Request{ns.isString() ? ns.asString() : "", name.isString() ? name.asString() : ""};
}

namespace predicates {

Predicate generationChanged() {
  Predicate p;
  p.update = [](const core::Value& before, const core::Value& after) {
    return !(metaField(before, "generation") == metaField(after, "generation"));
  };
  return p;
}

Predicate reconcileRequested() {
  Predicate p;
  p.update = [](const core::Value& before, const core::Value& after) {
    const core::Value& b = metaField(before, "annotations")[kRequestedAt];
    const core::Value& a = metaField(after, "annotations")[kRequestedAt];
    return !a.isNull() && !(a == b);
  };
  return p;
}

Predicate metadataChanged() {
  Predicate p;
  p.update = [](const core::Value& before, const core::Value& after) {
    return !(metaField(before, "labels") == metaField(after, "labels")) ||
           !(metaField(before, "annotations") == metaField(after, "annotations"));
  };
  return p;
}

Predicate anyOf(std::vector<Predicate> list) {
  auto shared = std::make_shared<const std::vector<Predicate>>(std::move(list));
  Predicate p;
  p.create = [shared](const core::Value& o) {
    for (const auto& q : *shared) {
      if (!q.create || q.create(o)) return true;
    }
    return shared->empty();
  };
  p.update = [shared](const core::Value& before, const core::Value& after) {
    for (const auto& q : *shared) {
      if (!q.update || q.update(before, after)) return true;
    }
    return shared->empty();
  };
  p.remove = [shared](const core::Value& o) {
    for (const auto& q : *shared) {
      if (!q.remove || q.remove(o)) return true;
    }
    return shared->empty();
  };
  return p;
}

Predicate fluxDefault() {
  return anyOf({generationChanged(), reconcileRequested()});
}

}  // namespace predicates

Controller::Controller(ControllerOptions options, Reconciler& reconciler, core::Logger logger,
                       Metrics* metrics)
    : options_(std::move(options)),
      reconciler_(reconciler),
      logger_(logger.withValues({{"controller", options_.name}})),
      queue_(options_.backoff) {
  if (options_.concurrent < 1) options_.concurrent = 1;
  if (metrics != nullptr) {
    metrics_ = &metrics->controller(options_.name);
    metrics_->setMaxConcurrentReconciles(options_.concurrent);
    metrics_->setActiveWorkers(0);
    metrics->addCollectHook([this] { metrics_->sampleQueue(queue_.stats()); });
  }
}

Controller::~Controller() {
  stop(std::chrono::milliseconds(0));
}

void Controller::watchFor(Informer& informer, Predicate predicate) {
  auto pred = std::make_shared<const Predicate>(std::move(predicate));
  EventHandlers h;
  h.onAdd = [this, pred](const ObjectPtr& o) {
    if (!pred->create || pred->create(*o)) enqueue(Request::of(*o));
  };
  h.onUpdate = [this, pred](const ObjectPtr& before, const ObjectPtr& after) {
    if (!pred->update || pred->update(*before, *after)) enqueue(Request::of(*after));
  };
  h.onDelete = [this, pred](const ObjectPtr& o) {
    if (!pred->remove || pred->remove(*o)) enqueue(Request::of(*o));
  };
  informer.addEventHandlers(std::move(h));
}

void Controller::watches(Informer& informer, MapFunc map, Predicate predicate) {
  auto pred = std::make_shared<const Predicate>(std::move(predicate));
  auto mapper = std::make_shared<const MapFunc>(std::move(map));
  auto enqueueAll = [this, mapper](const core::Value& o) {
    for (const auto& req : (*mapper)(o))
      enqueue(req);
  };
  EventHandlers h;
  h.onAdd = [pred, enqueueAll](const ObjectPtr& o) {
    if (!pred->create || pred->create(*o)) enqueueAll(*o);
  };
  h.onUpdate = [pred, enqueueAll](const ObjectPtr& before, const ObjectPtr& after) {
    if (!pred->update || pred->update(*before, *after)) enqueueAll(*after);
  };
  h.onDelete = [pred, enqueueAll](const ObjectPtr& o) {
    if (!pred->remove || pred->remove(*o)) enqueueAll(*o);
  };
  informer.addEventHandlers(std::move(h));
}

void Controller::enqueue(const Request& req) {
  queue_.add(req.key());
}

void Controller::enqueueAfter(const Request& req, std::chrono::milliseconds delay) {
  queue_.addAfter(req.key(), delay);
}

void Controller::start() {
  if (started_) return;
  started_ = true;
  logger_.info("Starting workers", {{"worker count", options_.concurrent}});
  for (int i = 0; i < options_.concurrent; ++i) {
    workers_.emplace_back([this](std::stop_token stop) { worker(stop); });
  }
}

void Controller::stop(std::chrono::milliseconds drain) {
  if (stopped_) return;
  stopped_ = true;
  queue_.shutDown();
  {
    std::unique_lock lock(drainMutex_);
    if (!drainCv_.wait_for(lock, drain, [this] { return active_.load() == 0; })) {
      logger_.info("Drain deadline passed, cancelling in-flight reconciles",
                   {{"active", active_.load()}});
    }
  }
  for (auto& w : workers_)
    w.request_stop();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  workers_.clear();
}

void Controller::worker(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto item = queue_.getItem(std::chrono::milliseconds::max());
    if (!item) return;  // shut down
    active_.fetch_add(1);
    if (metrics_ != nullptr) {
      metrics_->setActiveWorkers(active_.load());
      metrics_->observeQueueWait(std::chrono::duration<double>(item->waited).count());
    }
    processOne(*item, stop);
    queue_.done(item->key);
    active_.fetch_sub(1);
    if (metrics_ != nullptr) metrics_->setActiveWorkers(active_.load());
    { std::lock_guard lock(drainMutex_); }
    drainCv_.notify_all();
  }
}

void Controller::processOne(const WorkItem& item, std::stop_token stop) {
  const Request req = Request::fromKey(item.key);
  const auto start = Clock::now();
  std::string_view outcome = "success";
  try {
    Result result = reconciler_.reconcile(req, stop);
    if (result.requeueAfter.count() > 0) {
      queue_.forget(item.key);
      queue_.addAfter(item.key, result.requeueAfter);
      outcome = "requeue_after";
    } else if (result.requeue) {
      queue_.addRateLimited(item.key);
      outcome = "requeue";
    } else {
      queue_.forget(item.key);
    }
  } catch (const StallingError& e) {
    // Waits for a spec change: no retry.
    queue_.forget(item.key);
    logger_.error("Reconciler error", e.what(),
                  {{"namespace", req.namespace_}, {"name", req.name}, {"stalled", true}});
    outcome = "error";
  } catch (const WaitingError& e) {
    queue_.forget(item.key);
    queue_.addAfter(item.key, e.requeueAfter());
    outcome = "requeue_after";
  } catch (const std::exception& e) {
    auto delay = queue_.addRateLimited(item.key);
    logger_.error("Reconciler error", e.what(),
                  {{"namespace", req.namespace_},
                   {"name", req.name},
                   {"retryIn", std::to_string(delay.count()) + "ms"}});
    outcome = "error";
  }
  reconciles_.fetch_add(1);
  if (metrics_ != nullptr) {
    const double seconds = secondsSince(start);
    metrics_->reconciled(outcome, seconds);
    metrics_->observeWork(seconds);
  }
}

}  // namespace driftless::runtime
