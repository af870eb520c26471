#pragma once
// The domain records that cross into and out of the store. Inputs are views (valid for the
// call only, no copies on the hot path); outputs own their strings.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lapord::store {

// Wall-clock milliseconds (the same type as lapord::text::wall_time): stored as INTEGER
// milliseconds since the Unix epoch, UTC.
using wall_time = std::chrono::sys_time<std::chrono::milliseconds>;

// --- received messages (audit + redelivery detection) ------------------------------------

// One deliver_sm (or data_sm) as it came from the carrier. Octet fields are raw bytes in
// string_views (NUL bytes kept), exactly like lapord::smpp keeps them.
struct mo_pdu {
  std::string_view carrier;  // the configured carrier (profile) name
  std::string_view source;   // source_addr as received
  std::uint8_t source_ton = 0;
  std::uint8_t source_npi = 0;
  std::string_view destination;  // destination_addr as received (the short code)
  std::uint8_t destination_ton = 0;
  std::uint8_t destination_npi = 0;
  std::string_view service_type;
  std::uint8_t esm_class = 0;
  std::uint8_t data_coding = 0;
  std::string_view short_message;  // raw octets, UDH included
  // The optional parameters exactly as received (tag, length, value ..., wire order); holds
  // message_payload and the SAR TLVs when present.
  std::string_view tlvs;
  wall_time received_at{};
};

// Whether record_received() looks for an earlier identical MO (see docs/store.md).
enum class redelivery {
  check,  // parts of long messages, receipts: a redelivery is recognised and changes nothing
  keep,   // whole citizen messages: always kept and decided (a citizen may repeat one)
};

// What the complaint service asks about a reporter before deciding a complaint
// (transaction::facts_about): the three probes in one call, one statement on PostgreSQL.
struct reporter_facts {
  std::optional<std::string> duplicate_ref;  // as recent_complaint_with_key
  std::int64_t complaints_since = 0;         // as complaints_since(reporter, hour_since)
  bool rate_notice_sent = false;             // as rate_notice_sent_since(reporter, hour_since)
};

// What record_received() found. For a duplicate, `id`, `ref` and `first_received_at` are those
// of the first delivery: the caller acknowledges it and does nothing else.
struct received_mo {
  bool duplicate = false;
  std::int64_t id = 0;             // received message id (row id)
  std::optional<std::string> ref;  // the complaint the (first) delivery created, if any
  wall_time first_received_at{};
};

// --- complaints --------------------------------------------------------------------------

struct institution_view {
  std::string_view code;     // "36.03"
  std::string_view name;     // "Kabupaten Tangerang"
  std::string_view keyword;  // "TANGKAB" as matched (after correction)
  bool corrected = false;    // the keyword was a one-edit correction
  // How it was named: "keyword", or "addressee" (`Yth Bupati Sleman, ...`). A complaint
  // without an institution is stored as routed_by "national".
  std::string_view routed_by = "keyword";
};

struct new_complaint {
  std::string_view ref;
  // The number `ref` was made from (lapor::ref_generator::make's argument), when the caller
  // made it: SQLite keys the complaint by it without inverting the ref (~2,400 instructions).
  // Unset: the store finds it from the ref. PostgreSQL keys by the ref and ignores it.
  std::optional<std::uint64_t> number;
  std::string_view channel = "sms";  // "sms" or "ussd"
  std::string_view carrier;
  std::string_view service_number;  // "1708"
  std::string_view reporter;        // E.164 with '+'
  bool confidential = false;
  std::optional<institution_view> institution;  // nullopt: the national desk
  std::string_view text;
  // What the duplicate rule compares: lapor::duplicate_key(text) (case and spacing folded), as
  // the complaint service computed it. Empty: stored as NULL, never found as a duplicate.
  std::string_view duplicate_key;
  // The caller says duplicate_key is the store's fold of text (database_options::duplicate_key;
  // every key lapor::decision carries is): SQLite then stores no key (schema 14) without
  // folding the text again to find that out (~1.6k instructions a complaint on the writer).
  // False: the store folds to compare. PostgreSQL stores every key and ignores it.
  bool duplicate_key_is_folded_text = false;
  int segments = 1;
  bool incomplete = false;
  wall_time created_at{};
  // The received message that produced it (0: none, e.g. USSD); a redelivery of that message
  // then reports this ref.
  std::int64_t received_id = 0;
  // Set: the complaint's forward is queued with it, due at created_at (or taken by this
  // instance for `lease`), exactly as enqueue_forward(ref, created_at, lease) right after would
  // leave it. Since schema 11 the forward is columns of the complaint's row: written with the
  // row, not by an UPDATE of the row just inserted.
  struct queued_forward {
    std::optional<std::chrono::milliseconds> lease;
  };
  std::optional<queued_forward> forward;
};

struct institution {
  std::string code;
  std::string name;
  std::string keyword;
  bool corrected = false;
  std::string routed_by = "keyword";  // "keyword" or "addressee"
  bool operator==(const institution&) const = default;
};

struct complaint {
  std::string ref;
  std::string channel;
  std::string carrier;
  std::string service_number;
  std::string reporter;
  bool confidential = false;
  std::optional<store::institution> institution;
  std::string text;
  int segments = 1;
  bool incomplete = false;
  std::string status;     // "received" at creation, then the latest event's status
  wall_time status_at{};  // `at` of the event that set `status` (created_at at creation)
  wall_time created_at{};
  wall_time updated_at{};  // last change of any kind (event applied, forwarded, parked)
  std::optional<std::string> tracking_id;  // the national store's own id, once forwarded
};

// --- status events from the national store -----------------------------------------------

struct status_event_view {
  std::string_view ref;
  std::string_view status;  // received, verified, dispatched, responded, closed, rejected
  wall_time at{};           // the store's own time of the event
  std::optional<std::string_view> institution;
  std::optional<std::string_view> message;
  wall_time received_at{};  // when the gateway got it
};

enum class event_outcome {
  applied,      // stored; the complaint's status follows it if it is the latest
  duplicate,    // the same (ref, status, at) was stored before: nothing changed
  unknown_ref,  // no such complaint: nothing stored
};

struct status_event {
  std::string status;
  wall_time at{};
  std::optional<std::string> institution;
  std::optional<std::string> message;
  wall_time received_at{};
};

// --- outbox: forwarding to the national store --------------------------------------------

// `dropped`: parked, then given up by an operator (kept in dropped_forwards for audit).
enum class forward_state { pending, in_flight, forwarded, parked, dropped };
std::string_view to_string(forward_state s) noexcept;

// One complaint taken for a POST, `attempts` counts this one. Since schema 8 the store keeps no
// copy of the JSON body: it is rendered from `row` (the complaint) when sent. A forward queued
// by an older lapord still has the body it stored then in `payload`, sent as it is.
struct forward {
  std::string ref;
  std::string payload;  // empty unless queued before schema 8
  complaint row;        // the complaint `ref`
  int attempts = 0;
};

struct forwarding {
  forward_state state = forward_state::pending;
  int attempts = 0;
  wall_time enqueued_at{};
  std::optional<wall_time> next_attempt_at;  // pending/in flight only (lease end if in flight)
  std::optional<int> http_status;            // of the last answer
  std::optional<std::string> last_error;     // of the last failed attempt
  std::optional<std::string> answer;         // the store's body when parked
  std::optional<wall_time> done_at;          // forwarded or parked
  std::optional<wall_time> dropped_at;       // dropped only
  std::optional<std::string> drop_reason;    // dropped only, as the operator gave it
};

// What the GET API shows.
struct complaint_view {
  store::complaint complaint;
  std::vector<status_event> events;             // oldest `at` first
  std::optional<store::forwarding> forwarding;  // nullopt: never queued (e.g. over the limit)
};

// --- replies and notifications (submit_sm) -----------------------------------------------

struct new_reply {
  std::string_view carrier;      // bind of the same carrier the MO came from
  std::string_view source;       // the service number to send from ("1708")
  std::string_view destination;  // reporter's number as the carrier wants it
  std::string_view text;         // UTF-8; the MT encoder segments it at send time
  std::string_view kind;         // "ack", "status", "help", "notification", "rate_notice", ...
  std::optional<std::string_view> ref;
  wall_time created_at{};
  // Set: the reply is taken for sending at once by this connection's instance, as
  // take_due_replies would take it (attempt 1, leased until created_at + lease), so that its
  // sender gets it straight from the commit. A crash before its outcome is recorded leaves the
  // lease to run out (or the next start of the instance to take it back): it is sent then.
  std::optional<std::chrono::milliseconds> lease{};
};

enum class reply_state { queued, in_flight, submitted, delivered, failed };
std::string_view to_string(reply_state s) noexcept;

struct reply {
  std::int64_t id = 0;
  std::string carrier;
  std::string source;
  std::string destination;
  std::string text;
  std::string kind;
  std::optional<std::string> ref;
  int attempts = 0;  // counts this one
};

struct reply_status {
  reply_state state = reply_state::queued;
  int attempts = 0;
  std::vector<std::string> message_ids;  // one per submitted segment, in order
  std::optional<std::string> receipt;    // last receipt stat ("DELIVRD", "UNDELIV", ...)
  std::optional<std::string> last_error;
};

enum class receipt_outcome {
  applied,     // the segment's receipt is recorded (the reply's state may have changed)
  unknown_id,  // no submitted segment has this (carrier, message_id)
};

// What a receipt's stat does to its reply (still submitted) when applied: DELIVRD delivers it
// once every segment is; UNDELIV, EXPIRED, REJECTD, DELETED and UNKNOWN fail it; anything else
// (ENROUTE, ACCEPTD) records the stat and changes no state. Both backends apply this rule
// (PostgreSQL's batch statement writes the failing list in its SQL: postgresql/receipts.cpp).
enum class receipt_effect { deliver, fail, none };
[[nodiscard]] receipt_effect receipt_effect_of(std::string_view stat) noexcept;

// What became of a delivery receipt MO given to transaction::take_receipt. Filled when the
// backend ran its statements: at once (SQLite), or when the batch's receipts are applied
// together (PostgreSQL: before the next statement that reads, at the latest before COMMIT);
// always by the time the work item's done() runs without an error.
struct receipt_taken {
  bool ready = false;
  // As record_received(mo, redelivery::check) answers: `duplicate` = a redelivery, nothing
  // else was written.
  received_mo received;
  // The index in `ids` of the id that named a segment (the receipt applied to it); -1: none
  // did (an unknown id: the receipt is kept as received only).
  int applied = -1;
};

// --- outcomes, recorded together (transaction::record_reply_outcomes / _forward_outcomes) -

// What became of one attempt to send a reply, as mark_reply_submitted, schedule_reply_retry
// and mark_reply_failed record it. Views: valid during the call.
struct reply_outcome {
  enum class kind { submitted, retry, failed };
  std::int64_t id = 0;
  kind what = kind::submitted;
  wall_time at{};  // submitted: submitted_at; failed: done_at; retry: due again then
  std::span<const std::string> message_ids{};  // submitted: one per segment, in order
  std::string_view error{};                    // retry, failed
};

// What became of one POST of a forward, as mark_forwarded, park and schedule_retry record it.
struct forward_outcome {
  enum class kind { forwarded, parked, retry };
  std::string_view ref;
  kind what = kind::forwarded;
  wall_time at{};                                 // forwarded, parked: when; retry: due again then
  std::optional<int> http_status{};               // forwarded, parked: set (0 if not)
  std::optional<std::string_view> tracking_id{};  // forwarded
  std::string_view text{};                        // parked: the store's answer; retry: the error
};

// An outcome left unrecorded because its row is gone: its index in the call's outcomes and why
// ("store: no reply 42"), as the single call would have thrown it.
struct outcome_not_recorded {
  std::size_t index = 0;
  std::string why;
};

// What transaction::begin_epoch() did at start.
struct lease_epoch {
  std::int64_t epoch = 0;               // this process start's epoch
  std::int64_t replies_taken_back = 0;  // leased by an earlier epoch of this instance
  std::int64_t forwards_taken_back = 0;
};

// A USSD dialogue between two screens, kept in the store so that it continues on whichever
// instance the carrier sends the citizen's next message to. The store does not read `state`
// (the USSD layer's encoding, printable ASCII); a dialogue past `expires_at` is gone.
struct ussd_dialogue_record {
  std::string key;  // the carrier and the carrier's session key, printable ASCII
  std::string state;
  wall_time expires_at{};
};

// --- counts for metrics and laporctl -----------------------------------------------------

struct queue_counts {
  std::int64_t outbox_pending = 0;    // waiting for their (next) attempt
  std::int64_t outbox_in_flight = 0;  // leased to the forwarder right now
  std::int64_t outbox_parked = 0;     // refused for good: an operator must look
  std::int64_t outbox_dropped = 0;    // parked, then dropped by an operator
  std::int64_t replies_queued = 0;
  std::int64_t replies_in_flight = 0;
  std::int64_t replies_failed = 0;
  std::int64_t part_keys = 0;  // long messages waiting for parts
};

// --- the operator's queries (laporctl through the admin API) ------------------------------

// Which complaints `find_complaints` lists, newest first. Unset fields do not filter.
struct complaint_filter {
  std::optional<std::string> status;  // the complaint's status ("received", "closed", ...)
  // An institution code ("36.03"), keyword as matched ("TANGKAB", any case), or "national"
  // for the national desk (no institution).
  std::optional<std::string> institution;
  // The forwarding state: "pending", "in_flight", "forwarded", "parked", "dropped", or "held"
  // (never queued: over the reporter's hourly limit).
  std::optional<std::string> forwarding;
  std::optional<wall_time> since;  // created at or after
  int limit = 20;
};

struct complaint_summary {
  store::complaint complaint;
  std::optional<forward_state> forwarding;  // nullopt: held (never queued)
};

// One reply or notification sent (or to be sent) about a complaint.
struct reply_record {
  std::int64_t id = 0;
  std::string kind;  // "ack", "status", "notification", ...
  std::string carrier;
  std::string destination;
  std::string text;
  reply_state state = reply_state::queued;
  int attempts = 0;
  wall_time created_at{};
  std::optional<wall_time> submitted_at;
  std::optional<wall_time> done_at;  // delivered or failed
  std::optional<std::string> receipt;
  std::optional<std::string> last_error;
};

// A forward the national store refused for good, waiting for an operator.
struct parked_forward {
  std::string ref;
  int attempts = 0;
  std::optional<int> http_status;  // of the refusal
  std::string answer;              // the store's body
  wall_time enqueued_at{};
  wall_time parked_at{};
};

// What an operator's retry or drop of a parked forward found.
enum class parked_outcome {
  done,        // retried (pending, due now) or dropped (kept in dropped_forwards)
  unknown,     // no complaint with that ref
  not_parked,  // the complaint's forward is in another state (`state` says which)
};

struct parked_action {
  parked_outcome outcome = parked_outcome::unknown;
  std::optional<forward_state> state;  // with not_parked; nullopt there: held (never queued)
};

}  // namespace lapord::store
