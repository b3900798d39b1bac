#pragma once

// A shared informer (client-go's reflector + indexer, controller-runtime's cache): one list then
// watch loop per kind that keeps an in-memory copy of every object, calls event handlers on
// changes, and answers reads without touching the server. The watch resumes from the last seen
// resourceVersion with bookmarks; a 410 Gone relists; failures reconnect with backoff. Objects
// are immutable and shared (ObjectPtr): a read never copies an object.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "driftless/core/log.h"
#include "driftless/core/value.h"
#include "driftless/kube/client.h"

namespace driftless::runtime {

using ObjectPtr = std::shared_ptr<const core::Value>;

// "namespace/name", or "name" for cluster-scoped objects (client-go's MetaNamespaceKeyFunc).
std::string objectKey(const core::Value& object);
std::string objectKey(std::string_view namespace_, std::string_view name);

struct EventHandlers {
  std::function<void(const ObjectPtr&)> onAdd;
  std::function<void(const ObjectPtr& oldObject, const ObjectPtr& newObject)> onUpdate;
  std::function<void(const ObjectPtr&)> onDelete;
};

// The values an object is indexed under (e.g. its namespace, or "namespace/name" of the source
// a Kustomization references).
using IndexFunc = std::function<std::vector<std::string>(const core::Value&)>;

struct InformerOptions {
  kube::GroupVersionKind gvk;
  std::string namespace_;       // empty: every namespace
  std::string labelSelector;    // --watch-label-selector (sharding)
  std::int64_t pageSize = 500;  // list pages
  // Watches are restarted by the server after a random 5-10 minutes, like client-go.
  std::chrono::seconds minWatchTimeout{300};
  std::chrono::milliseconds minBackoff{800};
  std::chrono::milliseconds maxBackoff{30000};
  // Applied to every object before it is stored; the default drops metadata.managedFields
  // (controllers read the cache, and server-side apply talks to the server) and releases the
  // spare capacity of the top level and of metadata.
  std::function<void(core::Value&)> transform = stripManagedFields;

  static void stripManagedFields(core::Value& object);
};

// Counters for tests and metrics.
struct InformerStats {
  std::size_t lists = 0;        // full lists (the first one and every relist)
  std::size_t watches = 0;      // watch requests started
  std::size_t events = 0;       // watch events applied
  std::size_t watchErrors = 0;  // watches that ended in an error
};

class Informer {
 public:
  Informer(kube::Client& client, InformerOptions options, core::Logger logger);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Handlers run on the informer's thread, one event at a time; keep them short (enqueue). A
  // handler added after the first list is first called with an add for every current object.
  void addEventHandlers(EventHandlers handlers);
  // Must be called before start().
  void addIndex(const std::string& name, IndexFunc index);

  void start();
  void stop();
  // True once the first list has been stored.
  [[nodiscard]] bool hasSynced() const;
  // Waits for the first list; false when the deadline passes first.
  bool waitForSync(std::chrono::milliseconds timeout) const;

  [[nodiscard]] ObjectPtr get(std::string_view namespace_, std::string_view name) const;
  [[nodiscard]] ObjectPtr getByKey(const std::string& key) const;
  // Every object, or those of one namespace; in key order.
  [[nodiscard]] std::vector<ObjectPtr> list(std::string_view namespace_ = {}) const;
  [[nodiscard]] std::vector<ObjectPtr> byIndex(const std::string& index,
                                               const std::string& value) const;
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::string lastResourceVersion() const;
  [[nodiscard]] InformerStats stats() const;
  [[nodiscard]] const kube::GroupVersionKind& gvk() const noexcept { return options_.gvk; }

 private:
  void run(std::stop_token stop);
  // One full list (paged); replaces the store and calls handlers for the differences.
  void relist(std::stop_token stop);
  // Watches from the last resourceVersion until the watch ends; true when a relist is needed.
  bool watchOnce(std::stop_token stop);
  void apply(kube::WatchEventType type, core::Value object);
  void replaceAll(std::unordered_map<std::string, ObjectPtr> objects);
  void indexLocked(const std::string& key, const ObjectPtr& object, bool add);
  bool sleepFor(std::chrono::milliseconds delay, std::stop_token stop);
  void notifyAdd(const ObjectPtr& object);
  void notifyUpdate(const ObjectPtr& oldObject, const ObjectPtr& newObject);
  void notifyDelete(const ObjectPtr& object);

  kube::Client& client_;
  InformerOptions options_;
  core::Logger logger_;

  mutable std::shared_mutex storeMutex_;
  std::map<std::string, ObjectPtr, std::less<>> objects_;
  std::map<std::string, IndexFunc> indexFuncs_;
  // index name -> value -> keys
  std::unordered_map<std::string, std::unordered_map<std::string, std::unordered_set<std::string>>>
      indices_;
  std::string resourceVersion_;
  InformerStats stats_;

  std::mutex handlersMutex_;  // held while handlers run, so additions see a consistent store
  std::vector<EventHandlers> handlers_;

  mutable std::mutex syncMutex_;
  mutable std::condition_variable syncCv_;
  bool synced_ = false;
  std::mutex sleepMutex_;
  std::condition_variable_any sleepCv_;

  std::jthread thread_;
};
using InformerPtr = std::unique_ptr<Informer>;

// The informers of a process, one per kind, shared by every controller (controller-runtime's
// cache). Informers are created on first use, with the cache's namespace and label selector.
class Cache {
 public:
  struct Options {
    std::string namespace_;     // empty: every namespace (--watch-all-namespaces)
    std::string labelSelector;  // --watch-label-selector
  };

  Cache(kube::Client& client, Options options, core::Logger logger);
  ~Cache();

  // The informer of gvk, created (not started) when missing. Started by start(), or at once if
  // the cache is already running.
  Informer& informer(const kube::GroupVersionKind& gvk);
  // Like informer(), for kinds that must ignore the label selector (e.g. Secrets a
  // Kustomization references are not sharded).
  Informer& informerUnfiltered(const kube::GroupVersionKind& gvk);
  // An informer of the objects of gvk that match labelSelector (and not the cache's), e.g. the
  // ConfigMaps and Secrets labelled for config watching.
  Informer& informerSelecting(const kube::GroupVersionKind& gvk, const std::string& labelSelector);
  void start();
  void stop();
  bool waitForSync(std::chrono::milliseconds timeout);
  [[nodiscard]] std::size_t informerCount() const;

 private:
  Informer& informerFor(const kube::GroupVersionKind& gvk, bool filtered,
                        const std::string& ownSelector = {});

  kube::Client& client_;
  Options options_;
  core::Logger logger_;
  mutable std::mutex mutex_;
  std::map<std::string, InformerPtr> informers_;
  bool started_ = false;
};

}  // namespace driftless::runtime
