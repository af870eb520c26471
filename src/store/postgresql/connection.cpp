#include "store/postgresql/connection.hpp"

#include <algorithm>

namespace lapord::store::postgresql {

namespace {

constexpr char write_ref_sql[] = "UPDATE counters SET value = $1 WHERE name = 'ref'";
constexpr std::chrono::milliseconds max_backoff{5000};

std::string checked_url(const database_options& o) {
  if (o.url.empty())
    throw store_error(errc::internal,
                      "store: backend postgresql needs a connection string (none configured)");
  return o.url;
}

}  // namespace

connection::connection(const database_options& options)
    : pq_(checked_url(options)),
      dedup_window_(options.dedup_window),
      receipt_window_(options.receipt_window),
      tx_(*this) {
  // A standby (or a primary that turned into one) takes no writes: refuse at start rather than
  // at the first citizen's message. target_session_attrs=read-write in the URL avoids them.
  if (pq_.exec("SELECT pg_is_in_recovery()").boolean(0, 0))
    throw store_error(errc::read_only, "store: PostgreSQL at " + pq_.host() +
                                           " is a standby (read-only); add "
                                           "target_session_attrs=read-write to the URL");
  schema_version_ = migrate(*this);
}

void connection::ensure_connected() {
  if (pq_.ok()) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_connect_)
    throw store_error(errc::unavailable, "store: PostgreSQL connection lost; reconnecting");
  backoff_ =
      std::min(max_backoff, backoff_.count() ? backoff_ * 2 : std::chrono::milliseconds(100));
  next_connect_ = now + backoff_;
  pq_.reconnect();  // throws unavailable while the server is away
  if (pq_.exec("SELECT pg_is_in_recovery()").boolean(0, 0)) {
    pq_.close();
    throw store_error(errc::read_only, "store: PostgreSQL at " + pq_.host() + " is a standby");
  }
  if (!lease_owner.empty()) {
    try {
      lock_instance(lease_owner);
    } catch (const store_error&) {
      pq_.close();  // someone took our name meanwhile: never write as a second holder
      throw;
    }
  }
  backoff_ = std::chrono::milliseconds(0);
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
  ref_counter.reset();
  ref_counter_dirty = false;
  ensure_connected();
  pq_.exec("BEGIN");
}

void connection::before_commit() {
  if (!ref_counter_dirty) return;
  pq_.run(write_ref_sql, params().add(static_cast<std::int64_t>(*ref_counter)));
  ref_counter_dirty = false;
}

void connection::commit() {
  // A COMMIT of a failed transaction answers ROLLBACK without an error: never take that for
  // a commit.
  if (pq_.transaction_status() != PQTRANS_INTRANS)
    throw store_error(errc::internal, "store: PostgreSQL: the transaction failed before COMMIT");
  pq_.exec("COMMIT");
}

void connection::rollback() noexcept {
  const auto s = pq_.transaction_status();
  if (s != PQTRANS_INTRANS && s != PQTRANS_INERROR) return;
  try {
    pq_.exec("ROLLBACK");
  } catch (...) {
    // The connection went: the server rolled the transaction back itself.
  }
}

bool connection::in_transaction() const noexcept {
  const auto s = pq_.transaction_status();
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

void connection::savepoint() {
  pq_.exec("SAVEPOINT item");
}

void connection::release_savepoint() {
  pq_.exec("RELEASE SAVEPOINT item");
}

void connection::rollback_to_savepoint() {
  pq_.exec("ROLLBACK TO SAVEPOINT item");
}

}  // namespace lapord::store::postgresql
