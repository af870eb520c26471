// The SQLite backend's domain operations, part: the outbox: forwards to the national store, their
// leases and outcomes. A forward is columns of its complaint's row (schema 11).

#include <algorithm>
#include <string>

#include "store/in_order.hpp"
#include "store/sqlite/complaint_row.hpp"
#include "store/sqlite/connection.hpp"

namespace lapord::store::sqlite {

namespace {

// --- SQL (named arrays: their addresses key the statement cache) ----------

// The forward lives in its complaint's row (schema 11): enqueueing sets its columns on a
// complaint not queued yet; NULL enqueued_at means "at created_at" (the MO path: one value less).
// Taken at once for the forwarder (enqueue_forward's lease: ?3 = 1) it is left as
// take_forwards_sql would leave it: attempt 1, leased until ?4 by this owner and epoch.
constexpr char enqueue_forward_sql[] =
    "UPDATE complaints SET forward_state='pending', forward_leased=?3, forward_attempts=?3, "
    "forward_enqueued_at=nullif(?2, created_at), forward_next_at=?4, forward_lease_owner=?5, "
    "forward_lease_epoch=?6, forward_http_status=NULL, forward_error=NULL, "
    "forward_answer=NULL, forward_done_at=NULL, forward_payload=NULL "
    "WHERE number=?7 AND ref=?1 AND forward_state IS NULL";
// The complaint's own columns come back with the lease (the body is rendered from them): no
// second look-up per forward.
constexpr char take_forwards_sql[] =
    "UPDATE complaints SET forward_leased=1, forward_attempts=forward_attempts+1, "
    "forward_next_at=?1, forward_lease_owner=?4, forward_lease_epoch=?5 WHERE rowid IN "
    "(SELECT rowid FROM complaints WHERE forward_state='pending' AND forward_next_at<=?2 "
    "ORDER BY forward_next_at LIMIT ?3) RETURNING " LAPORD_SQLITE_COMPLAINT_COLUMNS
    ", forward_payload, forward_attempts, rowid";
// One UPDATE: the forward's outcome, the tracking id and updated_at are one row. The lease's
// owner is cleared with the lease (bytes: nothing reads it once the forward is done), and
// forward_enqueued_at when it is created_at (NULL says so): the MO path wrote it with the row to
// keep room for what the outcome adds (schema 14: a row grown on a full page splits it).
constexpr char mark_forwarded_sql[] =
    "UPDATE complaints SET forward_state='forwarded', forward_leased=0, forward_http_status=?1, "
    "forward_done_at=?2, forward_next_at=NULL, forward_lease_owner=NULL, "
    "forward_lease_epoch=NULL, forward_enqueued_at=nullif(forward_enqueued_at, created_at), "
    "tracking_id=coalesce(?3, tracking_id), updated_at=?2 "
    "WHERE number=?5 AND ref=?4 AND forward_state IS NOT NULL";
constexpr char park_sql[] =
    "UPDATE complaints SET forward_state='parked', forward_leased=0, forward_http_status=?1, "
    "forward_answer=?2, forward_done_at=?3, forward_next_at=NULL, forward_lease_owner=NULL, "
    "forward_lease_epoch=NULL, forward_enqueued_at=nullif(forward_enqueued_at, created_at), "
    "updated_at=?3 WHERE number=?5 AND ref=?4 AND forward_state='pending'";
constexpr char retry_sql[] =
    "UPDATE complaints SET forward_leased=0, forward_next_at=?1, forward_error=?2, "
    "forward_http_status=?3 WHERE number=?5 AND ref=?4 AND forward_state='pending'";
constexpr char unpark_sql[] =
    "UPDATE complaints SET forward_state='pending', forward_leased=0, forward_next_at=?1, "
    "forward_done_at=NULL WHERE number=?3 AND ref=?2 AND forward_state='parked'";
constexpr char forward_exists_sql[] =
    "SELECT 1 FROM complaints WHERE number=?1 AND ref=?2 AND forward_state IS NOT NULL";
constexpr char parked_refs_sql[] =
    "SELECT ref FROM complaints WHERE forward_state='parked' ORDER BY ref LIMIT ?";
constexpr char next_forward_due_sql[] =
    "SELECT min(forward_next_at) FROM complaints WHERE forward_state='pending'";

}  // namespace

// --- outbox ----------------------------------------------------------------------------------

void bind_forward(query& q, int first, const connection& c, wall_time at,
                  std::optional<std::chrono::milliseconds> lease) {
  q.bind(first, std::int64_t{lease ? 1 : 0});
  if (lease) {
    q.bind(first + 1, at + *lease).bind(first + 2, c.lease_owner).bind(first + 3, c.lease_epoch);
  } else {
    q.bind(first + 1, at);  // owner and epoch unbound: NULL
  }
}

void sqlite_transaction::enqueue_forward(std::string_view ref, wall_time now,
                                         std::optional<std::chrono::milliseconds> lease) {
  auto q = c_.prepare(enqueue_forward_sql);
  q.bind(1, ref).bind(2, now).bind(7, c_.number_of(ref));
  bind_forward(q, 3, c_, now, lease);
  q.run();
  if (q.changes() == 0) {
    // As the outbox's unique key did: a forward queued twice fails its item.
    auto e = c_.prepare(forward_exists_sql);
    e.bind(1, c_.number_of(ref)).bind(2, ref);
    if (e.step())
      throw store_error(errc::item_failed,
                        "store: the forward of ref " + std::string(ref) + " is already queued");
    no_such("complaint", ref);
  }
}

std::vector<forward> sqlite_transaction::take_due_forwards(wall_time now, int limit,
                                                           std::chrono::milliseconds lease) {
  // Read straight into the vector handed out, each row's rowid beside it, then put in order in
  // place: (rowid, forward) pairs sorted and moved into a second vector held a batch twice
  // (1.06 MB at [store_api] batch = 1000, the writer's largest transient under a flood).
  std::vector<forward> out;
  std::vector<std::int64_t> rowids;
  {
    auto q = c_.prepare(take_forwards_sql);
    q.bind(1, now + lease).bind(2, now).bind(3, std::int64_t{limit});
    q.bind(4, c_.lease_owner).bind(5, c_.lease_epoch);
    while (q.step()) {
      out.push_back(forward{q.text(0), q.opt_text(19).value_or(std::string()), read_complaint(q),
                            static_cast<int>(q.int64(20))});
      rowids.push_back(q.int64(21));
    }
  }
  // RETURNING gives no order: hand them out oldest first.
  put_in_order(out, rowids);
  return out;
}

void sqlite_transaction::mark_forwarded(std::string_view ref, int http_status,
                                        std::optional<std::string_view> tracking_id, wall_time at) {
  auto q = c_.prepare(mark_forwarded_sql);
  q.bind(1, std::int64_t{http_status}).bind(2, at).bind(3, tracking_id).bind(4, ref);
  q.bind(5, c_.number_of(ref));
  q.run();
  if (q.changes() == 0) no_such("outbox entry for ref", ref);
}

void sqlite_transaction::park(std::string_view ref, int http_status, std::string_view answer,
                              wall_time at) {
  auto q = c_.prepare(park_sql);
  q.bind(1, std::int64_t{http_status}).bind(2, answer).bind(3, at).bind(4, ref);
  q.bind(5, c_.number_of(ref));
  q.run();
  if (q.changes() == 0) {
    // Already forwarded (a success wins over a late refusal) is fine; unknown is not.
    auto e = c_.prepare(forward_exists_sql);
    e.bind(1, c_.number_of(ref)).bind(2, ref);
    if (!e.step()) no_such("outbox entry for ref", ref);
  }
}

void sqlite_transaction::schedule_retry(std::string_view ref, wall_time next_at,
                                        std::string_view error, std::optional<int> http_status) {
  auto q = c_.prepare(retry_sql);
  q.bind(1, next_at)
      .bind(2, error)
      .bind(3, http_status ? std::optional<std::int64_t>(*http_status) : std::nullopt)
      .bind(4, ref)
      .bind(5, c_.number_of(ref));
  q.run();
  if (q.changes() == 0) {
    auto e = c_.prepare(forward_exists_sql);
    e.bind(1, c_.number_of(ref)).bind(2, ref);
    if (!e.step()) no_such("outbox entry for ref", ref);
  }
}

bool sqlite_transaction::unpark(std::string_view ref, wall_time now) {
  auto q = c_.prepare(unpark_sql);
  q.bind(1, now).bind(2, ref).bind(3, c_.number_of(ref));
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
