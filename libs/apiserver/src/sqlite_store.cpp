// The Store of the embedded control plane on SQLite.
//
// Durability: one row per current object (its JSON text and the revision of its last write) and
// a one-row meta table with the global revision, written in one IMMEDIATE transaction per
// change, in WAL mode with synchronous=NORMAL (a killed process loses no committed write).
//
// Reads never touch SQLite: every object is held in memory, in a map ordered by (resource,
// namespace, name) so that list() is a range scan. The database is only written to (under the
// exclusive lock) and read once, when opening.
//
// Watches: the last `historyEvents` events are kept in memory; a watch replays those after its
// starting revision, then receives live events. Writers deliver them under the exclusive lock
// by pushing a shared pointer onto the queue of every watch of the resource; the consumer
// copies the events out in next(). Lock order: store mutex, hub mutex, watch mutex.

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "driftless/apiserver/store.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "sqlite.h"

namespace driftless::apiserver {

namespace {

// Version of the schema below, kept in PRAGMA user_version.
constexpr std::int64_t kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS objects (
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  revision INTEGER NOT NULL,
  object TEXT NOT NULL,
  PRIMARY KEY (resource, namespace, name)
);
CREATE TABLE IF NOT EXISTS meta (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  revision INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (id, revision) VALUES (0, 0);
PRAGMA user_version = 1;
COMMIT;
)sql";

// ---- Keys -------------------------------------------------------------------------------------

// A key that borrows its strings, for lookups without allocating.
struct KeyView {
  std::string_view resource;
  std::string_view namespace_;
  std::string_view name;
};

using KeyTuple = std::tuple<std::string_view, std::string_view, std::string_view>;

KeyTuple keyTuple(const ObjectKey& key) noexcept {
  return {key.resource, key.namespace_, key.name};
}
KeyTuple keyTuple(const KeyView& key) noexcept {
  return {key.resource, key.namespace_, key.name};
}

// Orders by resource, then namespace, then name.
struct KeyLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const noexcept {
    return keyTuple(a) < keyTuple(b);
  }
};

std::string describe(const ObjectKey& key) {
  std::string out = key.resource;
  out += ' ';
  if (!key.namespace_.empty()) {
    out += key.namespace_;
    out += '/';
  }
  out += key.name;
  return out;
}

void validate(const ObjectKey& key) {
  if (key.resource.empty() || key.name.empty())
    throw core::Error("store: a key needs a resource and a name, got \"" + describe(key) + "\"");
}

// ---- resourceVersion --------------------------------------------------------------------------

void setResourceVersion(core::Value& object, std::int64_t revision) {
  object["metadata"]["resourceVersion"] = std::to_string(revision);
}

void eraseResourceVersion(core::Value& object) {
  if (core::Value* metadata = object.find("metadata"); metadata != nullptr && metadata->isObject())
    metadata->asObject().erase("resourceVersion");
}

StoredObjectPtr makeStored(std::int64_t revision, core::Value object) {
  return std::make_shared<const StoredObject>(StoredObject{revision, std::move(object)});
}

// ---- Watches ----------------------------------------------------------------------------------

using EventPtr = std::shared_ptr<const WatchEvent>;

// What the store and a Watch handle share: the filter and the queue of one watch.
class WatchState {
 public:
  WatchState(WatchFilter filter, std::size_t queueLimit)
      : filter_(std::move(filter)), queueLimit_(queueLimit) {}

  [[nodiscard]] const WatchFilter& filter() const noexcept { return filter_; }

  [[nodiscard]] bool matches(const ObjectKey& key) const noexcept {
    return key.resource == filter_.resource &&
           (filter_.namespace_.empty() || key.namespace_ == filter_.namespace_) &&
           (filter_.name.empty() || key.name == filter_.name);
  }

  // Queues the events replayed from history (not counted against the queue limit: history is
  // bounded already). Called before the watch is registered.
  void replay(std::vector<EventPtr> events) {
    std::lock_guard lock(mutex_);
    queue_ = std::move(events);
  }

  // Queues a live event; false when the watch is closed (now or before), which tells the store
  // to forget it. Closing for overflow drops the queued events: the client must list again.
  bool push(const EventPtr& event) {
    std::vector<EventPtr> dropped;  // destroyed outside the lock
    bool open = true;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      if (live_ < queueLimit_) {
        queue_.push_back(event);
        ++live_;
      } else {
        closed_ = true;
        open = false;
        dropped.swap(queue_);
      }
    }
    cv_.notify_all();
    return open;
  }

  // Closes the watch; with discard, queued events are dropped too (otherwise next() still
  // returns them).
  void close(bool discard) noexcept {
    std::vector<EventPtr> dropped;
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      if (discard) dropped.swap(queue_);
    }
    cv_.notify_all();
  }

  std::vector<WatchEvent> next(std::chrono::milliseconds timeout) {
    std::vector<EventPtr> events;
    {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, timeout, [this] { return !queue_.empty() || closed_; });
      events.swap(queue_);
      live_ = 0;
    }
    std::vector<WatchEvent> out;
    out.reserve(events.size());
    for (const auto& event : events)
      out.push_back(*event);
    return out;
  }

  [[nodiscard]] bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  const WatchFilter filter_;
  const std::size_t queueLimit_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<EventPtr> queue_;
  std::size_t live_ = 0;  // live events in queue_
  bool closed_ = false;
};

// The registry of live watches, by resource. Shared with the Watch handles (weakly) so that a
// handle outliving the store stops cleanly.
class WatchHub {
 public:
  void add(std::shared_ptr<WatchState> state) {
    std::lock_guard lock(mutex_);
    auto& watches = byResource_[state->filter().resource];
    watches.push_back(std::move(state));
  }

  void remove(const WatchState* state) {
    std::lock_guard lock(mutex_);
    auto it = byResource_.find(state->filter().resource);
    if (it == byResource_.end()) return;
    auto& watches = it->second;
    auto found = std::find_if(watches.begin(), watches.end(),
                              [state](const auto& w) { return w.get() == state; });
    if (found == watches.end()) return;
    *found = std::move(watches.back());
    watches.pop_back();
    if (watches.empty()) byResource_.erase(it);
  }

  // Pushes an event to every matching watch of its resource, forgetting closed ones.
  void deliver(const EventPtr& event) {
    std::lock_guard lock(mutex_);
    auto it = byResource_.find(event->key.resource);
    if (it == byResource_.end()) return;
    auto& watches = it->second;
    for (std::size_t i = 0; i < watches.size();) {
      WatchState& state = *watches[i];
      if (!state.matches(event->key) || state.push(event)) {
        ++i;
        continue;
      }
      watches[i] = std::move(watches.back());
      watches.pop_back();
    }
    if (watches.empty()) byResource_.erase(it);
  }

  // The store is going away: closes every watch (queued events stay readable).
  void closeAll() noexcept {
    std::lock_guard lock(mutex_);
    for (auto& [resource, watches] : byResource_) {
      for (auto& state : watches)
        state->close(false);
    }
    byResource_.clear();
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<WatchState>>> byResource_;
};

class WatchHandle final : public Watch {
 public:
  WatchHandle(std::shared_ptr<WatchState> state, std::weak_ptr<WatchHub> hub)
      : state_(std::move(state)), hub_(std::move(hub)) {}
  ~WatchHandle() override { stopWatch(); }
  WatchHandle(const WatchHandle&) = delete;
  WatchHandle& operator=(const WatchHandle&) = delete;

  std::vector<WatchEvent> next(std::chrono::milliseconds timeout) override {
    return state_->next(timeout);
  }
  [[nodiscard]] bool closed() const override { return state_->closed(); }
  void stop() override { stopWatch(); }

 private:
  void stopWatch() noexcept {
    state_->close(true);
    if (auto hub = hub_.lock()) hub->remove(state_.get());
  }

  std::shared_ptr<WatchState> state_;
  std::weak_ptr<WatchHub> hub_;
};

// ---- The store --------------------------------------------------------------------------------

sqlite::Database openDatabase(const std::filesystem::path& path) {
  sqlite::Database db(path);
  db.exec("PRAGMA busy_timeout = 5000");
  {
    sqlite::Statement journal(db, "PRAGMA journal_mode = WAL");
    if (!journal.step() || journal.columnText(0) != "wal")
      throw core::Error("sqlite: " + path.string() + ": cannot switch to WAL mode");
  }
  db.exec("PRAGMA synchronous = NORMAL");
  std::int64_t version = 0;
  {
    sqlite::Statement userVersion(db, "PRAGMA user_version");
    if (userVersion.step()) version = userVersion.columnInt(0);
  }
  if (version > kSchemaVersion)
    throw core::Error("sqlite: " + path.string() + ": schema version " + std::to_string(version) +
                      " is newer than this program's (" + std::to_string(kSchemaVersion) + ")");
  if (version < kSchemaVersion) db.exec(kSchema);
  return db;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::filesystem::path& path, const StoreOptions& options)
      : options_(options),
        path_(path),
        db_(openDatabase(path)),
        begin_(db_, "BEGIN IMMEDIATE"),
        commit_(db_, "COMMIT"),
        rollback_(db_, "ROLLBACK"),
        upsert_(db_,
                "INSERT INTO objects (resource, namespace, name, revision, object) "
                "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (resource, namespace, name) "
                "DO UPDATE SET revision = excluded.revision, object = excluded.object"),
        delete_(db_, "DELETE FROM objects WHERE resource = ?1 AND namespace = ?2 AND name = ?3"),
        deleteResource_(db_, "DELETE FROM objects WHERE resource = ?1"),
        setRevision_(db_, "UPDATE meta SET revision = ?2 WHERE id = 0 AND revision = ?1") {
    load();
  }

  ~SqliteStore() override { hub_->closeAll(); }

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  [[nodiscard]] std::int64_t currentRevision() const override {
    std::shared_lock lock(mutex_);
    return revision_;
  }

  [[nodiscard]] StoredObjectPtr get(const ObjectKey& key) const override {
    std::shared_lock lock(mutex_);
    auto it = objects_.find(key);
    return it != objects_.end() ? it->second : nullptr;
  }

  std::vector<StoredObjectPtr> list(std::string_view resource, std::string_view ns,
                                    std::int64_t& revision) const override {
    std::vector<StoredObjectPtr> out;
    std::shared_lock lock(mutex_);
    revision = revision_;
    for (auto it = objects_.lower_bound(KeyView{resource, ns, {}});
         it != objects_.end() && it->first.resource == resource &&
         (ns.empty() || it->first.namespace_ == ns);
         ++it)
      out.push_back(it->second);
    return out;
  }

  MutationResult mutate(const ObjectKey& key,
                        const std::function<Mutation(const StoredObjectPtr&)>& fn,
                        bool dryRun) override {
    validate(key);
    std::unique_lock lock(mutex_);
    auto it = objects_.lower_bound(key);
    const bool exists = it != objects_.end() && it->first == key;
    const StoredObjectPtr current = exists ? it->second : nullptr;
    Mutation mutation = fn(current);
    if (auto* put = std::get_if<Put>(&mutation))
      return applyPut(key, it, current, std::move(put->object), dryRun);
    if (std::holds_alternative<Remove>(mutation)) return applyRemove(key, it, current, dryRun);
    return {.object = current};
  }

  WatchPtr watch(const WatchFilter& filter, std::int64_t fromRevision) override {
    if (filter.resource.empty()) throw core::Error("store: a watch needs a resource");
    auto state = std::make_shared<WatchState>(filter, options_.watchQueueLimit);
    std::shared_lock lock(mutex_);  // excludes writers between the replay and the registration
    if (fromRevision < oldestRevisionLocked()) return nullptr;
    auto first = std::upper_bound(
        history_.begin(), history_.end(), fromRevision,
        [](std::int64_t revision, const EventPtr& event) { return revision < event->revision; });
    std::vector<EventPtr> replay;
    for (auto it = first; it != history_.end(); ++it) {
      if (state->matches((*it)->key)) replay.push_back(*it);
    }
    state->replay(std::move(replay));
    hub_->add(state);
    return std::make_shared<WatchHandle>(std::move(state), hub_);
  }

  [[nodiscard]] std::int64_t oldestRevision() const override {
    std::shared_lock lock(mutex_);
    return oldestRevisionLocked();
  }

  void removeAll(std::string_view resource) override {
    std::unique_lock lock(mutex_);
    const auto first = objects_.lower_bound(KeyView{resource, {}, {}});
    auto last = first;
    std::vector<std::pair<ObjectKey, StoredObjectPtr>> deleted;
    for (; last != objects_.end() && last->first.resource == resource; ++last) {
      const std::int64_t revision = revision_ + static_cast<std::int64_t>(deleted.size()) + 1;
      core::Value object = last->second->object;
      setResourceVersion(object, revision);
      deleted.emplace_back(last->first, makeStored(revision, std::move(object)));
    }
    if (deleted.empty()) return;
    const std::int64_t revision = revision_ + static_cast<std::int64_t>(deleted.size());
    {
      sqlite::Transaction transaction(begin_, commit_, rollback_);
      {
        sqlite::StatementScope scope(deleteResource_);
        deleteResource_.bind(1, resource);
        deleteResource_.step();
      }
      advanceRevision(revision);
      transaction.commit();
    }
    objects_.erase(first, last);
    revision_ = revision;
    for (auto& [key, object] : deleted) {
      const std::int64_t eventRevision = object->revision;
      publish(EventType::Deleted, std::move(key), std::move(object), eventRevision);
    }
  }

 private:
  using ObjectMap = std::map<ObjectKey, StoredObjectPtr, KeyLess>;

  void load() {
    std::unique_lock lock(mutex_);
    {
      sqlite::Statement meta(db_, "SELECT revision FROM meta WHERE id = 0");
      if (!meta.step()) throw corrupt("no revision in table meta");
      revision_ = meta.columnInt(0);
    }
    sqlite::Statement rows(db_, "SELECT resource, namespace, name, revision, object FROM objects");
    while (rows.step()) {
      ObjectKey key{std::string(rows.columnText(0)), std::string(rows.columnText(1)),
                    std::string(rows.columnText(2))};
      const std::int64_t revision = rows.columnInt(3);
      if (revision <= 0 || revision > revision_)
        throw corrupt(describe(key) + " has revision " + std::to_string(revision) +
                      ", the store's is " + std::to_string(revision_));
      core::Value object;
      try {
        object = core::parseJson(rows.columnText(4), describe(key));
      } catch (const core::Error& e) {
        throw corrupt(e.what());
      }
      if (!object.isObject()) throw corrupt(describe(key) + " is not a JSON object");
      setResourceVersion(object, revision);
      objects_.emplace(std::move(key), makeStored(revision, std::move(object)));
    }
  }

  [[nodiscard]] core::Error corrupt(const std::string& problem) const {
    return core::Error("sqlite store " + path_.string() + ": corrupt database: " + problem);
  }

  [[nodiscard]] std::int64_t oldestRevisionLocked() const noexcept {
    return history_.empty() ? revision_ : history_.front()->revision - 1;
  }

  // In a transaction: moves the stored revision from revision_ to `revision`, detecting
  // another process writing to the same database.
  void advanceRevision(std::int64_t revision) {
    setRevision_.bind(1, revision_);
    setRevision_.bind(2, revision);
    setRevision_.run();
    if (db_.changes() != 1)
      throw core::Error("sqlite store " + path_.string() +
                        ": the database was changed by another process");
  }

  MutationResult applyPut(const ObjectKey& key, ObjectMap::iterator it,
                          const StoredObjectPtr& current, core::Value object, bool dryRun) {
    if (!object.isObject())
      throw core::Error("store: cannot store " + std::string(object.typeName()) + " as " +
                        describe(key) + ": objects are JSON objects");
    if (current) {
      setResourceVersion(object, current->revision);
      if (object == current->object) return {.object = current};
    } else {
      eraseResourceVersion(object);
    }
    const bool created = !current;
    if (dryRun)
      return {.object = makeStored(current ? current->revision : 0, std::move(object)),
              .created = created};

    const std::int64_t revision = revision_ + 1;
    setResourceVersion(object, revision);
    const std::string json = core::toJson(object);
    {
      sqlite::Transaction transaction(begin_, commit_, rollback_);
      {
        sqlite::StatementScope scope(upsert_);
        upsert_.bind(1, key.resource);
        upsert_.bind(2, key.namespace_);
        upsert_.bind(3, key.name);
        upsert_.bind(4, revision);
        upsert_.bind(5, json);
        upsert_.step();
      }
      advanceRevision(revision);
      transaction.commit();
    }
    StoredObjectPtr stored = makeStored(revision, std::move(object));
    if (created)
      objects_.emplace_hint(it, key, stored);
    else
      it->second = stored;
    revision_ = revision;
    publish(created ? EventType::Added : EventType::Modified, key, stored, revision);
    return {.object = std::move(stored), .written = true, .created = created};
  }

  MutationResult applyRemove(const ObjectKey& key, ObjectMap::iterator it,
                             const StoredObjectPtr& current, bool dryRun) {
    if (!current) return {};
    if (dryRun) return {.object = current, .deleted = true};

    const std::int64_t revision = revision_ + 1;
    core::Value last = current->object;
    setResourceVersion(last, revision);
    StoredObjectPtr stored = makeStored(revision, std::move(last));
    {
      sqlite::Transaction transaction(begin_, commit_, rollback_);
      {
        sqlite::StatementScope scope(delete_);
        delete_.bind(1, key.resource);
        delete_.bind(2, key.namespace_);
        delete_.bind(3, key.name);
        delete_.step();
      }
      advanceRevision(revision);
      transaction.commit();
    }
    objects_.erase(it);
    revision_ = revision;
    publish(EventType::Deleted, key, stored, revision);
    return {.object = std::move(stored), .written = true, .deleted = true};
  }

  // Under the exclusive lock, after a commit: records the event and delivers it.
  void publish(EventType type, ObjectKey key, StoredObjectPtr object, std::int64_t revision) {
    auto event = std::make_shared<const WatchEvent>(
        WatchEvent{type, std::move(key), std::move(object), revision});
    history_.push_back(event);
    while (history_.size() > options_.historyEvents)
      history_.pop_front();
    hub_->deliver(event);
  }

  const StoreOptions options_;
  const std::filesystem::path path_;
  sqlite::Database db_;
  // Prepared once; declared after db_ so that they are finalized before it closes.
  sqlite::Statement begin_;
  sqlite::Statement commit_;
  sqlite::Statement rollback_;
  sqlite::Statement upsert_;
  sqlite::Statement delete_;
  sqlite::Statement deleteResource_;
  sqlite::Statement setRevision_;

  mutable std::shared_mutex mutex_;
  ObjectMap objects_;
  std::int64_t revision_ = 0;
  std::deque<EventPtr> history_;  // the last options_.historyEvents events, by revision
  std::shared_ptr<WatchHub> hub_ = std::make_shared<WatchHub>();
};

}  // namespace

StorePtr openSqliteStore(const std::filesystem::path& path, const StoreOptions& options) {
  return std::make_unique<SqliteStore>(path, options);
}

}  // namespace driftless::apiserver
