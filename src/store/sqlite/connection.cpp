#include "store/sqlite/connection.hpp"

#include "store/sqlite/small_blocks.hpp"

#include <algorithm>
#include <limits>
#include <mutex>
#include <string>

#include "store/dedup_key.hpp"
#include "store/sqlite/wal_file_sync.hpp"
#include "store/sqlite/wal_gather.hpp"

namespace lapord::store::sqlite {

errc errc_of(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return errc::ok;
    case SQLITE_FULL:
      return errc::disk_full;
    case SQLITE_IOERR:
      return errc::io_error;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH:
      return errc::read_only;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return errc::busy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return errc::corrupt;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return errc::item_failed;
    default:
      return errc::internal;
  }
}

// --- query ---------------------------------------------------------------------------------

void query::mark_bound(int i) {
  if (i < 1 || i > 63) c_.fail(SQLITE_RANGE, "bind: parameter past 63");
  bound_ |= std::uint64_t{1} << i;
}

void query::null_unbound() {
  const int n = sqlite3_bind_parameter_count(s_);
  if (n < 63 && bound_ == (std::uint64_t{1} << (n + 1)) - 2) return;  // 1..n, the usual case
  for (int i = 1; i <= n; ++i) {
    if (i > 63 || (bound_ & (std::uint64_t{1} << i)) == 0) sqlite3_bind_null(s_, i);
  }
}

query& query::bind(int i, std::int64_t v) {
  mark_bound(i);
  if (int rc = sqlite3_bind_int64(s_, i, v); rc != SQLITE_OK) c_.fail(rc, "bind");
  return *this;
}

query& query::bind(int i, std::string_view t) {
  mark_bound(i);
  // SQLITE_STATIC: the view outlives the step (the query resets before the caller returns).
  // Left bound after the reset, it is never read: the next use binds it again or NULL.
  if (int rc = sqlite3_bind_text(s_, i, t.data() ? t.data() : "", static_cast<int>(t.size()),
                                 SQLITE_STATIC);
      rc != SQLITE_OK)
    c_.fail(rc, "bind");
  return *this;
}

query& query::bind(int i, std::optional<std::string_view> t) {
  return t ? bind(i, *t) : bind_null(i);
}

query& query::bind(int i, std::optional<std::int64_t> v) {
  return v ? bind(i, *v) : bind_null(i);
}

query& query::bind_blob(int i, std::string_view b) {
  mark_bound(i);
  if (int rc = sqlite3_bind_blob(s_, i, b.data() ? b.data() : "", static_cast<int>(b.size()),
                                 SQLITE_STATIC);
      rc != SQLITE_OK)
    c_.fail(rc, "bind");
  return *this;
}

query& query::bind_null(int i) {
  mark_bound(i);
  if (int rc = sqlite3_bind_null(s_, i); rc != SQLITE_OK) c_.fail(rc, "bind");
  return *this;
}

bool query::step() {
  if (!stepped_) {
    stepped_ = true;
    null_unbound();
  }
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  c_.fail(rc, sqlite3_sql(s_));
}

void query::run() {
  while (step()) {
  }
}

int query::changes() const noexcept {
  return sqlite3_changes(c_.handle());
}

std::string query::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
           : std::string();
}

std::optional<std::string> query::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

std::optional<std::int64_t> query::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

std::optional<wall_time> query::opt_time(int col) const {
  if (is_null(col)) return std::nullopt;
  return time(col);
}

std::string_view query::blob(int col) const noexcept {
  const void* p = sqlite3_column_blob(s_, col);
  return p ? std::string_view(static_cast<const char*>(p),
                              static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
           : std::string_view();
}

// --- connection ----------------------------------------------------------------------------

namespace {

// SQLite's memory statistics take a process-wide mutex around every malloc and free: on the
// writer's hot path that was a tenth of the CPU. Its small blocks from free lists
// (small_blocks.hpp: this libsqlite3 has no lookaside). Only possible before SQLite
// initialises; if something initialised it first, both stay as they were.
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MALLOC, &small_blocks::methods());
  });
}

}  // namespace

connection::connection(const database_options& options)
    : path_(options.path),
      dedup_window_(options.dedup_window),
      receipt_window_(options.receipt_window),
      sync_mode_(options.sqlite_sync),
      ref_number_(options.ref_number),
      duplicate_fold_(options.duplicate_key),
      tx_(*this) {
  if (path_.empty()) throw store_error(errc::internal, "store: no database path configured");
  if (!ref_number_)
    throw store_error(errc::schema,
                      "store: " + path_ +
                          ": no ref key: a SQLite store keys complaints by the number their ref "
                          "was made from (schema 12), which only the ref key gives "
                          "(database_options::ref_number)");
  configure_sqlite_once();
  int rc = sqlite3_open_v2(path_.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           gathering_vfs());  // one pwrite per run of WAL frames (wal_gather.hpp)
  if (rc != SQLITE_OK) {
    std::string msg =
        "store: cannot open " + path_ + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw store_error(errc_of(rc) == errc::ok ? errc::internal : errc_of(rc), msg);
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    if (sqlite3_db_readonly(db_, "main") == 1)
      throw store_error(errc::read_only, "store: " + path_ +
                                             " is read-only (file permissions or a read-only "
                                             "file system): lapord must be able to write it");
    configure(options);
    register_ref_number();
    register_duplicate_key(db_, duplicate_fold_);
    schema_version_ = migrate(*this);
    // Migrations commit with a full fsync; only the writer's batches, whose acknowledgements
    // wait for the sync thread, commit without one.
    if (sync_mode_ == sqlite_sync_mode::overlap) {
      exec("PRAGMA synchronous=NORMAL");
      // The autocheckpoint ran inside the writer's COMMIT, with two fsyncs: the longest commits
      // of a flood. A thread of its own copies the WAL now; the writer copies only the last
      // frames, before a BEGIN (checkpoint_policy.hpp).
      const auto pages = static_cast<std::uint32_t>(std::max(0, options.wal_autocheckpoint_pages));
      checkpointer_ = std::make_unique<checkpointer>(path_, gathering_vfs(), pages);
      checkpointer_->attach(db_);
    }
  } catch (...) {
    if (checkpointer_) sqlite3_wal_hook(db_, nullptr, nullptr);
    checkpointer_.reset();
    for (auto& [sql, s] : statements_)
      sqlite3_finalize(s);
    statements_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

connection::~connection() {
  for (auto& [sql, s] : statements_)
    sqlite3_finalize(s);
  // Closed first, so that the writer's connection is the last one and its close checkpoints
  // the WAL and deletes it (a failure there loses nothing committed).
  if (checkpointer_) sqlite3_wal_hook(db_, nullptr, nullptr);
  checkpointer_.reset();
  sqlite3_close_v2(db_);
}

void connection::configure(const database_options& options) {
  sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count()));
  // Only effective on a new file (before the first table): see docs/store.md for why small.
  std::string page = "PRAGMA page_size=" + std::to_string(options.page_size);
  exec(page.c_str());
  {
    // journal_mode answers with the mode now in force; anything but "wal" means we could not
    // switch (read-only directory, a file system without shared memory, ...).
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &s, nullptr);
    if (rc != SQLITE_OK) fail(rc, "PRAGMA journal_mode=WAL");
    rc = sqlite3_step(s);
    std::string mode = rc == SQLITE_ROW && sqlite3_column_text(s, 0)
                           ? reinterpret_cast<const char*>(sqlite3_column_text(s, 0))
                           : "";
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) fail(rc, "PRAGMA journal_mode=WAL");
    if (mode != "wal")
      throw store_error(errc::read_only, "store: " + path_ + ": cannot use WAL (journal_mode is " +
                                             mode + "); is the directory writable?");
  }
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=OFF");
  exec("PRAGMA temp_store=MEMORY");
  std::string cache = "PRAGMA cache_size=-" + std::to_string(options.cache_kib);
  exec(cache.c_str());
  std::string cp = "PRAGMA wal_autocheckpoint=" + std::to_string(options.wal_autocheckpoint_pages);
  exec(cp.c_str());
  exec("PRAGMA journal_size_limit=67108864");
  if (options.max_bytes) tx_.limit_size(options.max_bytes);
}

std::optional<std::int64_t> connection::number_of(std::string_view ref) const {
  const std::size_t set = set_of(ref);
  for (std::size_t i = set; i < set + 2; ++i) {
    const number_entry& e = numbers_[i];
    if (e.size != 0 && e.size == ref.size() && std::string_view(e.ref.data(), e.size) == ref)
      return e.number;
  }
  const auto n = ref_number_(ref);
  if (!n) return std::nullopt;
  return keep_number(set, ref, *n);
}

std::optional<std::int64_t> connection::remember_number(std::string_view ref,
                                                        std::uint64_t number) {
  return keep_number(set_of(ref), ref, number);
}

std::size_t connection::set_of(std::string_view ref) const noexcept {
  return detail::string_hash(ref) % (numbers_.size() / 2) * 2;
}

std::optional<std::int64_t> connection::keep_number(std::size_t set, std::string_view ref,
                                                    std::uint64_t n) const {
  // The permutation's space is below 9 * 10^16: a number never needs the sign bit.
  if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  if (!ref.empty() && ref.size() <= numbers_[set].ref.size()) {
    // The newer first; the set's older entry makes way.
    numbers_[set + 1] = numbers_[set];
    number_entry& e = numbers_[set];
    std::copy(ref.begin(), ref.end(), e.ref.begin());
    e.size = static_cast<std::uint8_t>(ref.size());
    e.number = static_cast<std::int64_t>(n);
  }
  return static_cast<std::int64_t>(n);
}

// lapord_ref_number(ref): the number of a ref for SQL (migration 12 keys the complaints already
// stored by it). A ref that is no ref is an error, not NULL: an INTEGER PRIMARY KEY given NULL
// would be handed a new rowid, a complaint keyed by no number of its own.
void connection::register_ref_number() {
  auto fn = [](sqlite3_context* ctx, int, sqlite3_value** argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
    const auto* self = static_cast<const connection*>(sqlite3_user_data(ctx));
    const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    const std::string_view ref(p ? p : "", static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
    if (auto n = self->number_of(ref)) return sqlite3_result_int64(ctx, *n);
    const std::string msg =
        "'" + std::string(ref) + "' is no ref of this store's key (digits, length, check digit)";
    sqlite3_result_error(ctx, msg.c_str(), static_cast<int>(msg.size()));
  };
  const int rc = sqlite3_create_function_v2(db_, "lapord_ref_number", 1,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
                                            this, fn, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, "sqlite3_create_function_v2(lapord_ref_number)");
}

std::optional<std::string_view> connection::duplicate_key_to_store(const new_complaint& c) const {
  // The caller's word (new_complaint::duplicate_key_is_folded_text) spares the fold.
  const std::string_view key = c.duplicate_key;
  if (key.empty() ||
      (duplicate_fold_ && (c.duplicate_key_is_folded_text || duplicate_fold_(c.text) == key)))
    return std::nullopt;
  return key;
}

void register_duplicate_key(sqlite3* db, const std::function<std::string(std::string_view)>& fold) {
  auto fn = [](sqlite3_context* ctx, int, sqlite3_value** argv) {
    const auto& f =
        *static_cast<const std::function<std::string(std::string_view)>*>(sqlite3_user_data(ctx));
    if (!f || sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
    const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    const std::string key =
        f(std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_value_bytes(argv[0]))));
    if (key.empty()) return sqlite3_result_null(ctx);  // as stored: no key is NULL
    sqlite3_result_text(ctx, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  };
  const int rc = sqlite3_create_function_v2(
      db, "lapord_duplicate_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
      const_cast<std::function<std::string(std::string_view)>*>(&fold), fn, nullptr, nullptr,
      nullptr);
  if (rc != SQLITE_OK)
    throw store_error(errc_of(rc) == errc::ok ? errc::internal : errc_of(rc),
                      std::string("store: sqlite3_create_function_v2(lapord_duplicate_key): ") +
                          sqlite3_errmsg(db));
}

std::unique_ptr<wal_sync> connection::deferred_sync() {
  if (sync_mode_ != sqlite_sync_mode::overlap) return nullptr;
  // In WAL mode, with synchronous=NORMAL, SQLite itself still fsyncs the WAL before a
  // checkpoint copies its pages into the database file, and the database file after: no page
  // leaves the WAL (a restart of the WAL overwriting it, a truncation) before it is durable
  // elsewhere, so syncing the one WAL file is enough whatever the checkpoints do.
  return open_wal_file_sync(sqlite3_filename_wal(sqlite3_db_filename(db_, "main")));
}

query connection::prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) fail(rc, sql);
    it = statements_.emplace(sql, s).first;
  }
  return query(*this, it->second);
}

void connection::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw store_error(errc_of(rc) == errc::ok ? errc::internal : errc_of(rc),
                      std::string("store: ") + path_ + ": " + msg + " (in: " + sql + ")");
  }
}

void connection::fail(int rc, std::string_view what) const {
  std::string msg = "store: ";
  msg += path_;
  msg += ": ";
  msg += db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  msg += " (in: ";
  msg += what;
  msg += ")";
  errc e = errc_of(rc);
  throw store_error(e == errc::ok ? errc::internal : e, msg);
}

// --- the batch frame ------------------------------------------------------------------------

namespace {

// Statements for the batch frame, prepared once: SAVEPOINT names cannot be bound, and one
// reusable name is enough because the items run one after the other.
constexpr char begin_sql[] = "BEGIN IMMEDIATE";
constexpr char commit_sql[] = "COMMIT";
constexpr char savepoint_sql[] = "SAVEPOINT item";
constexpr char release_sql[] = "RELEASE item";
constexpr char rollback_to_sql[] = "ROLLBACK TO item";

}  // namespace

void connection::frame(const char* sql) {
  auto q = prepare(sql);
  q.run();
}

void connection::begin() {
  if (checkpointer_) checkpointer_->before_begin(db_);
  ref_counter.reset();
  ref_counter_dirty = false;
  newest_day.reset();
  tx_.forget_filed();
  frame(begin_sql);
}

void connection::commit() {
  frame(commit_sql);
}

void connection::rollback() noexcept {
  if (in_transaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void connection::savepoint() {
  frame(savepoint_sql);
}

void connection::release_savepoint() {
  frame(release_sql);
}

void connection::rollback_to_savepoint() {
  frame(rollback_to_sql);
}

}  // namespace lapord::store::sqlite
