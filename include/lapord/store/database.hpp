#pragma once
// The durable store: one writer thread that owns the backend's connection (an SQLite file with
// WAL and synchronous=FULL, or a PostgreSQL server with synchronous_commit=on), and group
// commit. Callers on any thread submit work items; the writer takes
// everything queued (up to max_batch), runs the items inside one transaction (a failing item
// is isolated: the batch is re-run with one SAVEPOINT per item), COMMITs (one fsync for the
// whole batch), and only then completes each item, on the writer thread. A completion must
// not block: post the result to your own executor.
//
// Reads (the GET API, CEK, laporctl) go through the same queue: they see every committed and
// every earlier-queued write, and cost no fsync.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "lapord/store/error.hpp"
#include "lapord/store/records.hpp"
#include "lapord/store/transaction.hpp"

namespace lapord::store {

class database;
class work_item;
namespace detail {
// Blocks the calling thread until the item completes (see database::call).
void wait_for(database& db, work_item& item, std::error_code& ec, std::string& detail);
bool on_writer_thread(const database& db) noexcept;
}  // namespace detail

enum class store_backend { sqlite, postgresql };

// What the backend reports about its connection and the leases it takes (for metrics and
// /readyz), on the writer thread. Only PostgreSQL has a connection to lose or leases of other
// instances to take over; SQLite reports nothing.
struct backend_event {
  enum class kind {
    connection_lost,    // a statement found the server gone; batches fail until reconnected
    reconnected,        // connected again (`failover`: to another server than before)
    leases_taken_over,  // a committed batch took `leases` expired leases of other instances
  };
  kind what = kind::connection_lost;
  bool failover = false;
  std::uint64_t leases = 0;
};

enum class backend_log { info, warn, error };

// How an SQLite COMMIT reaches the disk ([store] sqlite_sync). full: the COMMIT fsyncs the WAL
// (synchronous=FULL) and the writer waits for it. overlap: the COMMIT only writes the WAL
// (synchronous=NORMAL); a sync thread fdatasync()s it while the writer runs the next batch,
// and the items are completed after that sync: an acknowledged item is on disk either way
// (docs/store.md, "Overlapped fsync"). PostgreSQL ignores it.
enum class sqlite_sync_mode { full, overlap };

struct database_options {
  store_backend backend = store_backend::sqlite;
  std::string path;  // sqlite: the file; created (with its schema) if missing
  // postgresql: a libpq connection string or URI (may list several hosts with
  // target_session_attrs=read-write). Holds the password: never log it.
  std::string url;
  // postgresql: how long begin_epoch waits for its instance name while another session holds
  // it before refusing. A process of that name killed a moment ago still holds it until the
  // server notices its connection gone (lapord sets client_connection_check_interval = 1 s);
  // a live holder is refused once this has passed.
  std::chrono::milliseconds instance_wait{10000};
  std::size_t max_batch = 1024;                  // items per transaction at most
  std::chrono::milliseconds busy_timeout{5000};  // another process holding the lock
  std::chrono::hours dedup_window{48};           // see record_received / docs/store.md
  // A receipt is credited to the newest segment with its (carrier, message id) submitted at
  // most this long before it: older rows with a reused id are kept, never matched.
  std::chrono::hours receipt_window{24 * 7};
  std::uint64_t max_bytes = 0;  // PRAGMA max_page_count cap; 0: none
  int wal_autocheckpoint_pages = 4000;
  sqlite_sync_mode sqlite_sync = sqlite_sync_mode::full;
  // SQLite's page cache for the writer: a batch's dirty pages must fit, or they spill to the
  // WAL before the commit.
  int cache_kib = 16384;
  // Page size of a new file. Random-key index inserts dirty one page each; a smaller page
  // means fewer bytes through the WAL and its fsync per item.
  int page_size = 4096;
  // Called on the writer thread after every COMMIT attempt: items in the batch, how long the
  // COMMIT (the fsync) took, and whether it succeeded. For metrics and the benchmark.
  std::function<void(std::size_t items, std::chrono::nanoseconds commit_time, bool ok)> on_commit;
  // See backend_event. Must not throw nor block.
  std::function<void(const backend_event&)> on_backend_event;
  // A line for the log from the backend: PostgreSQL's notices and warnings (libpq would print
  // them to stderr), and why connecting failed (once per series of failed attempts, not per
  // attempt). Never holds the connection string's password; it may quote a row, so a phone
  // number in it is the receiver's to mask. Writer thread, or the opening thread at open.
  // Must not throw nor block.
  std::function<void(backend_log level, std::string_view line)> on_log;
  // The number a ref was made from (the value of next_ref_counter() the caller made it of, as
  // its generator sees it: lapor::ref_generator::number_of), nullopt for a string that is no
  // ref. SQLite keys complaints by it (schema 12: every index an MO writes grows at its end;
  // docs/store.md "Complaints keyed by their number"), so a SQLite store cannot be opened
  // without it (errc::schema): the migration to 12 and every look-up by ref need it. The
  // store never reads the ref key itself: whoever holds it (the daemon) passes this. It must be
  // the same function for the life of the store; the open checks that the newest complaint's
  // ref still gives its number. PostgreSQL finds complaints by their ref and ignores it.
  std::function<std::optional<std::uint64_t>(std::string_view ref)> ref_number;
  // The duplicate rule's folding of a complaint's text (lapor::duplicate_key; the store does not
  // link the complaint service, so whoever opens it passes it, as ref_number). Given, SQLite
  // stores no duplicate_key for a complaint whose key is its text folded (schema 14: the text a
  // second time, ~45 bytes a complaint) and confirms a match of the reporter index's hash by
  // folding the candidate's text (docs/store.md, "The duplicate key"). Not given (tools, some
  // tests), every key is stored as before and a complaint stored without one matches no probe.
  // `laporctl store copy` passes it too: PostgreSQL gets every complaint's key. PostgreSQL
  // ignores it.
  std::function<std::string(std::string_view text)> duplicate_key;
};

// The writer's own counters, readable from any thread.
struct writer_stats {
  std::uint64_t batches = 0;         // transactions attempted
  std::uint64_t commits = 0;         // transactions committed
  std::uint64_t failed_batches = 0;  // transactions rolled back as a whole (disk full, I/O ...)
  std::uint64_t items = 0;           // items completed, whatever their result
  std::uint64_t failed_items = 0;    // items completed with an error
  std::uint64_t largest_batch = 0;
  std::uint64_t queued = 0;           // items waiting right now
  std::uint64_t isolated_reruns = 0;  // batches run again item by item after an item failed
};

// A unit of work, owned by the caller until done() is called (exactly once). For zero
// allocation on the hot path, embed it in your own per-PDU object; otherwise use submit(fn, fn).
class work_item {
 public:
  virtual ~work_item() = default;
  // Runs on the writer thread inside the batch's transaction. Throwing rolls back just this
  // item: the batch is then rolled back and run again with one SAVEPOINT per item, so run()
  // may be called more than once and only its last call's effects are committed. Keep it
  // free of effects outside the transaction (compute into the item's own fields).
  virtual void run(transaction& tx) = 0;
  // After the batch committed (ec empty) or failed (ec set, `detail` says why). Writer thread.
  virtual void done(std::error_code ec, std::string_view detail) noexcept = 0;
  // The citizen this item decides for (an MSISDN in any form: the store keys it by its last
  // digits), or "" for none. Items naming the same reporter are serialized across every
  // instance sharing the store (PostgreSQL: a transaction-level advisory lock taken when the
  // batch begins, before any item runs), so that the duplicate rule, the hourly limit,
  // replies-per-hour and the parts of one long message are decided on what the other
  // instances committed. SQLite's single writer needs nothing. Must stay the same while queued.
  virtual std::string_view reporter() const noexcept { return {}; }

 private:
  friend class database;
  work_item* next_ = nullptr;
};

// The outcome of submit(work, done): the work's return value once committed, or the error.
template <class T>
struct result {
  std::error_code error;
  std::string detail;      // SQLite's or the exception's message when error is set
  std::optional<T> value;  // set exactly when the item committed
  explicit operator bool() const noexcept { return !error; }
};

class database {
 public:
  // Opens the backend (creating the file if needed), checks the store is writable, applies
  // pending migrations and starts the writer. Throws store_error with a clear message
  // (read-only file, newer schema, not a database, server unreachable ...).
  explicit database(database_options options);
  // Runs every item still queued, then stops the writer and closes the connection.
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  // Queues an item; thread-safe, never blocks on the backend. After shutdown began, the item is
  // completed at once (on the calling thread) with errc::closed.
  void submit(work_item& item) noexcept;

  // Convenience: `work(transaction&) -> R` runs on the writer; `done(result<R>)` is called
  // once after commit (R void becomes std::monostate). One allocation per call.
  template <class Work, class Done>
  void submit(Work&& work, Done&& done);
  // The same, serialized with every other item for `reporter` (see work_item::reporter).
  template <class Work, class Done>
  void submit_for(std::string reporter, Work&& work, Done&& done);

  // Runs `work` and waits for its commit; returns its value or throws store_error. For
  // tools, tests and start-up code, never the network thread (and never the writer thread).
  template <class Work>
  auto call(Work&& work) -> std::invoke_result_t<Work&, transaction&>;

  writer_stats stats() const noexcept;
  // How long the writer has been on its current batch (from taking it off the queue to its
  // last completion), zero while it waits for work; any thread. Every item of the batch (and
  // every item queued behind it) has waited at least this long. A COMMIT that waits for a
  // synchronous standby that is gone, or a statement that waits for a server that stopped
  // answering, makes it grow without bound: /readyz and lapord_store_waiting_seconds.
  std::chrono::nanoseconds busy_for() const noexcept;
  // Schema version of the open store (== latest_schema_version() after a successful open).
  int schema_version() const noexcept;
  static int latest_schema_version() noexcept;
  const database_options& options() const noexcept;

 private:
  friend bool detail::on_writer_thread(const database& db) noexcept;
  struct impl;
  std::unique_ptr<impl> impl_;
};

// --- templates --------------------------------------------------------------------------------

namespace detail {
template <class R>
using value_of = std::conditional_t<std::is_void_v<R>, std::monostate, R>;

template <class Work, class Done>
class callable_item final : public work_item {
 public:
  using R = std::invoke_result_t<Work&, transaction&>;
  callable_item(Work w, Done d, std::string reporter = {})
      : work_(std::move(w)), done_(std::move(d)), reporter_(std::move(reporter)) {}
  std::string_view reporter() const noexcept override { return reporter_; }
  void run(transaction& tx) override {
    if constexpr (std::is_void_v<R>) {
      work_(tx);
      value_.emplace();
    } else {
      value_.emplace(work_(tx));
    }
  }
  void done(std::error_code ec, std::string_view detail) noexcept override {
    result<value_of<R>> r;
    r.error = ec;
    if (ec) {
      r.detail = std::string(detail);
    } else {
      r.value = std::move(value_);
    }
    std::unique_ptr<callable_item> self(this);  // completes exactly once, then goes
    try {
      done_(std::move(r));
    } catch (...) {
      // A completion must not throw; nothing sensible is left to do with the exception.
    }
  }

 private:
  Work work_;
  Done done_;
  std::string reporter_;
  std::optional<value_of<R>> value_;
};
}  // namespace detail

template <class Work, class Done>
void database::submit(Work&& work, Done&& done) {
  auto* item = new detail::callable_item<std::decay_t<Work>, std::decay_t<Done>>(
      std::forward<Work>(work), std::forward<Done>(done));
  submit(static_cast<work_item&>(*item));
}

template <class Work, class Done>
void database::submit_for(std::string reporter, Work&& work, Done&& done) {
  auto* item = new detail::callable_item<std::decay_t<Work>, std::decay_t<Done>>(
      std::forward<Work>(work), std::forward<Done>(done), std::move(reporter));
  submit(static_cast<work_item&>(*item));
}

template <class Work>
auto database::call(Work&& work) -> std::invoke_result_t<Work&, transaction&> {
  using R = std::invoke_result_t<Work&, transaction&>;
  struct item final : work_item {
    explicit item(Work& w) : work(w) {}
    Work& work;
    std::optional<detail::value_of<R>> value;
    void run(transaction& tx) override {
      if constexpr (std::is_void_v<R>) {
        work(tx);
        value.emplace();
      } else {
        value.emplace(work(tx));
      }
    }
    void done(std::error_code, std::string_view) noexcept override {}
  } it(work);
  std::error_code ec;
  std::string detail;
  detail::wait_for(*this, it, ec, detail);
  if (ec) throw store_error(static_cast<errc>(ec.value()), detail);
  if constexpr (!std::is_void_v<R>) return std::move(*it.value);
}

}  // namespace lapord::store
