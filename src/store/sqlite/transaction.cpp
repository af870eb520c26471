// The domain operations of the SQLite backend, each a few cached statements on the writer's
// connection.

#include <algorithm>
#include <string>

#include "store/dedup_key.hpp"
#include "store/sqlite/complaint_row.hpp"
#include "store/sqlite/connection.hpp"

namespace lapord::store::sqlite {

namespace {

std::int64_t ms(wall_time t) {
  return t.time_since_epoch().count();
}

// --- SQL (named arrays: their addresses key the statement cache) -------------------------

constexpr char find_received_sql[] =
    "SELECT id, ref, received_at FROM received WHERE dedup_hash=?1 AND received_at>=?2 "
    "AND carrier=?3 AND source=?4 AND source_ton=?5 AND source_npi=?6 AND destination=?7 "
    "AND destination_ton=?8 AND destination_npi=?9 AND service_type=?10 AND esm_class=?11 "
    "AND data_coding=?12 AND short_message=?13 AND tlvs=?14 ORDER BY id LIMIT 1";
constexpr char insert_received_sql[] =
    "INSERT INTO received (dedup_hash, carrier, source, source_ton, source_npi, destination, "
    "destination_ton, destination_npi, service_type, esm_class, data_coding, short_message, "
    "tlvs, received_at) VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?2)";

constexpr char put_part_sql[] =
    "INSERT INTO parts (carrier, source, destination, reference, seq, total, text, replaced, "
    "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
constexpr char parts_of_sql[] =
    "SELECT seq, total, text, replaced, received_at FROM parts WHERE carrier=? AND source=? "
    "AND destination=? AND reference=? ORDER BY seq";
constexpr char erase_parts_sql[] =
    "DELETE FROM parts WHERE carrier=? AND source=? AND destination=? AND reference=?";
constexpr char part_keys_older_sql[] =
    "SELECT carrier, source, destination, reference FROM parts "
    "GROUP BY carrier, source, destination, reference HAVING min(received_at) < ?";

constexpr char read_ref_sql[] = "SELECT value FROM counters WHERE name = 'ref'";
constexpr char write_ref_sql[] = "UPDATE counters SET value = ? WHERE name = 'ref'";

constexpr char insert_complaint_sql[] =
    "INSERT INTO complaints (ref, channel, carrier, service_number, reporter, confidential, "
    "institution_code, institution_name, institution_keyword, institution_corrected, text, "
    "segments, incomplete, status, status_at, created_at, updated_at, received_id, "
    "duplicate_key, routed_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
    "'received', ?14, ?14, ?14, ?15, ?16, ?17)";
constexpr char link_received_sql[] = "UPDATE received SET ref=? WHERE id=?";

#define LAPORD_COMPLAINT_COLUMNS                                                      \
  "ref, channel, carrier, service_number, reporter, confidential, institution_code, " \
  "institution_name, institution_keyword, institution_corrected, text, segments, "    \
  "incomplete, status, status_at, created_at, updated_at, tracking_id, routed_by"
constexpr char complaint_by_ref_sql[] =
    "SELECT " LAPORD_COMPLAINT_COLUMNS " FROM complaints WHERE ref=?";
constexpr char recent_complaints_sql[] = "SELECT " LAPORD_COMPLAINT_COLUMNS
                                         " FROM complaints WHERE created_at>=? "
                                         "ORDER BY rowid DESC LIMIT ?";
#undef LAPORD_COMPLAINT_COLUMNS
// Served by complaints_reporter(reporter, created_at, duplicate_key): the key is compared in
// the index, the row is read only for the match.
constexpr char recent_with_key_sql[] =
    "SELECT ref FROM complaints WHERE reporter=? AND created_at>=? AND duplicate_key=? "
    "ORDER BY created_at LIMIT 1";
constexpr char complaints_since_sql[] =
    "SELECT count(*) FROM complaints WHERE reporter=? AND created_at>=?";

constexpr char rate_notice_since_sql[] =
    "SELECT 1 FROM reporters WHERE msisdn=? AND last_rate_notice_at>=?";
constexpr char mark_rate_notice_sql[] =
    "INSERT INTO reporters (msisdn, last_rate_notice_at) VALUES (?, ?) "
    "ON CONFLICT (msisdn) DO UPDATE SET last_rate_notice_at=excluded.last_rate_notice_at";
constexpr char set_opt_out_sql[] =
    "INSERT INTO reporters (msisdn, opted_out, opt_changed_at) VALUES (?, ?, ?) "
    "ON CONFLICT (msisdn) DO UPDATE SET opted_out=excluded.opted_out, "
    "opt_changed_at=excluded.opt_changed_at";
constexpr char opted_out_sql[] = "SELECT opted_out FROM reporters WHERE msisdn=?";

constexpr char complaint_exists_sql[] = "SELECT 1 FROM complaints WHERE ref=?";
constexpr char latest_event_at_sql[] = "SELECT max(at) FROM events WHERE ref=?";
constexpr char insert_event_sql[] =
    "INSERT INTO events (ref, status, at, institution, message, received_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
constexpr char set_status_sql[] =
    "UPDATE complaints SET status=?, status_at=?, updated_at=? WHERE ref=?";
constexpr char touch_complaint_sql[] = "UPDATE complaints SET updated_at=? WHERE ref=?";
constexpr char events_of_sql[] =
    "SELECT status, at, institution, message, received_at FROM events WHERE ref=? "
    "ORDER BY at, received_at";
constexpr char forwarding_of_sql[] =
    "SELECT state, leased, attempts, enqueued_at, next_attempt_at, http_status, last_error, "
    "answer, done_at FROM outbox WHERE ref=?";
constexpr char dropped_of_sql[] =
    "SELECT attempts, enqueued_at, http_status, last_error, answer, parked_at, dropped_at, "
    "reason FROM dropped_forwards WHERE ref=?";

constexpr char enqueue_forward_sql[] =
    "INSERT INTO outbox (ref, payload, state, enqueued_at, next_attempt_at) "
    "VALUES (?1, ?2, 'pending', ?3, ?3)";
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

constexpr char enqueue_reply_sql[] =
    "INSERT INTO replies (carrier, source, destination, text, kind, ref, state, created_at, "
    "next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7)";
constexpr char take_replies_sql[] =
    "UPDATE replies SET leased=1, attempts=attempts+1, next_attempt_at=?1, lease_owner=?4, "
    "lease_epoch=?5 WHERE id IN "
    "(SELECT id FROM replies WHERE state='queued' AND next_attempt_at<=?2 "
    "ORDER BY next_attempt_at LIMIT ?3) "
    "RETURNING id, carrier, source, destination, text, kind, ref, attempts";
constexpr char reply_carrier_sql[] = "SELECT carrier FROM replies WHERE id=?";
constexpr char mark_submitted_sql[] =
    "UPDATE replies SET state='submitted', leased=0, submitted_at=?, next_attempt_at=NULL "
    "WHERE id=?";
// Keyed with the submit time: a message id an SMSC hands out again (after its restart) adds a
// row and never replaces the older one.
constexpr char insert_segment_sql[] =
    "INSERT INTO reply_segments (carrier, message_id, submitted_at, reply_id, segment) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
constexpr char reply_retry_sql[] =
    "UPDATE replies SET leased=0, next_attempt_at=?, last_error=? WHERE id=? AND state='queued'";
constexpr char reply_failed_sql[] =
    "UPDATE replies SET state='failed', leased=0, last_error=?, done_at=?, next_attempt_at=NULL "
    "WHERE id=?";
// The newest segment with this id submitted within the receipt window (see apply_receipt).
constexpr char find_segment_sql[] =
    "SELECT submitted_at, reply_id, segment FROM reply_segments WHERE carrier=? "
    "AND message_id=? AND submitted_at>=? ORDER BY submitted_at DESC, reply_id DESC LIMIT 1";
constexpr char segment_receipt_sql[] =
    "UPDATE reply_segments SET receipt=?, receipt_at=? WHERE carrier=? AND message_id=? "
    "AND submitted_at=? AND reply_id=? AND segment=?";
constexpr char reply_receipt_sql[] = "UPDATE replies SET receipt=? WHERE id=?";
constexpr char reply_receipt_failed_sql[] =
    "UPDATE replies SET state='failed', done_at=?, last_error='receipt: '||? "
    "WHERE id=? AND state='submitted'";
constexpr char reply_delivered_sql[] =
    "UPDATE replies SET state='delivered', done_at=?1 WHERE id=?2 AND state='submitted' "
    "AND NOT EXISTS (SELECT 1 FROM reply_segments WHERE reply_id=?2 "
    "AND (receipt IS NULL OR receipt<>'DELIVRD'))";
constexpr char reply_status_sql[] =
    "SELECT state, leased, attempts, receipt, last_error FROM replies WHERE id=?";
constexpr char reply_segments_sql[] =
    "SELECT message_id FROM reply_segments WHERE reply_id=? ORDER BY segment";
constexpr char next_reply_due_sql[] =
    "SELECT min(next_attempt_at) FROM replies WHERE state='queued'";

constexpr char count_outbox_pending_sql[] =
    "SELECT count(*), coalesce(sum(leased), 0) FROM outbox WHERE state='pending'";
constexpr char count_outbox_parked_sql[] = "SELECT count(*) FROM outbox WHERE state='parked'";
constexpr char count_outbox_dropped_sql[] = "SELECT count(*) FROM dropped_forwards";
constexpr char count_replies_queued_sql[] =
    "SELECT count(*), coalesce(sum(leased), 0) FROM replies WHERE state='queued'";
constexpr char count_replies_failed_sql[] = "SELECT count(*) FROM replies WHERE state='failed'";
constexpr char count_part_keys_sql[] =
    "SELECT count(*) FROM (SELECT 1 FROM parts GROUP BY carrier, source, destination, "
    "reference)";
constexpr char page_size_sql[] = "PRAGMA page_size";

[[noreturn]] void no_such(std::string_view what, std::string_view key) {
  throw store_error(errc::item_failed, "store: no " + std::string(what) + " " + std::string(key));
}

query& bind_key(query& q, const text::part_key& k) {
  return q.bind(1, k.carrier)
      .bind(2, k.source)
      .bind(3, k.destination)
      .bind(4, static_cast<std::int64_t>(k.reference));
}

}  // namespace

// --- received --------------------------------------------------------------------------------

received_mo sqlite_transaction::record_received(const mo_pdu& mo, redelivery check) {
  const std::int64_t hash = detail::dedup_hash(mo);
  auto bind_all = [&](query& q) {
    q.bind(1, hash)
        .bind(2, mo.received_at)
        .bind(3, mo.carrier)
        .bind(4, mo.source)
        .bind(5, std::int64_t{mo.source_ton})
        .bind(6, std::int64_t{mo.source_npi})
        .bind(7, mo.destination)
        .bind(8, std::int64_t{mo.destination_ton})
        .bind(9, std::int64_t{mo.destination_npi})
        .bind(10, mo.service_type)
        .bind(11, std::int64_t{mo.esm_class})
        .bind(12, std::int64_t{mo.data_coding})
        .bind_blob(13, mo.short_message)
        .bind_blob(14, mo.tlvs);
  };
  if (check == redelivery::check) {
    auto q = c_.prepare(find_received_sql);
    bind_all(q);
    q.bind(2, mo.received_at - c_.dedup_window());
    if (q.step()) return received_mo{true, q.int64(0), q.opt_text(1), q.time(2)};
  }
  auto q = c_.prepare(insert_received_sql);
  bind_all(q);
  q.run();
  return received_mo{false, sqlite3_last_insert_rowid(c_.handle()), std::nullopt, mo.received_at};
}

// --- parts -----------------------------------------------------------------------------------

bool sqlite_transaction::put_part(const text::message_part& p) {
  auto q = c_.prepare(put_part_sql);
  bind_key(q, p.key)
      .bind(5, std::int64_t{p.sequence})
      .bind(6, std::int64_t{p.total})
      .bind(7, p.text)
      .bind(8, std::int64_t{p.replaced ? 1 : 0})
      .bind(9, p.received_at);
  q.run();
  return q.changes() == 1;
}

std::vector<text::message_part> sqlite_transaction::parts_of(const text::part_key& key) {
  std::vector<text::message_part> out;
  auto q = c_.prepare(parts_of_sql);
  bind_key(q, key);
  while (q.step()) {
    text::message_part p;
    p.key = key;
    p.sequence = static_cast<std::uint8_t>(q.int64(0));
    p.total = static_cast<std::uint8_t>(q.int64(1));
    p.text = q.text(2);
    p.replaced = q.int64(3) != 0;
    p.received_at = q.time(4);
    out.push_back(std::move(p));
  }
  return out;
}

void sqlite_transaction::erase_parts(const text::part_key& key) {
  auto q = c_.prepare(erase_parts_sql);
  bind_key(q, key);
  q.run();
}

std::vector<text::part_key> sqlite_transaction::part_keys_older_than(wall_time cutoff) {
  std::vector<text::part_key> out;
  auto q = c_.prepare(part_keys_older_sql);
  q.bind(1, cutoff);
  while (q.step())
    out.push_back(
        text::part_key{q.text(0), q.text(1), q.text(2), static_cast<std::uint16_t>(q.int64(3))});
  return out;
}

// --- refs and complaints ---------------------------------------------------------------------

std::uint64_t sqlite_transaction::next_ref_counter() {
  if (!c_.ref_counter) {
    auto q = c_.prepare(read_ref_sql);
    if (!q.step()) throw store_error(errc::internal, "store: the ref counter is missing");
    c_.ref_counter = static_cast<std::uint64_t>(q.int64(0));
  }
  c_.ref_counter_dirty = true;
  return ++*c_.ref_counter;
}

void sqlite_transaction::create_complaint(const new_complaint& c) {
  {
    auto q = c_.prepare(insert_complaint_sql);
    q.bind(1, c.ref)
        .bind(2, c.channel)
        .bind(3, c.carrier)
        .bind(4, c.service_number)
        .bind(5, c.reporter)
        .bind(6, std::int64_t{c.confidential ? 1 : 0});
    if (c.institution) {
      q.bind(7, c.institution->code)
          .bind(8, c.institution->name)
          .bind(9, c.institution->keyword)
          .bind(10, std::int64_t{c.institution->corrected ? 1 : 0})
          .bind(17, c.institution->routed_by);
    } else {
      q.bind(17, std::string_view("national"));
    }
    q.bind(11, c.text)
        .bind(12, std::int64_t{c.segments})
        .bind(13, std::int64_t{c.incomplete ? 1 : 0})
        .bind(14, c.created_at)
        .bind(15, c.received_id ? std::optional<std::int64_t>(c.received_id) : std::nullopt);
    // No key (NULL) matches no probe: better a missed duplicate than two texts merged.
    if (!c.duplicate_key.empty()) q.bind(16, c.duplicate_key);
    q.run();
  }
  if (c.received_id) {
    auto q = c_.prepare(link_received_sql);
    q.bind(1, c.ref).bind(2, c.received_id);
    q.run();
  }
}

std::optional<complaint> sqlite_transaction::complaint_by_ref(std::string_view ref) {
  auto q = c_.prepare(complaint_by_ref_sql);
  q.bind(1, ref);
  if (!q.step()) return std::nullopt;
  return read_complaint(q);
}

std::optional<std::string> sqlite_transaction::recent_complaint_with_key(
    std::string_view reporter, std::string_view duplicate_key, wall_time since) {
  auto q = c_.prepare(recent_with_key_sql);
  q.bind(1, reporter).bind(2, since).bind(3, duplicate_key);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

std::int64_t sqlite_transaction::complaints_since(std::string_view reporter, wall_time since) {
  auto q = c_.prepare(complaints_since_sql);
  q.bind(1, reporter).bind(2, since);
  return q.step() ? q.int64(0) : 0;
}

std::vector<complaint> sqlite_transaction::recent_complaints(wall_time since, int limit) {
  std::vector<complaint> out;
  auto q = c_.prepare(recent_complaints_sql);
  q.bind(1, since).bind(2, std::int64_t{limit});
  while (q.step())
    out.push_back(read_complaint(q));
  return out;
}

// --- reporters -------------------------------------------------------------------------------

bool sqlite_transaction::rate_notice_sent_since(std::string_view reporter, wall_time since) {
  auto q = c_.prepare(rate_notice_since_sql);
  q.bind(1, reporter).bind(2, since);
  return q.step();
}

void sqlite_transaction::mark_rate_notice(std::string_view reporter, wall_time at) {
  auto q = c_.prepare(mark_rate_notice_sql);
  q.bind(1, reporter).bind(2, at);
  q.run();
}

void sqlite_transaction::set_opt_out(std::string_view reporter, bool out, wall_time at) {
  auto q = c_.prepare(set_opt_out_sql);
  q.bind(1, reporter).bind(2, std::int64_t{out ? 1 : 0}).bind(3, at);
  q.run();
}

bool sqlite_transaction::opted_out(std::string_view reporter) {
  auto q = c_.prepare(opted_out_sql);
  q.bind(1, reporter);
  return q.step() && q.int64(0) != 0;
}

// --- events ----------------------------------------------------------------------------------

event_outcome sqlite_transaction::add_event(const status_event_view& e) {
  {
    auto q = c_.prepare(complaint_exists_sql);
    q.bind(1, e.ref);
    if (!q.step()) return event_outcome::unknown_ref;
  }
  std::optional<std::int64_t> latest;
  {
    auto q = c_.prepare(latest_event_at_sql);
    q.bind(1, e.ref);
    if (q.step()) latest = q.opt_int64(0);
  }
  {
    auto q = c_.prepare(insert_event_sql);
    q.bind(1, e.ref)
        .bind(2, e.status)
        .bind(3, e.at)
        .bind(4, e.institution)
        .bind(5, e.message)
        .bind(6, e.received_at);
    q.run();
    if (q.changes() == 0) return event_outcome::duplicate;
  }
  // The complaint shows the latest event by the store's own time, whatever order they came in.
  if (!latest || ms(e.at) >= *latest) {
    auto q = c_.prepare(set_status_sql);
    q.bind(1, e.status).bind(2, e.at).bind(3, e.received_at).bind(4, e.ref);
    q.run();
  } else {
    auto q = c_.prepare(touch_complaint_sql);
    q.bind(1, e.received_at).bind(2, e.ref);
    q.run();
  }
  return event_outcome::applied;
}

std::optional<complaint_view> sqlite_transaction::complaint_view_by_ref(std::string_view ref) {
  auto c = complaint_by_ref(ref);
  if (!c) return std::nullopt;
  complaint_view v;
  v.complaint = std::move(*c);
  {
    auto q = c_.prepare(events_of_sql);
    q.bind(1, ref);
    while (q.step())
      v.events.push_back(
          status_event{q.text(0), q.time(1), q.opt_text(2), q.opt_text(3), q.time(4)});
  }
  auto q = c_.prepare(forwarding_of_sql);
  q.bind(1, ref);
  if (q.step()) {
    forwarding f;
    std::string state = q.text(0);
    f.state = state == "forwarded" ? forward_state::forwarded
              : state == "parked"  ? forward_state::parked
              : q.int64(1) != 0    ? forward_state::in_flight
                                   : forward_state::pending;
    f.attempts = static_cast<int>(q.int64(2));
    f.enqueued_at = q.time(3);
    f.next_attempt_at = q.opt_time(4);
    if (auto s = q.opt_int64(5)) f.http_status = static_cast<int>(*s);
    f.last_error = q.opt_text(6);
    f.answer = q.opt_text(7);
    f.done_at = q.opt_time(8);
    v.forwarding = std::move(f);
    return v;
  }
  auto d = c_.prepare(dropped_of_sql);
  d.bind(1, ref);
  if (d.step()) {
    forwarding f;
    f.state = forward_state::dropped;
    f.attempts = static_cast<int>(d.int64(0));
    f.enqueued_at = d.time(1);
    if (auto s = d.opt_int64(2)) f.http_status = static_cast<int>(*s);
    f.last_error = d.opt_text(3);
    f.answer = d.opt_text(4);
    f.done_at = d.opt_time(5);
    f.dropped_at = d.time(6);
    f.drop_reason = d.opt_text(7);
    v.forwarding = std::move(f);
  }
  return v;
}

// --- outbox ----------------------------------------------------------------------------------

void sqlite_transaction::enqueue_forward(std::string_view ref, std::string_view payload,
                                         wall_time now) {
  auto q = c_.prepare(enqueue_forward_sql);
  q.bind(1, ref).bind(2, payload).bind(3, now);
  q.run();
}

std::vector<forward> sqlite_transaction::take_due_forwards(wall_time now, int limit,
                                                           std::chrono::milliseconds lease) {
  std::vector<std::pair<std::int64_t, forward>> rows;
  auto q = c_.prepare(take_forwards_sql);
  q.bind(1, now + lease).bind(2, now).bind(3, std::int64_t{limit});
  q.bind(4, c_.lease_owner).bind(5, c_.lease_epoch);
  while (q.step())
    rows.emplace_back(q.int64(3), forward{q.text(0), q.text(1), static_cast<int>(q.int64(2))});
  // RETURNING gives no order: hand them out oldest first.
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<forward> out;
  out.reserve(rows.size());
  for (auto& r : rows)
    out.push_back(std::move(r.second));
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

// --- replies ---------------------------------------------------------------------------------

std::int64_t sqlite_transaction::enqueue_reply(const new_reply& r) {
  auto q = c_.prepare(enqueue_reply_sql);
  q.bind(1, r.carrier)
      .bind(2, r.source)
      .bind(3, r.destination)
      .bind(4, r.text)
      .bind(5, r.kind)
      .bind(6, r.ref)
      .bind(7, r.created_at);
  q.run();
  return sqlite3_last_insert_rowid(c_.handle());
}

std::vector<reply> sqlite_transaction::take_due_replies(wall_time now, int limit,
                                                        std::chrono::milliseconds lease) {
  std::vector<reply> out;
  auto q = c_.prepare(take_replies_sql);
  q.bind(1, now + lease).bind(2, now).bind(3, std::int64_t{limit});
  q.bind(4, c_.lease_owner).bind(5, c_.lease_epoch);
  while (q.step())
    out.push_back(reply{q.int64(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5),
                        q.opt_text(6), static_cast<int>(q.int64(7))});
  std::sort(out.begin(), out.end(), [](const reply& a, const reply& b) { return a.id < b.id; });
  return out;
}

void sqlite_transaction::mark_reply_submitted(std::int64_t id,
                                              std::span<const std::string> message_ids,
                                              wall_time at) {
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
  {
    auto q = c_.prepare(find_segment_sql);
    q.bind(1, carrier).bind(2, message_id).bind(3, at - c_.receipt_window());
    if (!q.step()) return receipt_outcome::unknown_id;
    submitted_at = q.int64(0);
    reply_id = q.int64(1);
    segment = q.int64(2);
  }
  {
    auto q = c_.prepare(segment_receipt_sql);
    q.bind(1, stat).bind(2, at).bind(3, carrier).bind(4, message_id);
    q.bind(5, submitted_at).bind(6, reply_id).bind(7, segment);
    q.run();
  }
  {
    auto q = c_.prepare(reply_receipt_sql);
    q.bind(1, stat).bind(2, reply_id);
    q.run();
  }
  if (stat == "DELIVRD") {
    auto q = c_.prepare(reply_delivered_sql);
    q.bind(1, at).bind(2, reply_id);
    q.run();
  } else if (stat == "UNDELIV" || stat == "EXPIRED" || stat == "REJECTD" || stat == "DELETED" ||
             stat == "UNKNOWN") {
    auto q = c_.prepare(reply_receipt_failed_sql);
    q.bind(1, at).bind(2, stat).bind(3, reply_id);
    q.run();
  }
  return receipt_outcome::applied;
}

std::optional<reply_status> sqlite_transaction::reply_status_of(std::int64_t id) {
  reply_status s;
  {
    auto q = c_.prepare(reply_status_sql);
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    std::string state = q.text(0);
    s.state = state == "submitted"   ? reply_state::submitted
              : state == "delivered" ? reply_state::delivered
              : state == "failed"    ? reply_state::failed
              : q.int64(1) != 0      ? reply_state::in_flight
                                     : reply_state::queued;
    s.attempts = static_cast<int>(q.int64(2));
    s.receipt = q.opt_text(3);
    s.last_error = q.opt_text(4);
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

// --- operations ------------------------------------------------------------------------------

queue_counts sqlite_transaction::counts() {
  queue_counts n;
  auto one = [&](const char* sql, std::int64_t& a, std::int64_t* b) {
    auto q = c_.prepare(sql);
    if (q.step()) {
      a = q.int64(0);
      if (b) *b = q.int64(1);
    }
  };
  std::int64_t leased = 0;
  one(count_outbox_pending_sql, n.outbox_pending, &leased);
  n.outbox_pending -= leased;
  n.outbox_in_flight = leased;
  one(count_outbox_parked_sql, n.outbox_parked, nullptr);
  one(count_outbox_dropped_sql, n.outbox_dropped, nullptr);
  one(count_replies_queued_sql, n.replies_queued, &leased);
  n.replies_queued -= leased;
  n.replies_in_flight = leased;
  one(count_replies_failed_sql, n.replies_failed, nullptr);
  one(count_part_keys_sql, n.part_keys, nullptr);
  return n;
}

void sqlite_transaction::limit_size(std::uint64_t max_bytes) {
  std::int64_t page = 4096;
  {
    auto q = c_.prepare(page_size_sql);
    if (q.step()) page = q.int64(0);
  }
  // 0 lifts the cap: SQLite's own maximum page count.
  std::uint64_t pages = max_bytes == 0 ? 4294967294ULL
                                       : (max_bytes + static_cast<std::uint64_t>(page) - 1) /
                                             static_cast<std::uint64_t>(page);
  std::string sql = "PRAGMA max_page_count=" + std::to_string(pages);
  c_.exec(sql.c_str());
}

complaint read_complaint(const query& q) {
  complaint c;
  c.ref = q.text(0);
  c.channel = q.text(1);
  c.carrier = q.text(2);
  c.service_number = q.text(3);
  c.reporter = q.text(4);
  c.confidential = q.int64(5) != 0;
  if (!q.is_null(6)) {
    c.institution = institution{q.text(6), q.text(7), q.text(8), q.int64(9) != 0, q.text(18)};
  }
  c.text = q.text(10);
  c.segments = static_cast<int>(q.int64(11));
  c.incomplete = q.int64(12) != 0;
  c.status = q.text(13);
  c.status_at = q.time(14);
  c.created_at = q.time(15);
  c.updated_at = q.time(16);
  c.tracking_id = q.opt_text(17);
  return c;
}

void connection::before_commit() {
  if (!ref_counter_dirty) return;
  auto q = prepare(write_ref_sql);
  q.bind(1, static_cast<std::int64_t>(*ref_counter));
  q.run();
  ref_counter_dirty = false;
}

}  // namespace lapord::store::sqlite
