#include "store/postgresql/receipts.hpp"

#include <algorithm>

namespace lapord::store::postgresql {

namespace {

// One row per receipt (m, in arrival order: ord), its ids (i: the receipt's ord, the form's
// rank, the id), and the receipts of this round ($22; NULL: all).
// - d: the redelivery probe of each, as record_received's (find_received_sql);
// - f: the segment each credits, as apply_receipt's: its first id form that names one, the
//   newest segment with that id within the receipt window (in reply_segments or a reply's row:
//   segment 0, schema 13) (LATERAL ... LIMIT 1 per form, as
//   apply_receipt_sql: a join was planned, on a young table, as a scan of the carrier's
//   segments, ~90,000 buffers a statement at 10,000 segments);
// - d's ORDER BY id+0: never the primary key's order (a scan of every row for a receipt that
//   is no redelivery), always the hash's index.
// - c/a: the first receipt of each reply this round (k=1) is applied; the others (k>1) are
//   left to the next round, with their received rows;
// - u, n, r: apply_receipt_sql's segment update and reply update (state from 'submitted' only:
//   delivered once every other segment is DELIVRD, failed at a failure stat);
// - w: the received rows of the receipts that are neither redeliveries nor left over.
// Returns each receipt of the round with its redelivery's row (or NULLs) and the form it
// matched and its rank among its reply's (or NULLs: an unknown id).
constexpr char apply_receipts_sql[] =
    "WITH m AS (SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], "
    "$5::int8[], $6::int8[], $7::text[], $8::int8[], $9::int8[], $10::text[], $11::int8[], "
    "$12::int8[], $13::bytea[], $14::bytea[], $15::int8[], $16::text[], $17::int8[], "
    "$18::int8[]) WITH ORDINALITY AS m(h, t, ca, so, st, sn, de, dt, dn, sv, es, dc, sm, tl, id, "
    "stat, dsince, rsince, ord) WHERE $22::int8[] IS NULL OR ord=ANY($22::int8[])), "
    "i AS (SELECT * FROM unnest($19::int8[], $20::int8[], $21::text[]) AS i(ord, form, mid)), "
    "d AS (SELECT m.ord, x.id, x.ref, x.received_at FROM m CROSS JOIN LATERAL (SELECT r.id, "
    "r.ref, r.received_at FROM received r WHERE r.dedup_hash=m.h AND r.dedup_hash<>0 "
    "AND r.received_at>=m.dsince AND r.carrier=m.ca AND r.source=m.so AND r.source_ton=m.st "
    "AND r.source_npi=m.sn AND r.destination=m.de AND r.destination_ton=m.dt "
    "AND r.destination_npi=m.dn AND r.service_type=m.sv AND r.esm_class=m.es "
    "AND r.data_coding=m.dc AND r.short_message=m.sm AND r.tlvs=m.tl ORDER BY r.id+0 LIMIT 1) x), "
    "f AS (SELECT DISTINCT ON (m.ord) m.ord, i.form, g.* FROM m JOIN i ON i.ord=m.ord "
    "CROSS JOIN LATERAL (SELECT carrier, message_id, submitted_at, reply_id, segment "
    "FROM reply_segments WHERE carrier=m.ca AND message_id=i.mid AND submitted_at>=m.rsince "
    "UNION ALL SELECT carrier, message_id, submitted_at, id, 0 FROM replies "
    "WHERE message_id=i.mid AND submitted_at>=m.rsince AND carrier=m.ca "
    "ORDER BY submitted_at DESC, reply_id DESC LIMIT 1) g "
    "WHERE NOT EXISTS (SELECT 1 FROM d WHERE d.ord=m.ord) ORDER BY m.ord, i.form), "
    "c AS (SELECT f.*, row_number() OVER (PARTITION BY f.reply_id ORDER BY f.ord) AS k FROM f), "
    "a AS (SELECT c.*, m.stat, m.t FROM c JOIN m ON m.ord=c.ord WHERE c.k=1), "
    "u AS (UPDATE reply_segments x SET receipt=a.stat, receipt_at=a.t FROM a "
    "WHERE x.carrier=a.carrier AND x.message_id=a.message_id AND x.submitted_at=a.submitted_at "
    "AND x.reply_id=a.reply_id AND x.segment=a.segment), "
    "n AS (SELECT a.reply_id, a.stat, a.t, CASE WHEN a.stat IN ('UNDELIV', 'EXPIRED', "
    "'REJECTD', 'DELETED', 'UNKNOWN') THEN 'failed' WHEN a.stat='DELIVRD' AND NOT EXISTS "
    "(SELECT 1 FROM reply_segments o WHERE o.reply_id=a.reply_id "
    "AND (o.receipt IS NULL OR o.receipt<>'DELIVRD') AND NOT (o.carrier=a.carrier "
    "AND o.message_id=a.message_id AND o.submitted_at=a.submitted_at AND o.segment=a.segment)) "
    "THEN 'delivered' END AS s FROM a), "
    "r AS (UPDATE replies SET receipt=n.stat, receipt_at=n.t, "
    "state=CASE WHEN replies.state='submitted' AND n.s IS NOT NULL THEN n.s ELSE replies.state "
    "END, "
    "done_at=CASE WHEN replies.state='submitted' AND n.s IS NOT NULL THEN n.t "
    "ELSE replies.done_at END, "
    "last_error=CASE WHEN replies.state='submitted' AND n.s='failed' THEN 'receipt: '||n.stat "
    "ELSE replies.last_error END FROM n WHERE replies.id=n.reply_id), "
    "w AS (INSERT INTO received (dedup_hash, received_at, carrier, source, source_ton, "
    "source_npi, destination, destination_ton, destination_npi, service_type, esm_class, "
    "data_coding, short_message, tlvs, id) SELECT h, t, ca, so, st, sn, de, dt, dn, sv, es, dc, "
    "sm, tl, id FROM m WHERE NOT EXISTS (SELECT 1 FROM d WHERE d.ord=m.ord) "
    "AND NOT EXISTS (SELECT 1 FROM c WHERE c.ord=m.ord AND c.k>1)) "
    "SELECT m.ord, d.id, d.ref, d.received_at, c.form, c.k FROM m LEFT JOIN d ON d.ord=m.ord "
    "LEFT JOIN c ON c.ord=m.ord";

using el = binary_array::element;
constexpr el column_types[] = {el::int8,  el::int8,  el::text, el::text, el::int8, el::int8,
                               el::text,  el::int8,  el::int8, el::text, el::int8, el::int8,
                               el::bytea, el::bytea, el::int8, el::text, el::int8, el::int8};

void put_field(std::string& key, std::string_view v) {
  key += std::to_string(v.size());
  key += ':';
  key += v;
}

// Every field record_received's redelivery check compares (the received row's columns).
std::string key_of(const mo_pdu& mo) {
  std::string key;
  key.reserve(64 + mo.short_message.size() + mo.tlvs.size());
  put_field(key, mo.carrier);
  put_field(key, mo.source);
  put_field(key, mo.destination);
  put_field(key, mo.service_type);
  put_field(key, mo.short_message);
  put_field(key, mo.tlvs);
  const char octets[] = {
      static_cast<char>(mo.source_ton),      static_cast<char>(mo.source_npi),
      static_cast<char>(mo.destination_ton), static_cast<char>(mo.destination_npi),
      static_cast<char>(mo.esm_class),       static_cast<char>(mo.data_coding)};
  key.append(octets, sizeof octets);
  return key;
}

}  // namespace

deferred_receipts::deferred_receipts() {
  columns_.reserve(std::size(column_types));
  for (const auto e : column_types)
    columns_.emplace_back(e);
}

void deferred_receipts::add(const mo_pdu& mo, std::int64_t dedup_hash, std::int64_t id,
                            std::span<const std::string> ids, std::string_view stat,
                            wall_time dedup_since, wall_time receipt_since, receipt_taken& out) {
  out = receipt_taken{};
  entry e{key_of(mo), -1, id, mo.received_at, &out};
  // Kept back earlier in this batch, within the window: this one is its redelivery.
  for (std::size_t j = 0; j < entries_.size(); ++j) {
    if (entries_[j].key == e.key && entries_[j].at >= dedup_since) {
      e.same_as = static_cast<int>(j);
      break;
    }
  }
  entries_.push_back(std::move(e));
  if (entries_.back().same_as >= 0) return;
  sent_.push_back(static_cast<std::int64_t>(entries_.size() - 1));
  const auto ord = static_cast<std::int64_t>(sent_.size());
  const auto ms = [](wall_time t) { return std::int64_t{t.time_since_epoch().count()}; };
  std::size_t c = 0;
  column(c++).add(dedup_hash);
  column(c++).add(ms(mo.received_at));
  column(c++).add(mo.carrier);
  column(c++).add(mo.source);
  column(c++).add(std::int64_t{mo.source_ton});
  column(c++).add(std::int64_t{mo.source_npi});
  column(c++).add(mo.destination);
  column(c++).add(std::int64_t{mo.destination_ton});
  column(c++).add(std::int64_t{mo.destination_npi});
  column(c++).add(mo.service_type);
  column(c++).add(std::int64_t{mo.esm_class});
  column(c++).add(std::int64_t{mo.data_coding});
  column(c++).add(mo.short_message);
  column(c++).add(mo.tlvs);
  column(c++).add(id);
  column(c++).add(stat);
  column(c++).add(ms(dedup_since));
  column(c++).add(ms(receipt_since));
  for (std::size_t form = 0; form < ids.size(); ++form) {
    id_ord_.add(ord);
    id_form_.add(static_cast<std::int64_t>(form));
    id_text_.add(ids[form]);
  }
}

void deferred_receipts::set_mark() noexcept {
  for (auto& c : columns_)
    c.set_mark();
  id_ord_.set_mark();
  id_form_.set_mark();
  id_text_.set_mark();
  mark_ = {entries_.size(), sent_.size()};
}

void deferred_receipts::to_mark() noexcept {
  for (auto& c : columns_)
    c.to_mark();
  id_ord_.to_mark();
  id_form_.to_mark();
  id_text_.to_mark();
  // Shrinking: no allocation. After a flush inside the item the marks are 0 (clear()).
  entries_.resize(std::min(entries_.size(), mark_.entries));
  sent_.resize(std::min(sent_.size(), mark_.sent));
}

void deferred_receipts::clear() noexcept {
  for (auto& c : columns_)
    c.clear();
  id_ord_.clear();
  id_form_.clear();
  id_text_.clear();
  entries_.clear();
  sent_.clear();
  mark_ = {};
}

void deferred_receipts::flush(pq_connection& pq) {
  if (entries_.empty()) return;
  binary_array round(el::int8);
  bool all = true;
  while (!sent_.empty()) {
    params p;
    for (auto& c : columns_)
      p.add_bytes(c.bytes());
    p.add_bytes(id_ord_.bytes()).add_bytes(id_form_.bytes()).add_bytes(id_text_.bytes());
    if (all)
      p.add_null();
    else
      p.add_bytes(round.bytes());
    auto r = pq.run_beside_deferred(apply_receipts_sql, p);
    binary_array next(el::int8);
    for (int row = 0; row < r.rows(); ++row) {
      const std::int64_t ord = r.int64(row, 0);
      entry& e = entries_.at(static_cast<std::size_t>(sent_.at(static_cast<std::size_t>(ord - 1))));
      receipt_taken& out = *e.out;
      if (!r.is_null(row, 1)) {  // a redelivery of a row stored before
        out.received = received_mo{true, r.int64(row, 1), r.opt_text(row, 2), r.time(row, 3)};
      } else if (!r.is_null(row, 4) && r.int64(row, 5) > 1) {  // its reply's next round
        next.add(ord);
        continue;
      } else {
        out.received = received_mo{false, e.id, std::nullopt, e.at};
        out.applied = r.is_null(row, 4) ? -1 : static_cast<int>(r.int64(row, 4));
      }
      out.ready = true;
    }
    if (next.size() == 0) break;
    round = std::move(next);
    all = false;
  }
  // Redeliveries of receipts kept back in this batch: what the first one found.
  for (auto& e : entries_) {
    if (e.same_as < 0) continue;
    const entry& first = entries_[static_cast<std::size_t>(e.same_as)];
    e.out->received = first.out->received.duplicate
                          ? first.out->received
                          : received_mo{true, first.id, std::nullopt, first.at};
    e.out->applied = -1;
    e.out->ready = first.out->ready;
  }
  clear();
}

}  // namespace lapord::store::postgresql
