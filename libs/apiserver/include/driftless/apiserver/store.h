#pragma once

// Object storage of the embedded control plane: SQLite (WAL) for durability, every object also
// held in memory for reads, one global revision (resourceVersion), and a bounded in-memory
// history of changes that watches replay from.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::apiserver {

// Where an object lives: `resource` is "<group>/<plural>" ("/configmaps" for the core group,
// "apps/deployments"), namespace_ is empty for cluster-scoped objects.
struct ObjectKey {
  std::string resource;
  std::string namespace_;
  std::string name;
  friend bool operator==(const ObjectKey&, const ObjectKey&) = default;
};

// An object as stored: the revision of its last write and the object itself, whose
// metadata.resourceVersion is that revision as a decimal string. Immutable and shared.
struct StoredObject {
  std::int64_t revision = 0;
  core::Value object;
};
using StoredObjectPtr = std::shared_ptr<const StoredObject>;

enum class EventType { Added, Modified, Deleted };

struct WatchEvent {
  EventType type = EventType::Added;
  ObjectKey key;
  // For Deleted: the last state of the object with metadata.resourceVersion set to the revision
  // of the deletion (as Kubernetes does).
  StoredObjectPtr object;
  std::int64_t revision = 0;
};

// What a watch receives: events of one resource, optionally one namespace and one name.
struct WatchFilter {
  std::string resource;
  std::string namespace_;  // empty: all namespaces
  std::string name;        // empty: all names
};

// A live watch. Events arrive in revision order. If the consumer falls behind by more than the
// queue bound, the watch is closed (closed() turns true) and the client must list again.
class Watch {
 public:
  virtual ~Watch() = default;
  // Waits up to `timeout` for events; returns those available (empty on timeout or close).
  virtual std::vector<WatchEvent> next(std::chrono::milliseconds timeout) = 0;
  [[nodiscard]] virtual bool closed() const = 0;
  // Stops delivery; the store forgets the watch.
  virtual void stop() = 0;
};
using WatchPtr = std::shared_ptr<Watch>;

// The decision of a mutation callback.
struct Keep {};  // leave the object as it is: no write, no revision bump
struct Put {     // store this object (created when absent)
  core::Value object;
};
struct Remove {};  // delete the object
using Mutation = std::variant<Keep, Put, Remove>;

struct MutationResult {
  // The object after the mutation (nullptr after Remove or when Keep on an absent object); for
  // Remove, the last state with the deletion revision.
  StoredObjectPtr object;
  bool written = false;  // false for Keep, for a Put equal to the current object, and dry runs
  bool created = false;
  bool deleted = false;
};

struct StoreOptions {
  // Events kept for watches that resume from an older revision (410 Expired beyond).
  std::size_t historyEvents = 20000;
  // Events queued per watch before it is closed for being too slow.
  std::size_t watchQueueLimit = 10000;
};

// Thread-safe. Errors (I/O, corrupt database) are core::Error exceptions.
class Store {
 public:
  virtual ~Store() = default;

  [[nodiscard]] virtual std::int64_t currentRevision() const = 0;
  [[nodiscard]] virtual StoredObjectPtr get(const ObjectKey& key) const = 0;
  // Objects of a resource (all namespaces when ns is empty), sorted by namespace then name,
  // and the revision the list is consistent with.
  virtual std::vector<StoredObjectPtr> list(std::string_view resource, std::string_view ns,
                                            std::int64_t& revision) const = 0;

  // Runs fn under the store's write lock with the current object (nullptr when absent) and
  // applies its decision atomically: a Put gets the next revision (written into
  // metadata.resourceVersion) unless it equals the current object (ignoring
  // metadata.resourceVersion), in which case nothing is written. With dryRun nothing is written
  // and no revision is used; the returned object shows what would have been stored (with the
  // current resourceVersion). Exceptions thrown by fn propagate and nothing is written. fn runs
  // under the store's exclusive lock: it must not call the store.
  virtual MutationResult mutate(const ObjectKey& key,
                                const std::function<Mutation(const StoredObjectPtr&)>& fn,
                                bool dryRun = false) = 0;

  // Starts a watch delivering every change with a revision > fromRevision. Returns nullptr
  // when fromRevision is older than the history kept (the caller answers 410 Expired);
  // oldestRevision() tells the bound.
  virtual WatchPtr watch(const WatchFilter& filter, std::int64_t fromRevision) = 0;
  [[nodiscard]] virtual std::int64_t oldestRevision() const = 0;

  // Deletes every object of a resource (a CRD's objects when the CRD goes away).
  virtual void removeAll(std::string_view resource) = 0;
};
using StorePtr = std::unique_ptr<Store>;

// Opens (creating when needed) the SQLite database at path.
StorePtr openSqliteStore(const std::filesystem::path& path, const StoreOptions& options = {});

}  // namespace driftless::apiserver
