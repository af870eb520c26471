// The PostgreSQL backend's domain operations, part: replies and notifications: their queue
// and delivery receipts (outcomes: outcomes.cpp). The same operations, the same meaning as
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
// A receipt in one statement (was four): the newest segment with this id submitted within the
// receipt window ($3; see apply_receipt), in reply_segments or a reply's row (segment 0, schema
// 12: no segment row to update, none to wait for), gets it, so does its reply (with its time),
// whose state changes if it is still submitted: delivered once every segment is (the others as they
// were: the statement does not see its own update of this one), failed at a failure stat ($6: 1
// DELIVRD, 2 a failure, 0 neither). Returns the segment found (no row: an unknown id, nothing
// written).
constexpr char apply_receipt_sql[] =
    "WITH f AS (SELECT submitted_at, reply_id, segment FROM reply_segments WHERE carrier=$1 "
    "AND message_id=$2 AND submitted_at>=$3 UNION ALL SELECT submitted_at, id, 0 FROM replies "
    "WHERE message_id=$2 AND submitted_at>=$3 AND carrier=$1 "
    "ORDER BY submitted_at DESC, reply_id DESC LIMIT 1), "
    "g AS (UPDATE reply_segments x SET receipt=$4, receipt_at=$5 FROM f WHERE x.carrier=$1 "
    "AND x.message_id=$2 AND x.submitted_at=f.submitted_at AND x.reply_id=f.reply_id "
    "AND x.segment=f.segment), "
    "n AS (SELECT f.reply_id, CASE WHEN $6::bigint=2 THEN 'failed' WHEN $6::bigint=1 AND "
    "NOT EXISTS (SELECT 1 FROM reply_segments o WHERE o.reply_id=f.reply_id "
    "AND (o.receipt IS NULL OR o.receipt<>'DELIVRD') AND NOT (o.carrier=$1 AND o.message_id=$2 "
    "AND o.submitted_at=f.submitted_at AND o.segment=f.segment)) THEN 'delivered' END AS s "
    "FROM f), "
    "r AS (UPDATE replies SET receipt=$4, receipt_at=$5, "
    "state=CASE WHEN replies.state='submitted' AND n.s IS NOT NULL THEN n.s ELSE replies.state "
    "END, "
    "done_at=CASE WHEN replies.state='submitted' AND n.s IS NOT NULL THEN $5 "
    "ELSE replies.done_at END, "
    "last_error=CASE WHEN replies.state='submitted' AND n.s='failed' THEN 'receipt: '||$4::text "
    "ELSE replies.last_error END FROM n WHERE replies.id=n.reply_id) "
    "SELECT reply_id FROM f";
constexpr char reply_status_sql[] =
    "SELECT state, leased, attempts, receipt, last_error, message_id FROM replies WHERE id=$1";
constexpr char reply_segments_sql[] =
    "SELECT message_id FROM reply_segments WHERE reply_id=$1 ORDER BY segment, submitted_at";
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
    c_.took_fresh(true, std::to_string(id), *r.lease);
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

receipt_outcome pg_transaction::apply_receipt(std::string_view carrier, std::string_view message_id,
                                              std::string_view stat, wall_time at) {
  // An SMSC that restarted hands out its ids again: the newest segment with the id wins, and
  // a segment submitted longer than the receipt window ago is never credited.
  const receipt_effect effect = receipt_effect_of(stat);
  const std::int64_t kind = effect == receipt_effect::deliver ? 1
                            : effect == receipt_effect::fail  ? 2
                                                              : 0;
  auto f = c_.pq().run(apply_receipt_sql, params()
                                              .add(carrier)
                                              .add(message_id)
                                              .add(at - c_.receipt_window())
                                              .add(stat)
                                              .add(at)
                                              .add(kind));
  if (f.rows() == 0) return receipt_outcome::unknown_id;
  return receipt_outcome::applied;
}

void pg_transaction::take_receipt(const mo_pdu& mo, std::span<const std::string> ids,
                                  std::string_view stat, receipt_taken& out) {
  // Kept back and applied with the batch's other receipts (receipts.hpp): no statement now,
  // so the rows kept back before it are not written early either.
  const std::int64_t id = c_.next_id(connection::id_of::received);
  c_.rows().add_receipt(mo, detail::dedup_hash(mo), id, ids, stat,
                        mo.received_at - c_.dedup_window(), mo.received_at - c_.receipt_window(),
                        out);
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
  if (auto in_row = q.opt_text(0, 5)) s.message_ids.push_back(std::move(*in_row));
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
