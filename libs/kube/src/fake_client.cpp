#include "driftless/kube/fake_client.h"

#include <algorithm>
#include <chrono>
#include <compare>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <ranges>
#include <utility>

#include "driftless/core/base64.h"
#include "driftless/kube/static_rest_mapper.h"
#include "fake_semantics.h"

namespace driftless::kube {

namespace {

// Watch history kept for watches that start at a resourceVersion; older ones get 410 Expired.
constexpr std::size_t kHistoryLimit = 10000;

struct Key {
  std::string resource;  // "<group>/<plural>"
  std::string namespace_;
  std::string name;
  auto operator<=>(const Key&) const = default;
};

struct StoredEvent {
  std::int64_t revision = 0;
  std::string resource;
  std::string namespace_;
  WatchEventType type = WatchEventType::Added;
  core::Value object;
  core::Value previous;  // for Modified: the object before the write
};

struct Injection {
  FakeVerb verb;
  std::string kind;
  ApiError error;
  int remaining;
};

std::string resourceOf(const FakeKind& kind) {
  return kind.mapping.gvr.group + "/" + kind.mapping.gvr.resource;
}

Key keyOf(const FakeKind& kind, const std::string& namespace_, const std::string& name) {
  return {resourceOf(kind), kind.mapping.namespaced ? namespace_ : "", name};
}

std::int64_t parseRevision(const std::string& text) {
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || v < 0) {
    throw badRequest("invalid resource version \"" + text + "\"");
  }
  return v;
}

// How a stored event looks through a watch's selectors (kube-apiserver's cacher: an object
// that starts or stops matching is ADDED or DELETED).
std::optional<WatchEvent> project(const StoredEvent& ev, const FakeKind& kind,
                                  const fake::Selectors& selectors) {
  const bool now = selectors.matches(ev.object);
  WatchEventType type = ev.type;
  if (ev.type == WatchEventType::Modified) {
    const bool before = selectors.matches(ev.previous);
    if (!now && !before) return std::nullopt;
    if (!before) type = WatchEventType::Added;
    if (!now) type = WatchEventType::Deleted;
  } else if (!now) {
    return std::nullopt;
  }
  return WatchEvent{type, fake::inRequestVersion(kind, ev.object)};
}

}  // namespace

class FakeClient::State {
 public:
  StaticRestMapper mapper;

  // Records the request, then fails it with an injected error or a reactor's exception.
  void begin(FakeAction action);
  FakeKind kindFor(const GroupVersionKind& gvk);
  void registerKind(FakeKind kind);

  // Writes `next` over `current` (nullptr: a create). An object being deleted whose last
  // finalizer went away is removed instead. Returns the object as stored (or as it would be).
  core::Value commitLocked(const Key& key, const core::Value* current, core::Value next,
                           bool dryRun);
  core::Value removeLocked(const Key& key, const core::Value& current, bool dryRun);
  [[nodiscard]] std::int64_t oldestRevisionLocked() const {
    return history_.empty() ? revision_ : history_.front().revision - 1;
  }
  const core::Value* findLocked(const Key& key) const {
    auto it = objects_.find(key);
    return it == objects_.end() ? nullptr : &it->second;
  }
  // The stored objects of a resource (in one namespace unless empty), by namespace and name.
  template <typename F>
  void forEachLocked(const std::string& resource, const std::string& namespace_, F&& f) const {
    for (auto it = objects_.lower_bound(Key{resource, namespace_, ""});
         it != objects_.end() && it->first.resource == resource &&
         (namespace_.empty() || it->first.namespace_ == namespace_);
         ++it) {
      f(it->first, it->second);
    }
  }

  std::mutex mutex;  // objects_, revision_, history_
  std::condition_variable_any changed;
  std::int64_t revision_ = 0;
  std::deque<StoredEvent> history_;

  std::vector<FakeAction> actions;  // the rest under requestsMutex
  std::vector<Injection> injections;
  std::vector<FakeReactor> reactors;
  mutable std::mutex requestsMutex;

 private:
  void publishLocked(StoredEvent event);

  std::map<Key, core::Value> objects_;
  std::mutex kindsMutex_;
  std::vector<FakeKind> kinds_;
};

void FakeClient::State::begin(FakeAction action) {
  std::optional<ApiError> error;
  std::vector<FakeReactor> run;
  {
    std::lock_guard lock(requestsMutex);
    for (auto it = injections.begin(); it != injections.end(); ++it) {
      if (it->verb != action.verb || (!it->kind.empty() && it->kind != action.ref.gvk.kind)) {
        continue;
      }
      error = it->error;
      if (--it->remaining <= 0) injections.erase(it);
      break;
    }
    actions.push_back(action);
    run = reactors;
  }
  if (error) throw *error;
  for (const auto& r : run)
    r(action);
}

FakeKind FakeClient::State::kindFor(const GroupVersionKind& gvk) {
  const RestMapping mapping = mapper.mappingFor(gvk);  // NoMatchError for unknown kinds
  std::lock_guard lock(kindsMutex_);
  for (const auto& k : kinds_) {
    if (k.mapping.gvk == mapping.gvk) return k;
  }
  throw NoMatchError("no matches for kind \"" + gvk.kind + "\" in version \"" + gvk.apiVersion() +
                     "\"");
}

void FakeClient::State::registerKind(FakeKind kind) {
  mapper.add(kind.mapping);
  std::lock_guard lock(kindsMutex_);
  auto same = std::find_if(kinds_.begin(), kinds_.end(),
                           [&](const FakeKind& k) { return k.mapping.gvk == kind.mapping.gvk; });
  if (same != kinds_.end()) {
    *same = std::move(kind);
  } else {
    kinds_.push_back(std::move(kind));
  }
}

core::Value FakeClient::State::commitLocked(const Key& key, const core::Value* current,
                                            core::Value next, bool dryRun) {
  if (current != nullptr) {
    if (fake::isDeleting(next) && !fake::hasFinalizers(next)) {
      return removeLocked(key, *current, dryRun);
    }
    next["metadata"]["resourceVersion"] = (*current)["metadata"]["resourceVersion"];
    if (next == *current) return *current;  // no change: no new resourceVersion
  }
  if (dryRun) return next;
  next["metadata"]["resourceVersion"] = std::to_string(++revision_);
  publishLocked({.revision = revision_,
                 .resource = key.resource,
                 .namespace_ = key.namespace_,
                 .type = current != nullptr ? WatchEventType::Modified : WatchEventType::Added,
                 .object = next,
                 .previous = current != nullptr ? *current : core::Value()});
  objects_[key] = next;
  return next;
}

core::Value FakeClient::State::removeLocked(const Key& key, const core::Value& current,
                                            bool dryRun) {
  if (dryRun) return current;
  core::Value last = current;
  last["metadata"]["resourceVersion"] = std::to_string(++revision_);
  objects_.erase(key);  // (`current` may be the erased object: not used below)
  publishLocked({.revision = revision_,
                 .resource = key.resource,
                 .namespace_ = key.namespace_,
                 .type = WatchEventType::Deleted,
                 .object = last,
                 .previous = {}});
  return last;
}

void FakeClient::State::publishLocked(StoredEvent event) {
  history_.push_back(std::move(event));
  while (history_.size() > kHistoryLimit)
    history_.pop_front();
  changed.notify_all();
}

FakeClient::FakeClient() : state_(std::make_unique<State>()) {
  for (auto& k : defaultFakeKinds())
    state_->registerKind(std::move(k));
}

FakeClient::~FakeClient() = default;

RestMapper& FakeClient::restMapper() {
  return state_->mapper;
}

void FakeClient::registerKind(FakeKind kind) {
  state_->registerKind(std::move(kind));
}

std::vector<FakeAction> FakeClient::actions() const {
  std::lock_guard lock(state_->requestsMutex);
  return state_->actions;
}

void FakeClient::clearActions() {
  std::lock_guard lock(state_->requestsMutex);
  state_->actions.clear();
}

void FakeClient::injectError(FakeVerb verb, std::string kind, ApiError error, int times) {
  if (times <= 0) return;
  std::lock_guard lock(state_->requestsMutex);
  state_->injections.push_back({verb, std::move(kind), std::move(error), times});
}

void FakeClient::addReactor(FakeReactor reactor) {
  std::lock_guard lock(state_->requestsMutex);
  state_->reactors.push_back(std::move(reactor));
}

core::Value FakeClient::get(const ObjectRef& ref) {
  state_->begin({FakeVerb::Get, ref, ""});
  const FakeKind kind = state_->kindFor(ref.gvk);
  std::lock_guard lock(state_->mutex);
  const core::Value* obj = state_->findLocked(keyOf(kind, ref.namespace_, ref.name));
  if (obj == nullptr) throw fake::objectNotFound(kind, ref.name);
  return fake::inRequestVersion(kind, *obj);
}

core::Value FakeClient::list(const GroupVersionKind& gvk, const std::string& namespace_,
                             const ListOptions& options) {
  state_->begin({FakeVerb::List, {gvk, namespace_, ""}, ""});
  const FakeKind kind = state_->kindFor(gvk);
  const fake::Selectors selectors(kind, options.labelSelector, options.fieldSelector);
  // `continue` is the base64 of "<namespace>/<name>" of the last item returned, as the embedded
  // control plane encodes it; pages come from the current state.
  std::string after;
  if (!options.continue_.empty()) {
    auto position = core::base64Decode(options.continue_);
    if (!position || position->find('/') == std::string::npos) {
      throw badRequest("invalid continue token");
    }
    after = *position;
  }
  core::Array items;
  std::int64_t remaining = 0;
  std::string last;
  std::lock_guard lock(state_->mutex);
  const std::string ns = kind.mapping.namespaced ? namespace_ : "";
  state_->forEachLocked(resourceOf(kind), ns, [&](const Key& key, const core::Value& obj) {
    std::string position = key.namespace_ + "/" + key.name;
    if ((!after.empty() && position <= after) || !selectors.matches(obj)) return;
    if (options.limit > 0 && static_cast<std::int64_t>(items.size()) == options.limit) {
      ++remaining;
      return;
    }
    items.push_back(fake::inRequestVersion(kind, obj));
    last = std::move(position);
  });
  core::Object meta;
  meta.append("resourceVersion", std::to_string(state_->revision_));
  if (remaining > 0) {
    meta.append("continue", core::base64Encode(last));
    meta.append("remainingItemCount", remaining);
  }
  return core::Object{{"kind", gvk.kind + "List"},
                      {"apiVersion", kind.mapping.gvk.apiVersion()},
                      {"metadata", core::Value(std::move(meta))},
                      {"items", core::Value(std::move(items))}};
}

core::Value FakeClient::create(const core::Value& object, const WriteOptions& options) {
  const ObjectRef ref = ObjectRef::of(object);
  state_->begin({FakeVerb::Create, ref, ""});
  const FakeKind kind = state_->kindFor(ref.gvk);
  core::Value obj = fake::prepareCreate(kind, object);
  fake::recordUpdate(kind, "", core::Value(), obj, options.fieldManager);
  const std::string name = fake::stringAt(obj["metadata"], "name");
  const Key key = keyOf(kind, ref.namespace_, name);
  std::lock_guard lock(state_->mutex);
  if (state_->findLocked(key) != nullptr) {
    throw alreadyExists(kind.mapping.gvr.resource, kind.mapping.gvk.group, name);
  }
  return fake::inRequestVersion(kind, state_->commitLocked(key, nullptr, obj, options.dryRun));
}

core::Value FakeClient::addObject(const core::Value& object) {
  const ObjectRef ref = ObjectRef::of(object);
  const FakeKind kind = state_->kindFor(ref.gvk);
  core::Value seed = object;
  if (core::Value* meta = seed.find("metadata"); meta != nullptr && meta->isObject()) {
    meta->asObject().erase("resourceVersion");
  }
  core::Value obj = fake::prepareCreate(kind, seed);
  if (const core::Value* status = object.find("status")) obj["status"] = *status;
  const core::Value& deletion = object["metadata"]["deletionTimestamp"];
  if (!deletion.isNull() && fake::hasFinalizers(obj))
    obj["metadata"]["deletionTimestamp"] = deletion;
  const std::string name = fake::stringAt(obj["metadata"], "name");
  const Key key = keyOf(kind, ref.namespace_, name);
  std::lock_guard lock(state_->mutex);
  if (state_->findLocked(key) != nullptr) {
    throw alreadyExists(kind.mapping.gvr.resource, kind.mapping.gvk.group, name);
  }
  return state_->commitLocked(key, nullptr, std::move(obj), false);
}

core::Value FakeClient::update(const core::Value& object, const WriteOptions& options) {
  const ObjectRef ref = ObjectRef::of(object);
  state_->begin({FakeVerb::Update, ref, ""});
  return write(ref, object, "", options);
}

core::Value FakeClient::updateStatus(const core::Value& object, const WriteOptions& options) {
  const ObjectRef ref = ObjectRef::of(object);
  state_->begin({FakeVerb::Update, ref, "status"});
  return write(ref, object, "status", options);
}

core::Value FakeClient::write(const ObjectRef& ref, const core::Value& object,
                              const std::string& subresource, const WriteOptions& options) {
  const FakeKind kind = state_->kindFor(ref.gvk);
  if (!subresource.empty() && !fake::hasStatusSubresource(kind)) {
    throw fake::subresourceNotFound();
  }
  const Key key = keyOf(kind, ref.namespace_, ref.name);
  std::lock_guard lock(state_->mutex);
  const core::Value* current = state_->findLocked(key);
  // (kube-apiserver creates on update only for a few kinds, none that controllers write.)
  if (current == nullptr) throw fake::objectNotFound(kind, ref.name);
  core::Value next = fake::prepareUpdate(kind, *current, object, true, subresource);
  fake::recordUpdate(kind, subresource, *current, next, options.fieldManager);
  return fake::inRequestVersion(
      kind, state_->commitLocked(key, current, std::move(next), options.dryRun));
}

core::Value FakeClient::patch(const ObjectRef& ref, PatchType type, const core::Value& body,
                              const PatchOptions& options) {
  state_->begin({FakeVerb::Patch, ref, options.subresource});
  const FakeKind kind = state_->kindFor(ref.gvk);
  if (!options.subresource.empty() &&
      (options.subresource != "status" || !fake::hasStatusSubresource(kind))) {
    throw fake::subresourceNotFound();
  }
  const Key key = keyOf(kind, ref.namespace_, ref.name);
  std::lock_guard lock(state_->mutex);
  const core::Value* current = state_->findLocked(key);
  if (current == nullptr) throw fake::objectNotFound(kind, ref.name);
  core::Value patched =
      fake::applyPatch(kind, type, fake::inRequestVersion(kind, *current), body, ref.name);
  core::Value next =
      fake::prepareUpdate(kind, *current, std::move(patched), false, options.subresource);
  fake::recordUpdate(kind, options.subresource, *current, next, options.fieldManager);
  return fake::inRequestVersion(
      kind, state_->commitLocked(key, current, std::move(next), options.dryRun));
}

core::Value FakeClient::apply(const core::Value& object, const ServerSideApplyOptions& options) {
  const ObjectRef ref = ObjectRef::of(object);
  state_->begin({FakeVerb::Apply, ref, options.subresource});
  const FakeKind kind = state_->kindFor(ref.gvk);
  if (!options.subresource.empty() &&
      (options.subresource != "status" || !fake::hasStatusSubresource(kind))) {
    throw fake::subresourceNotFound();
  }
  const Key key = keyOf(kind, ref.namespace_, ref.name);
  std::lock_guard lock(state_->mutex);
  const core::Value* current = state_->findLocked(key);
  if (current == nullptr) {
    if (!options.subresource.empty()) throw fake::objectNotFound(kind, ref.name);
    ServerSideApplyOptions create = options;
    create.subresource.clear();
    core::Value obj =
        fake::prepareCreate(kind, fake::applyConfiguration(kind, core::Value(), object, create));
    return fake::inRequestVersion(kind, state_->commitLocked(key, nullptr, obj, options.dryRun));
  }
  core::Value applied =
      fake::applyConfiguration(kind, fake::inRequestVersion(kind, *current), object, options);
  core::Value next =
      fake::prepareUpdate(kind, *current, std::move(applied), false, options.subresource);
  return fake::inRequestVersion(
      kind, state_->commitLocked(key, current, std::move(next), options.dryRun));
}

void FakeClient::remove(const ObjectRef& ref, const DeleteOptions& options) {
  state_->begin({FakeVerb::Delete, ref, ""});
  const FakeKind kind = state_->kindFor(ref.gvk);
  const Key key = keyOf(kind, ref.namespace_, ref.name);
  std::lock_guard lock(state_->mutex);
  const core::Value* current = state_->findLocked(key);
  if (current == nullptr) throw fake::objectNotFound(kind, ref.name);
  fake::checkPreconditions(kind, *current, options);
  // (No garbage collector: propagation policies change nothing.)
  if (!fake::hasFinalizers(*current)) {
    state_->removeLocked(key, *current, options.dryRun);
    return;
  }
  if (fake::isDeleting(*current)) return;
  state_->commitLocked(key, current, fake::markDeleting(kind, *current), options.dryRun);
}

void FakeClient::watch(const GroupVersionKind& gvk, const std::string& namespace_,
                       const WatchOptions& options, const WatchCallback& callback) {
  state_->begin({FakeVerb::Watch, {gvk, namespace_, ""}, ""});
  const FakeKind kind = state_->kindFor(gvk);
  const fake::Selectors selectors(kind, options.labelSelector, options.fieldSelector);
  const std::string resource = resourceOf(kind);
  const std::string ns = kind.mapping.namespaced ? namespace_ : "";
  const bool initial = options.resourceVersion.empty() || options.resourceVersion == "0";
  std::int64_t cursor = initial ? 0 : parseRevision(options.resourceVersion);
  std::vector<WatchEvent> pending;
  if (initial) {
    std::lock_guard lock(state_->mutex);
    state_->forEachLocked(resource, ns, [&](const Key&, const core::Value& obj) {
      if (selectors.matches(obj)) {
        pending.push_back({WatchEventType::Added, fake::inRequestVersion(kind, obj)});
      }
    });
    cursor = state_->revision_;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(options.timeoutSeconds);
  while (true) {
    for (const auto& ev : pending) {
      if (!callback(ev) || ev.type == WatchEventType::Error) return;
    }
    pending.clear();
    std::unique_lock lock(state_->mutex);
    auto ready = [&] { return state_->revision_ > cursor; };
    const bool woke = options.timeoutSeconds > 0
                          ? state_->changed.wait_until(lock, options.stop, deadline, ready)
                          : state_->changed.wait(lock, options.stop, ready);
    if (!woke) return;  // stopped or timed out
    if (cursor < state_->oldestRevisionLocked()) {
      const std::string message = "too old resource version: " + std::to_string(cursor) + " (" +
                                  std::to_string(state_->oldestRevisionLocked()) + ")";
      pending.push_back({WatchEventType::Error, expired(message).toStatus()});
      continue;
    }
    const auto& history = state_->history_;  // sorted by revision
    auto first =
        std::upper_bound(history.begin(), history.end(), cursor,
                         [](std::int64_t rv, const StoredEvent& e) { return rv < e.revision; });
    for (const auto& ev : std::ranges::subrange(first, history.end())) {
      if (ev.resource != resource) continue;
      if (!ns.empty() && ev.namespace_ != ns) continue;
      if (auto projected = project(ev, kind, selectors)) pending.push_back(std::move(*projected));
    }
    cursor = state_->revision_;
  }
}

}  // namespace driftless::kube
