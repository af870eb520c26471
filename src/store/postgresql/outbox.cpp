// The PostgreSQL backend's domain operations, part: the outbox: forwards to the national store,
// their leases (outcomes: outcomes.cpp). The same operations, the same meaning as
// src/store/sqlite/outbox.cpp, in PostgreSQL's SQL.

#include <algorithm>
#include <string>

#include "store/postgresql/complaint_row.hpp"
#include "store/postgresql/connection.hpp"

namespace lapord::store::postgresql {

namespace {

// --- SQL (named arrays: their addresses key the prepared statements) ----------

// SKIP LOCKED: another instance's batch that holds some due rows does not make this one wait;
// it takes the next ones. The lease (next_attempt_at in the future) keeps them ours after the
// COMMIT until the outcome is recorded or the lease ends.
// The last column says whether the row was another owner's lease that ran out (a takeover:
// lapord_lease_takeovers_total); the CTE keeps the row's values from before the UPDATE.
// With each its complaint (the body is rendered from it), oldest first, in one round trip:
// columns 0..18 as read_complaint() reads them (NULL if the complaint is missing), then ref,
// payload, attempts and the takeover flag.
constexpr char take_forwards_sql[] =
    "WITH due AS (SELECT ref, leased AS was_leased, lease_owner AS was_owner, "
    "lease_epoch AS was_epoch FROM outbox WHERE state='pending' AND next_attempt_at<=$2 "
    "ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED), "
    "taken AS (UPDATE outbox o SET leased=1, attempts=o.attempts+1, next_attempt_at=$1, "
    "lease_owner=$4, lease_epoch=$5 FROM due WHERE o.ref=due.ref "
    "RETURNING o.ref, o.payload, o.attempts, o.seq, (due.was_leased=1 AND "
    "(due.was_owner IS DISTINCT FROM $4::text OR due.was_epoch IS DISTINCT FROM $5::bigint)) "
    "AS takeover) "
    "SELECT c.ref, c.channel, c.carrier, c.service_number, c.reporter, c.confidential, "
    "c.institution_code, c.institution_name, c.institution_keyword, c.institution_corrected, "
    "c.text, c.segments, c.incomplete, c.status, c.status_at, c.created_at, c.updated_at, "
    "c.tracking_id, c.routed_by, t.ref, t.payload, t.attempts, t.takeover "
    "FROM taken t LEFT JOIN complaints c ON c.ref=t.ref ORDER BY t.seq";
constexpr char unpark_sql[] =
    "UPDATE outbox SET state='pending', leased=0, next_attempt_at=$1, done_at=NULL "
    "WHERE ref=$2 AND state='parked'";
constexpr char parked_refs_sql[] =
    "SELECT ref FROM outbox WHERE state='parked' ORDER BY ref LIMIT $1";
constexpr char next_forward_due_sql[] =
    "SELECT min(next_attempt_at) FROM outbox WHERE state='pending'";

}  // namespace

// --- outbox ----------------------------------------------------------------------------------

void pg_transaction::enqueue_forward(std::string_view ref, wall_time now,
                                     std::optional<std::chrono::milliseconds> lease) {
  // With the batch's others (deferred_rows.hpp).
  if (!lease) {
    c_.rows().add_forward(ref, now, std::nullopt);
    return;
  }
  // Taken at once for the forwarder, as take_forwards_sql would take it.
  c_.rows().add_forward(ref, now,
                        deferred_rows::lease{now + *lease, c_.lease_owner, c_.lease_epoch});
  c_.took_fresh(false, ref, *lease);
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
    // A complaint missing (it never is: both rows are written by one item) leaves `row` empty.
    if (!r.is_null(i, 0)) f.row = read_complaint(r, i);
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
