#pragma once

// Small RAII layer over the SQLite3 C API: a connection, prepared statements (meant to be
// prepared once and reused) and an IMMEDIATE transaction that rolls back unless committed.
// Every failure is a core::Error naming the operation and SQLite's message. Header-only: it is
// private to libs/apiserver.

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "driftless/core/error.h"

namespace driftless::apiserver::sqlite {

struct DatabaseCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};

// Throws core::Error("sqlite: <what>: <message>") for a result code other than SQLITE_OK.
inline void check(int rc, sqlite3* db, std::string_view what) {
  if (rc == SQLITE_OK) return;
  std::string message = "sqlite: ";
  message += what;
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw core::Error(message);
}

class Database {
 public:
  // Opens (creating when absent) the database file.
  explicit Database(const std::filesystem::path& path) {
    sqlite3* db = nullptr;
    // The connection is used by one thread at a time (the store serializes writes), so SQLite's
    // own mutexes are not needed.
    const int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    db_.reset(db);  // a handle is returned even on failure, and must be closed
    check(rc, db, "open " + path.string());
    sqlite3_extended_result_codes(db, 1);
  }

  // Runs one or more statements without results (schema, pragmas).
  void exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &error);
    if (rc == SQLITE_OK) return;
    std::string message = "sqlite: " + sql + ": " + (error != nullptr ? error : sqlite3_errstr(rc));
    sqlite3_free(error);
    throw core::Error(message);
  }
  // Rows changed by the last INSERT, UPDATE or DELETE.
  [[nodiscard]] std::int64_t changes() const noexcept { return sqlite3_changes64(db_.get()); }

  [[nodiscard]] sqlite3* get() const noexcept { return db_.get(); }

 private:
  std::unique_ptr<sqlite3, DatabaseCloser> db_;
};

class Statement;

// Resets a statement (and its bindings) when leaving a scope, also on exceptions.
class StatementScope {
 public:
  explicit StatementScope(Statement& stmt) noexcept : stmt_(stmt) {}
  ~StatementScope();
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;

 private:
  Statement& stmt_;
};

class Statement {
 public:
  Statement(Database& db, std::string_view sql) : db_(db.get()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    stmt_.reset(stmt);
    check(rc, db_, "prepare " + std::string(sql));
  }

  // Binding (1-based indexes). Text is bound without copying (a null destructor is
  // SQLITE_STATIC): it must stay alive until reset(), which also clears the bindings.
  void bind(int index, std::string_view text) {
    check(sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), nullptr, SQLITE_UTF8),
          db_, "bind");
  }
  void bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_.get(), index, value), db_, "bind");
  }

  // Advances: true when a row is available, false when done.
  bool step() {
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    check(rc, db_, sqlite3_sql(stmt_.get()));
    return false;
  }
  // Runs a statement returning no row, then resets it.
  void run() {
    StatementScope scope(*this);
    step();
  }
  void reset() noexcept {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }

  [[nodiscard]] std::string_view columnText(int index) const noexcept {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), index));
    if (text == nullptr) return {};
    return {text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), index))};
  }
  [[nodiscard]] std::int64_t columnInt(int index) const noexcept {
    return sqlite3_column_int64(stmt_.get(), index);
  }
  [[nodiscard]] sqlite3_stmt* handle() const noexcept { return stmt_.get(); }

 private:
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, StatementFinalizer> stmt_;
};

inline StatementScope::~StatementScope() {
  stmt_.reset();
}

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  Transaction(Statement& begin, Statement& commit, Statement& rollback)
      : commit_(commit), rollback_(rollback) {
    begin.run();
  }
  ~Transaction() {
    if (done_) return;
    // Also after a failed COMMIT (SQLITE_BUSY, disk full), which leaves the transaction open.
    sqlite3_step(rollback_.handle());
    rollback_.reset();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit() {
    commit_.run();
    done_ = true;
  }

 private:
  Statement& commit_;
  Statement& rollback_;
  bool done_ = false;
};

}  // namespace driftless::apiserver::sqlite
