// The SQLite backend's domain operations, part: replies and notifications: their queue, outcomes
// and delivery receipts.

#include <algorithm>
#include <string>
#include <utility>

#include "store/dedup_key.hpp"
#include "store/row_states.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/reply_row.hpp"

namespace lapord::store::sqlite {

namespace {

// --- SQL (named arrays: their addresses key the statement cache) ----------

constexpr char enqueue_reply_sql[] =
    "INSERT INTO replies (carrier, source, destination, text, kind, ref, state, created_at, "
    "next_attempt_at, complaint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7, ?11)";
// The same reply, taken at once for its sender (new_reply::lease), as take_replies_sql would.
constexpr char enqueue_leased_reply_sql[] =
    "INSERT INTO replies (carrier, source, destination, text, kind, ref, state, created_at, "
    "next_attempt_at, leased, attempts, lease_owner, lease_epoch, complaint) VALUES (?1, ?2, "
    "?3, ?4, ?5, ?6, 'queued', ?7, ?8, 1, 1, ?9, ?10, ?11)";
constexpr char take_replies_sql[] =
    "UPDATE replies SET leased=1, attempts=attempts+1, next_attempt_at=?1, lease_owner=?4, "
    "lease_epoch=?5 WHERE id IN "
    "(SELECT id FROM replies WHERE state='queued' AND next_attempt_at<=?2 "
    "AND (?6=1 OR instr(?7, char(31)||carrier||char(31))>0) "
    "ORDER BY next_attempt_at LIMIT ?3) "
    "RETURNING id, carrier, source, destination, " LAPORD_SQLITE_REPLY_TEXT(
        "replies.") ", kind, " LAPORD_SQLITE_REPLY_REF("replies.") ", attempts";
// Whether a ref is the stored complaint's of that number (schema 15: a reply to it may then
// keep neither its ref nor the ref in its text).
constexpr char complaint_has_ref_sql[] = "SELECT 1 FROM complaints WHERE number=? AND ref=?";
constexpr char reply_carrier_sql[] = "SELECT carrier FROM replies WHERE id=?";
// A reply's first submit of one segment (schema 13): its message id in its row. No row: the reply
// is gone or was submitted before (mark_reply_submitted then keys segments as below). Here and in
// every statement that ends a lease, the lease's owner goes with it (read only for a queued
// reply: leases.cpp): ~15 bytes less a row kept for good.
constexpr char submit_in_row_sql[] =
    "UPDATE replies SET state='submitted', leased=0, submitted_at=?1, next_attempt_at=NULL, "
    "lease_owner=NULL, lease_epoch=NULL, message_id=?3 WHERE id=?2 AND submitted_at IS NULL";
// A submit again of a reply whose id is in its row: that id moves to reply_segments as its first
// segment with its receipt (the reply's receipt and time are that segment's while it has no
// other), so that a reply has either an in-row id or segment rows, never both.
constexpr char move_in_row_id_sql[] =
    "INSERT INTO reply_segments (carrier, message_id, submitted_at, reply_id, segment, receipt, "
    "receipt_at) SELECT carrier, message_id, submitted_at, id, 1, receipt, receipt_at "
    "FROM replies WHERE id=?1 AND message_id IS NOT NULL ON CONFLICT DO NOTHING";
// Not UPDATE ... RETURNING carrier: SQLite's RETURNING cost the statement ~14k instructions more
// than this SELECT of the row (callgrind, docs/benchmarks.md, session segments).
constexpr char mark_submitted_sql[] =
    "UPDATE replies SET state='submitted', leased=0, submitted_at=?, next_attempt_at=NULL, "
    "lease_owner=NULL, lease_epoch=NULL, message_id=NULL WHERE id=?";
// Keyed with the submit time: a message id an SMSC hands out again (after its restart) adds a
// row and never replaces the older one.
constexpr char insert_segment_sql[] =
    "INSERT INTO reply_segments (carrier, message_id, submitted_at, reply_id, segment) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
constexpr char reply_retry_sql[] =
    "UPDATE replies SET leased=0, next_attempt_at=?, last_error=? WHERE id=? AND state='queued'";
constexpr char reply_failed_sql[] =
    "UPDATE replies SET state='failed', leased=0, last_error=?, done_at=?, next_attempt_at=NULL, "
    "lease_owner=NULL, lease_epoch=NULL WHERE id=?";
// The newest segment with this id submitted within the receipt window (see apply_receipt): in
// reply_segments, and in a reply's row (schema 13). Two statements, each in its index's order:
// one UNION ALL sorted in a temporary b-tree cost 30k instructions a receipt, the two 10k.
constexpr char find_segment_sql[] =
    "SELECT submitted_at, reply_id, segment FROM reply_segments WHERE carrier=? "
    "AND message_id=? AND submitted_at>=? ORDER BY submitted_at DESC, reply_id DESC LIMIT 1";
constexpr char find_in_row_sql[] =
    "SELECT submitted_at, id FROM replies WHERE message_id=?2 AND submitted_at>=?3 "
    "AND carrier=?1 ORDER BY submitted_at DESC, id DESC LIMIT 1";
constexpr char segment_receipt_sql[] =
    "UPDATE reply_segments SET receipt=?, receipt_at=? WHERE carrier=? AND message_id=? "
    "AND submitted_at=? AND reply_id=? AND segment=?";
// The reply's receipt (the last one of any of its segments, and its time) and, if it is still
// submitted, its state: one UPDATE (was two). ?4: 2 a failure stat (failed), 1 DELIVRD
// (delivered once every segment is: this one's receipt is written before; ?5=1, its id in the
// row: it is the only one), 0 neither. The subquery names no column of the row: it runs once.
constexpr char reply_receipt_sql[] =
    "UPDATE replies SET receipt=?1, receipt_at=?2, "
    "state=CASE WHEN state<>'submitted' THEN state WHEN ?4=2 THEN 'failed' "
    "WHEN ?4=1 AND (?5=1 OR NOT EXISTS (SELECT 1 FROM reply_segments WHERE reply_id=?3 "
    "AND (receipt IS NULL OR receipt<>'DELIVRD'))) THEN 'delivered' ELSE state END, "
    "done_at=CASE WHEN state<>'submitted' THEN done_at WHEN ?4=2 THEN ?2 "
    "WHEN ?4=1 AND (?5=1 OR NOT EXISTS (SELECT 1 FROM reply_segments WHERE reply_id=?3 "
    "AND (receipt IS NULL OR receipt<>'DELIVRD'))) THEN ?2 ELSE done_at END, "
    "last_error=CASE WHEN state='submitted' AND ?4=2 THEN 'receipt: '||?1 ELSE last_error END "
    "WHERE id=?3";
constexpr char reply_status_sql[] =
    "SELECT state, leased, attempts, receipt, last_error, message_id FROM replies WHERE id=?";
constexpr char reply_segments_sql[] =
    "SELECT message_id FROM reply_segments WHERE reply_id=? ORDER BY segment, submitted_at";
constexpr char next_reply_due_sql[] =
    "SELECT min(next_attempt_at) FROM replies WHERE state='queued'";

// `text` with every occurrence of `ref` the byte 0x01 (reply_row.hpp reads it back), into `out`
// (the transaction's buffer: no allocation per reply). Exact only for a text without that byte:
// the caller checks.
std::string_view without_ref(std::string_view text, std::string_view ref, std::string& out) {
  out.clear();
  for (std::size_t at = 0;;) {
    const std::size_t found = text.find(ref, at);
    out.append(text.substr(at, found - at));
    if (found == std::string_view::npos) return out;
    out.push_back('\x01');
    at = found + ref.size();
  }
}

}  // namespace

// --- replies ---------------------------------------------------------------------------------

bool sqlite_transaction::is_stored_complaint(std::int64_t number, std::string_view ref) {
  if (filed_number_ == number && filed_ref_ == ref) return true;  // filed by this item
  auto q = c_.prepare(complaint_has_ref_sql);
  q.bind(1, number).bind(2, ref);
  return q.step();
}

std::int64_t sqlite_transaction::enqueue_reply(const new_reply& r) {
  auto q = c_.prepare(r.lease ? enqueue_leased_reply_sql : enqueue_reply_sql);
  // Its complaint's number (schema 12): replies_complaint grows at its end for an acknowledgement.
  const std::optional<std::int64_t> number = r.ref ? c_.number_of(*r.ref) : std::nullopt;
  // Schema 15: a reply to a stored complaint names it by number alone, its ref neither in a
  // column nor in its text (an acknowledgement holds it twice): 22 bytes of every one kept.
  const bool by_number = number && !r.ref->empty() &&
                         r.text.find('\x01') == std::string_view::npos &&
                         is_stored_complaint(number.value_or(-1), *r.ref);
  q.bind(1, r.carrier)
      .bind(2, r.source)
      .bind(3, r.destination)
      .bind(4, by_number ? without_ref(r.text, *r.ref, text_) : r.text)
      .bind(5, r.kind)
      .bind(6, by_number ? std::nullopt : r.ref)
      .bind(7, r.created_at);
  q.bind(11, number);
  if (r.lease) q.bind(8, r.created_at + *r.lease).bind(9, c_.lease_owner).bind(10, c_.lease_epoch);
  q.run();
  return sqlite3_last_insert_rowid(c_.handle());
}

std::vector<reply> sqlite_transaction::take_due_replies_to(
    wall_time now, int limit, std::chrono::milliseconds lease,
    const std::vector<std::string>* carriers) {
  std::vector<reply> out;
  // Framed by the unit separator so that instr() matches whole names only.
  const std::string listed = "\x1f" + detail::carrier_list(carriers) + "\x1f";
  auto q = c_.prepare(take_replies_sql);
  q.bind(1, now + lease).bind(2, now).bind(3, std::int64_t{limit});
  q.bind(4, c_.lease_owner).bind(5, c_.lease_epoch);
  q.bind(6, std::int64_t{carriers == nullptr ? 1 : 0}).bind(7, listed);
  while (q.step())
    out.push_back(reply{q.int64(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5),
                        q.opt_text(6), static_cast<int>(q.int64(7))});
  std::sort(out.begin(), out.end(), [](const reply& a, const reply& b) { return a.id < b.id; });
  return out;
}

void sqlite_transaction::mark_reply_submitted(std::int64_t id,
                                              std::span<const std::string> message_ids,
                                              wall_time at) {
  if (message_ids.size() == 1) {
    auto q = c_.prepare(submit_in_row_sql);
    q.bind(1, at).bind(2, id).bind(3, message_ids.front());
    q.run();
    if (q.changes() != 0) return;
  }
  {
    auto q = c_.prepare(move_in_row_id_sql);
    q.bind(1, id);
    q.run();
  }
  std::string carrier;
  {
    auto q = c_.prepare(reply_carrier_sql);
    q.bind(1, id);
    if (!q.step()) no_such("reply", std::to_string(id));
    carrier = q.text(0);
  }
  {
    auto q = c_.prepare(mark_submitted_sql);
    q.bind(1, at).bind(2, id);
    q.run();
  }
  std::int64_t segment = 0;
  for (const auto& mid : message_ids) {
    auto q = c_.prepare(insert_segment_sql);
    q.bind(1, carrier).bind(2, mid).bind(3, at).bind(4, id).bind(5, ++segment);
    q.run();
  }
}

void sqlite_transaction::schedule_reply_retry(std::int64_t id, wall_time next_at,
                                              std::string_view error) {
  auto q = c_.prepare(reply_retry_sql);
  q.bind(1, next_at).bind(2, error).bind(3, id);
  q.run();
  if (q.changes() == 0) {
    auto e = c_.prepare(reply_carrier_sql);
    e.bind(1, id);
    if (!e.step()) no_such("reply", std::to_string(id));
  }
}

void sqlite_transaction::mark_reply_failed(std::int64_t id, std::string_view error, wall_time at) {
  auto q = c_.prepare(reply_failed_sql);
  q.bind(1, error).bind(2, at).bind(3, id);
  q.run();
  if (q.changes() == 0) no_such("reply", std::to_string(id));
}

receipt_outcome sqlite_transaction::apply_receipt(std::string_view carrier,
                                                  std::string_view message_id,
                                                  std::string_view stat, wall_time at) {
  // An SMSC that restarted hands out its ids again: the newest segment with the id wins, and
  // a segment submitted longer than the receipt window ago is never credited.
  std::int64_t submitted_at = 0;
  std::int64_t reply_id = 0;
  std::int64_t segment = 0;
  bool found = false;
  {
    auto q = c_.prepare(find_in_row_sql);
    q.bind(1, carrier).bind(2, message_id).bind(3, at - c_.receipt_window());
    if (q.step()) {
      found = true;
      submitted_at = q.int64(0);
      reply_id = q.int64(1);
    }
  }
  {
    auto q = c_.prepare(find_segment_sql);
    q.bind(1, carrier).bind(2, message_id).bind(3, at - c_.receipt_window());
    // Segment 0: the id in the reply's row. Newer (submit time, then reply id) wins.
    if (q.step() &&
        (!found || std::pair(q.int64(0), q.int64(1)) > std::pair(submitted_at, reply_id))) {
      found = true;
      submitted_at = q.int64(0);
      reply_id = q.int64(1);
      segment = q.int64(2);
    }
  }
  if (!found) return receipt_outcome::unknown_id;
  if (segment != 0) {
    auto q = c_.prepare(segment_receipt_sql);
    q.bind(1, stat).bind(2, at).bind(3, carrier).bind(4, message_id);
    q.bind(5, submitted_at).bind(6, reply_id).bind(7, segment);
    q.run();
  }
  const receipt_effect effect = receipt_effect_of(stat);
  auto q = c_.prepare(reply_receipt_sql);
  q.bind(1, stat).bind(2, at).bind(3, reply_id);
  q.bind(4, std::int64_t{effect == receipt_effect::fail ? 2 : effect == receipt_effect::deliver});
  q.bind(5, std::int64_t{segment == 0});
  q.run();
  return receipt_outcome::applied;
}

std::optional<reply_status> sqlite_transaction::reply_status_of(std::int64_t id) {
  reply_status s;
  {
    auto q = c_.prepare(reply_status_sql);
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    std::string state = q.text(0);
    s.state = detail::reply_state_named(state, q.int64(1) != 0);
    s.attempts = static_cast<int>(q.int64(2));
    s.receipt = q.opt_text(3);
    s.last_error = q.opt_text(4);
    if (auto in_row = q.opt_text(5)) s.message_ids.push_back(std::move(*in_row));
  }
  auto q = c_.prepare(reply_segments_sql);
  q.bind(1, id);
  while (q.step())
    s.message_ids.push_back(q.text(0));
  return s;
}

std::optional<wall_time> sqlite_transaction::next_reply_due() {
  auto q = c_.prepare(next_reply_due_sql);
  return q.step() ? q.opt_time(0) : std::nullopt;
}

}  // namespace lapord::store::sqlite
