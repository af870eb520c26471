// The SQLite backend's domain operations, part: the outbox: forwards to the national store, their
// leases and outcomes.

#include <algorithm>
#include <string>

#include "store/sqlite/complaint_row.hpp"
#include "store/sqlite/connection.hpp"

namespace lapord::store::sqlite {

namespace {

// --- SQL (named arrays: their addresses key the statement cache) ----------

// No body: '' (schema 8) means "render it from the complaint"; payload stays NOT NULL because
// SQLite cannot drop the constraint without copying the whole outbox.
constexpr char enqueue_forward_sql[] =
    "INSERT INTO outbox (ref, payload, state, enqueued_at, next_attempt_at) "
    "VALUES (?1, '', 'pending', ?2, ?2)";
// The same forward, taken at once for the forwarder (enqueue_forward's lease), as
// take_forwards_sql would leave it.
constexpr char enqueue_leased_forward_sql[] =
    "INSERT INTO outbox (ref, payload, state, enqueued_at, next_attempt_at, leased, attempts, "
    "lease_owner, lease_epoch) VALUES (?1, '', 'pending', ?2, ?3, 1, 1, ?4, ?5)";
constexpr char take_forwards_sql[] =
    "UPDATE outbox SET leased=1, attempts=attempts+1, next_attempt_at=?1, lease_owner=?4, "
    "lease_epoch=?5 WHERE rowid IN "
    "(SELECT rowid FROM outbox WHERE state='pending' AND next_attempt_at<=?2 "
    "ORDER BY next_attempt_at LIMIT ?3) RETURNING ref, payload, attempts, rowid";
constexpr char mark_forwarded_sql[] =
    "UPDATE outbox SET state='forwarded', leased=0, http_status=?, done_at=?, "
    "next_attempt_at=NULL WHERE ref=?";
constexpr char set_tracking_sql[] =
    "UPDATE complaints SET tracking_id=coalesce(?, tracking_id), updated_at=? WHERE ref=?";
constexpr char park_sql[] =
    "UPDATE outbox SET state='parked', leased=0, http_status=?, answer=?, done_at=?, "
    "next_attempt_at=NULL WHERE ref=? AND state='pending'";
constexpr char retry_sql[] =
    "UPDATE outbox SET leased=0, next_attempt_at=?, last_error=?, http_status=? "
    "WHERE ref=? AND state='pending'";
constexpr char unpark_sql[] =
    "UPDATE outbox SET state='pending', leased=0, next_attempt_at=?1, done_at=NULL "
    "WHERE ref=?2 AND state='parked'";
constexpr char outbox_exists_sql[] = "SELECT 1 FROM outbox WHERE ref=?";
constexpr char parked_refs_sql[] =
    "SELECT ref FROM outbox WHERE state='parked' ORDER BY ref LIMIT ?";
constexpr char next_forward_due_sql[] =
    "SELECT min(next_attempt_at) FROM outbox WHERE state='pending'";

}  // namespace

// --- outbox ----------------------------------------------------------------------------------

void sqlite_transaction::enqueue_forward(std::string_view ref, wall_time now,
                                         std::optional<std::chrono::milliseconds> lease) {
  auto q = c_.prepare(lease ? enqueue_leased_forward_sql : enqueue_forward_sql);
  q.bind(1, ref).bind(2, now);
  if (lease) q.bind(3, now + *lease).bind(4, c_.lease_owner).bind(5, c_.lease_epoch);
  q.run();
}

std::vector<forward> sqlite_transaction::take_due_forwards(wall_time now, int limit,
                                                           std::chrono::milliseconds lease) {
  std::vector<std::pair<std::int64_t, forward>> rows;
  {
    auto q = c_.prepare(take_forwards_sql);
    q.bind(1, now + lease).bind(2, now).bind(3, std::int64_t{limit});
    q.bind(4, c_.lease_owner).bind(5, c_.lease_epoch);
    while (q.step())
      rows.emplace_back(q.int64(3),
                        forward{q.text(0), q.text(1), {}, static_cast<int>(q.int64(2))});
  }
  // RETURNING gives no order: hand them out oldest first.
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<forward> out;
  out.reserve(rows.size());
  for (auto& r : rows) {
    // The body's fields: one look-up by the primary key each, in the lease's transaction. A
    // complaint missing (it never is: both rows are written by one item) leaves `row` empty.
    if (std::optional<complaint> c = complaint_by_ref(r.second.ref)) r.second.row = std::move(*c);
    out.push_back(std::move(r.second));
  }
  return out;
}

void sqlite_transaction::mark_forwarded(std::string_view ref, int http_status,
                                        std::optional<std::string_view> tracking_id, wall_time at) {
  {
    auto q = c_.prepare(mark_forwarded_sql);
    q.bind(1, std::int64_t{http_status}).bind(2, at).bind(3, ref);
    q.run();
    if (q.changes() == 0) no_such("outbox entry for ref", ref);
  }
  auto q = c_.prepare(set_tracking_sql);
  q.bind(1, tracking_id).bind(2, at).bind(3, ref);
  q.run();
}

void sqlite_transaction::park(std::string_view ref, int http_status, std::string_view answer,
                              wall_time at) {
  auto q = c_.prepare(park_sql);
  q.bind(1, std::int64_t{http_status}).bind(2, answer).bind(3, at).bind(4, ref);
  q.run();
  if (q.changes() == 0) {
    // Already forwarded (a success wins over a late refusal) is fine; unknown is not.
    auto e = c_.prepare(outbox_exists_sql);
    e.bind(1, ref);
    if (!e.step()) no_such("outbox entry for ref", ref);
    return;
  }
  auto t = c_.prepare(touch_complaint_sql);
  t.bind(1, at).bind(2, ref);
  t.run();
}

void sqlite_transaction::schedule_retry(std::string_view ref, wall_time next_at,
                                        std::string_view error, std::optional<int> http_status) {
  auto q = c_.prepare(retry_sql);
  q.bind(1, next_at)
      .bind(2, error)
      .bind(3, http_status ? std::optional<std::int64_t>(*http_status) : std::nullopt)
      .bind(4, ref);
  q.run();
  if (q.changes() == 0) {
    auto e = c_.prepare(outbox_exists_sql);
    e.bind(1, ref);
    if (!e.step()) no_such("outbox entry for ref", ref);
  }
}

bool sqlite_transaction::unpark(std::string_view ref, wall_time now) {
  auto q = c_.prepare(unpark_sql);
  q.bind(1, now).bind(2, ref);
  q.run();
  return q.changes() == 1;
}

std::vector<std::string> sqlite_transaction::parked_refs(int limit) {
  std::vector<std::string> out;
  auto q = c_.prepare(parked_refs_sql);
  q.bind(1, std::int64_t{limit});
  while (q.step())
    out.push_back(q.text(0));
  return out;
}

std::optional<wall_time> sqlite_transaction::next_forward_due() {
  auto q = c_.prepare(next_forward_due_sql);
  return q.step() ? q.opt_time(0) : std::nullopt;
}

}  // namespace lapord::store::sqlite
