#include "lapord/app/mo/mo_ingest.hpp"

#include "lapord/net/http/complaint_body.hpp"

namespace lapord::app {
namespace {

using namespace std::chrono_literals;

}  // namespace

lapor::store_facts facts_for(store::transaction& tx, const lapor::decision& first,
                             const lapor::service& service, store::wall_time now) {
  lapor::store_facts facts;
  if (first.kind == lapor::decision_kind::complaint) {
    // "The same complaint text": compared case- and spacing-folded (lapor::duplicate_key).
    // The three probes in one call (one round trip on PostgreSQL).
    auto f = tx.facts_about(first.reporter, first.duplicate_key,
                            now - service.options().duplicate_window, now - 1h);
    facts.complaint.duplicate_ref = std::move(f.duplicate_ref);
    facts.complaint.complaints_last_hour = static_cast<unsigned>(f.complaints_since);
    facts.complaint.told_rate_limit_within_hour = f.rate_notice_sent;
  } else if (first.kind == lapor::decision_kind::status && first.ref_valid) {
    auto c = tx.complaint_by_ref(first.ref);
    // Someone else's ref reads exactly like an unknown one.
    if (c && c->reporter == first.reporter) {
      lapor::status_facts s;
      s.state = state_of(c->status);
      if (c->institution) s.institution_code = c->institution->code;
      s.changed_at_unix =
          std::chrono::duration_cast<std::chrono::seconds>(c->status_at.time_since_epoch()).count();
      facts.status = s;
    }
  }
  return facts;
}

namespace {

// The fields of POST /complaints, from a stored complaint or one being stored (the same names
// in both, owned strings or views): the body handed over from a commit is byte for byte the
// one a take renders from the row.
template <class Complaint>
net::http::complaint_record record_of(const Complaint& c) {
  net::http::complaint_record r;
  r.ref = c.ref;
  r.channel = c.channel == "ussd" ? lapor::channel::ussd : lapor::channel::sms;
  r.received_at = c.created_at;  // the MO's time: the complaint is created at it
  r.carrier = c.carrier;
  r.service_number = c.service_number;
  r.reporter_msisdn = c.reporter;
  r.confidential = c.confidential;
  if (c.institution) {
    r.institution = net::http::complaint_institution{
        std::string(c.institution->keyword), std::string(c.institution->code),
        std::string(c.institution->name), c.institution->corrected};
  }
  r.text = c.text;
  r.segments = static_cast<unsigned>(c.segments);
  r.incomplete = c.incomplete;
  return r;
}

}  // namespace

net::http::complaint_record complaint_record_of(const store::complaint& c) {
  return record_of(c);
}

net::http::complaint_record complaint_record_of(const store::new_complaint& c) {
  return record_of(c);
}

std::string forward_body(const store::forward& f) {
  if (!f.payload.empty()) return f.payload;
  if (f.row.ref.empty()) return {};
  return net::http::complaint_body(complaint_record_of(f.row));
}

std::string reply_destination(const std::string& reporter_e164) {
  return !reporter_e164.empty() && reporter_e164.front() == '+' ? reporter_e164.substr(1)
                                                                : reporter_e164;
}

lapor::complaint_state state_of(std::string_view store_status) {
  using lapor::complaint_state;
  if (store_status == "verified") return complaint_state::diverifikasi;
  if (store_status == "dispatched") return complaint_state::diteruskan;
  if (store_status == "responded") return complaint_state::ditanggapi;
  if (store_status == "closed") return complaint_state::selesai;
  if (store_status == "rejected") return complaint_state::ditolak;
  return complaint_state::diterima;
}

namespace {

first_reading read_text(const lapor::service& service, std::string_view source, std::uint8_t ton,
                        std::uint8_t npi, std::string_view destination, std::string_view text) {
  first_reading r;
  r.in.from = source;
  r.in.from_ton = ton;
  r.in.from_npi = npi;
  r.in.to = destination;
  r.in.text = text;
  r.parsed = service.parse(r.in.text);
  r.first = service.decide(r.in, r.parsed, {});
  return r;
}

}  // namespace

first_reading read_first(const lapor::service& service, const citizen_message& m) {
  return read_text(service, m.source, m.source_ton, m.source_npi, m.destination, m.text);
}

first_reading read_first(const lapor::service& service, const incoming_mo& mo) {
  return read_text(service, mo.source, mo.source_ton, mo.source_npi, mo.destination, mo.text.utf8);
}

ingest_outcome handle_message(store::transaction& tx, const citizen_message& message,
                              const ingest_context& ctx, const first_reading* read) {
  const lapor::service& service = *ctx.service;
  const store::wall_time now = message.received_at;
  std::optional<first_reading> here;
  if (read == nullptr) read = &here.emplace(read_first(service, message));
  lapor::decision decided;
  const lapor::decision* d = &read->first;
  if (d->kind == lapor::decision_kind::complaint || d->kind == lapor::decision_kind::status) {
    const lapor::store_facts facts = facts_for(tx, *d, service, now);
    if (!service.decides_as_first(*d, facts)) {
      decided = service.decide_again(read->in, read->parsed, *d, facts);
      d = &decided;
    }
  }
  complaint_origin origin;
  origin.carrier = message.carrier;
  origin.service_number = message.destination;
  origin.segments = message.segments;
  origin.incomplete = message.incomplete;
  origin.received_id = message.received_id;
  origin.received_at = now;
  return record_decision(tx, *d, origin, ctx);
}

namespace {

// Files the complaint the decision asks for (its ref from the store's counter) and queues its
// forward.
void file_complaint(store::transaction& tx, const lapor::decision& d,
                    const complaint_origin& origin, const ingest_context& ctx,
                    ingest_outcome& out) {
  const store::wall_time now = origin.received_at;
  // Counter 1, 2, 3 ... -> permutation index 0, 1, 2 ...: unique refs without a lookup.
  const std::uint64_t counter = tx.next_ref_counter();
  out.ref = ctx.refs->make(counter - 1);
  store::new_complaint c;
  c.ref = out.ref;
  c.number = counter - 1;
  c.channel = lapor::to_string(origin.channel);
  c.carrier = origin.carrier;
  c.service_number = origin.service_number;
  c.reporter = d.reporter;
  c.confidential = d.confidential;
  if (d.institution) {
    c.institution =
        store::institution_view{d.institution->code, d.institution->name, d.institution->keyword,
                                d.institution->corrected, lapor::to_string(d.institution->via)};
  }
  c.text = d.text;
  c.duplicate_key = d.duplicate_key;
  c.duplicate_key_is_folded_text = true;  // lapor::duplicate_key(d.text), the store's fold
  c.segments = origin.segments;
  c.incomplete = origin.incomplete;
  c.created_at = now;
  c.received_id = origin.received_id;
  // The body is rendered from the complaint when sent: read back by a take, or from here.
  if (d.forward) c.forward = store::new_complaint::queued_forward{ctx.forward_lease};
  tx.create_complaint(c);
  out.complaint_created = true;
  if (d.institution) out.institution_kind = d.institution->kind;
  if (d.institution) out.institution_code = d.institution->code;
  if (d.forward) {
    out.forward_queued = true;
    if (ctx.forward_lease) out.forward = complaint_record_of(c);
  }
}

// Queues the answer to the citizen; handed to the sender from the commit when it is leased
// at insert (ingest_context::reply_lease).
void queue_reply(store::transaction& tx, const lapor::decision& d, const complaint_origin& origin,
                 const ingest_context& ctx, const std::string& destination,
                 const std::string& reply_text, ingest_outcome& out) {
  const store::wall_time now = origin.received_at;
  store::new_reply r;
  r.carrier = origin.carrier;
  r.source = origin.service_number;
  r.destination = destination;
  r.text = reply_text;
  r.kind = d.reply_template;
  if (!out.ref.empty()) r.ref = out.ref;
  r.created_at = now;
  r.lease = ctx.reply_lease;
  const std::int64_t id = tx.enqueue_reply(r);
  out.reply_queued = true;
  if (ctx.reply_lease) {
    out.reply = store::reply{id,
                             std::string(origin.carrier),
                             std::string(origin.service_number),
                             destination,
                             reply_text,
                             std::string(d.reply_template),
                             std::nullopt,
                             1};
    if (!out.ref.empty()) out.reply->ref = out.ref;
  }
}

}  // namespace

ingest_outcome record_decision(store::transaction& tx, const lapor::decision& d,
                               const complaint_origin& origin, const ingest_context& ctx) {
  const lapor::service& service = *ctx.service;
  const store::wall_time now = origin.received_at;
  ingest_outcome out;
  out.effect = ingest_effect::decided;
  out.decision = d.kind;
  out.reason = d.reason;
  out.received_id = origin.received_id;
  if (d.kind == lapor::decision_kind::ignore) return out;  // receipts, names, our own numbers

  if (d.kind == lapor::decision_kind::stop) tx.set_opt_out(d.reporter, true, now);
  if (d.kind == lapor::decision_kind::start) tx.set_opt_out(d.reporter, false, now);

  std::string reply_text = d.reply;
  if (d.create_complaint) {
    file_complaint(tx, d, origin, ctx, out);
    if (reply_text.empty()) reply_text = service.render_reply(d, out.ref);
  } else if (d.kind == lapor::decision_kind::complaint) {
    out.ref = d.ref;  // a duplicate: the first complaint's ref
  }
  if (d.reply_template == lapor::reply::rate_limited) tx.mark_rate_notice(d.reporter, now);

  const std::string destination = reply_destination(d.reporter);
  // Every answer costs an SMS: past the limit the message is kept (received, decided) and not
  // answered. Counted in the store, so repeats across a restart or instances count too.
  if (!reply_text.empty() && !d.create_complaint &&
      d.reply_template != lapor::reply::rate_limited &&
      tx.answers_since(destination, now - 1h) >= service.options().replies_per_hour) {
    reply_text.clear();
    out.reply_limited = true;
  }
  if (!reply_text.empty()) queue_reply(tx, d, origin, ctx, destination, reply_text, out);
  return out;
}

namespace {

// A receipt: its redelivery check, its received row and the segment it names, in one call the
// store may apply with the batch's other receipts (settle_receipt reads the answer).
ingest_outcome take_receipt(store::transaction& tx, const incoming_mo& mo,
                            const ingest_context& ctx) {
  ingest_outcome out;
  out.effect = ingest_effect::receipt_unknown;
  out.receipt_stat = receipt_stat(*mo.receipt);
  // The id as the carrier wrote it first, then its other forms (receipt_id); the first that
  // names a segment we sent wins.
  out.receipt_ids = text::receipt_lookup_ids(*mo.receipt, ctx.receipt_id);
  out.receipt_taken = std::make_shared<store::receipt_taken>();
  tx.take_receipt(mo.pdu(), out.receipt_ids, out.receipt_stat, *out.receipt_taken);
  if (out.receipt_taken->ready) settle_receipt(out);
  return out;
}

}  // namespace

void settle_receipt(ingest_outcome& out) {
  if (!out.receipt_taken) return;
  const std::shared_ptr<store::receipt_taken> taken = std::move(out.receipt_taken);
  if (!taken->ready) return;  // never after a batch that committed: left unknown
  out.received_id = taken->received.id;
  if (taken->received.duplicate) {
    out.effect = ingest_effect::redelivery;
    out.ref = taken->received.ref.value_or("");
    out.receipt_stat.clear();
    out.receipt_ids.clear();
    return;
  }
  if (taken->applied >= 0) {
    out.effect = ingest_effect::receipt;
    out.receipt_ids.resize(static_cast<std::size_t>(taken->applied) + 1);
  } else {
    out.effect = ingest_effect::receipt_unknown;
  }
}

ingest_outcome ingest(store::transaction& tx, const incoming_mo& mo, const ingest_context& ctx,
                      const first_reading* read) {
  if (mo.kind == mo_kind::receipt && mo.receipt) return take_receipt(tx, mo, ctx);
  // A whole message is the citizen's, however often it comes: kept, decided and answered
  // every time (the duplicate rule stops a second complaint). Only parts and receipts are
  // recognised as redeliveries: a part again would start a spurious incomplete message.
  const bool whole_mo = mo.kind == mo_kind::message || mo.kind == mo_kind::other;
  const store::received_mo received =
      tx.record_received(mo.pdu(), whole_mo ? store::redelivery::keep : store::redelivery::check);
  ingest_outcome out;
  out.received_id = received.id;
  if (received.duplicate) {
    out.effect = ingest_effect::redelivery;
    out.ref = received.ref.value_or("");
    return out;
  }

  switch (mo.kind) {
    case mo_kind::receipt:  // without a receipt read from it (take_receipt above has those)
      out.effect = ingest_effect::receipt_unknown;
      return out;
    case mo_kind::other:
      out.decision = lapor::decision_kind::ignore;
      out.reason = "not_a_message";
      return out;
    case mo_kind::message: {
      citizen_message m{mo.carrier,   mo.source, mo.source_ton, mo.source_npi, mo.destination,
                        mo.text.utf8, 1,         false,         received.id,   mo.received_at};
      return handle_message(tx, m, ctx, read);
    }
    case mo_kind::part:
      break;
  }

  text::message_part part;
  part.key = text::part_key{mo.carrier, mo.source, mo.destination, mo.concat->reference};
  part.total = mo.concat->total;
  part.sequence = mo.concat->sequence;
  part.text = mo.text.utf8;
  part.replaced = mo.text.replaced;
  part.received_at = mo.received_at;
  text::reassembler reassembler(tx.parts(), ctx.reassembly);
  std::optional<text::assembled_message> whole = reassembler.add(part);
  if (!whole) {
    out.effect = ingest_effect::part_kept;
    return out;
  }
  citizen_message m{mo.carrier,
                    mo.source,
                    mo.source_ton,
                    mo.source_npi,
                    mo.destination,
                    std::move(whole->text),
                    static_cast<int>(whole->total == 0 ? 1 : whole->total),
                    !whole->complete,
                    received.id,
                    mo.received_at};
  out = handle_message(tx, m, ctx);
  // Only a part that was kept has siblings in the store; a malformed one (sequence 0 or past
  // the total) came back on its own and must not erase the others of its key.
  if (part.total > 1 && part.sequence >= 1 && part.sequence <= part.total) {
    reassembler.release(whole->key);
  }
  return out;
}

std::vector<ingest_outcome> release_expired_parts(store::transaction& tx, const ingest_context& ctx,
                                                  store::wall_time now) {
  std::vector<ingest_outcome> outcomes;
  text::reassembler reassembler(tx.parts(), ctx.reassembly);
  for (text::assembled_message& m : reassembler.expire(now)) {
    citizen_message cm;
    cm.carrier = m.key.carrier;
    cm.source = m.key.source;
    cm.source_ton = 0;  // not kept with the parts: the service guesses from the digits
    cm.destination = m.key.destination;
    cm.text = std::move(m.text);
    cm.segments = m.total == 0 ? 1 : m.total;
    cm.incomplete = !m.complete;
    cm.received_at = now;
    outcomes.push_back(handle_message(tx, cm, ctx));
    reassembler.release(m.key);
  }
  return outcomes;
}

}  // namespace lapord::app
