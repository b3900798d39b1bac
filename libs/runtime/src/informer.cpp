#include "driftless/runtime/informer.h"

#include <algorithm>
#include <random>
#include <utility>

#include "driftless/core/error.h"
#include "driftless/kube/api_error.h"

namespace driftless::runtime {

namespace {

const std::string& stringAt(const core::Value& object, std::string_view a, std::string_view b) {
  static const std::string empty;
  const core::Value& v = object[a][b];
  return v.isString() ? v.asString() : empty;
}

std::chrono::seconds randomWatchTimeout(std::chrono::seconds minimum) {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> dist(minimum.count(), 2 * minimum.count());
  return std::chrono::seconds(dist(rng));
}

}  // namespace

std::string objectKey(std::string_view namespace_, std::string_view name) {
  if (namespace_.empty()) return std::string(name);
  std::string key;
  key.reserve(namespace_.size() + 1 + name.size());
  key.append(namespace_).append("/").append(name);
  return key;
}

std::string objectKey(const core::Value& object) {
  return objectKey(stringAt(object, "metadata", "namespace"), stringAt(object, "metadata", "name"));
}

void InformerOptions::stripManagedFields(core::Value& object) {
  if (core::Value* meta = object.find("metadata"); meta != nullptr && meta->isObject()) {
    // The erased member would otherwise stay allocated for as long as the object is cached
    // (72 bytes an object); the client's list also appends apiVersion and kind to items,
    // which can leave the top level with spare capacity.
    if (meta->asObject().erase("managedFields")) meta->asObject().members().shrink_to_fit();
  }
  if (object.isObject()) object.asObject().members().shrink_to_fit();
}

Informer::Informer(kube::Client& client, InformerOptions options, core::Logger logger)
    : client_(client),
      options_(std::move(options)),
      logger_(logger.withValues({{"kind", options_.gvk.kind}})) {}

Informer::~Informer() {
  stop();
}

void Informer::addIndex(const std::string& name, IndexFunc index) {
  std::unique_lock lock(storeMutex_);
  indexFuncs_[name] = std::move(index);
  auto& idx = indices_[name];
  for (const auto& [key, object] : objects_) {
    for (auto& value : indexFuncs_[name](*object))
      idx[value].insert(key);
  }
}

void Informer::addEventHandlers(EventHandlers handlers) {
  std::lock_guard dispatch(handlersMutex_);
  if (handlers.onAdd) {
    for (const auto& object : list())
      handlers.onAdd(object);
  }
  handlers_.push_back(std::move(handlers));
}

void Informer::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Informer::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  sleepCv_.notify_all();
  thread_.join();
}

bool Informer::hasSynced() const {
  std::lock_guard lock(syncMutex_);
  return synced_;
}

bool Informer::waitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(syncMutex_);
  return syncCv_.wait_for(lock, timeout, [this] { return synced_; });
}

ObjectPtr Informer::get(std::string_view namespace_, std::string_view name) const {
  return getByKey(objectKey(namespace_, name));
}

ObjectPtr Informer::getByKey(const std::string& key) const {
  std::shared_lock lock(storeMutex_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Informer::list(std::string_view namespace_) const {
  std::shared_lock lock(storeMutex_);
  std::vector<ObjectPtr> out;
  if (namespace_.empty()) {
    out.reserve(objects_.size());
    for (const auto& [key, object] : objects_)
      out.push_back(object);
    return out;
  }
  const std::string prefix = std::string(namespace_) + "/";
  for (auto it = objects_.lower_bound(prefix);
       it != objects_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<ObjectPtr> Informer::byIndex(const std::string& index, const std::string& value) const {
  std::shared_lock lock(storeMutex_);
  std::vector<ObjectPtr> out;
  auto idx = indices_.find(index);
  if (idx == indices_.end())
    throw core::Error("informer of " + options_.gvk.kind + ": no index " + index);
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  std::vector<std::string> sorted(keys->second.begin(), keys->second.end());
  std::sort(sorted.begin(), sorted.end());
  for (const auto& key : sorted) {
    if (auto it = objects_.find(key); it != objects_.end()) out.push_back(it->second);
  }
  return out;
}

std::size_t Informer::size() const {
  std::shared_lock lock(storeMutex_);
  return objects_.size();
}

std::string Informer::lastResourceVersion() const {
  std::shared_lock lock(storeMutex_);
  return resourceVersion_;
}

InformerStats Informer::stats() const {
  std::shared_lock lock(storeMutex_);
  return stats_;
}

bool Informer::sleepFor(std::chrono::milliseconds delay, std::stop_token stop) {
  std::unique_lock lock(sleepMutex_);
  sleepCv_.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

void Informer::run(std::stop_token stop) {
  auto backoff = options_.minBackoff;
  bool needList = true;
  while (!stop.stop_requested()) {
    try {
      if (needList) {
        relist(stop);
        needList = false;
      }
      needList = watchOnce(stop);
      backoff = options_.minBackoff;
      continue;
    } catch (const kube::ApiError& e) {
      if (e.isGone()) {
        needList = true;  // our resourceVersion is older than the server's history
        continue;
      }
      logger_.error("list/watch failed", e.what());
    } catch (const std::exception& e) {
      if (stop.stop_requested()) break;
      logger_.error("list/watch failed", e.what());
    }
    {
      std::unique_lock lock(storeMutex_);
      ++stats_.watchErrors;
    }
    if (!sleepFor(backoff, stop)) break;
    backoff = std::min(backoff * 2, options_.maxBackoff);
  }
}

void Informer::relist(std::stop_token stop) {
  std::unordered_map<std::string, ObjectPtr> fresh;
  kube::ListOptions opts;
  opts.labelSelector = options_.labelSelector;
  opts.limit = options_.pageSize;
  std::string resourceVersion;
  do {
    core::Value page = client_.list(options_.gvk, options_.namespace_, opts);
    if (core::Value* items = page.find("items"); items != nullptr && items->isArray()) {
      for (core::Value& item : items->asArray()) {
        if (options_.transform) options_.transform(item);
        std::string key = objectKey(item);
        fresh.emplace(std::move(key), std::make_shared<const core::Value>(std::move(item)));
      }
    }
    resourceVersion = stringAt(page, "metadata", "resourceVersion");
    opts.continue_ = stringAt(page, "metadata", "continue");
  } while (!opts.continue_.empty() && !stop.stop_requested());
  {
    std::unique_lock lock(storeMutex_);
    resourceVersion_ = resourceVersion;
    ++stats_.lists;
  }
  replaceAll(std::move(fresh));
  {
    std::lock_guard lock(syncMutex_);
    synced_ = true;
  }
  syncCv_.notify_all();
}

void Informer::replaceAll(std::unordered_map<std::string, ObjectPtr> objects) {
  std::vector<ObjectPtr> added;
  std::vector<std::pair<ObjectPtr, ObjectPtr>> updated;
  std::vector<ObjectPtr> deleted;
  {
    std::unique_lock lock(storeMutex_);
    for (auto it = objects_.begin(); it != objects_.end();) {
      if (objects.count(it->first) == 0) {
        indexLocked(it->first, it->second, false);
        deleted.push_back(it->second);
        it = objects_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [key, object] : objects) {
      auto it = objects_.find(key);
      if (it == objects_.end()) {
        indexLocked(key, object, true);
        added.push_back(object);
        objects_.emplace(key, object);
      } else if (stringAt(*it->second, "metadata", "resourceVersion") !=
                 stringAt(*object, "metadata", "resourceVersion")) {
        indexLocked(key, it->second, false);
        indexLocked(key, object, true);
        updated.emplace_back(it->second, object);
        it->second = object;
      }
    }
  }
  for (const auto& o : deleted)
    notifyDelete(o);
  for (const auto& o : added)
    notifyAdd(o);
  for (const auto& [before, after] : updated)
    notifyUpdate(before, after);
}

bool Informer::watchOnce(std::stop_token stop) {
  kube::WatchOptions opts;
  opts.resourceVersion = lastResourceVersion();
  opts.labelSelector = options_.labelSelector;
  opts.allowBookmarks = true;
  opts.timeoutSeconds = randomWatchTimeout(options_.minWatchTimeout).count();
  opts.stop = stop;
  {
    std::unique_lock lock(storeMutex_);
    ++stats_.watches;
  }
  bool gone = false;
  client_.watch(options_.gvk, options_.namespace_, opts, [&](const kube::WatchEvent& event) {
    if (event.type == kube::WatchEventType::Error) {
      kube::ApiError error = kube::ApiError::fromStatus(event.object);
      if (error.isGone()) {
        gone = true;
      } else {
        logger_.error("watch error", error.what());
      }
      return false;
    }
    apply(event.type, event.object);
    return !stop.stop_requested();
  });
  return gone;
}

void Informer::apply(kube::WatchEventType type, core::Value object) {
  std::string rv = stringAt(object, "metadata", "resourceVersion");
  if (type == kube::WatchEventType::Bookmark) {
    std::unique_lock lock(storeMutex_);
    if (!rv.empty()) resourceVersion_ = std::move(rv);
    return;
  }
  if (options_.transform) options_.transform(object);
  std::string key = objectKey(object);
  auto next = std::make_shared<const core::Value>(std::move(object));
  ObjectPtr previous;
  {
    std::unique_lock lock(storeMutex_);
    ++stats_.events;
    if (!rv.empty()) resourceVersion_ = rv;
    auto it = objects_.find(key);
    if (it != objects_.end()) {
      previous = it->second;
      indexLocked(key, previous, false);
    }
    if (type == kube::WatchEventType::Deleted) {
      if (it != objects_.end()) objects_.erase(it);
    } else {
      indexLocked(key, next, true);
      if (it != objects_.end()) {
        it->second = next;
      } else {
        objects_.emplace(key, next);
      }
    }
  }
  if (type == kube::WatchEventType::Deleted) {
    notifyDelete(previous ? previous : next);
  } else if (previous) {
    notifyUpdate(previous, next);
  } else {
    notifyAdd(next);
  }
}

void Informer::indexLocked(const std::string& key, const ObjectPtr& object, bool add) {
  for (const auto& [name, func] : indexFuncs_) {
    auto& idx = indices_[name];
    for (const auto& value : func(*object)) {
      if (add) {
        idx[value].insert(key);
      } else if (auto it = idx.find(value); it != idx.end()) {
        it->second.erase(key);
        if (it->second.empty()) idx.erase(it);
      }
    }
  }
}

void Informer::notifyAdd(const ObjectPtr& object) {
  std::lock_guard lock(handlersMutex_);
  for (const auto& h : handlers_) {
    if (h.onAdd) h.onAdd(object);
  }
}

void Informer::notifyUpdate(const ObjectPtr& oldObject, const ObjectPtr& newObject) {
  std::lock_guard lock(handlersMutex_);
  for (const auto& h : handlers_) {
    if (h.onUpdate) h.onUpdate(oldObject, newObject);
  }
}

void Informer::notifyDelete(const ObjectPtr& object) {
  std::lock_guard lock(handlersMutex_);
  for (const auto& h : handlers_) {
    if (h.onDelete) h.onDelete(object);
  }
}

Cache::Cache(kube::Client& client, Options options, core::Logger logger)
    : client_(client), options_(std::move(options)), logger_(std::move(logger)) {}

Cache::~Cache() {
  stop();
}

Informer& Cache::informer(const kube::GroupVersionKind& gvk) {
  return informerFor(gvk, true);
}

Informer& Cache::informerUnfiltered(const kube::GroupVersionKind& gvk) {
  return informerFor(gvk, false);
}

Informer& Cache::informerSelecting(const kube::GroupVersionKind& gvk,
                                   const std::string& labelSelector) {
  return informerFor(gvk, false, labelSelector);
}

Informer& Cache::informerFor(const kube::GroupVersionKind& gvk, bool filtered,
                             const std::string& ownSelector) {
  std::lock_guard lock(mutex_);
  std::string id = gvk.toString() + (filtered ? "" : " (unfiltered)") +
                   (ownSelector.empty() ? "" : " {" + ownSelector + "}");
  auto it = informers_.find(id);
  if (it != informers_.end()) return *it->second;
  InformerOptions opts;
  opts.gvk = gvk;
  opts.namespace_ = options_.namespace_;
  if (filtered) opts.labelSelector = options_.labelSelector;
  if (!ownSelector.empty()) opts.labelSelector = ownSelector;
  auto informer = std::make_unique<Informer>(client_, std::move(opts), logger_);
  if (started_) informer->start();
  return *informers_.emplace(id, std::move(informer)).first->second;
}

void Cache::start() {
  std::lock_guard lock(mutex_);
  started_ = true;
  for (auto& [id, informer] : informers_)
    informer->start();
}

void Cache::stop() {
  std::lock_guard lock(mutex_);
  for (auto& [id, informer] : informers_)
    informer->stop();
  started_ = false;
}

bool Cache::waitForSync(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<Informer*> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, informer] : informers_)
      all.push_back(informer.get());
  }
  for (Informer* informer : all) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!informer->waitForSync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

std::size_t Cache::informerCount() const {
  std::lock_guard lock(mutex_);
  return informers_.size();
}

}  // namespace driftless::runtime
