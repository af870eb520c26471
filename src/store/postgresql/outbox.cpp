// The PostgreSQL backend's domain operations, part: the outbox: forwards to the national store,
// their leases (outcomes: outcomes.cpp). A forward is columns of its complaint's row (schema 11).
// The same operations, the same meaning as src/store/sqlite/outbox.cpp, in PostgreSQL's SQL.

#include <algorithm>
#include <string>

#include "store/postgresql/complaint_row.hpp"
#include "store/postgresql/connection.hpp"

namespace lapord::store::postgresql {

namespace {

// --- SQL (named arrays: their addresses key the prepared statements) ----------

// A complaint stored earlier (not kept back in this batch): its forward columns set in place.
// Taken at once ($3 = 1: enqueue_forward's lease): attempt 1, leased until $4 by $5 and $6.
constexpr char enqueue_forward_sql[] =
    "UPDATE complaints SET forward_state='pending', forward_leased=$3, forward_attempts=$3, "
    "forward_enqueued_at=nullif($2, created_at), forward_next_at=$4, forward_lease_owner=$5, "
    "forward_lease_epoch=$6, forward_http_status=NULL, forward_error=NULL, "
    "forward_answer=NULL, forward_done_at=NULL, forward_payload=NULL "
    "WHERE ref=$1 AND forward_state IS NULL";
constexpr char forward_exists_sql[] =
    "SELECT 1 FROM complaints WHERE ref=$1 AND forward_state IS NOT NULL";
// SKIP LOCKED: another instance's batch that holds some due rows does not make this one wait;
// it takes the next ones. The lease (forward_next_at in the future) keeps them ours after the
// COMMIT until the outcome is recorded or the lease ends.
// The forward is columns of its complaint's row (schema 11): the UPDATE returns the complaint,
// oldest first, in one round trip: columns 0..18 as read_complaint() reads them, then ref,
// payload, attempts and the takeover flag: whether the row was another owner's lease that ran
// out (lapord_lease_takeovers_total; the CTE keeps the row's values from before the UPDATE).
constexpr char take_forwards_sql[] =
    "WITH due AS (SELECT ref, forward_leased AS was_leased, forward_lease_owner AS was_owner, "
    "forward_lease_epoch AS was_epoch FROM complaints WHERE forward_state='pending' "
    "AND forward_next_at<=$2 ORDER BY forward_next_at LIMIT $3 FOR UPDATE SKIP LOCKED), "
    "taken AS (UPDATE complaints c SET forward_leased=1, forward_attempts=c.forward_attempts+1, "
    "forward_next_at=$1, forward_lease_owner=$4, forward_lease_epoch=$5 FROM due "
    "WHERE c.ref=due.ref RETURNING c.ref, c.channel, c.carrier, c.service_number, c.reporter, "
    "c.confidential, c.institution_code, c.institution_name, c.institution_keyword, "
    "c.institution_corrected, c.text, c.segments, c.incomplete, c.status, c.status_at, "
    "c.created_at, c.updated_at, c.tracking_id, c.routed_by, c.ref AS forward_ref, "
    "coalesce(c.forward_payload, '') AS payload, c.forward_attempts, (due.was_leased=1 AND "
    "(due.was_owner IS DISTINCT FROM $4::text OR due.was_epoch IS DISTINCT FROM $5::bigint)) "
    "AS takeover, c.seq) "
    "SELECT * FROM taken ORDER BY seq";
constexpr char unpark_sql[] =
    "UPDATE complaints SET forward_state='pending', forward_leased=0, forward_next_at=$1, "
    "forward_done_at=NULL WHERE ref=$2 AND forward_state='parked'";
constexpr char parked_refs_sql[] =
    "SELECT ref FROM complaints WHERE forward_state='parked' ORDER BY ref LIMIT $1";
constexpr char next_forward_due_sql[] =
    "SELECT min(forward_next_at) FROM complaints WHERE forward_state='pending'";

}  // namespace

// --- outbox ----------------------------------------------------------------------------------

void pg_transaction::enqueue_forward(std::string_view ref, wall_time now,
                                     std::optional<std::chrono::milliseconds> lease) {
  // Taken at once for the forwarder, as take_forwards_sql would take it.
  std::optional<deferred_rows::lease> taken;
  if (lease) taken = deferred_rows::lease{now + *lease, c_.lease_owner, c_.lease_epoch};
  // A complaint of this batch not written yet: its INSERT carries the forward (deferred_rows);
  // one stored earlier is updated in place.
  if (!c_.rows().add_forward(ref, now, taken)) {
    params p;
    p.add(ref).add(now).add(std::int64_t{taken ? 1 : 0});
    if (taken)
      p.add(taken->until).add(taken->owner).add(taken->epoch);
    else
      p.add(now).add_null().add_null();
    if (c_.pq().run(enqueue_forward_sql, p).affected() == 0) {
      if (c_.pq().run(forward_exists_sql, params().add(ref)).rows() > 0)
        throw store_error(errc::item_failed,
                          "store: the forward of ref " + std::string(ref) + " is already queued");
      no_such("complaint", ref);
    }
  }
  if (lease) c_.took_fresh(false, ref, *lease);
}

std::vector<forward> pg_transaction::take_due_forwards(wall_time now, int limit,
                                                       std::chrono::milliseconds lease) {
  auto r = c_.pq().run(take_forwards_sql, params()
                                              .add(now + lease)
                                              .add(now)
                                              .add(std::int64_t{limit})
                                              .add(c_.lease_owner)
                                              .add(c_.lease_epoch));
  std::vector<forward> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  std::string keys;
  for (int i = 0; i < r.rows(); ++i) {
    forward f{r.text(i, 19), r.text(i, 20), {}, static_cast<int>(r.int64(i, 21))};
    f.row = read_complaint(r, i);
    if (r.boolean(i, 22)) ++c_.batch_takeovers;
    keys += f.ref + '\n';
    out.push_back(std::move(f));
  }
  c_.took(false, now, now + lease, std::move(keys));
  return out;
}

bool pg_transaction::unpark(std::string_view ref, wall_time now) {
  return c_.pq().run(unpark_sql, params().add(now).add(ref)).affected() == 1;
}

std::vector<std::string> pg_transaction::parked_refs(int limit) {
  auto r = c_.pq().run(parked_refs_sql, params().add(std::int64_t{limit}));
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(r.text(i, 0));
  return out;
}

std::optional<wall_time> pg_transaction::next_forward_due() {
  auto r = c_.pq().run(next_forward_due_sql, params());
  return r.rows() ? r.opt_time(0, 0) : std::nullopt;
}

}  // namespace lapord::store::postgresql
