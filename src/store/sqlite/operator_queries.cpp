// What operators ask of the store (laporctl through the admin API): filtered lists of
// complaints, one complaint's replies, the parked forwards, and retrying or dropping one.
// These run on the writer thread like everything else; they are bounded by a limit and use
// the partial indexes, so a status or a show does not hold up ingest.
#include "store/row_states.hpp"
#include "store/sqlite/complaint_row.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/reply_row.hpp"

namespace lapord::store::sqlite {

namespace {

// The forwarding state as the operator sees it: the complaint's forward columns (in flight when
// leased), else a dropped forward, else none (held: never queued).
#define LAPORD_FORWARD_STATE                                                \
  "CASE WHEN c.forward_state IS NULL THEN "                                 \
  "(CASE WHEN d.ref IS NULL THEN 'held' ELSE 'dropped' END) "               \
  "WHEN c.forward_state='pending' AND c.forward_leased=1 THEN 'in_flight' " \
  "ELSE c.forward_state END"

// Every filter is bound (NULL: no filter), so one cached statement serves every combination.
constexpr char find_complaints_sql[] =
    "SELECT c.ref, c.channel, c.carrier, c.service_number, c.reporter, c.confidential, "
    "c.institution_code, c.institution_name, c.institution_keyword, c.institution_corrected, "
    "c.text, c.segments, c.incomplete, c.status, c.status_at, c.created_at, c.updated_at, "
    "c.tracking_id, c.routed_by, " LAPORD_FORWARD_STATE
    " FROM complaints c LEFT JOIN dropped_forwards d ON d.ref=c.ref "
    "WHERE (?1 IS NULL OR c.created_at>=?1) AND (?2 IS NULL OR c.status=?2) "
    "AND (?3 IS NULL OR (?3='national' AND c.institution_code IS NULL) OR c.institution_code=?3 "
    "OR c.institution_keyword=?3 COLLATE NOCASE) "
    "AND (?4 IS NULL OR " LAPORD_FORWARD_STATE
    "=?4) "
    "ORDER BY c.rowid DESC LIMIT ?5";

constexpr char forward_state_sql[] = "SELECT " LAPORD_FORWARD_STATE
                                     " FROM complaints c LEFT JOIN dropped_forwards d "
                                     "ON d.ref=c.ref WHERE c.number=?1 AND c.ref=?2";
#undef LAPORD_FORWARD_STATE

// A reply with no ref of its own names its complaint by number (schema 15: reply_row.hpp).
constexpr char replies_for_sql[] =
    "SELECT id, kind, carrier, destination, " LAPORD_SQLITE_REPLY_TEXT("r.")
    ", state, leased, attempts, created_at, submitted_at, done_at, receipt, last_error "
    "FROM replies r WHERE complaint=?1 AND " LAPORD_SQLITE_REPLY_REF("r.") "=?2 ORDER BY id";

constexpr char parked_forwards_sql[] =
    "SELECT ref, forward_attempts, forward_http_status, "
    "coalesce(forward_answer, forward_error, ''), coalesce(forward_enqueued_at, created_at), "
    "forward_done_at FROM complaints WHERE forward_state='parked' "
    "ORDER BY forward_done_at, ref LIMIT ?";

constexpr char copy_dropped_sql[] =
    "INSERT INTO dropped_forwards (ref, payload, attempts, enqueued_at, http_status, "
    "last_error, answer, parked_at, dropped_at, reason) SELECT ref, "
    "coalesce(forward_payload, ''), forward_attempts, coalesce(forward_enqueued_at, created_at), "
    "forward_http_status, forward_error, forward_answer, forward_done_at, ?1, ?2 "
    "FROM complaints WHERE number=?4 AND ref=?3 AND forward_state='parked'";
// The forward leaves the complaint's row whole (it is in dropped_forwards now): held again.
constexpr char clear_parked_sql[] =
    "UPDATE complaints SET forward_state=NULL, forward_leased=NULL, forward_attempts=NULL, "
    "forward_enqueued_at=NULL, forward_next_at=NULL, forward_lease_owner=NULL, "
    "forward_lease_epoch=NULL, forward_http_status=NULL, forward_error=NULL, "
    "forward_answer=NULL, forward_done_at=NULL, forward_payload=NULL, updated_at=?1 "
    "WHERE number=?3 AND ref=?2 AND forward_state='parked'";
constexpr char touch_sql[] = "UPDATE complaints SET updated_at=?1 WHERE number=?3 AND ref=?2";

using detail::reply_state_named;
using detail::view_of;

}  // namespace

std::vector<complaint_summary> sqlite_transaction::find_complaints(const complaint_filter& f) {
  std::vector<complaint_summary> out;
  auto q = c_.prepare(find_complaints_sql);
  q.bind(1,
         f.since ? std::optional<std::int64_t>(f.since->time_since_epoch().count()) : std::nullopt)
      .bind(2, view_of(f.status))
      .bind(3, view_of(f.institution))
      .bind(4, view_of(f.forwarding))
      .bind(5, std::int64_t{f.limit});
  while (q.step()) {
    complaint_summary s;
    s.complaint = read_complaint(q);
    const std::string state = q.text(19);
    if (state != "held") s.forwarding = detail::forward_state_named(state);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<reply_record> sqlite_transaction::replies_for(std::string_view ref) {
  std::vector<reply_record> out;
  auto q = c_.prepare(replies_for_sql);
  q.bind(1, c_.number_of(ref)).bind(2, ref);
  while (q.step()) {
    reply_record r;
    r.id = q.int64(0);
    r.kind = q.text(1);
    r.carrier = q.text(2);
    r.destination = q.text(3);
    r.text = q.text(4);
    r.state = reply_state_named(q.text(5), q.int64(6) != 0);
    r.attempts = static_cast<int>(q.int64(7));
    r.created_at = q.time(8);
    r.submitted_at = q.opt_time(9);
    r.done_at = q.opt_time(10);
    r.receipt = q.opt_text(11);
    r.last_error = q.opt_text(12);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<parked_forward> sqlite_transaction::parked_forwards(int limit) {
  std::vector<parked_forward> out;
  auto q = c_.prepare(parked_forwards_sql);
  q.bind(1, std::int64_t{limit});
  while (q.step()) {
    parked_forward p;
    p.ref = q.text(0);
    p.attempts = static_cast<int>(q.int64(1));
    if (auto s = q.opt_int64(2)) p.http_status = static_cast<int>(*s);
    p.answer = q.text(3);
    p.enqueued_at = q.time(4);
    p.parked_at = q.opt_time(5).value_or(p.enqueued_at);
    out.push_back(std::move(p));
  }
  return out;
}

namespace {

// Why a retry or drop did nothing: no such complaint, or its forward is not parked.
parked_action not_done(query& q) {
  parked_action a;
  if (!q.step()) return a;  // unknown
  a.outcome = parked_outcome::not_parked;
  const std::string state = q.text(0);
  if (state != "held") a.state = detail::forward_state_named(state);
  return a;
}

}  // namespace

parked_action sqlite_transaction::retry_parked(std::string_view ref, wall_time now) {
  if (unpark(ref, now)) {
    auto t = c_.prepare(touch_sql);
    t.bind(1, now).bind(2, ref).bind(3, c_.number_of(ref));
    t.run();
    return parked_action{parked_outcome::done, forward_state::pending};
  }
  auto q = c_.prepare(forward_state_sql);
  q.bind(1, c_.number_of(ref)).bind(2, ref);
  return not_done(q);
}

parked_action sqlite_transaction::drop_parked(std::string_view ref, std::string_view reason,
                                              wall_time now) {
  {
    auto copy = c_.prepare(copy_dropped_sql);
    copy.bind(1, now).bind(2, reason.empty() ? std::nullopt : std::optional(reason)).bind(3, ref);
    copy.bind(4, c_.number_of(ref));
    copy.run();
    if (copy.changes() == 1) {
      auto clear = c_.prepare(clear_parked_sql);
      clear.bind(1, now).bind(2, ref).bind(3, c_.number_of(ref));
      clear.run();
      return parked_action{parked_outcome::done, forward_state::dropped};
    }
  }
  auto q = c_.prepare(forward_state_sql);
  q.bind(1, c_.number_of(ref)).bind(2, ref);
  return not_done(q);
}

}  // namespace lapord::store::sqlite
