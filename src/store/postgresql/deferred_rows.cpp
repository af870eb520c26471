#include "store/postgresql/deferred_rows.hpp"

#include "store/postgresql/facts_cache.hpp"
#include "store/postgresql/receipts.hpp"

#include "store/dedup_key.hpp"

#include <algorithm>
#include <limits>

namespace lapord::store::postgresql {

namespace {

// --- SQL (named arrays: their addresses key the prepared statements) ----------------------
// The same columns and values as the single-row INSERTs in complaints.cpp and replies.cpp (a
// forward queued with its complaint is that complaint's forward columns, schema 11); unnest keeps
// the arrays' order, so identity columns (complaints.seq) follow it.

constexpr char insert_received_sql[] =
    "INSERT INTO received (dedup_hash, received_at, carrier, source, source_ton, source_npi, "
    "destination, destination_ton, destination_npi, service_type, esm_class, data_coding, "
    "short_message, tlvs, id, ref) SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], "
    "$4::text[], $5::int8[], $6::int8[], $7::text[], $8::int8[], $9::int8[], $10::text[], "
    "$11::int8[], $12::int8[], $13::bytea[], $14::bytea[], $15::int8[], $16::text[])";
constexpr char insert_complaints_sql[] =
    "INSERT INTO complaints (ref, channel, carrier, service_number, reporter, confidential, "
    "institution_code, institution_name, institution_keyword, institution_corrected, text, "
    "segments, incomplete, status, status_at, created_at, updated_at, received_id, "
    "duplicate_key, routed_by, duplicate_hash, forward_state, forward_leased, forward_attempts, "
    "forward_enqueued_at, forward_next_at, forward_lease_owner, forward_lease_epoch) "
    "SELECT r, ch, ca, sn, rp, cf, ic, inm, ik, icr, tx, sg, inc, 'received', t, t, t, rid, dk, "
    "rb, dh, CASE WHEN fa IS NOT NULL THEN 'pending' END, fl, fl, nullif(fa, t), fn, fo, fe "
    "FROM unnest($1::text[], $2::text[], "
    "$3::text[], $4::text[], $5::text[], $6::int8[], $7::text[], $8::text[], $9::text[], "
    "$10::int8[], $11::text[], $12::int8[], $13::int8[], $14::int8[], $15::int8[], $16::text[], "
    "$17::text[], $18::int8[], $19::int8[], $20::int8[], $21::int8[], $22::text[], $23::int8[]) "
    "AS u(r, ch, ca, sn, rp, cf, ic, inm, ik, icr, tx, sg, inc, t, rid, dk, rb, dh, fa, fn, fl, "
    "fo, fe)";
// A reply stored taken (new_reply::lease) has leased=1, attempts=1, its lease's end and this
// instance's owner and epoch; an untaken one 0, 0, its creation and NULLs.
constexpr char insert_replies_sql[] =
    "INSERT INTO replies (carrier, source, destination, text, kind, ref, state, created_at, "
    "next_attempt_at, id, leased, attempts, lease_owner, lease_epoch) SELECT c, s, d, x, k, r, "
    "'queued', t, n, i, l, l, o, e FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
    "$5::text[], $6::text[], $7::int8[], $8::int8[], $9::int8[], $10::int8[], $11::text[], "
    "$12::int8[]) AS u(c, s, d, x, k, r, t, i, n, l, o, e)";

void put32(std::string& out, std::uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}

using el = binary_array::element;

}  // namespace

// --- binary_array ------------------------------------------------------------------------------

void binary_array::add(std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  put32(body_, 8);
  put32(body_, static_cast<std::uint32_t>(u >> 32));
  put32(body_, static_cast<std::uint32_t>(u));
  ++count_;
}

void binary_array::add(std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw store_error(errc::item_failed, "store: a value too long for PostgreSQL");
  put32(body_, static_cast<std::uint32_t>(bytes.size()));
  body_.append(bytes);
  ++count_;
}

void binary_array::add_null() {
  put32(body_, 0xffffffffU);  // length -1
  nulls_ = true;
  ++count_;
}

std::string_view binary_array::bytes() {
  out_.clear();
  out_.reserve(20 + body_.size());
  put32(out_, 1);  // one dimension
  put32(out_, nulls_ ? 1 : 0);
  put32(out_, static_cast<std::uint32_t>(e_));
  put32(out_, count_);
  put32(out_, 1);  // lower bound
  out_ += body_;
  return out_;
}

// --- row_batch ---------------------------------------------------------------------------------

row_batch::row_batch(const char* sql, std::initializer_list<binary_array::element> columns)
    : sql_(sql) {
  columns_.reserve(columns.size());
  for (const auto e : columns)
    columns_.emplace_back(e);
}

binary_array& row_batch::next() {
  binary_array& c = columns_[next_];
  next_ = next_ + 1 == columns_.size() ? 0 : next_ + 1;
  return c;
}

void row_batch::send(pq_connection& pq, std::initializer_list<binary_array*> extra) {
  params p;
  for (auto& c : columns_)
    p.add_bytes(c.bytes());
  for (auto* c : extra)
    p.add_bytes(c->bytes());
  pq.send(sql_, p);  // libpq copies the parameters at once
}

void row_batch::set_mark() noexcept {
  for (auto& c : columns_)
    c.set_mark();
}

void row_batch::to_mark() noexcept {
  for (auto& c : columns_)
    c.to_mark();
  next_ = 0;
}

void row_batch::clear() noexcept {
  for (auto& c : columns_)
    c.clear();
  next_ = 0;
}

// --- deferred_rows -----------------------------------------------------------------------------

deferred_rows::deferred_rows()
    : received_(insert_received_sql,
                {el::int8, el::int8, el::text, el::text, el::int8, el::int8, el::text, el::int8,
                 el::int8, el::text, el::int8, el::int8, el::bytea, el::bytea, el::int8}),
      complaint_rows_(insert_complaints_sql,
                      {el::text, el::text, el::text, el::text, el::text, el::int8, el::text,
                       el::text, el::text, el::int8, el::text, el::int8, el::int8, el::int8,
                       el::int8, el::text, el::text, el::int8}),
      replies_(insert_replies_sql, {el::text, el::text, el::text, el::text, el::text, el::text,
                                    el::int8, el::int8, el::int8, el::int8, el::text, el::int8}),
      receipts_(std::make_unique<deferred_receipts>()) {}

deferred_rows::~deferred_rows() = default;

void deferred_rows::add_received(const mo_pdu& mo, std::int64_t dedup_hash, std::int64_t id) {
  received_.add(dedup_hash)
      .add(mo.received_at)
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
      .add(mo.short_message)
      .add(mo.tlvs)
      .add(id);
  received_ids_.push_back(id);
  received_refs_.emplace_back();
  ++rows_;
}

bool deferred_rows::link_received(std::int64_t id, std::string_view ref) {
  for (std::size_t i = received_ids_.size(); i-- > 0;) {
    if (received_ids_[i] == id) {
      received_refs_[i] = std::string(ref);
      return true;
    }
  }
  return false;
}

void deferred_rows::add_complaint(const new_complaint& c) {
  complaint_rows_.add(c.ref)
      .add(c.channel)
      .add(c.carrier)
      .add(c.service_number)
      .add(c.reporter)
      .add(c.confidential);
  if (c.institution) {
    complaint_rows_.add(c.institution->code)
        .add(c.institution->name)
        .add(c.institution->keyword)
        .add(c.institution->corrected);
  } else {
    complaint_rows_.add_null().add_null().add_null().add_null();
  }
  complaint_rows_.add(c.text)
      .add(std::int64_t{c.segments})
      .add(c.incomplete)
      .add(c.created_at)
      .add(c.received_id ? std::optional<std::int64_t>(c.received_id) : std::nullopt);
  // No key (NULL) matches no probe: better a missed duplicate than two texts merged.
  if (c.duplicate_key.empty())
    complaint_rows_.add_null();
  else
    complaint_rows_.add(c.duplicate_key);
  complaint_rows_.add(c.institution ? c.institution->routed_by : std::string_view("national"));
  // The reporter index's hint for the duplicate probe (schema 8); NULL with no key.
  if (c.duplicate_key.empty())
    complaint_rows_.add_null();
  else
    complaint_rows_.add(detail::duplicate_hash(c.duplicate_key));
  complaints_.push_back(pending_complaint{std::string(c.reporter), std::string(c.duplicate_key),
                                          std::string(c.ref), c.created_at});
  forwards_.emplace_back();
  ++rows_;
}

bool deferred_rows::add_forward(std::string_view ref, wall_time now,
                                const std::optional<lease>& taken) {
  // Only this item's complaints: an earlier item's row is the UPDATE's (a rollback of this item
  // must not take that row's forward with it; the UPDATE goes with the item's savepoint).
  for (std::size_t i = complaints_.size(); i-- > mark_.complaints;) {
    if (complaints_[i].ref != ref) continue;
    if (forwards_[i])
      throw store_error(errc::item_failed,
                        "store: the forward of ref " + std::string(ref) + " is already queued");
    kept_forward f;
    f.at = now.time_since_epoch().count();
    if (taken) {
      f.leased_until = taken->until.time_since_epoch().count();
      f.owner = std::string(taken->owner);
      f.epoch = taken->epoch;
    }
    forwards_[i] = std::move(f);
    return true;
  }
  return false;
}

void deferred_rows::add_reply(const new_reply& r, std::int64_t id,
                              const std::optional<lease>& taken) {
  replies_.add(r.carrier)
      .add(r.source)
      .add(r.destination)
      .add(r.text)
      .add(r.kind)
      .add(r.ref)
      .add(r.created_at)
      .add(id);
  if (taken)
    replies_.add(taken->until).add(std::int64_t{1}).add(taken->owner).add(taken->epoch);
  else
    replies_.add(r.created_at).add(std::int64_t{0}).add_null().add_null();
  ++rows_;
}

void deferred_rows::add_receipt(const mo_pdu& mo, std::int64_t dedup_hash, std::int64_t id,
                                std::span<const std::string> ids, std::string_view stat,
                                wall_time dedup_since, wall_time receipt_since,
                                receipt_taken& out) {
  receipts_->add(mo, dedup_hash, id, ids, stat, dedup_since, receipt_since, out);
  ++rows_;
}

void deferred_rows::item_started() noexcept {
  receipts_->set_mark();
  received_.set_mark();
  complaint_rows_.set_mark();
  replies_.set_mark();
  mark_ = item_mark{received_ids_.size(), complaints_.size(), rows_};
}

void deferred_rows::item_rolled_back() noexcept {
  receipts_->to_mark();
  received_.to_mark();
  complaint_rows_.to_mark();
  replies_.to_mark();
  // Shrinking: no allocation. After a flush inside the item the marks are 0 (discard()).
  received_ids_.resize(std::min(received_ids_.size(), mark_.received_ids));
  received_refs_.resize(received_ids_.size());
  complaints_.resize(std::min(complaints_.size(), mark_.complaints));
  forwards_.resize(complaints_.size());
  rows_ = std::min(rows_, mark_.rows);
}

void deferred_rows::discard() noexcept {
  receipts_->clear();
  received_.clear();
  complaint_rows_.clear();
  replies_.clear();
  received_ids_.clear();
  received_refs_.clear();
  complaints_.clear();
  forwards_.clear();
  rows_ = 0;
  mark_ = item_mark{};  // rows added from now on are the current item's
}

void deferred_rows::flush(pq_connection& pq) {
  if (rows_ == 0) return;
  if (received_.rows() > 0) {
    received_ref_column_.clear();
    for (const auto& ref : received_refs_) {
      if (ref)
        received_ref_column_.add(*ref);
      else
        received_ref_column_.add_null();
    }
    received_.send(pq, {&received_ref_column_});
  }
  if (complaint_rows_.rows() > 0) {
    for (auto* c :
         {&forward_at_, &forward_next_, &forward_leased_, &forward_owner_, &forward_epoch_})
      c->clear();
    for (const auto& f : forwards_) {
      if (!f) {
        for (auto* c :
             {&forward_at_, &forward_next_, &forward_leased_, &forward_owner_, &forward_epoch_})
          c->add_null();
        continue;
      }
      forward_at_.add(f->at);
      forward_next_.add(f->leased_until.value_or(f->at));
      forward_leased_.add(std::int64_t{f->leased_until ? 1 : 0});
      if (f->leased_until) {
        forward_owner_.add(f->owner);
        forward_epoch_.add(f->epoch);
      } else {
        forward_owner_.add_null();
        forward_epoch_.add_null();
      }
    }
    complaint_rows_.send(
        pq, {&forward_at_, &forward_next_, &forward_leased_, &forward_owner_, &forward_epoch_});
  }
  if (replies_.rows() > 0) replies_.send(pq);
  if (cache_ && !complaints_.empty()) cache_->written(complaints_);
  // After the received rows: a receipt's redelivery probe reads them.
  if (receipts_->size() > 0) receipts_->flush(pq);
  discard();
}

}  // namespace lapord::store::postgresql
