// The PostgreSQL backend's domain operations, part: received MOs, parts of long messages, refs,
// complaints, reporters and status events. The same operations, the same meaning as
// src/store/sqlite/complaints.cpp, in PostgreSQL's SQL.

#include <string>

#include "store/dedup_key.hpp"
#include "store/postgresql/complaint_row.hpp"
#include "store/postgresql/connection.hpp"

namespace lapord::store::postgresql {

namespace {

// --- SQL (named arrays: their addresses key the prepared statements) ----------

// --- SQL (named arrays: their addresses key the prepared statements) ---------------------

// dedup_hash<>0 names the partial index received_dedup (schema 8) to the planner.
constexpr char find_received_sql[] =
    "SELECT id, ref, received_at FROM received WHERE dedup_hash=$1 AND dedup_hash<>0 "
    "AND received_at>=$2 "
    "AND carrier=$3 AND source=$4 AND source_ton=$5 AND source_npi=$6 AND destination=$7 "
    "AND destination_ton=$8 AND destination_npi=$9 AND service_type=$10 AND esm_class=$11 "
    "AND data_coding=$12 AND short_message=$13 AND tlvs=$14 ORDER BY id LIMIT 1";
constexpr char insert_received_sql[] =
    "INSERT INTO received (dedup_hash, received_at, carrier, source, source_ton, source_npi, "
    "destination, destination_ton, destination_npi, service_type, esm_class, data_coding, "
    "short_message, tlvs, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
    "$14, $15)";

// The oldest `limit` rows by id (arrival order), those of them older than the cutoff: at most
// `limit` rows read, whatever the table's size (see src/store/sqlite/complaints.cpp).
constexpr char expire_received_sql[] =
    "DELETE FROM received WHERE id IN (SELECT id FROM received ORDER BY id LIMIT $2) "
    "AND received_at<$1";

constexpr char put_part_sql[] =
    "INSERT INTO parts (carrier, source, destination, reference, seq, total, text, replaced, "
    "received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING";
constexpr char parts_of_sql[] =
    "SELECT seq, total, text, replaced, received_at FROM parts WHERE carrier=$1 AND source=$2 "
    "AND destination=$3 AND reference=$4 ORDER BY seq";
constexpr char erase_parts_sql[] =
    "DELETE FROM parts WHERE carrier=$1 AND source=$2 AND destination=$3 AND reference=$4";

constexpr char link_received_sql[] = "UPDATE received SET ref=$1 WHERE id=$2";

#define LAPORD_COMPLAINT_COLUMNS                                                      \
  "ref, channel, carrier, service_number, reporter, confidential, institution_code, " \
  "institution_name, institution_keyword, institution_corrected, text, segments, "    \
  "incomplete, status, status_at, created_at, updated_at, tracking_id, routed_by"
constexpr char complaint_by_ref_sql[] =
    "SELECT " LAPORD_COMPLAINT_COLUMNS " FROM complaints WHERE ref=$1";
constexpr char recent_complaints_sql[] = "SELECT " LAPORD_COMPLAINT_COLUMNS
                                         " FROM complaints WHERE created_at>=$1 "
                                         "ORDER BY seq DESC LIMIT $2";
#undef LAPORD_COMPLAINT_COLUMNS
// complaints_reporter leads with the day (schema 10; dedup_key.hpp, reporter_day): the probes
// look up each day from since's to the newest complaint's (`= ANY` of them: one index descent
// per day, the newest day from the index's last entry). The hash narrows in the index; the key
// confirms. NULL hash: stored before schema 8.
#define LAPORD_DAYS_FROM(since)                                    \
  "created_at/86400000 = ANY(ARRAY(SELECT generate_series((" since \
  ")::int8/86400000, "                                             \
  "(SELECT max(created_at/86400000) FROM complaints))))"
constexpr char recent_with_key_sql[] =
    "SELECT ref FROM complaints WHERE " LAPORD_DAYS_FROM("$2") " AND reporter=$1 AND "
    "created_at>=$2 AND (duplicate_hash=$4 OR duplicate_hash IS NULL) AND duplicate_key=$3 "
    "ORDER BY created_at LIMIT 1";
constexpr char complaints_since_sql[] = "SELECT count(*) FROM complaints WHERE " LAPORD_DAYS_FROM(
    "$2") " AND reporter=$1 AND created_at>=$2";

// facts_about: the three probes above in one statement (one round trip); the duplicate
// probe narrowed by the key's hash in the index as recent_with_key_sql.
constexpr char facts_about_sql[] =
    "SELECT (SELECT ref FROM complaints WHERE " LAPORD_DAYS_FROM("$2") " AND reporter=$1 AND "
    "created_at>=$2 AND (duplicate_hash=$5 OR duplicate_hash IS NULL) AND duplicate_key=$3 "
    "ORDER BY created_at LIMIT 1), "
    "(SELECT count(*) FROM complaints WHERE " LAPORD_DAYS_FROM("$4") " AND reporter=$1 AND "
    "created_at>=$4), "
    "EXISTS (SELECT 1 FROM reporters WHERE msisdn=$1 AND last_rate_notice_at>=$4)";
#undef LAPORD_DAYS_FROM

constexpr char rate_notice_since_sql[] =
    "SELECT 1 FROM reporters WHERE msisdn=$1 AND last_rate_notice_at>=$2";
constexpr char mark_rate_notice_sql[] =
    "INSERT INTO reporters (msisdn, last_rate_notice_at) VALUES ($1, $2) "
    "ON CONFLICT (msisdn) DO UPDATE SET last_rate_notice_at=excluded.last_rate_notice_at";
constexpr char set_opt_out_sql[] =
    "INSERT INTO reporters (msisdn, opted_out, opt_changed_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (msisdn) DO UPDATE SET opted_out=excluded.opted_out, "
    "opt_changed_at=excluded.opt_changed_at";
constexpr char opted_out_sql[] = "SELECT opted_out FROM reporters WHERE msisdn=$1";

constexpr char complaint_exists_sql[] = "SELECT 1 FROM complaints WHERE ref=$1";
constexpr char latest_event_at_sql[] = "SELECT max(at) FROM events WHERE ref=$1";
constexpr char insert_event_sql[] =
    "INSERT INTO events (ref, status, at, institution, message, received_at) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
constexpr char set_status_sql[] =
    "UPDATE complaints SET status=$1, status_at=$2, updated_at=$3 WHERE ref=$4";
constexpr char events_of_sql[] =
    "SELECT status, at, institution, message, received_at FROM events WHERE ref=$1 "
    "ORDER BY at, received_at";
constexpr char forwarding_of_sql[] =
    "SELECT forward_state, forward_leased, forward_attempts, "
    "coalesce(forward_enqueued_at, created_at), forward_next_at, forward_http_status, "
    "forward_error, forward_answer, forward_done_at FROM complaints "
    "WHERE ref=$1 AND forward_state IS NOT NULL";
constexpr char dropped_of_sql[] =
    "SELECT attempts, enqueued_at, http_status, last_error, answer, parked_at, dropped_at, "
    "reason FROM dropped_forwards WHERE ref=$1";

}  // namespace

// Also the outbox's (outbox.cpp): declared in pg_transaction.hpp.
extern const char touch_complaint_sql[] = "UPDATE complaints SET updated_at=$1 WHERE ref=$2";

// --- received --------------------------------------------------------------------------------

received_mo pg_transaction::record_received(const mo_pdu& mo, redelivery check) {
  // A whole message is never looked up (redelivery::keep): key 0, no index entry (schema 8).
  const std::int64_t hash = check == redelivery::keep ? 0 : detail::dedup_hash(mo);
  auto all = [&](wall_time since) {
    params p;
    p.add(hash)
        .add(since)
        .add(mo.carrier)
        .add(mo.source)
        .add(std::int64_t{mo.source_ton})
        .add(std::int64_t{mo.source_npi})
        .add(mo.destination)
        .add(std::int64_t{mo.destination_ton})
        .add(std::int64_t{mo.destination_npi})
        .add(mo.service_type)
        .add(std::int64_t{mo.esm_class})
        .add(std::int64_t{mo.data_coding})
        .add_bytes(mo.short_message)
        .add_bytes(mo.tlvs);
    return p;
  };
  if (check == redelivery::check) {
    auto found = c_.pq().run(find_received_sql, all(mo.received_at - c_.dedup_window()));
    if (found.rows() > 0)
      return received_mo{true, found.int64(0, 0), found.opt_text(0, 1), found.time(0, 2)};
  }
  // The id from the connection's block of the sequence: the row can wait, and goes with the
  // batch's others (deferred_rows.hpp).
  const std::int64_t id = c_.next_id(connection::id_of::received);
  c_.rows().add_received(mo, hash, id);
  return received_mo{false, id, std::nullopt, mo.received_at};
}

std::int64_t pg_transaction::expire_received(wall_time before, int limit) {
  return c_.pq().run(expire_received_sql, params().add(before).add(std::int64_t{limit})).affected();
}

// --- parts -----------------------------------------------------------------------------------

namespace {
params& add_key(params& p, const text::part_key& k) {
  return p.add(k.carrier).add(k.source).add(k.destination).add(std::int64_t{k.reference});
}
}  // namespace

bool pg_transaction::put_part(const text::message_part& part) {
  params p;
  add_key(p, part.key)
      .add(std::int64_t{part.sequence})
      .add(std::int64_t{part.total})
      .add(part.text)
      .add(part.replaced)
      .add(part.received_at);
  return c_.pq().run(put_part_sql, p).affected() == 1;
}

std::vector<text::message_part> pg_transaction::parts_of(const text::part_key& key) {
  params p;
  auto r = c_.pq().run(parts_of_sql, add_key(p, key));
  std::vector<text::message_part> out;
  for (int i = 0; i < r.rows(); ++i) {
    text::message_part m;
    m.key = key;
    m.sequence = static_cast<std::uint8_t>(r.int64(i, 0));
    m.total = static_cast<std::uint8_t>(r.int64(i, 1));
    m.text = r.text(i, 2);
    m.replaced = r.int64(i, 3) != 0;
    m.received_at = r.time(i, 4);
    out.push_back(std::move(m));
  }
  return out;
}

void pg_transaction::erase_parts(const text::part_key& key) {
  params p;
  c_.pq().run(erase_parts_sql, add_key(p, key));
}

// --- refs and complaints ---------------------------------------------------------------------

std::uint64_t pg_transaction::next_ref_counter() {
  return c_.next_ref();  // from a block of the counter (connection.hpp)
}

void pg_transaction::create_complaint(const new_complaint& c) {
  // Kept back and written with the batch's others: a duplicate ref fails this item when the
  // writer settles it (deferred_rows.hpp). Its received row, if still kept back, gets the ref
  // there rather than by an UPDATE.
  c_.rows().add_complaint(c);
  if (c.received_id && !c_.rows().link_received(c.received_id, c.ref))
    c_.pq().send(link_received_sql, params().add(c.ref).add(c.received_id));
  // Kept back too: it joins the complaint's INSERT (outbox.cpp).
  if (c.forward) enqueue_forward(c.ref, c.created_at, c.forward->lease);
}

std::optional<complaint> pg_transaction::complaint_by_ref(std::string_view ref) {
  auto r = c_.pq().run(complaint_by_ref_sql, params().add(ref));
  if (r.rows() == 0) return std::nullopt;
  return read_complaint(r, 0);
}

std::optional<std::string> pg_transaction::recent_complaint_with_key(std::string_view reporter,
                                                                     std::string_view duplicate_key,
                                                                     wall_time since) {
  auto r = c_.pq().run(recent_with_key_sql, params()
                                                .add(reporter)
                                                .add(since)
                                                .add(duplicate_key)
                                                .add(detail::duplicate_hash(duplicate_key)));
  if (r.rows() == 0) return std::nullopt;
  return r.text(0, 0);
}

reporter_facts pg_transaction::facts_about(std::string_view reporter,
                                           std::string_view duplicate_key,
                                           wall_time duplicate_since, wall_time hour_since) {
  // The batch's citizens were read at its first complaint (facts_cache.hpp); otherwise one
  // statement. Both beside the rows kept back, which it adds itself: so the batch's complaints
  // stay kept back (one INSERT for them all) and still count.
  reporter_facts f;
  if (auto cached =
          c_.facts().lookup(c_.pq(), reporter, duplicate_key, duplicate_since, hour_since)) {
    f = std::move(*cached);
  } else {
    auto r = c_.pq().run_beside_deferred(facts_about_sql,
                                         params()
                                             .add(reporter)
                                             .add(duplicate_since)
                                             .add(duplicate_key)
                                             .add(hour_since)
                                             .add(detail::duplicate_hash(duplicate_key)));
    f.duplicate_ref = r.opt_text(0, 0);
    f.complaints_since = r.int64(0, 1);
    f.rate_notice_sent = r.boolean(0, 2);
  }
  const bool stored_duplicate = f.duplicate_ref.has_value();  // committed first: it wins
  std::optional<wall_time> first_at;  // of the kept-back duplicate found, if any
  for (const pending_complaint& p : c_.rows().pending_complaints()) {
    if (p.reporter != reporter) continue;
    if (p.created_at >= hour_since) ++f.complaints_since;
    if (!stored_duplicate && !duplicate_key.empty() && p.duplicate_key == duplicate_key &&
        p.created_at >= duplicate_since && (!first_at || p.created_at < *first_at)) {
      first_at = p.created_at;
      f.duplicate_ref = p.ref;  // no stored one: the batch's first
    }
  }
  return f;
}

std::int64_t pg_transaction::complaints_since(std::string_view reporter, wall_time since) {
  auto r = c_.pq().run(complaints_since_sql, params().add(reporter).add(since));
  return r.rows() ? r.int64(0, 0) : 0;
}

std::vector<complaint> pg_transaction::recent_complaints(wall_time since, int limit) {
  auto r = c_.pq().run(recent_complaints_sql, params().add(since).add(std::int64_t{limit}));
  std::vector<complaint> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(read_complaint(r, i));
  return out;
}

// --- reporters -------------------------------------------------------------------------------

bool pg_transaction::rate_notice_sent_since(std::string_view reporter, wall_time since) {
  return c_.pq().run(rate_notice_since_sql, params().add(reporter).add(since)).rows() > 0;
}

void pg_transaction::mark_rate_notice(std::string_view reporter, wall_time at) {
  c_.pq().send(mark_rate_notice_sql, params().add(reporter).add(at));
  c_.facts().rate_notice(reporter, at);
}

void pg_transaction::set_opt_out(std::string_view reporter, bool out, wall_time at) {
  c_.pq().send(set_opt_out_sql, params().add(reporter).add(out).add(at));
}

bool pg_transaction::opted_out(std::string_view reporter) {
  auto r = c_.pq().run(opted_out_sql, params().add(reporter));
  return r.rows() > 0 && r.int64(0, 0) != 0;
}

// --- events ----------------------------------------------------------------------------------

event_outcome pg_transaction::add_event(const status_event_view& e) {
  if (c_.pq().run(complaint_exists_sql, params().add(e.ref)).rows() == 0)
    return event_outcome::unknown_ref;
  auto l = c_.pq().run(latest_event_at_sql, params().add(e.ref));
  const std::optional<std::int64_t> latest = l.rows() ? l.opt_int64(0, 0) : std::nullopt;
  params ins;
  ins.add(e.ref).add(e.status).add(e.at).add(e.institution).add(e.message).add(e.received_at);
  if (c_.pq().run(insert_event_sql, ins).affected() == 0) return event_outcome::duplicate;
  // The complaint shows the latest event by the store's own time, whatever order they came in.
  if (!latest || e.at.time_since_epoch().count() >= *latest)
    c_.pq().run(set_status_sql, params().add(e.status).add(e.at).add(e.received_at).add(e.ref));
  else
    c_.pq().run(touch_complaint_sql, params().add(e.received_at).add(e.ref));
  return event_outcome::applied;
}

std::optional<complaint_view> pg_transaction::complaint_view_by_ref(std::string_view ref) {
  auto c = complaint_by_ref(ref);
  if (!c) return std::nullopt;
  complaint_view v;
  v.complaint = std::move(*c);
  auto ev = c_.pq().run(events_of_sql, params().add(ref));
  for (int i = 0; i < ev.rows(); ++i)
    v.events.push_back(status_event{ev.text(i, 0), ev.time(i, 1), ev.opt_text(i, 2),
                                    ev.opt_text(i, 3), ev.time(i, 4)});
  auto q = c_.pq().run(forwarding_of_sql, params().add(ref));
  if (q.rows() > 0) {
    forwarding f;
    const auto state = q.view(0, 0);
    f.state = state == "forwarded" ? forward_state::forwarded
              : state == "parked"  ? forward_state::parked
              : q.int64(0, 1) != 0 ? forward_state::in_flight
                                   : forward_state::pending;
    f.attempts = static_cast<int>(q.int64(0, 2));
    f.enqueued_at = q.time(0, 3);
    f.next_attempt_at = q.opt_time(0, 4);
    if (auto s = q.opt_int64(0, 5)) f.http_status = static_cast<int>(*s);
    f.last_error = q.opt_text(0, 6);
    f.answer = q.opt_text(0, 7);
    f.done_at = q.opt_time(0, 8);
    v.forwarding = std::move(f);
    return v;
  }
  auto d = c_.pq().run(dropped_of_sql, params().add(ref));
  if (d.rows() > 0) {
    forwarding f;
    f.state = forward_state::dropped;
    f.attempts = static_cast<int>(d.int64(0, 0));
    f.enqueued_at = d.time(0, 1);
    if (auto s = d.opt_int64(0, 2)) f.http_status = static_cast<int>(*s);
    f.last_error = d.opt_text(0, 3);
    f.answer = d.opt_text(0, 4);
    f.done_at = d.opt_time(0, 5);
    f.dropped_at = d.time(0, 6);
    f.drop_reason = d.opt_text(0, 7);
    v.forwarding = std::move(f);
  }
  return v;
}

complaint read_complaint(const result& r, int i) {
  complaint c;
  c.ref = r.text(i, 0);
  c.channel = r.text(i, 1);
  c.carrier = r.text(i, 2);
  c.service_number = r.text(i, 3);
  c.reporter = r.text(i, 4);
  c.confidential = r.int64(i, 5) != 0;
  if (!r.is_null(i, 6))
    c.institution =
        institution{r.text(i, 6), r.text(i, 7), r.text(i, 8), r.int64(i, 9) != 0, r.text(i, 18)};
  c.text = r.text(i, 10);
  c.segments = static_cast<int>(r.int64(i, 11));
  c.incomplete = r.int64(i, 12) != 0;
  c.status = r.text(i, 13);
  c.status_at = r.time(i, 14);
  c.created_at = r.time(i, 15);
  c.updated_at = r.time(i, 16);
  c.tracking_id = r.opt_text(i, 17);
  return c;
}

}  // namespace lapord::store::postgresql
