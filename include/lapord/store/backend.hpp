#pragma once
// The seam between the writer (database.cpp: the queue, group commit, SAVEPOINT isolation,
// completions after COMMIT) and a storage engine. A backend owns one connection and the
// transaction object that work items see; the writer drives it through this small interface
// and never sees SQL. Two implementations: SQLite (src/store/sqlite/) and PostgreSQL through
// libpq (src/store/postgresql/). See docs/store.md, "Backends".
//
// Every method that talks to the engine throws store_error; its code decides whether one item
// or the whole batch failed (errc::item_failed: the item only; anything else: the batch).
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "lapord/store/transaction.hpp"

namespace lapord::store {

struct database_options;

// A backend whose COMMIT writes but does not fsync (SQLite with synchronous=NORMAL, [store]
// sqlite_sync = "overlap") hands the writer one of these: the sync thread calls sync() behind
// the writer, and a batch is acknowledged only after a sync() that began after its COMMIT
// returned has succeeded (sync_order.hpp, docs/store.md "Overlapped fsync").
class wal_sync {
 public:
  virtual ~wal_sync() = default;
  // Makes every COMMIT that returned before this call durable. Runs on the sync thread while
  // the writer runs its next batch: it touches nothing of the connection. Returns "" on
  // success, else why it failed (the store then fails every later batch until restarted).
  virtual std::string sync() noexcept = 0;
};

class backend_connection {
 public:
  virtual ~backend_connection() = default;

  // Starts the batch's transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN, reconnecting
  // first if the connection was lost). Forgets what the previous batch kept in memory.
  virtual void begin() = 0;
  // Writes back what the batch kept in memory (the ref counter) before the COMMIT.
  virtual void before_commit() = 0;
  // COMMIT: returns only once the batch is durable (fsync'd; on PostgreSQL with
  // synchronous_commit=on, on the standby too when one is configured), unless the backend
  // has a deferred_sync(): then once it is written, and durable after that sync.
  virtual void commit() = 0;
  // Ends a failed batch; never throws (a lost connection has rolled back already).
  virtual void rollback() noexcept = 0;
  // False when the engine ended the transaction on its own (SQLite after a full disk or an I/O
  // error, PostgreSQL after a lost connection): the whole batch is lost with it.
  virtual bool in_transaction() const noexcept = 0;

  // One savepoint around each item when a batch is run again to isolate a failing item.
  virtual void savepoint() = 0;
  virtual void release_savepoint() = 0;
  virtual void rollback_to_savepoint() = 0;
  // After an item's run(), inside its error handling, when the writer must know now whether the
  // item succeeded: every item while isolating a failing one, and the last item of a batch. A
  // backend that sends statements without waiting for them (PostgreSQL's pipeline) waits for
  // them here, so that their error fails their own item, never the batch; before that, an
  // error surfaces in a later item of the first pass, which then runs again isolated.
  virtual void settle_item() = 0;
  // Around every item: a rolled-back item's batch state (the refs it drew) goes back with it.
  virtual void item_started() noexcept = 0;
  virtual void item_rolled_back() noexcept = 0;

  // Right after begin(), before any item runs: serializes this batch with every other
  // instance's batches on these reporters (work_item::reporter; "" entries are skipped).
  // PostgreSQL takes transaction-level advisory locks in one global order (reporter_locks.cpp
  // for why that cannot deadlock); SQLite has one writer and needs nothing.
  virtual void lock_reporters(std::span<const std::string_view> reporters) { (void)reporters; }

  // The sync stage of a backend whose commit() does not make the batch durable by itself;
  // nullptr (the default) when commit() does. Called once, by the writer, before its first batch.
  virtual std::unique_ptr<wal_sync> deferred_sync() { return nullptr; }

  // What work items are handed; valid between begin() and commit()/rollback().
  virtual transaction& tx() noexcept = 0;
  // The schema version of the store (== latest_schema_version() once open).
  virtual int schema_version() const noexcept = 0;
};

// Opens the backend named by options.backend: connects, checks the store can be written,
// applies pending migrations. Throws store_error with a clear message.
std::unique_ptr<backend_connection> open_backend(const database_options& options);

// The schema version this build writes; both backends share the version numbers.
int latest_schema_version() noexcept;
// One backend's migration count (a test checks they are equal).
enum class store_backend;
int latest_schema_version(store_backend b) noexcept;

}  // namespace lapord::store
