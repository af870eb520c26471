// What operators ask of the store (laporctl through the admin API), on PostgreSQL: the same
// operations as src/store/sqlite/operator_queries.cpp.
#include "store/postgresql/complaint_row.hpp"
#include "store/postgresql/connection.hpp"
#include "store/row_states.hpp"

namespace lapord::store::postgresql {

namespace {

#define LAPORD_FORWARD_STATE                                                \
  "CASE WHEN c.forward_state IS NULL THEN "                                 \
  "(CASE WHEN d.ref IS NULL THEN 'held' ELSE 'dropped' END) "               \
  "WHEN c.forward_state='pending' AND c.forward_leased=1 THEN 'in_flight' " \
  "ELSE c.forward_state END"

// Every filter is bound (NULL: no filter), so one prepared statement serves every combination.
constexpr char find_complaints_sql[] =
    "SELECT c.ref, c.channel, c.carrier, c.service_number, c.reporter, c.confidential, "
    "c.institution_code, c.institution_name, c.institution_keyword, c.institution_corrected, "
    "c.text, c.segments, c.incomplete, c.status, c.status_at, c.created_at, c.updated_at, "
    "c.tracking_id, c.routed_by, " LAPORD_FORWARD_STATE
    " FROM complaints c LEFT JOIN dropped_forwards d ON d.ref=c.ref "
    "WHERE ($1::bigint IS NULL OR c.created_at>=$1) AND ($2::text IS NULL OR c.status=$2) "
    "AND ($3::text IS NULL OR ($3='national' AND c.institution_code IS NULL) "
    "OR c.institution_code=$3 OR lower(c.institution_keyword)=lower($3)) "
    "AND ($4::text IS NULL OR " LAPORD_FORWARD_STATE
    "=$4) "
    "ORDER BY c.seq DESC LIMIT $5";

constexpr char forward_state_sql[] = "SELECT " LAPORD_FORWARD_STATE
                                     " FROM complaints c LEFT JOIN dropped_forwards d "
                                     "ON d.ref=c.ref WHERE c.ref=$1";
#undef LAPORD_FORWARD_STATE

constexpr char replies_for_sql[] =
    "SELECT id, kind, carrier, destination, text, state, leased, attempts, created_at, "
    "submitted_at, done_at, receipt, last_error FROM replies WHERE ref=$1 ORDER BY id";

constexpr char parked_forwards_sql[] =
    "SELECT ref, forward_attempts, forward_http_status, "
    "coalesce(forward_answer, forward_error, ''), coalesce(forward_enqueued_at, created_at), "
    "forward_done_at FROM complaints WHERE forward_state='parked' "
    "ORDER BY forward_done_at, ref LIMIT $1";

constexpr char copy_dropped_sql[] =
    "INSERT INTO dropped_forwards (ref, payload, attempts, enqueued_at, http_status, "
    "last_error, answer, parked_at, dropped_at, reason) SELECT ref, "
    "coalesce(forward_payload, ''), forward_attempts, coalesce(forward_enqueued_at, created_at), "
    "forward_http_status, forward_error, forward_answer, forward_done_at, $1, $2 "
    "FROM complaints WHERE ref=$3 AND forward_state='parked'";
// The forward leaves the complaint's row whole (it is in dropped_forwards now): held again.
constexpr char clear_parked_sql[] =
    "UPDATE complaints SET forward_state=NULL, forward_leased=NULL, forward_attempts=NULL, "
    "forward_enqueued_at=NULL, forward_next_at=NULL, forward_lease_owner=NULL, "
    "forward_lease_epoch=NULL, forward_http_status=NULL, forward_error=NULL, "
    "forward_answer=NULL, forward_done_at=NULL, forward_payload=NULL, updated_at=$1 "
    "WHERE ref=$2 AND forward_state='parked'";
constexpr char touch_sql[] = "UPDATE complaints SET updated_at=$1 WHERE ref=$2";

using detail::reply_state_named;
using detail::view_of;

// Why a retry or drop did nothing: no such complaint, or its forward is not parked.
parked_action not_done(const result& r) {
  parked_action a;
  if (r.rows() == 0) return a;  // unknown
  a.outcome = parked_outcome::not_parked;
  if (r.view(0, 0) != "held") a.state = detail::forward_state_named(r.view(0, 0));
  return a;
}

}  // namespace

std::vector<complaint_summary> pg_transaction::find_complaints(const complaint_filter& f) {
  params p;
  p.add(f.since ? std::optional<std::int64_t>(f.since->time_since_epoch().count()) : std::nullopt)
      .add(view_of(f.status))
      .add(view_of(f.institution))
      .add(view_of(f.forwarding))
      .add(std::int64_t{f.limit});
  auto r = c_.pq().run(find_complaints_sql, p);
  std::vector<complaint_summary> out;
  for (int i = 0; i < r.rows(); ++i) {
    complaint_summary s;
    s.complaint = read_complaint(r, i);
    if (r.view(i, 19) != "held") s.forwarding = detail::forward_state_named(r.view(i, 19));
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<reply_record> pg_transaction::replies_for(std::string_view ref) {
  auto q = c_.pq().run(replies_for_sql, params().add(ref));
  std::vector<reply_record> out;
  for (int i = 0; i < q.rows(); ++i) {
    reply_record r;
    r.id = q.int64(i, 0);
    r.kind = q.text(i, 1);
    r.carrier = q.text(i, 2);
    r.destination = q.text(i, 3);
    r.text = q.text(i, 4);
    r.state = reply_state_named(q.view(i, 5), q.int64(i, 6) != 0);
    r.attempts = static_cast<int>(q.int64(i, 7));
    r.created_at = q.time(i, 8);
    r.submitted_at = q.opt_time(i, 9);
    r.done_at = q.opt_time(i, 10);
    r.receipt = q.opt_text(i, 11);
    r.last_error = q.opt_text(i, 12);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<parked_forward> pg_transaction::parked_forwards(int limit) {
  auto q = c_.pq().run(parked_forwards_sql, params().add(std::int64_t{limit}));
  std::vector<parked_forward> out;
  for (int i = 0; i < q.rows(); ++i) {
    parked_forward p;
    p.ref = q.text(i, 0);
    p.attempts = static_cast<int>(q.int64(i, 1));
    if (auto s = q.opt_int64(i, 2)) p.http_status = static_cast<int>(*s);
    p.answer = q.text(i, 3);
    p.enqueued_at = q.time(i, 4);
    p.parked_at = q.opt_time(i, 5).value_or(p.enqueued_at);
    out.push_back(std::move(p));
  }
  return out;
}

parked_action pg_transaction::retry_parked(std::string_view ref, wall_time now) {
  if (unpark(ref, now)) {
    c_.pq().run(touch_sql, params().add(now).add(ref));
    return parked_action{parked_outcome::done, forward_state::pending};
  }
  return not_done(c_.pq().run(forward_state_sql, params().add(ref)));
}

parked_action pg_transaction::drop_parked(std::string_view ref, std::string_view reason,
                                          wall_time now) {
  params p;
  p.add(now).add(reason.empty() ? std::nullopt : std::optional(reason)).add(ref);
  if (c_.pq().run(copy_dropped_sql, p).affected() == 1) {
    c_.pq().run(clear_parked_sql, params().add(now).add(ref));
    return parked_action{parked_outcome::done, forward_state::dropped};
  }
  return not_done(c_.pq().run(forward_state_sql, params().add(ref)));
}

}  // namespace lapord::store::postgresql
