#include "store/postgresql/connection.hpp"

#include <algorithm>

namespace lapord::store::postgresql {

namespace {

constexpr char reserve_refs_sql[] =
    "UPDATE counters SET value = value + $1 WHERE name = 'ref' RETURNING value";
constexpr std::chrono::milliseconds max_backoff{5000};

std::string checked_url(const database_options& o) {
  if (o.url.empty())
    throw store_error(errc::internal,
                      "store: backend postgresql needs a connection string (none configured)");
  return o.url;
}

}  // namespace

connection::connection(const database_options& options)
    : on_event_(options.on_backend_event),
      pq_(checked_url(options), options.on_log),
      dedup_window_(options.dedup_window),
      instance_wait_(options.instance_wait),
      receipt_window_(options.receipt_window),
      tx_(*this) {
  pq_.defer_to(&rows_);
  rows_.report_to(&facts_);
  // A standby (or a primary that turned into one) takes no writes: refuse at start rather than
  // at the first citizen's message. target_session_attrs=read-write in the URL avoids them.
  if (pq_.exec("SELECT pg_is_in_recovery()").boolean(0, 0))
    throw store_error(errc::read_only, "store: PostgreSQL at " + pq_.host() +
                                           " is a standby (read-only); add "
                                           "target_session_attrs=read-write to the URL");
  schema_version_ = migrate(*this);
  host_ = pq_.host();
}

void connection::emit(const backend_event& e) const noexcept {
  if (!on_event_) return;
  try {
    on_event_(e);
  } catch (...) {  // NOLINT(bugprone-empty-catch): a metrics hook must not stop the writer
  }
}

void connection::note_lost() noexcept {
  if (!connected_ || pq_.ok()) return;
  connected_ = false;
  try {
    pq_.log().line(backend_log::warn, "store: lost the connection to PostgreSQL at " + host_ +
                                          ": " + pq_.error_message() + "; reconnecting");
  } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory for a log line
  }
  emit(backend_event{backend_event::kind::connection_lost});
}

void connection::ensure_connected() {
  if (pq_.ok()) return;
  note_lost();
  const auto now = std::chrono::steady_clock::now();
  if (now < next_connect_)
    throw store_error(errc::unavailable, "store: PostgreSQL connection lost; reconnecting");
  backoff_ =
      std::min(max_backoff, backoff_.count() ? backoff_ * 2 : std::chrono::milliseconds(100));
  next_connect_ = now + backoff_;
  try {
    pq_.reconnect();  // throws unavailable while the server is away
    if (pq_.exec("SELECT pg_is_in_recovery()").boolean(0, 0)) {
      const std::string host = pq_.host();
      pq_.close();
      throw store_error(errc::read_only, "store: PostgreSQL at " + host + " is a standby");
    }
  } catch (const store_error& e) {
    // libpq's reason is logged once per series, not per attempt: the batch's own error (which
    // the MO path logs every second) only says that it failed.
    if (!pq_.log().sink()) throw;
    reconnects_.failed(pq_.log().sink(), e.what());
    throw store_error(static_cast<errc>(e.code().value()),
                      "store: PostgreSQL connection lost; cannot reconnect yet (why: in the log)");
  }
  if (!lease_owner.empty()) {
    try {
      lock_instance(lease_owner);
    } catch (const store_error&) {
      pq_.close();  // someone took our name meanwhile: never write as a second holder
      throw;
    }
  }
  release_lost_takes();
  backoff_ = std::chrono::milliseconds(0);
  connected_ = true;
  const std::string host = pq_.host();
  reconnects_.connected(pq_.log().sink(), host);
  emit(backend_event{backend_event::kind::reconnected, host != host_});
  host_ = host;
}

void connection::lock_instance(const std::string& instance) {
  constexpr char lock_sql[] =
      "SELECT pg_try_advisory_lock(hashtext('lapord instance'), hashtext($1))";
  if (!pq_.run(lock_sql, params().add(instance)).boolean(0, 0))
    throw store_error(errc::busy, "store: another live lapord holds the instance name '" +
                                      instance +
                                      "' on this PostgreSQL store: give each instance its own "
                                      "[store] instance");
}

void connection::begin() {
  batch_refs_ = refs_;
  takes_in_tx_.clear();
  batch_takeovers = 0;
  rows_.discard();
  facts_.drop();
  ensure_connected();
  pq_.exec("BEGIN");
}

void connection::before_commit() {}

std::int64_t connection::next_id(id_of table) {
  // The sequence looked up once per statement (MATERIALIZED), not once per value: in the
  // select list pg_get_serial_sequence searched pg_depend 64 times (~250 buffers a call).
  static constexpr const char* sql[] = {
      "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('received', 'id')::regclass AS s) "
      "SELECT nextval(s.s) FROM s, generate_series(1, 64) ORDER BY 1 DESC",
      "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('replies', 'id')::regclass AS s) "
      "SELECT nextval(s.s) FROM s, generate_series(1, 64) ORDER BY 1 DESC",
  };
  auto& ids = ids_[static_cast<int>(table)];
  if (ids.empty()) {
    auto r = pq_.run_beside_deferred(sql[static_cast<int>(table)], params());
    for (int i = 0; i < r.rows(); ++i)
      ids.push_back(r.int64(i, 0));
    if (ids.empty()) throw store_error(errc::internal, "store: no id from the sequence");
  }
  const std::int64_t id = ids.back();
  ids.pop_back();
  return id;
}

std::uint64_t connection::next_ref() {
  if (refs_.next == 0 || refs_.next > refs_.last) {
    auto r = pq_.run_beside_deferred(reserve_refs_sql, params().add(ref_block));
    if (r.rows() == 0) throw store_error(errc::internal, "store: the ref counter is missing");
    const auto last = static_cast<std::uint64_t>(r.int64(0, 0));
    refs_ = ref_range{last - static_cast<std::uint64_t>(ref_block) + 1, last, true};
  }
  return refs_.next++;
}

void connection::settle_item() {
  pq_.settle();
}

void connection::commit() {
  pq_.settle();
  // A COMMIT of a failed transaction answers ROLLBACK without an error: never take that for
  // a commit.
  if (pq_.transaction_status() != PQTRANS_INTRANS)
    throw store_error(errc::internal, "store: PostgreSQL: the transaction failed before COMMIT");
  // A COMMIT whose answer is lost may have committed: the values drawn so far are never drawn
  // again, and a block reserved in this batch is left (a gap at worst).
  batch_refs_ = refs_.reserved_in_batch ? ref_range{} : refs_;
  try {
    pq_.exec("COMMIT");
  } catch (const store_error&) {
    commit_lost();
    throw;
  }
  takes_in_tx_.clear();
  refs_.reserved_in_batch = false;  // committed: the block is ours
  if (batch_takeovers > 0)
    emit(backend_event{backend_event::kind::leases_taken_over, false, batch_takeovers});
}

void connection::rollback() noexcept {
  rows_.discard();  // never written: everything goes back
  facts_.drop();
  try {
    pq_.settle();  // their errors do not matter now: everything goes back
  } catch (...) {
  }
  note_lost();  // /readyz says so at the first failed batch, not at the next one
  // Values drawn from a block committed earlier were never stored: drawn again. A block this
  // batch reserved went back with it (another instance may have it by now).
  refs_ = batch_refs_;
  const auto s = pq_.transaction_status();
  if (s != PQTRANS_INTRANS && s != PQTRANS_INERROR) return;
  try {
    pq_.exec("ROLLBACK");
  } catch (...) {
    // The connection went: the server rolled the transaction back itself.
  }
}

bool connection::in_transaction() const noexcept {
  if (pq_.unsettled()) return pq_.ok();  // statements in flight: libpq says "active"
  const auto s = pq_.transaction_status();
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

void connection::savepoint() {
  facts_.drop();  // isolating items: what a rolled-back item wrote must not stay in it
  pq_.exec("SAVEPOINT item");
}

void connection::release_savepoint() {
  pq_.exec("RELEASE SAVEPOINT item");
}

void connection::rollback_to_savepoint() {
  pq_.exec("ROLLBACK TO SAVEPOINT item");
}

}  // namespace lapord::store::postgresql
