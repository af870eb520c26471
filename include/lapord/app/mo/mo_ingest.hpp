#pragma once
// What one MO does to the store, run inside the store's group-commit transaction (on the writer
// thread): keep it, recognise a redelivery, apply a receipt, keep a part and reassemble, decide,
// create the complaint with its ref, queue its forward and the reply. Everything of one MO
// commits together or not at all; the carrier gets ESME_ROK only after that commit.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/app/mo/incoming_mo.hpp"
#include "lapord/lapor/ref.hpp"
#include "lapord/lapor/service.hpp"
#include "lapord/net/http/complaint_body.hpp"
#include "lapord/store/transaction.hpp"
#include "lapord/text/reassembly.hpp"

namespace lapord::app {

struct ingest_context {
  const lapor::service* service = nullptr;
  const lapor::ref_generator* refs = nullptr;
  text::reassembly_options reassembly{};
  // How this MO's carrier writes receipt ids ([[carrier]] receipt_id).
  text::receipt_id_form receipt_id = text::receipt_id_form::automatic;
  // Set: the MO's reply is stored taken (leased this long) and handed back in
  // ingest_outcome::reply, for its sender to send straight from the commit (no poll).
  std::optional<std::chrono::milliseconds> reply_lease{};
  // Set: a new complaint's forward is stored taken (leased this long) and its fields handed
  // back in ingest_outcome::forward, for the forwarder to send straight from the commit.
  std::optional<std::chrono::milliseconds> forward_lease{};
};

// A citizen's message ready for the complaint service: whole, or reassembled from parts, or
// released incomplete after the reassembly timeout.
struct citizen_message {
  std::string carrier;
  std::string source;  // source_addr as received
  std::uint8_t source_ton = 0;
  std::uint8_t source_npi = 1;
  std::string destination;  // the service number it was sent to
  std::string text;         // UTF-8
  int segments = 1;
  bool incomplete = false;
  std::int64_t received_id = 0;  // the received row that completed it (0: released by timeout)
  store::wall_time received_at{};
};

enum class ingest_effect {
  redelivery,       // the same MO was received before: acknowledge, nothing else
  receipt,          // a delivery receipt, filed against the reply segment it confirms
  receipt_unknown,  // a receipt that matches no reply we sent (kept as received only)
  part_kept,        // a part of a long message, kept until its siblings arrive
  decided,          // a whole message went through the complaint service
};

struct ingest_outcome {
  ingest_effect effect = ingest_effect::decided;
  std::optional<lapor::decision_kind> decision;  // effect == decided
  std::string reason;                            // the service's reason, for logs
  std::string ref;  // the new complaint's ref, or the earlier one (duplicate)
  bool complaint_created = false;
  // complaint_created: the routed institution's kind; nullopt for the national desk.
  std::optional<lapor::institution_kind> institution_kind;
  std::string institution_code;  // the routed institution's code ("36.03"); empty: none
  // effect == receipt: the stat word it was filed under ("DELIVRD", "UNDELIV", ...).
  std::string receipt_stat;
  // A receipt: the ids it was looked up by, in order (the last one tried matched, if any).
  std::vector<std::string> receipt_ids;
  bool forward_queued = false;
  bool reply_queued = false;
  // ingest_context::reply_lease: the queued reply as stored, taken for this process to send.
  std::optional<store::reply> reply;
  // ingest_context::forward_lease: the queued forward's complaint as stored (its body is
  // rendered from it, as forward_body() would from the row), taken for this process to send.
  std::optional<net::http::complaint_record> forward;
  // An answer (not a new complaint's acknowledgement) not sent: the reporter had
  // [service] replies_per_hour answers within the hour already.
  bool reply_limited = false;
  std::int64_t received_id = 0;
  // A receipt given to the store (transaction::take_receipt) whose answer may come only when
  // the batch's statements run: settle_receipt() turns it into the effect once it is there.
  std::shared_ptr<store::receipt_taken> receipt_taken;
};

// What the complaint service reads in a message before the store is asked anything: the
// parse and the first decision (which says what to look up). Both are pure, so for a whole
// message they are made on the thread that received it (read_first), not on the store's writer,
// the one thread every MO passes through; the writer then only asks and records.
struct first_reading {
  lapor::inbound in;
  lapor::parsed_message parsed;
  lapor::decision first;
};
[[nodiscard]] first_reading read_first(const lapor::service& service, const citizen_message& m);
// The same for a whole MO (kind == message), before its received row exists.
[[nodiscard]] first_reading read_first(const lapor::service& service, const incoming_mo& mo);

// The whole MO path inside one transaction. Throws store_error / std::exception on failure
// (the store then rolls this MO back). `read`: read_first(*ctx.service, mo) made beforehand for
// a whole message (null: read here).
ingest_outcome ingest(store::transaction& tx, const incoming_mo& mo, const ingest_context& ctx,
                      const first_reading* read = nullptr);

// A receipt's outcome from what the store answered (ingest_outcome::receipt_taken): the
// effect (receipt, receipt_unknown or redelivery), its received row, and receipt_ids up to
// the one that matched. Call once the item's batch ran its statements (the work item's
// done(), or after database::call); nothing to do for any other MO.
void settle_receipt(ingest_outcome& out);

// The complaint service's part: decide with what the store knows, then record the decision.
ingest_outcome handle_message(store::transaction& tx, const citizen_message& message,
                              const ingest_context& ctx, const first_reading* read = nullptr);

// Where a decided message came from: what its complaint row, its forward body and its reply
// say about the channel, the carrier and the number written to (SMS and USSD alike).
struct complaint_origin {
  lapor::channel channel = lapor::channel::sms;
  std::string_view carrier;
  std::string_view service_number;  // the reply's source too
  int segments = 1;
  bool incomplete = false;
  std::int64_t received_id = 0;  // the received row (0: none, e.g. USSD)
  store::wall_time received_at{};
};

// What the store knows that a first decision asks for: the duplicate within the window and the
// hourly counts for a complaint, or the reporter's own complaint for a status request (someone
// else's ref reads like an unknown one).
[[nodiscard]] lapor::store_facts facts_for(store::transaction& tx, const lapor::decision& first,
                                           const lapor::service& service, store::wall_time now);

// Records a final decision (made with facts_for's facts): opt-out, the complaint with its next
// ref, its forward, the rate notice mark and the reply. The one place an SMS or a USSD complaint
// is stored.
ingest_outcome record_decision(store::transaction& tx, const lapor::decision& d,
                               const complaint_origin& origin, const ingest_context& ctx);

// Releases every long message whose first part arrived before now - timeout, marked
// incomplete, through handle_message. Returns one outcome per released message.
std::vector<ingest_outcome> release_expired_parts(store::transaction& tx, const ingest_context& ctx,
                                                  store::wall_time now);

// The number a reply is sent to: the reporter's E.164 without '+', sent with TON 1 (international)
// NPI 1 so every carrier reads it the same way.
[[nodiscard]] std::string reply_destination(const std::string& reporter_e164);

// The fields of POST /complaints for a stored complaint (also the operator's view of it).
[[nodiscard]] net::http::complaint_record complaint_record_of(const store::complaint& c);
// The same for a complaint being stored: what complaint_record_of gives for its row once written.
[[nodiscard]] net::http::complaint_record complaint_record_of(const store::new_complaint& c);

// The exact body to POST for a forward the store handed out: the one it kept (queued before
// schema 8), else rendered from its complaint, byte for byte what was built at creation then.
// Empty when neither is there (the complaint row is missing: never, both are one item's).
[[nodiscard]] std::string forward_body(const store::forward& f);

// Maps the store's status names ("received", "verified", ...) to the service's states.
[[nodiscard]] lapor::complaint_state state_of(std::string_view store_status);

}  // namespace lapord::app
