// The PostgreSQL backend's domain operations, part: replies and notifications: their queue,
// outcomes and delivery receipts. The same operations, the same meaning as
// src/store/sqlite/replies.cpp, in PostgreSQL's SQL.

#include <algorithm>
#include <string>

#include "store/dedup_key.hpp"
#include "store/postgresql/connection.hpp"
#include "store/row_states.hpp"

namespace lapord::store::postgresql {

namespace {

// --- SQL (named arrays: their addresses key the prepared statements) ----------

// Only the carriers given ($6=1: every carrier); the last column says whether the row was
// another owner's lease that ran out (a takeover), from the row's values before the UPDATE.
constexpr char take_replies_sql[] =
    "WITH due AS (SELECT id, leased AS was_leased, lease_owner AS was_owner, "
    "lease_epoch AS was_epoch FROM replies WHERE state='queued' AND next_attempt_at<=$2 "
    "AND ($6::bigint=1 OR carrier=ANY(string_to_array($7, chr(31)))) "
    "ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) "
    "UPDATE replies r SET leased=1, attempts=r.attempts+1, next_attempt_at=$1, lease_owner=$4, "
    "lease_epoch=$5 FROM due WHERE r.id=due.id "
    "RETURNING r.id, r.carrier, r.source, r.destination, r.text, r.kind, r.ref, r.attempts, "
    "(due.was_leased=1 AND "
    "(due.was_owner IS DISTINCT FROM $4::text OR due.was_epoch IS DISTINCT FROM $5::bigint))";
constexpr char reply_carrier_sql[] = "SELECT carrier FROM replies WHERE id=$1";
// Marks the reply submitted and adds a row per segment (the message ids in order, $3), in one
// statement; nothing when the reply is gone (0: the caller's no_such, nothing written).
// Segments are keyed with the submit time: a message id an SMSC hands out again (after its
// restart) adds a row and never replaces the older one.
constexpr char mark_submitted_sql[] =
    "WITH r AS (UPDATE replies SET state='submitted', leased=0, submitted_at=$1, "
    "next_attempt_at=NULL WHERE id=$2 RETURNING carrier), "
    "s AS (INSERT INTO reply_segments (carrier, message_id, submitted_at, reply_id, segment) "
    "SELECT r.carrier, m.id, $1, $2, m.n FROM r, unnest($3::text[]) WITH ORDINALITY AS m(id, n) "
    "ON CONFLICT DO NOTHING) "
    "SELECT count(*) FROM r";
constexpr char reply_retry_sql[] =
    "UPDATE replies SET leased=0, next_attempt_at=$1, last_error=$2 WHERE id=$3 "
    "AND state='queued'";
constexpr char reply_failed_sql[] =
    "UPDATE replies SET state='failed', leased=0, last_error=$1, done_at=$2, "
    "next_attempt_at=NULL WHERE id=$3";
// The newest segment with this id submitted within the receipt window (see apply_receipt).
constexpr char find_segment_sql[] =
    "SELECT submitted_at, reply_id, segment FROM reply_segments WHERE carrier=$1 "
    "AND message_id=$2 AND submitted_at>=$3 ORDER BY submitted_at DESC, reply_id DESC LIMIT 1";
constexpr char segment_receipt_sql[] =
    "UPDATE reply_segments SET receipt=$1, receipt_at=$2 WHERE carrier=$3 AND message_id=$4 "
    "AND submitted_at=$5 AND reply_id=$6 AND segment=$7";
constexpr char reply_receipt_sql[] = "UPDATE replies SET receipt=$1 WHERE id=$2";
constexpr char reply_receipt_failed_sql[] =
    "UPDATE replies SET state='failed', done_at=$1, last_error='receipt: '||$2::text "
    "WHERE id=$3 AND state='submitted'";
constexpr char reply_delivered_sql[] =
    "UPDATE replies SET state='delivered', done_at=$1 WHERE id=$2 AND state='submitted' "
    "AND NOT EXISTS (SELECT 1 FROM reply_segments WHERE reply_id=$2 "
    "AND (receipt IS NULL OR receipt<>'DELIVRD'))";
constexpr char reply_status_sql[] =
    "SELECT state, leased, attempts, receipt, last_error FROM replies WHERE id=$1";
constexpr char reply_segments_sql[] =
    "SELECT message_id FROM reply_segments WHERE reply_id=$1 ORDER BY segment";
constexpr char next_reply_due_sql[] =
    "SELECT min(next_attempt_at) FROM replies WHERE state='queued'";

}  // namespace

// --- replies ---------------------------------------------------------------------------------

std::int64_t pg_transaction::enqueue_reply(const new_reply& r) {
  // The id from a block of the sequence; the row goes with the batch's others (deferred_rows.hpp).
  const std::int64_t id = c_.next_id(connection::id_of::replies);
  if (!r.lease) {
    c_.rows().add_reply(r, id, std::nullopt);
  } else {
    // Taken at once for its sender, as take_replies_sql would take it (new_reply::lease).
    c_.rows().add_reply(
        r, id, deferred_rows::lease{r.created_at + *r.lease, c_.lease_owner, c_.lease_epoch});
    c_.took_fresh_reply(id, *r.lease);
  }
  return id;
}

std::vector<reply> pg_transaction::take_due_replies_to(wall_time now, int limit,
                                                       std::chrono::milliseconds lease,
                                                       const std::vector<std::string>* carriers) {
  const std::string listed = detail::carrier_list(carriers);
  auto r = c_.pq().run(take_replies_sql, params()
                                             .add(now + lease)
                                             .add(now)
                                             .add(std::int64_t{limit})
                                             .add(c_.lease_owner)
                                             .add(c_.lease_epoch)
                                             .add(carriers == nullptr)
                                             .add(listed));
  std::vector<reply> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(reply{r.int64(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4),
                        r.text(i, 5), r.opt_text(i, 6), static_cast<int>(r.int64(i, 7))});
    if (r.boolean(i, 8)) ++c_.batch_takeovers;
  }
  std::sort(out.begin(), out.end(), [](const reply& a, const reply& b) { return a.id < b.id; });
  std::string keys;
  for (const auto& rep : out)
    keys += std::to_string(rep.id) + '\n';
  c_.took(true, now, now + lease, std::move(keys));
  return out;
}

void pg_transaction::mark_reply_submitted(std::int64_t id, std::span<const std::string> message_ids,
                                          wall_time at) {
  binary_array ids(binary_array::element::text);
  for (const auto& mid : message_ids)
    ids.add(mid);
  if (c_.pq()
          .run(mark_submitted_sql, params().add(at).add(id).add_bytes(ids.bytes()))
          .int64(0, 0) == 0)
    no_such("reply", std::to_string(id));
}

void pg_transaction::schedule_reply_retry(std::int64_t id, wall_time next_at,
                                          std::string_view error) {
  if (c_.pq().run(reply_retry_sql, params().add(next_at).add(error).add(id)).affected() == 0 &&
      c_.pq().run(reply_carrier_sql, params().add(id)).rows() == 0)
    no_such("reply", std::to_string(id));
}

void pg_transaction::mark_reply_failed(std::int64_t id, std::string_view error, wall_time at) {
  if (c_.pq().run(reply_failed_sql, params().add(error).add(at).add(id)).affected() == 0)
    no_such("reply", std::to_string(id));
}

receipt_outcome pg_transaction::apply_receipt(std::string_view carrier, std::string_view message_id,
                                              std::string_view stat, wall_time at) {
  // An SMSC that restarted hands out its ids again: the newest segment with the id wins, and
  // a segment submitted longer than the receipt window ago is never credited.
  auto f = c_.pq().run(find_segment_sql,
                       params().add(carrier).add(message_id).add(at - c_.receipt_window()));
  if (f.rows() == 0) return receipt_outcome::unknown_id;
  const std::int64_t reply_id = f.int64(0, 1);
  c_.pq().run(segment_receipt_sql, params()
                                       .add(stat)
                                       .add(at)
                                       .add(carrier)
                                       .add(message_id)
                                       .add(f.int64(0, 0))
                                       .add(reply_id)
                                       .add(f.int64(0, 2)));
  c_.pq().run(reply_receipt_sql, params().add(stat).add(reply_id));
  if (stat == "DELIVRD") {
    c_.pq().run(reply_delivered_sql, params().add(at).add(reply_id));
  } else if (stat == "UNDELIV" || stat == "EXPIRED" || stat == "REJECTD" || stat == "DELETED" ||
             stat == "UNKNOWN") {
    c_.pq().run(reply_receipt_failed_sql, params().add(at).add(stat).add(reply_id));
  }
  return receipt_outcome::applied;
}

std::optional<reply_status> pg_transaction::reply_status_of(std::int64_t id) {
  auto q = c_.pq().run(reply_status_sql, params().add(id));
  if (q.rows() == 0) return std::nullopt;
  reply_status s;
  const auto state = q.view(0, 0);
  s.state = detail::reply_state_named(state, q.int64(0, 1) != 0);
  s.attempts = static_cast<int>(q.int64(0, 2));
  s.receipt = q.opt_text(0, 3);
  s.last_error = q.opt_text(0, 4);
  auto m = c_.pq().run(reply_segments_sql, params().add(id));
  for (int i = 0; i < m.rows(); ++i)
    s.message_ids.push_back(m.text(i, 0));
  return s;
}

std::optional<wall_time> pg_transaction::next_reply_due() {
  auto r = c_.pq().run(next_reply_due_sql, params());
  return r.rows() ? r.opt_time(0, 0) : std::nullopt;
}

}  // namespace lapord::store::postgresql
