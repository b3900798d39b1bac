#include "driftless/apiserver/store.h"

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "driftless/core/error.h"

namespace apiserver = driftless::apiserver;
namespace core = driftless::core;
namespace fs = std::filesystem;

using namespace std::chrono_literals;

namespace {

// A directory of its own under the system's temporary directory, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    const auto unique = std::to_string(random()) + "-" +
                        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    path_ = fs::temp_directory_path() / ("driftless-store-test-" + unique);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] fs::path db() const { return path_ / "store.db"; }

 private:
  fs::path path_;
};

const std::string kConfigMaps = "/configmaps";
const std::string kSecrets = "/secrets";

apiserver::ObjectKey cmKey(const std::string& ns, const std::string& name) {
  return {kConfigMaps, ns, name};
}

core::Value configMap(const std::string& ns, const std::string& name, const std::string& data) {
  core::Value object = core::Object{{"apiVersion", "v1"}, {"kind", "ConfigMap"}};
  object["metadata"]["name"] = name;
  if (!ns.empty()) object["metadata"]["namespace"] = ns;
  object["data"]["value"] = data;
  return object;
}

apiserver::MutationResult put(apiserver::Store& store, const apiserver::ObjectKey& key,
                              const core::Value& object, bool dryRun = false) {
  return store.mutate(
      key, [&](const apiserver::StoredObjectPtr&) { return apiserver::Put{object}; }, dryRun);
}

apiserver::MutationResult remove(apiserver::Store& store, const apiserver::ObjectKey& key,
                                 bool dryRun = false) {
  return store.mutate(
      key, [](const apiserver::StoredObjectPtr&) { return apiserver::Remove{}; }, dryRun);
}

apiserver::MutationResult putCm(apiserver::Store& store, const std::string& ns,
                                const std::string& name, const std::string& data) {
  return put(store, cmKey(ns, name), configMap(ns, name, data));
}

std::string resourceVersion(const apiserver::StoredObjectPtr& stored) {
  REQUIRE(stored != nullptr);
  return stored->object["metadata"]["resourceVersion"].asString();
}

std::vector<std::string> names(const std::vector<apiserver::StoredObjectPtr>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) {
    const auto& ns = o->object["metadata"]["namespace"];
    out.push_back((ns.isString() ? ns.asString() + "/" : "") +
                  o->object["metadata"]["name"].asString());
  }
  return out;
}

// Drains a watch until nothing arrives for a short while.
std::vector<apiserver::WatchEvent> drain(apiserver::Watch& watch) {
  std::vector<apiserver::WatchEvent> out;
  for (;;) {
    auto events = watch.next(50ms);
    if (events.empty()) return out;
    out.insert(out.end(), events.begin(), events.end());
  }
}

}  // namespace

TEST_CASE("SqliteStore: create, get and list", "[apiserver][store]") {
  TempDir dir;
  auto store = apiserver::openSqliteStore(dir.db());
  CHECK(store->currentRevision() == 0);
  CHECK(store->get(cmKey("a", "x")) == nullptr);

  putCm(*store, "b", "z", "1");
  putCm(*store, "a", "y", "2");
  putCm(*store, "a", "x", "3");
  putCm(*store, "c", "w", "4");
  put(*store, {kSecrets, "a", "s"}, configMap("a", "s", "secret"));
  put(*store, {"/namespaces", "", "a"}, core::Object{{"metadata", core::Object{{"name", "a"}}}});

  const auto x = store->get(cmKey("a", "x"));
  REQUIRE(x != nullptr);
  CHECK(x->object["data"]["value"].asString() == "3");
  CHECK(x->object["kind"].asString() == "ConfigMap");

  std::int64_t revision = 0;
  CHECK(names(store->list(kConfigMaps, "a", revision)) == std::vector<std::string>{"a/x", "a/y"});
  CHECK(revision == 6);
  CHECK(names(store->list(kConfigMaps, "", revision)) ==
        std::vector<std::string>{"a/x", "a/y", "b/z", "c/w"});
  CHECK(names(store->list(kConfigMaps, "b", revision)) == std::vector<std::string>{"b/z"});
  CHECK(store->list(kConfigMaps, "nope", revision).empty());
  CHECK(names(store->list(kSecrets, "", revision)) == std::vector<std::string>{"a/s"});
  CHECK(names(store->list("/namespaces", "", revision)) == std::vector<std::string>{"a"});
  CHECK(store->list("/pods", "", revision).empty());
  CHECK(store->list("/", "", revision).empty());

  SECTION("invalid keys and objects are rejected") {
    CHECK_THROWS_AS(put(*store, {kConfigMaps, "a", ""}, configMap("a", "", "")), core::Error);
    CHECK_THROWS_AS(put(*store, {"", "a", "b"}, configMap("a", "b", "")), core::Error);
    CHECK_THROWS_AS(put(*store, cmKey("a", "bad"), core::Value("text")), core::Error);
    CHECK(store->currentRevision() == 6);
  }
}

TEST_CASE("SqliteStore: one revision per write, in resourceVersion", "[apiserver][store]") {
  TempDir dir;
  auto store = apiserver::openSqliteStore(dir.db());

  auto created = putCm(*store, "ns", "a", "1");
  CHECK(created.written);
  CHECK(created.created);
  CHECK_FALSE(created.deleted);
  REQUIRE(created.object != nullptr);
  CHECK(created.object->revision == 1);
  CHECK(resourceVersion(created.object) == "1");
  CHECK(store->currentRevision() == 1);

  auto other = putCm(*store, "ns", "b", "1");
  CHECK(other.object->revision == 2);

  auto updated = putCm(*store, "ns", "a", "2");
  CHECK(updated.written);
  CHECK_FALSE(updated.created);
  CHECK(updated.object->revision == 3);
  CHECK(resourceVersion(updated.object) == "3");
  CHECK(resourceVersion(store->get(cmKey("ns", "a"))) == "3");
  CHECK(store->get(cmKey("ns", "a"))->object["data"]["value"].asString() == "2");
  CHECK(store->currentRevision() == 3);

  SECTION("the callback sees the current object") {
    auto result = store->mutate(cmKey("ns", "a"), [](const apiserver::StoredObjectPtr& current) {
      REQUIRE(current != nullptr);
      CHECK(current->revision == 3);
      core::Value next = current->object;
      next["data"]["value"] = "from " + next["metadata"]["resourceVersion"].asString();
      return apiserver::Mutation{apiserver::Put{next}};
    });
    CHECK(result.object->revision == 4);
    CHECK(result.object->object["data"]["value"].asString() == "from 3");
  }

  SECTION("Keep writes nothing") {
    auto kept = store->mutate(cmKey("ns", "a"),
                              [](const apiserver::StoredObjectPtr&) { return apiserver::Keep{}; });
    CHECK_FALSE(kept.written);
    CHECK(kept.object == store->get(cmKey("ns", "a")));
    auto absent = store->mutate(cmKey("ns", "none"), [](const apiserver::StoredObjectPtr& c) {
      CHECK(c == nullptr);
      return apiserver::Keep{};
    });
    CHECK(absent.object == nullptr);
    CHECK_FALSE(absent.written);
    CHECK(store->currentRevision() == 3);
  }
}

TEST_CASE("SqliteStore: a Put equal to the current object is no write", "[apiserver][store]") {
  TempDir dir;
  auto store = apiserver::openSqliteStore(dir.db());
  putCm(*store, "ns", "a", "1");
  putCm(*store, "ns", "b", "1");
  auto watch = store->watch({kConfigMaps, "", ""}, store->currentRevision());
  REQUIRE(watch != nullptr);

  // Same content, no resourceVersion, keys in another order.
  core::Value same = core::Object{{"data", core::Object{{"value", "1"}}},
                                  {"kind", "ConfigMap"},
                                  {"apiVersion", "v1"},
                                  {"metadata", core::Object{{"namespace", "ns"}, {"name", "a"}}}};
  auto result = put(*store, cmKey("ns", "a"), same);
  CHECK_FALSE(result.written);
  CHECK_FALSE(result.created);
  CHECK(result.object == store->get(cmKey("ns", "a")));
  CHECK(store->currentRevision() == 2);

  // A stale resourceVersion does not matter either.
  same["metadata"]["resourceVersion"] = "12345";
  CHECK_FALSE(put(*store, cmKey("ns", "a"), same).written);
  CHECK(resourceVersion(store->get(cmKey("ns", "a"))) == "1");
  CHECK(store->currentRevision() == 2);
  CHECK(watch->next(20ms).empty());

  // A real change is the next event.
  putCm(*store, "ns", "a", "2");
  auto events = watch->next(1s);
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == apiserver::EventType::Modified);
  CHECK(events[0].revision == 3);
}

TEST_CASE("SqliteStore: dry runs write nothing", "[apiserver][store]") {
  TempDir dir;
  {
    auto store = apiserver::openSqliteStore(dir.db());
    putCm(*store, "ns", "a", "1");
    auto watch = store->watch({kConfigMaps, "", ""}, 1);
    REQUIRE(watch != nullptr);

    auto create = put(*store, cmKey("ns", "new"), configMap("ns", "new", "x"), true);
    CHECK_FALSE(create.written);
    CHECK(create.created);
    REQUIRE(create.object != nullptr);
    CHECK(create.object->object["data"]["value"].asString() == "x");
    CHECK(create.object->object["metadata"].find("resourceVersion") == nullptr);
    CHECK(store->get(cmKey("ns", "new")) == nullptr);

    auto update = put(*store, cmKey("ns", "a"), configMap("ns", "a", "2"), true);
    CHECK_FALSE(update.written);
    CHECK_FALSE(update.created);
    CHECK(update.object->object["data"]["value"].asString() == "2");
    CHECK(resourceVersion(update.object) == "1");
    CHECK(store->get(cmKey("ns", "a"))->object["data"]["value"].asString() == "1");

    auto removal = remove(*store, cmKey("ns", "a"), true);
    CHECK_FALSE(removal.written);
    CHECK(removal.deleted);
    CHECK(resourceVersion(removal.object) == "1");
    CHECK(store->get(cmKey("ns", "a")) != nullptr);

    CHECK(store->currentRevision() == 1);
    CHECK(watch->next(20ms).empty());
  }
  auto reopened = apiserver::openSqliteStore(dir.db());
  CHECK(reopened->currentRevision() == 1);
  CHECK(reopened->get(cmKey("ns", "new")) == nullptr);
  CHECK(reopened->get(cmKey("ns", "a"))->object["data"]["value"].asString() == "1");
}

TEST_CASE("SqliteStore: an exception in the callback writes nothing", "[apiserver][store]") {
  TempDir dir;
  auto store = apiserver::openSqliteStore(dir.db());
  putCm(*store, "ns", "a", "1");
  auto watch = store->watch({kConfigMaps, "", ""}, 1);

  auto failing = [](const apiserver::StoredObjectPtr&) -> apiserver::Mutation {
    throw std::runtime_error("conflict");
  };
  CHECK_THROWS_WITH(store->mutate(cmKey("ns", "a"), failing), "conflict");
  CHECK_THROWS_WITH(store->mutate(cmKey("ns", "b"), failing), "conflict");
  CHECK(store->currentRevision() == 1);
  CHECK(store->get(cmKey("ns", "b")) == nullptr);
  CHECK(store->get(cmKey("ns", "a"))->object["data"]["value"].asString() == "1");
  CHECK(watch->next(20ms).empty());

  // The store is still usable (the write lock was released).
  CHECK(putCm(*store, "ns", "b", "1").object->revision == 2);
}

TEST_CASE("SqliteStore: Remove", "[apiserver][store]") {
  TempDir dir;
  auto store = apiserver::openSqliteStore(dir.db());
  putCm(*store, "ns", "a", "1");
  putCm(*store, "ns", "b", "1");
  auto watch = store->watch({kConfigMaps, "ns", "a"}, store->currentRevision());

  auto removed = remove(*store, cmKey("ns", "a"));
  CHECK(removed.written);
  CHECK(removed.deleted);
  REQUIRE(removed.object != nullptr);
  CHECK(removed.object->revision == 3);
  CHECK(resourceVersion(removed.object) == "3");
  CHECK(removed.object->object["data"]["value"].asString() == "1");
  CHECK(store->get(cmKey("ns", "a")) == nullptr);
  CHECK(store->currentRevision() == 3);
  std::int64_t revision = 0;
  CHECK(names(store->list(kConfigMaps, "", revision)) == std::vector<std::string>{"ns/b"});

  auto events = watch->next(1s);
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == apiserver::EventType::Deleted);
  CHECK(events[0].revision == 3);
  CHECK(resourceVersion(events[0].object) == "3");

  auto absent = remove(*store, cmKey("ns", "a"));
  CHECK_FALSE(absent.written);
  CHECK_FALSE(absent.deleted);
  CHECK(absent.object == nullptr);
  CHECK(store->currentRevision() == 3);

  // Created again: a new object at a new revision.
  auto again = putCm(*store, "ns", "a", "again");
  CHECK(again.created);
  CHECK(again.object->revision == 4);
}

TEST_CASE("SqliteStore: objects and revision survive reopening", "[apiserver][store]") {
  TempDir dir;
  {
    auto store = apiserver::openSqliteStore(dir.db());
    putCm(*store, "ns", "a", "1");
    putCm(*store, "ns", "b", "1");
    putCm(*store, "ns", "a", "2");
    putCm(*store, "other", "c", "1");
    remove(*store, cmKey("ns", "b"));
    core::Value tricky = configMap("ns", "tricky", "quotes \" and \\ and ünïcödé <&>");
    tricky["data"]["number"] = 1.5;
    tricky["data"]["list"] = core::Array{1, true, nullptr, "x"};
    put(*store, cmKey("ns", "tricky"), tricky);
    CHECK(store->currentRevision() == 6);
  }
  {
    auto store = apiserver::openSqliteStore(dir.db());
    CHECK(store->currentRevision() == 6);
    CHECK(store->oldestRevision() == 6);
    std::int64_t revision = 0;
    CHECK(names(store->list(kConfigMaps, "", revision)) ==
          std::vector<std::string>{"ns/a", "ns/tricky", "other/c"});
    CHECK(revision == 6);
    const auto a = store->get(cmKey("ns", "a"));
    REQUIRE(a != nullptr);
    CHECK(a->revision == 3);
    CHECK(resourceVersion(a) == "3");
    CHECK(a->object["data"]["value"].asString() == "2");
    CHECK(store->get(cmKey("ns", "b")) == nullptr);
    const auto tricky = store->get(cmKey("ns", "tricky"));
    REQUIRE(tricky != nullptr);
    CHECK(tricky->object["data"]["value"].asString() == "quotes \" and \\ and ünïcödé <&>");
    CHECK(tricky->object["data"]["number"].asDouble() == 1.5);
    CHECK(tricky->object["data"]["list"] == core::Value(core::Array{1, true, nullptr, "x"}));

    // Revisions continue where they were.
    CHECK(putCm(*store, "ns", "b", "back").object->revision == 7);
  }
  auto store = apiserver::openSqliteStore(dir.db());
  CHECK(store->currentRevision() == 7);
  CHECK(store->get(cmKey("ns", "b"))->revision == 7);
}

TEST_CASE("SqliteStore: a watch replays the later events of its filter", "[apiserver][store]") {
  TempDir dir;
  auto store = apiserver::openSqliteStore(dir.db());
  putCm(*store, "a", "x", "1");                                 // 1
  putCm(*store, "b", "x", "1");                                 // 2
  putCm(*store, "a", "y", "1");                                 // 3
  put(*store, {kSecrets, "a", "x"}, configMap("a", "x", "s"));  // 4
  putCm(*store, "a", "x", "2");                                 // 5
  remove(*store, cmKey("a", "y"));                              // 6
  putCm(*store, "b", "x", "2");                                 // 7

  auto revisions = [](const std::vector<apiserver::WatchEvent>& events) {
    std::vector<std::int64_t> out;
    for (const auto& e : events)
      out.push_back(e.revision);
    return out;
  };

  SECTION("all namespaces") {
    auto watch = store->watch({kConfigMaps, "", ""}, 2);
    REQUIRE(watch != nullptr);
    auto events = drain(*watch);
    CHECK(revisions(events) == std::vector<std::int64_t>{3, 5, 6, 7});
    REQUIRE(events.size() == 4);
    CHECK(events[0].type == apiserver::EventType::Added);
    CHECK(events[0].key == cmKey("a", "y"));
    CHECK(events[1].type == apiserver::EventType::Modified);
    CHECK(resourceVersion(events[1].object) == "5");
    CHECK(events[2].type == apiserver::EventType::Deleted);
    CHECK(events[2].key == cmKey("a", "y"));
    CHECK(resourceVersion(events[2].object) == "6");
    CHECK(events[3].key == cmKey("b", "x"));
  }
  SECTION("one namespace") {
    auto watch = store->watch({kConfigMaps, "a", ""}, 0);
    REQUIRE(watch != nullptr);
    CHECK(revisions(drain(*watch)) == std::vector<std::int64_t>{1, 3, 5, 6});
  }
  SECTION("one name") {
    auto watch = store->watch({kConfigMaps, "a", "x"}, 1);
    REQUIRE(watch != nullptr);
    auto events = drain(*watch);
    CHECK(revisions(events) == std::vector<std::int64_t>{5});
    // Then live events, in order, and only those of the filter.
    putCm(*store, "a", "y", "again");  // 8
    putCm(*store, "a", "x", "3");      // 9
    remove(*store, cmKey("a", "x"));   // 10
    events = drain(*watch);
    CHECK(revisions(events) == std::vector<std::int64_t>{9, 10});
  }
  SECTION("another resource") {
    auto watch = store->watch({kSecrets, "", ""}, 0);
    REQUIRE(watch != nullptr);
    auto events = drain(*watch);
    REQUIRE(events.size() == 1);
    CHECK(events[0].key.resource == kSecrets);
  }
  SECTION("from the current revision") {
    auto watch = store->watch({kConfigMaps, "", ""}, store->currentRevision());
    REQUIRE(watch != nullptr);
    CHECK(watch->next(20ms).empty());
  }
  SECTION("next() waits for an event from another thread") {
    auto watch = store->watch({kConfigMaps, "", ""}, store->currentRevision());
    std::thread writer([&] {
      std::this_thread::sleep_for(50ms);
      putCm(*store, "c", "z", "1");
    });
    auto events = watch->next(10s);
    writer.join();
    REQUIRE(events.size() == 1);
    CHECK(events[0].revision == 8);
  }
  SECTION("stop") {
    auto watch = store->watch({kConfigMaps, "", ""}, 5);
    CHECK_FALSE(watch->closed());
    watch->stop();
    CHECK(watch->closed());
    putCm(*store, "c", "z", "1");
    CHECK(watch->next(0ms).empty());
    watch->stop();  // twice is fine
  }
  SECTION("a watch outliving its store is closed") {
    auto watch = store->watch({kConfigMaps, "", ""}, 6);
    store.reset();
    CHECK(watch->closed());
    CHECK(revisions(watch->next(0ms)) == std::vector<std::int64_t>{7});
    watch->stop();
  }
  SECTION("dropped watches are forgotten") {
    for (int i = 0; i < 100; ++i)
      CHECK(store->watch({kConfigMaps, "", ""}, 7) != nullptr);
    putCm(*store, "c", "z", "1");
    CHECK(store->currentRevision() == 8);
  }
}

TEST_CASE("SqliteStore: watching from before the history is refused", "[apiserver][store]") {
  TempDir dir;
  apiserver::StoreOptions options;
  options.historyEvents = 5;
  {
    auto store = apiserver::openSqliteStore(dir.db(), options);
    CHECK(store->oldestRevision() == 0);
    for (int i = 1; i <= 5; ++i)
      putCm(*store, "ns", "o" + std::to_string(i), "1");
    CHECK(store->oldestRevision() == 0);
    CHECK(store->watch({kConfigMaps, "", ""}, 0) != nullptr);

    for (int i = 6; i <= 8; ++i)
      putCm(*store, "ns", "o" + std::to_string(i), "1");
    // History holds revisions 4..8.
    CHECK(store->oldestRevision() == 3);
    CHECK(store->watch({kConfigMaps, "", ""}, 2) == nullptr);
    CHECK(store->watch({kConfigMaps, "", ""}, 0) == nullptr);
    auto watch = store->watch({kConfigMaps, "", ""}, 3);
    REQUIRE(watch != nullptr);
    auto events = drain(*watch);
    REQUIRE(events.size() == 5);
    CHECK(events.front().revision == 4);
    CHECK(events.back().revision == 8);
    CHECK(store->watch({kConfigMaps, "", ""}, 8) != nullptr);
    CHECK(store->watch({kConfigMaps, "", ""}, 100) != nullptr);
  }
  // A reopened store has no history: only the current revision can be watched from.
  auto store = apiserver::openSqliteStore(dir.db(), options);
  CHECK(store->oldestRevision() == 8);
  CHECK(store->watch({kConfigMaps, "", ""}, 7) == nullptr);
  auto watch = store->watch({kConfigMaps, "", ""}, 8);
  REQUIRE(watch != nullptr);
  putCm(*store, "ns", "o9", "1");
  auto events = watch->next(1s);
  REQUIRE(events.size() == 1);
  CHECK(events[0].revision == 9);
  CHECK(store->oldestRevision() == 8);
}

TEST_CASE("SqliteStore: a slow watch is closed", "[apiserver][store]") {
  TempDir dir;
  apiserver::StoreOptions options;
  options.watchQueueLimit = 3;
  auto store = apiserver::openSqliteStore(dir.db(), options);
  auto slow = store->watch({kConfigMaps, "", ""}, 0);
  auto other = store->watch({kConfigMaps, "elsewhere", ""}, 0);
  auto fast = store->watch({kConfigMaps, "", ""}, 0);

  for (int i = 1; i <= 3; ++i)
    putCm(*store, "ns", "o" + std::to_string(i), "1");
  CHECK_FALSE(slow->closed());
  CHECK(fast->next(1s).size() == 3);

  putCm(*store, "ns", "o4", "1");
  CHECK(slow->closed());
  CHECK(slow->next(0ms).empty());
  CHECK_FALSE(other->closed());
  CHECK_FALSE(fast->closed());
  CHECK(fast->next(1s).size() == 1);

  // A consumer keeping up is never closed.
  for (int i = 5; i <= 12; ++i) {
    putCm(*store, "ns", "o" + std::to_string(i), "1");
    CHECK(fast->next(1s).size() == 1);
  }
  CHECK_FALSE(fast->closed());
}

TEST_CASE("SqliteStore: concurrent writers get unique consecutive revisions",
          "[apiserver][store]") {
  TempDir dir;
  auto store = apiserver::openSqliteStore(dir.db());
  auto watch = store->watch({kConfigMaps, "", ""}, 0);
  constexpr int kThreads = 4;
  constexpr int kWrites = 50;

  std::vector<std::vector<std::int64_t>> revisions(kThreads);
  std::atomic<bool> failed = false;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kWrites; ++i) {
          // Half creations, half updates of a shared object.
          auto result = i % 2 == 0
                            ? putCm(*store, "t" + std::to_string(t), std::to_string(i), "1")
                            : putCm(*store, "shared", "counter", std::to_string(t * 1000 + i));
          revisions[static_cast<std::size_t>(t)].push_back(result.object->revision);
          std::int64_t listed = 0;
          (void)store->list(kConfigMaps, "", listed);
          if (listed < result.object->revision) failed = true;
        }
      } catch (...) {
        failed = true;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  REQUIRE_FALSE(failed);

  std::vector<std::int64_t> all;
  for (const auto& r : revisions) {
    CHECK(std::is_sorted(r.begin(), r.end()));
    all.insert(all.end(), r.begin(), r.end());
  }
  std::sort(all.begin(), all.end());
  REQUIRE(all.size() == kThreads * kWrites);
  for (std::size_t i = 0; i < all.size(); ++i)
    CHECK(all[i] == static_cast<std::int64_t>(i) + 1);
  CHECK(store->currentRevision() == kThreads * kWrites);

  auto events = drain(*watch);
  REQUIRE(events.size() == kThreads * kWrites);
  for (std::size_t i = 0; i < events.size(); ++i)
    CHECK(events[i].revision == static_cast<std::int64_t>(i) + 1);

  std::int64_t revision = 0;
  CHECK(store->list(kConfigMaps, "", revision).size() == kThreads * kWrites / 2 + 1);
}

TEST_CASE("SqliteStore: removeAll deletes every object of a resource", "[apiserver][store]") {
  TempDir dir;
  {
    auto store = apiserver::openSqliteStore(dir.db());
    putCm(*store, "b", "x", "1");
    putCm(*store, "a", "x", "1");
    putCm(*store, "a", "y", "1");
    put(*store, {kSecrets, "a", "s"}, configMap("a", "s", "1"));
    auto watch = store->watch({kConfigMaps, "", ""}, store->currentRevision());
    auto secrets = store->watch({kSecrets, "", ""}, store->currentRevision());

    store->removeAll(kConfigMaps);
    CHECK(store->currentRevision() == 7);
    std::int64_t revision = 0;
    CHECK(store->list(kConfigMaps, "", revision).empty());
    CHECK(store->list(kSecrets, "", revision).size() == 1);

    auto events = drain(*watch);
    REQUIRE(events.size() == 3);
    const std::vector<apiserver::ObjectKey> keys{cmKey("a", "x"), cmKey("a", "y"), cmKey("b", "x")};
    for (std::size_t i = 0; i < events.size(); ++i) {
      CHECK(events[i].type == apiserver::EventType::Deleted);
      CHECK(events[i].key == keys[i]);
      CHECK(events[i].revision == static_cast<std::int64_t>(i) + 5);
      CHECK(resourceVersion(events[i].object) == std::to_string(i + 5));
    }
    CHECK(secrets->next(20ms).empty());

    store->removeAll(kConfigMaps);  // nothing left: no revision
    store->removeAll("/pods");
    CHECK(store->currentRevision() == 7);
  }
  auto store = apiserver::openSqliteStore(dir.db());
  CHECK(store->currentRevision() == 7);
  std::int64_t revision = 0;
  CHECK(store->list(kConfigMaps, "", revision).empty());
  CHECK(store->list(kSecrets, "", revision).size() == 1);
}

TEST_CASE("SqliteStore: errors", "[apiserver][store]") {
  TempDir dir;
  CHECK_THROWS_AS(apiserver::openSqliteStore(dir.db() / "missing-dir" / "store.db"), core::Error);
  {
    auto store = apiserver::openSqliteStore(dir.db());
    CHECK_THROWS_AS(store->watch({"", "", ""}, 0), core::Error);
  }
  // Another process writing to the same database is detected rather than overwritten.
  auto first = apiserver::openSqliteStore(dir.db());
  auto second = apiserver::openSqliteStore(dir.db());
  putCm(*first, "ns", "a", "1");
  CHECK_THROWS_AS(putCm(*second, "ns", "b", "1"), core::Error);
  CHECK(second->currentRevision() == 0);
  CHECK(second->get(cmKey("ns", "b")) == nullptr);
}
