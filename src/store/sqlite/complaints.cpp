// The SQLite backend's domain operations, part: received MOs, parts of long messages, refs,
// complaints, reporters and status events.

#include <algorithm>
#include <limits>
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

// dedup_hash<>0 lets the planner use the partial index received_dedup (schema 8).
constexpr char find_received_sql[] =
    "SELECT id, ref, received_at FROM received WHERE dedup_hash=?1 AND dedup_hash<>0 "
    "AND received_at>=?2 "
    "AND carrier=?3 AND source=?4 AND source_ton=?5 AND source_npi=?6 AND destination=?7 "
    "AND destination_ton=?8 AND destination_npi=?9 AND service_type=?10 AND esm_class=?11 "
    "AND data_coding=?12 AND short_message=?13 AND tlvs=?14 ORDER BY id LIMIT 1";
constexpr char insert_received_sql[] =
    "INSERT INTO received (dedup_hash, carrier, source, source_ton, source_npi, destination, "
    "destination_ton, destination_npi, service_type, esm_class, data_coding, short_message, "
    "tlvs, received_at) VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?2)";

// The oldest `limit` rows by id (arrival order), those of them older than the cutoff: at most
// `limit` rows read, whatever the table's size; a row the clock put out of order waits its turn.
constexpr char expire_received_sql[] =
    "DELETE FROM received WHERE id IN (SELECT id FROM received ORDER BY id LIMIT ?2) "
    "AND received_at<?1";

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

#define LAPORD_INSERT_COMPLAINT(columns, values)                                       \
  "INSERT INTO complaints (number, ref, channel, carrier, service_number, reporter, "  \
  "confidential, institution_code, institution_name, institution_keyword, "            \
  "institution_corrected, text, segments, incomplete, status, status_at, created_at, " \
  "updated_at, received_id, duplicate_key, routed_by, duplicate_hash" columns          \
  ") VALUES (?23, ?1, ?2, ?3, ?4, ?5, ?6, ?7, "                                        \
  "?8, ?9, ?10, ?11, ?12, ?13, 'received', ?14, ?14, ?14, ?15, ?16, ?17, ?18" values ")"
constexpr char insert_complaint_sql[] = LAPORD_INSERT_COMPLAINT("", "");
// The same with its forward queued (new_complaint::forward): the columns outbox.cpp's
// enqueue_forward_sql sets, written with the row (?19: 1 taken, 0 due; ?20 next attempt or
// lease end; owner and epoch NULL when due). forward_enqueued_at is written (= created_at, which
// NULL also means) to keep room in the row for the outcome, which clears it (outbox.cpp).
constexpr char insert_forwarded_complaint_sql[] = LAPORD_INSERT_COMPLAINT(
    ", forward_state, forward_leased, forward_attempts, forward_next_at, forward_lease_owner, "
    "forward_lease_epoch, forward_enqueued_at",
    ", 'pending', ?19, ?19, ?20, ?21, ?22, ?14");
#undef LAPORD_INSERT_COMPLAINT
// Only a part's or a receipt's row (dedup_hash<>0: the redelivery check reads its ref); a whole
// message's is found from its complaint's received_id (schema 14: ~10 bytes a row and its growth).
constexpr char link_received_sql[] = "UPDATE received SET ref=? WHERE id=? AND dedup_hash<>0";

constexpr char complaint_by_ref_sql[] =
    "SELECT " LAPORD_SQLITE_COMPLAINT_COLUMNS " FROM complaints WHERE number=?1 AND ref=?2";
constexpr char recent_complaints_sql[] = "SELECT " LAPORD_SQLITE_COMPLAINT_COLUMNS
                                         " FROM complaints WHERE created_at>=? "
                                         "ORDER BY rowid DESC LIMIT ?";
// Served by complaints_reporter(created_at/86400000, reporter, created_at, duplicate_hash)
// (schema 10; dedup_key.hpp, reporter_day): one day of the index per statement (?5), so the
// entries come in created_at order. The hash is compared in the index, the row is read only to
// confirm the key of a match (or of one stored before schema 8, hash NULL; its text folded
// when none is stored, schema 14).
// The `_from_day` forms read every day from ?5 on in one range (a caller asking far back).
#define LAPORD_DUPLICATE_PROBE(day)                                       \
  "SELECT ref FROM complaints WHERE created_at/86400000" day              \
  " AND reporter=?1 "                                                     \
  "AND created_at>=?2 AND (duplicate_hash=?4 OR duplicate_hash IS NULL) " \
  "AND coalesce(duplicate_key, lapord_duplicate_key(text))=?3 ORDER BY created_at LIMIT 1"
constexpr char recent_with_key_sql[] = LAPORD_DUPLICATE_PROBE("=?5");
constexpr char recent_with_key_from_day_sql[] = LAPORD_DUPLICATE_PROBE(">=?5");
// facts_about's usual case in one step where there were four: the probes of since's day (?5)
// and the next (a 24-hour window spans two), the count of the hour's day (?7, since ?6) and
// the rate notice, each the statement of its own call with the same index reads.
constexpr char facts_sql[] =
    "SELECT (" LAPORD_DUPLICATE_PROBE("=?5") "), (" LAPORD_DUPLICATE_PROBE("=?5+1") "), "
    "(SELECT count(*) FROM complaints WHERE created_at/86400000=?7 AND reporter=?1 "
    "AND created_at>=?6), "
    "EXISTS (SELECT 1 FROM reporters WHERE msisdn=?1 AND last_rate_notice_at>=?6)";
#undef LAPORD_DUPLICATE_PROBE
constexpr char complaints_since_sql[] =
    "SELECT count(*) FROM complaints WHERE created_at/86400000=?3 AND reporter=?1 "
    "AND created_at>=?2";
constexpr char complaints_since_from_day_sql[] =
    "SELECT count(*) FROM complaints WHERE created_at/86400000>=?3 AND reporter=?1 "
    "AND created_at>=?2";
// The last entry of complaints_reporter: the newest complaint's day (NULL: none).
constexpr char newest_day_sql[] = "SELECT max(created_at/86400000) FROM complaints";

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

constexpr char complaint_exists_sql[] = "SELECT 1 FROM complaints WHERE number=?1 AND ref=?2";
constexpr char latest_event_at_sql[] = "SELECT max(at) FROM events WHERE ref=?";
constexpr char insert_event_sql[] =
    "INSERT INTO events (ref, status, at, institution, message, received_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
constexpr char set_status_sql[] =
    "UPDATE complaints SET status=?, status_at=?, updated_at=? WHERE number=?";
constexpr char events_of_sql[] =
    "SELECT status, at, institution, message, received_at FROM events WHERE ref=? "
    "ORDER BY at, received_at";
constexpr char forwarding_of_sql[] =
    "SELECT forward_state, forward_leased, forward_attempts, "
    "coalesce(forward_enqueued_at, created_at), forward_next_at, forward_http_status, "
    "forward_error, forward_answer, forward_done_at FROM complaints "
    "WHERE number=? AND forward_state IS NOT NULL";
constexpr char dropped_of_sql[] =
    "SELECT attempts, enqueued_at, http_status, last_error, answer, parked_at, dropped_at, "
    "reason FROM dropped_forwards WHERE ref=?";

query& bind_key(query& q, const text::part_key& k) {
  return q.bind(1, k.carrier)
      .bind(2, k.source)
      .bind(3, k.destination)
      .bind(4, static_cast<std::int64_t>(k.reference));
}

}  // namespace

// Also the outbox's (outbox.cpp): declared in sqlite_transaction.hpp.
extern const char touch_complaint_sql[] = "UPDATE complaints SET updated_at=? WHERE number=?";

// --- received --------------------------------------------------------------------------------

received_mo sqlite_transaction::record_received(const mo_pdu& mo, redelivery check) {
  // A whole message is never looked up (redelivery::keep): key 0, no index entry (schema 8).
  const std::int64_t hash = check == redelivery::keep ? 0 : detail::dedup_hash(mo);
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
  unkeyed_received_ = hash == 0 ? sqlite3_last_insert_rowid(c_.handle()) : 0;
  return received_mo{false, sqlite3_last_insert_rowid(c_.handle()), std::nullopt, mo.received_at};
}

std::int64_t sqlite_transaction::expire_received(wall_time before, int limit) {
  auto q = c_.prepare(expire_received_sql);
  q.bind(1, before).bind(2, std::int64_t{limit});
  q.run();
  return q.changes();
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
  const auto number = c.number ? c_.remember_number(c.ref, *c.number) : c_.number_of(c.ref);
  if (!number)
    throw store_error(errc::item_failed,
                      "store: '" + std::string(c.ref) + "' is no ref of this store's key");
  {
    auto q = c_.prepare(c.forward ? insert_forwarded_complaint_sql : insert_complaint_sql);
    q.bind(23, *number);
    if (c.forward) bind_forward(q, 19, c_, c.created_at, c.forward->lease);
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
    if (!c.duplicate_key.empty()) q.bind(18, detail::duplicate_hash(c.duplicate_key));
    q.bind(16, c_.duplicate_key_to_store(c));
    q.run();
  }
  filed(*number, c.ref);  // its acknowledgement names it by number (replies.cpp)
  if (c_.newest_day) c_.newest_day = std::max(*c_.newest_day, detail::reporter_day(c.created_at));
  if (c.received_id && c.received_id != unkeyed_received_)  // a whole MO's: it would match none
    c_.prepare(link_received_sql).bind(1, c.ref).bind(2, c.received_id).run();
}

std::optional<complaint> sqlite_transaction::complaint_by_ref(std::string_view ref) {
  // By its number, then the ref confirmed: a ref of another length or key that gives the number
  // of someone else's complaint finds nothing.
  auto q = c_.prepare(complaint_by_ref_sql);
  q.bind(1, c_.number_of(ref)).bind(2, ref);
  if (!q.step()) return std::nullopt;
  return read_complaint(q);
}

std::int64_t sqlite_transaction::newest_day() {
  if (!c_.newest_day) {
    auto q = c_.prepare(newest_day_sql);
    c_.newest_day =
        q.step() && !q.is_null(0) ? q.int64(0) : std::numeric_limits<std::int64_t>::min();
  }
  return *c_.newest_day;
}

std::optional<std::string> sqlite_transaction::recent_complaint_with_key(
    std::string_view reporter, std::string_view duplicate_key, wall_time since) {
  const std::int64_t first = detail::reporter_day(since);
  const std::int64_t last = newest_day();
  // No complaint on or after since's day; or no key, which matches nothing (as NULL).
  if (last < first || duplicate_key.empty()) return {};
  const bool one_range = last - first >= detail::max_probed_days;
  // The oldest match: the days in order, each day's entries in created_at order.
  for (std::int64_t day = first; day <= last; ++day) {
    auto q = c_.prepare(one_range ? recent_with_key_from_day_sql : recent_with_key_sql);
    q.bind(1, reporter).bind(2, since).bind(3, duplicate_key);
    q.bind(4, detail::duplicate_hash(duplicate_key)).bind(5, day);
    if (q.step()) return q.text(0);
    if (one_range) break;
  }
  return std::nullopt;
}

// One statement (facts_sql) when the probes read at most two days and the count one: every
// statement costs its step, cursors and reset (~1.5k instructions) whatever it finds. Else the
// three calls, as they are.
reporter_facts sqlite_transaction::facts_about(std::string_view reporter,
                                               std::string_view duplicate_key,
                                               wall_time duplicate_since, wall_time hour_since) {
  reporter_facts f;
  const std::int64_t first = detail::reporter_day(duplicate_since);
  const std::int64_t hour_day = detail::reporter_day(hour_since);
  const std::int64_t last = newest_day();  // none later; INT64_MIN if none: no last - first
  if (duplicate_key.empty() || last > first + 1 || last > hour_day) {
    f.duplicate_ref = recent_complaint_with_key(reporter, duplicate_key, duplicate_since);
    f.complaints_since = complaints_since(reporter, hour_since);
    f.rate_notice_sent = rate_notice_sent_since(reporter, hour_since);
    return f;
  }
  auto q = c_.prepare(facts_sql);
  q.bind(1, reporter).bind(2, duplicate_since).bind(3, duplicate_key);
  q.bind(4, detail::duplicate_hash(duplicate_key)).bind(5, first);
  q.bind(6, hour_since).bind(7, hour_day);
  if (!q.step()) return f;
  if (!q.is_null(0) || !q.is_null(1)) f.duplicate_ref = q.text(q.is_null(0) ? 1 : 0);
  f.complaints_since = q.int64(2);
  f.rate_notice_sent = q.int64(3) != 0;
  return f;
}

std::int64_t sqlite_transaction::complaints_since(std::string_view reporter, wall_time since) {
  const std::int64_t first = detail::reporter_day(since);
  const std::int64_t last = newest_day();
  if (last < first) return {};  // no complaint on or after since's day
  const bool one_range = last - first >= detail::max_probed_days;
  std::int64_t n = 0;
  for (std::int64_t day = first; day <= last; ++day) {
    auto q = c_.prepare(one_range ? complaints_since_from_day_sql : complaints_since_sql);
    q.bind(1, reporter).bind(2, since).bind(3, day);
    if (q.step()) n += q.int64(0);
    if (one_range) break;
  }
  return n;
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
  c_.prepare(mark_rate_notice_sql).bind(1, reporter).bind(2, at).run();
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
  const auto number = c_.number_of(e.ref);
  {
    auto q = c_.prepare(complaint_exists_sql);
    q.bind(1, number).bind(2, e.ref);
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
    q.bind(1, e.status).bind(2, e.at).bind(3, e.received_at).bind(4, number);
    q.run();
  } else {
    auto q = c_.prepare(touch_complaint_sql);
    q.bind(1, e.received_at).bind(2, number);
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
  q.bind(1, c_.number_of(ref));  // the complaint, ref confirmed, is there
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

void connection::before_commit() {
  if (!ref_counter_dirty) return;
  auto q = prepare(write_ref_sql);
  q.bind(1, static_cast<std::int64_t>(*ref_counter));
  q.run();
  ref_counter_dirty = false;
}

}  // namespace lapord::store::sqlite
