#pragma once
// The SQLite backend's connection: opening with the durability settings, the cache of prepared
// statements, the mapping of SQLite result codes to store errors, and the batch frame the
// writer drives (backend_connection). The only place (with its .cpp files in src/store/sqlite/)
// that sees sqlite3.h.
#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "lapord/store/backend.hpp"
#include "lapord/store/database.hpp"
#include "lapord/store/error.hpp"
#include "store/sqlite/checkpointer.hpp"
#include "store/sqlite/sqlite_transaction.hpp"

namespace lapord::store::sqlite {

errc errc_of(int sqlite_rc) noexcept;

class connection;

// A cached prepared statement in use: bind, step, read; reset when it goes. Its bindings stay
// (sqlite3_clear_bindings cost ~200 instructions a statement, 7 statements a MO, callgrind):
// every use binds its parameters again, and the first step() binds NULL to each one this use
// left unbound, which is what the clear gave it. So a parameter not bound reads NULL, as before.
class query {
 public:
  query(connection& c, sqlite3_stmt* s) noexcept : c_(c), s_(s) {}
  ~query() { sqlite3_reset(s_); }
  query(const query&) = delete;
  query& operator=(const query&) = delete;

  query& bind(int i, std::int64_t v);
  query& bind(int i, std::string_view text);
  query& bind(int i, const std::string& text) { return bind(i, std::string_view(text)); }
  query& bind(int i, std::optional<std::string_view> text);
  query& bind(int i, std::optional<std::int64_t> v);
  query& bind(int i, wall_time t) {
    return bind(i, static_cast<std::int64_t>(t.time_since_epoch().count()));
  }
  query& bind_blob(int i, std::string_view bytes);
  query& bind_null(int i);

  // True while a row is there; throws store_error on an error.
  bool step();
  // Steps once and expects no row (INSERT/UPDATE/DELETE).
  void run();
  int changes() const noexcept;

  bool is_null(int col) const noexcept { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::int64_t int64(int col) const noexcept { return sqlite3_column_int64(s_, col); }
  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  std::optional<std::int64_t> opt_int64(int col) const;
  wall_time time(int col) const noexcept {
    return wall_time(std::chrono::milliseconds(int64(col)));
  }
  std::optional<wall_time> opt_time(int col) const;
  std::string_view blob(int col) const noexcept;

 private:
  // Parameter i (1-63: this code's statements have at most 23) as bound by this use.
  void mark_bound(int i);
  void null_unbound();
  connection& c_;
  sqlite3_stmt* s_;
  std::uint64_t bound_ = 0;  // bit i: parameter i
  bool stepped_ = false;
};

class connection final : public backend_connection {
 public:
  // Opens and configures the file (WAL, synchronous=FULL, busy timeout) and migrates it; then,
  // with sqlite_sync = overlap, switches to synchronous=NORMAL (see deferred_sync()).
  explicit connection(const database_options& options);
  ~connection() override;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // `sql` must be a string with static storage: its address keys the statement cache.
  query prepare(const char* sql);
  void exec(const char* sql);
  [[noreturn]] void fail(int rc, std::string_view what) const;

  sqlite3* handle() const noexcept { return db_; }
  // The number the caller made `ref` from (new_complaint::number), kept as number_of() below
  // keeps it, so that the complaint's acknowledgement and forward outcome find it without the
  // inverse. nullopt, as number_of(), for a number past the sign bit.
  std::optional<std::int64_t> remember_number(std::string_view ref, std::uint64_t number);
  // The number a ref was made from (database_options::ref_number): complaints' key since schema
  // 12. nullopt for a string that is no ref (nothing of that ref is stored then).
  std::optional<std::int64_t> number_of(std::string_view ref) const;
  // What complaints.duplicate_key keeps for `c`: nothing (NULL) for no key, or for its text
  // folded (database_options::duplicate_key; schema 14: the probe folds a match's text), else
  // the key. Every key when no folding was given.
  std::optional<std::string_view> duplicate_key_to_store(const new_complaint& c) const;
  std::chrono::milliseconds dedup_window() const noexcept { return dedup_window_; }
  std::chrono::milliseconds receipt_window() const noexcept { return receipt_window_; }

  // --- backend_connection ----------------------------------------------------------------------
  void begin() override;
  void before_commit() override;
  void commit() override;
  void rollback() noexcept override;
  bool in_transaction() const noexcept override { return sqlite3_get_autocommit(db_) == 0; }
  void savepoint() override;
  void release_savepoint() override;
  void rollback_to_savepoint() override;
  void settle_item() override {}  // every statement has run when its call returned
  void item_started() noexcept override {
    item_counter_ = ref_counter;
    item_counter_dirty_ = ref_counter_dirty;
    tx_.forget_filed();
  }
  void item_rolled_back() noexcept override {
    ref_counter = item_counter_;
    ref_counter_dirty = item_counter_dirty_;
    tx_.forget_filed();
  }
  transaction& tx() noexcept override { return tx_; }
  std::unique_ptr<wal_sync> deferred_sync() override;
  int schema_version() const noexcept override { return schema_version_; }

  // The ref counter is read once per transaction and written back once before its COMMIT
  // (the write lock of BEGIN IMMEDIATE keeps it ours meanwhile): two statements per batch
  // instead of two per complaint. A rolled-back item's refs go back with it.
  std::optional<std::uint64_t> ref_counter;
  bool ref_counter_dirty = false;

  // The newest complaint's day (dedup_key.hpp, reporter_day), read at the transaction's first
  // reporter probe and raised by each complaint it creates: the last day a probe looks up. Never
  // below the truth (a rolled-back complaint may leave it a day high: one empty probe).
  std::optional<std::int64_t> newest_day;

  // Who leases rows on this connection: the instance and its epoch (transaction::begin_epoch).
  // Until then "" and 0.
  std::string lease_owner;
  std::int64_t lease_epoch = 0;

 private:
  void configure(const database_options& options);
  void register_ref_number();
  void frame(const char* sql);
  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
  int schema_version_ = 0;
  std::chrono::milliseconds dedup_window_{};
  std::chrono::milliseconds receipt_window_{};
  sqlite_sync_mode sync_mode_ = sqlite_sync_mode::full;
  std::function<std::optional<std::uint64_t>(std::string_view)> ref_number_;
  std::function<std::string(std::string_view)> duplicate_fold_;
  // Refs translated lately, two entries a set chosen by a hash of the ref (the newer first):
  // the MO path asks for one ref three times (its complaint, its acknowledgement, its forward's
  // outcome a few hundred complaints later), and the inverse permutation costs ~2,400
  // instructions where a hit costs a hash and a compare. One entry a slot lost ~1 outcome in 4
  // to a ref filed meanwhile (callgrind, the bench's flood). The translation is a function of
  // the ref alone, so an entry never goes stale.
  struct number_entry {
    std::array<char, 18> ref{};  // max_ref_digits
    std::uint8_t size = 0;       // 0: empty
    std::int64_t number = 0;
  };
  mutable std::array<number_entry, 1024> numbers_{};
  // The first of the two entries a ref may be in.
  std::size_t set_of(std::string_view ref) const noexcept;
  std::optional<std::int64_t> keep_number(std::size_t set, std::string_view ref,
                                          std::uint64_t n) const;
  std::optional<std::uint64_t> item_counter_;
  bool item_counter_dirty_ = false;
  sqlite_transaction tx_;
  // With sqlite_sync = overlap: the WAL is checkpointed off the writer (checkpointer.hpp).
  std::unique_ptr<checkpointer> checkpointer_;
};

// lapord_duplicate_key(text) on `db`: the duplicate rule's key of a complaint's text, `fold`
// applied (database_options::duplicate_key), NULL when it folds to nothing or when `fold` is
// empty. Schema 14 stores no key for a complaint whose key is its text folded: the probe and the
// copy to PostgreSQL take coalesce(duplicate_key, lapord_duplicate_key(text)). `fold` must
// outlive the connection.
void register_duplicate_key(sqlite3* db, const std::function<std::string(std::string_view)>& fold);

// Applies every pending migration (schema.cpp); returns the version the file is at.
int migrate(connection& c);
int latest_version() noexcept;

}  // namespace lapord::store::sqlite
