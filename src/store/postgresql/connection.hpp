#pragma once
// The PostgreSQL backend's connection: one libpq connection owned by the writer thread, the
// batch frame the writer drives (backend_connection), reconnection with back-off after a lost
// connection or a failover, and the migrations at open.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lapord/store/backend.hpp"
#include "lapord/store/database.hpp"
#include "store/postgresql/deferred_rows.hpp"
#include "store/postgresql/facts_cache.hpp"
#include "store/postgresql/pg_transaction.hpp"
#include "store/postgresql/pq.hpp"

namespace lapord::store::postgresql {

class connection final : public backend_connection {
 public:
  // Connects (the URL is never logged nor put in an error: it may hold a password), checks the
  // server takes writes, and migrates. Throws store_error.
  explicit connection(const database_options& options);

  pq_connection& pq() noexcept { return pq_; }
  // The batch's rows kept back to be written together (deferred_rows.hpp).
  deferred_rows& rows() noexcept { return rows_; }
  // What facts_about knows of the batch's citizens (facts_cache.hpp).
  facts_cache& facts() noexcept { return facts_; }
  std::chrono::milliseconds dedup_window() const noexcept { return dedup_window_; }
  std::chrono::milliseconds instance_wait() const noexcept { return instance_wait_; }
  std::chrono::milliseconds receipt_window() const noexcept { return receipt_window_; }
  // A session-level advisory lock on the instance name: a second live process with the same
  // name is refused; PostgreSQL drops the lock the moment the holder's connection dies, so a
  // restart after kill -9 is not. Taken again after a reconnect. Throws store_error(busy).
  void lock_instance(const std::string& instance);
  // The reporter's transaction-level advisory lock if free now (or held by this batch).
  bool try_lock_reporter(std::string_view reporter);

  // --- backend_connection ----------------------------------------------------------------------
  void begin() override;
  void before_commit() override;
  void commit() override;
  void rollback() noexcept override;
  bool in_transaction() const noexcept override;
  void savepoint() override;
  void release_savepoint() override;
  void rollback_to_savepoint() override;
  void settle_item() override;
  void lock_reporters(std::span<const std::string_view> reporters) override;
  void item_started() noexcept override {
    item_refs_ = refs_;
    rows_.item_started();
  }
  void item_rolled_back() noexcept override {
    refs_ = item_refs_;
    rows_.item_rolled_back();
  }
  transaction& tx() noexcept override { return tx_; }
  int schema_version() const noexcept override { return schema_version_; }

  // The next ref counter value. Refs come from blocks of the one `counters` row (value = the
  // last value reserved by anyone): a batch that needs a new block adds ref_block to the row
  // (its row lock is then held to that batch's COMMIT) and the block is this connection's once
  // that COMMIT returned; every other batch draws refs without touching the row. So instances
  // take turns on the row once per ref_block refs, not once per batch. Never a value twice;
  // a block's unused values are skipped after a restart (refs are a keyed permutation of the
  // counter: gaps are invisible to citizens).
  std::uint64_t next_ref();
  static constexpr std::int64_t ref_block = 256;

  // Row ids of `received` and `replies` from blocks of their identity sequences (64 values per
  // round trip), so that their INSERTs can be sent without waiting for a RETURNING. Sequence
  // values never go back: unique across instances, gaps after a rollback or a restart.
  enum class id_of { received, replies };
  std::int64_t next_id(id_of table);

  // Who leases rows on this connection (transaction::begin_epoch); until then "" and 0.
  std::string lease_owner;
  std::int64_t lease_epoch = 0;
  // Expired leases of other instances this batch took (reported once it committed).
  std::uint64_t batch_takeovers = 0;

  // The leases the current transaction took (take_due_replies / take_due_forwards: each key
  // followed by '\n'; refs and ids hold none). If its COMMIT loses the connection, whether it
  // committed is unknown (after a failover the promoted synchronous standby has it), while the
  // caller, told it failed, holds none of them: they are released at the reconnect rather than
  // left to their lease (5 minutes for a reply). lost_commit.cpp.
  void took(bool replies, wall_time now, wall_time until, std::string keys);
  // A reply (its id) or a forward (its ref) the transaction stored taken (new_reply::lease,
  // enqueue_forward's lease): after a lost COMMIT it is made due from its creation, as if
  // stored untaken. One entry per kind and lease for all of a transaction's.
  void took_fresh(bool replies, std::string_view key, std::chrono::milliseconds lease);

 private:
  // After a lost connection: connect again, at most once per back-off period (doubling up to
  // 5 s); meanwhile every batch fails at once with errc::unavailable.
  void ensure_connected();
  struct taken_leases {
    bool replies;     // else the outbox
    wall_time now;    // the take's now: the rows are due again from then
    wall_time until;  // the lease's expiry the take wrote: only that take's rows match
    std::string keys;
    // Set: rows stored taken (took_fresh), each leased this long from its creation (a reply's
    // created_at, a forward's enqueued_at); now and until are unused.
    std::optional<std::chrono::milliseconds> fresh{};
  };
  void commit_lost() noexcept;  // the COMMIT lost the connection: its takes become unknown
  void release_lost_takes();    // after the reconnect
  std::vector<taken_leases> takes_in_tx_;
  std::vector<taken_leases> lost_takes_;
  // Reports a lost connection once (the first failed batch after it went).
  void note_lost() noexcept;
  void emit(const backend_event& e) const noexcept;
  std::function<void(const backend_event&)> on_event_;
  bool connected_ = true;
  reconnect_log reconnects_;  // one line per series of failed attempts
  std::string host_;          // where the last connection went (a failover lands elsewhere)
  pq_connection pq_;
  std::chrono::milliseconds dedup_window_{};
  std::chrono::milliseconds instance_wait_{};
  std::chrono::milliseconds receipt_window_{};
  int schema_version_ = 0;
  std::chrono::steady_clock::time_point next_connect_{};
  std::chrono::milliseconds backoff_{0};
  struct ref_range {
    std::uint64_t next = 0;  // [next, last]: values still to hand out; empty when next > last
    std::uint64_t last = 0;
    bool reserved_in_batch = false;  // the block is only ours if this batch commits
  };
  ref_range refs_;
  std::vector<std::int64_t> ids_[2];  // per id_of, handed out from the back
  ref_range batch_refs_;              // at begin(): a failed batch draws from here again
  ref_range item_refs_;
  deferred_rows rows_;
  facts_cache facts_;
  pg_transaction tx_;
};

// The advisory lock key of a reporter (reporter_locks.cpp): its last 8 digits, hashed.
std::int64_t reporter_lock_key(std::string_view address) noexcept;

// Applies every pending migration (schema.cpp); returns the version the store is at.
int migrate(connection& c);
int latest_version() noexcept;

}  // namespace lapord::store::postgresql
