#pragma once
// What a work item may do to the store, in the domain's words: the one interface the
// application sees, whichever backend is behind it (SQLite in src/store/sqlite/, PostgreSQL in
// src/store/postgresql/). A transaction is handed to a work item on the writer thread and is
// valid only during that call; everything the item does commits together (or not at all) when
// the batch commits.
//
// Every operation throws store_error on a failure of the backend; the writer then rolls back
// this item (or, for disk full / I/O errors / a lost connection, the whole batch). Nothing is
// ever half-applied.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/store/records.hpp"
#include "lapord/text/reassembly.hpp"

namespace lapord::store {

class transaction;

namespace detail {
// The text layer's part_store on the current transaction, for every backend alike.
class transaction_parts final : public text::part_store {
 public:
  explicit transaction_parts(transaction& tx) noexcept : tx_(tx) {}
  bool put(const text::message_part& part) override;
  std::vector<text::message_part> parts(const text::part_key& key) override;
  void erase(const text::part_key& key) override;
  std::vector<text::part_key> keys_older_than(text::wall_time cutoff) override;

 private:
  transaction& tx_;
};
}  // namespace detail

class transaction {
 public:
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  // --- received messages -------------------------------------------------------------------
  // Keeps the MO for audit. With redelivery::check, unless the same MO was received within
  // the dedup window (see docs/store.md: carrier + every body field + the raw bytes of
  // short_message and TLVs): for parts of long messages and receipts. A whole citizen
  // message is always kept (redelivery::keep) and answered: a citizen may repeat it; it leaves
  // no redelivery key (schema 8), so a later check never matches it.
  virtual received_mo record_received(const mo_pdu& mo, redelivery check = redelivery::check) = 0;
  // Deletes up to `limit` of the oldest received rows, those that came before `before` (the
  // redelivery keys and audit rows past [store] received_retention_hours); returns how many.
  // Reads at most `limit` rows: a small step that never scans the table (docs/store.md).
  virtual std::int64_t expire_received(wall_time before, int limit) = 0;

  // --- parts of long messages: the text layer's part_store, durable ------------------------
  // Use as `text::reassembler r(tx.parts())` inside the item; valid while the item runs.
  text::part_store& parts() noexcept { return parts_; }
  virtual bool put_part(const text::message_part& part) = 0;
  virtual std::vector<text::message_part> parts_of(const text::part_key& key) = 0;
  virtual void erase_parts(const text::part_key& key) = 0;
  virtual std::vector<text::part_key> part_keys_older_than(wall_time cutoff) = 0;

  // --- refs ----------------------------------------------------------------------------------
  // The next value of the ref counter (1, 2, 3 ...), never handed out twice once committed.
  virtual std::uint64_t next_ref_counter() = 0;

  // --- complaints ----------------------------------------------------------------------------
  // Throws store_error(item_failed) if the ref exists already.
  virtual void create_complaint(const new_complaint& c) = 0;
  virtual std::optional<complaint> complaint_by_ref(std::string_view ref) = 0;
  // The ref of this reporter's first complaint with this duplicate key (new_complaint::
  // duplicate_key: the folded text) created at or after `since`.
  virtual std::optional<std::string> recent_complaint_with_key(std::string_view reporter,
                                                               std::string_view duplicate_key,
                                                               wall_time since) = 0;
  // How many complaints this reporter created at or after `since`.
  virtual std::int64_t complaints_since(std::string_view reporter, wall_time since) = 0;
  // recent_complaint_with_key(reporter, duplicate_key, duplicate_since),
  // complaints_since(reporter, hour_since) and rate_notice_sent_since(reporter, hour_since) at
  // once: the MO path's probes before deciding, one round trip instead of three on PostgreSQL.
  virtual reporter_facts facts_about(std::string_view reporter, std::string_view duplicate_key,
                                     wall_time duplicate_since, wall_time hour_since) = 0;
  // Complaints created at or after `since`, newest first (the operator's list).
  virtual std::vector<complaint> recent_complaints(wall_time since, int limit) = 0;

  // --- reporters -----------------------------------------------------------------------------
  virtual bool rate_notice_sent_since(std::string_view reporter, wall_time since) = 0;
  virtual void mark_rate_notice(std::string_view reporter, wall_time at) = 0;
  virtual void set_opt_out(std::string_view reporter, bool opted_out, wall_time at) = 0;
  virtual bool opted_out(std::string_view reporter) = 0;
  // How many answers (replies other than a new complaint's acknowledgement, a notification or
  // the rate-limit notice: help, status, not_found, duplicate, stop, start ...) were queued
  // for this destination at or after `since`. Counted in the store, so that instances sharing
  // it count together (SQLite: sqlite/leases.cpp).
  virtual std::int64_t answers_since(std::string_view destination, wall_time since) = 0;

  // --- leases: who this process is (docs/store.md "Leases") ---------------------------------
  // Starts a new epoch for `instance` (the counter `epoch`, +1 at every start), makes every
  // later lease of this transaction's connection name (instance, epoch), and takes back at
  // once the leases `instance` holds from earlier epochs (due at `now`). Other instances'
  // leases are left to expire. Call once at start, before taking anything.
  virtual lease_epoch begin_epoch(std::string_view instance, wall_time now) = 0;

  // --- USSD dialogues (ussd_dialogue_record) --------------------------------------------------
  // The dialogue under `key`, unless it expired at or before `now`.
  virtual std::optional<ussd_dialogue_record> ussd_dialogue(std::string_view key,
                                                            wall_time now) = 0;
  // Creates or replaces the dialogue under d.key.
  virtual void put_ussd_dialogue(const ussd_dialogue_record& d) = 0;
  virtual void erase_ussd_dialogue(std::string_view key) = 0;
  // Deletes the dialogues expired at or before `now`; returns how many.
  virtual std::int64_t erase_expired_ussd_dialogues(wall_time now) = 0;

  // --- status events from the national store -------------------------------------------------
  virtual event_outcome add_event(const status_event_view& e) = 0;
  virtual std::optional<complaint_view> complaint_view_by_ref(std::string_view ref) = 0;

  // --- outbox ----------------------------------------------------------------------------------
  // Queues the complaint `ref` (created before, in this transaction or an earlier one) for
  // POSTing, due at `now`; its body is rendered from the complaint when it is taken (forward).
  // Throws item_failed if already queued. `lease` set: stored taken by this connection's
  // instance, as take_due_forwards would leave it (attempt 1, leased until now + lease), for
  // the forwarder to get straight from the commit; a crash leaves the lease to run out (or the
  // instance's next start to take it back), as for a take (docs/store.md "Leases").
  void enqueue_forward(std::string_view ref, wall_time now) { enqueue_forward(ref, now, {}); }
  virtual void enqueue_forward(std::string_view ref, wall_time now,
                               std::optional<std::chrono::milliseconds> lease) = 0;
  // Up to `limit` due forwards (oldest due first), leased until now + lease: a crash before
  // mark_forwarded / park / schedule_retry makes them due again when the lease ends.
  virtual std::vector<forward> take_due_forwards(wall_time now, int limit,
                                                 std::chrono::milliseconds lease) = 0;
  // The store took it (2xx or 409). Keeps its tracking id on the complaint too.
  virtual void mark_forwarded(std::string_view ref, int http_status,
                              std::optional<std::string_view> tracking_id, wall_time at) = 0;
  // Refused for good (4xx but 409): kept for an operator with the store's answer.
  virtual void park(std::string_view ref, int http_status, std::string_view answer,
                    wall_time at) = 0;
  // Failed for now (5xx, timeout, reset): due again at next_at.
  virtual void schedule_retry(std::string_view ref, wall_time next_at, std::string_view error,
                              std::optional<int> http_status) = 0;
  // Several outcomes at once, in order, as if each were recorded by its own call above
  // (mark_forwarded, park, schedule_retry): one whose outbox row is gone writes nothing and is
  // returned; the others are recorded. Any other error throws, as the single calls do.
  // PostgreSQL: one statement per kind for the lot; SQLite (and this default): the calls.
  virtual std::vector<outcome_not_recorded> record_forward_outcomes(
      std::span<const forward_outcome> outcomes);
  // An operator's "try again" for a parked complaint: pending, due at `now`. False if not parked.
  virtual bool unpark(std::string_view ref, wall_time now) = 0;
  virtual std::vector<std::string> parked_refs(int limit) = 0;
  // The earliest next_attempt_at of a pending or in-flight forward (for the worker's timer).
  virtual std::optional<wall_time> next_forward_due() = 0;

  // --- replies and notifications ---------------------------------------------------------------
  virtual std::int64_t enqueue_reply(const new_reply& r) = 0;
  // Up to `limit` due replies, leased like forwards.
  std::vector<reply> take_due_replies(wall_time now, int limit, std::chrono::milliseconds lease) {
    return take_due_replies_to(now, limit, lease, nullptr);
  }
  // The same, only replies to `carriers` (null: to every carrier): those this instance has a
  // bind up to send on. A reply to another carrier is left to an instance bound to it, and
  // does not use up its attempts here.
  virtual std::vector<reply> take_due_replies_to(wall_time now, int limit,
                                                 std::chrono::milliseconds lease,
                                                 const std::vector<std::string>* carriers) = 0;
  // Every segment was accepted by the SMSC: one message_id per segment, in order.
  virtual void mark_reply_submitted(std::int64_t id, std::span<const std::string> message_ids,
                                    wall_time at) = 0;
  // Not accepted now (throttled, no bind, temporary error): due again at next_at.
  virtual void schedule_reply_retry(std::int64_t id, wall_time next_at, std::string_view error) = 0;
  // Not accepted for good (permanent error, too many attempts).
  virtual void mark_reply_failed(std::int64_t id, std::string_view error, wall_time at) = 0;
  // Several outcomes at once, as record_forward_outcomes: in order, as if by the calls above
  // (mark_reply_submitted, schedule_reply_retry, mark_reply_failed); one whose reply is gone
  // writes nothing and is returned. PostgreSQL: one statement per kind for the lot.
  virtual std::vector<outcome_not_recorded> record_reply_outcomes(
      std::span<const reply_outcome> outcomes);
  // A delivery receipt for one segment. `stat` as the receipt says it: DELIVRD -> delivered
  // (the reply is delivered once every segment is); UNDELIV, EXPIRED, REJECTD, DELETED,
  // UNKNOWN -> failed; anything else (ENROUTE, ACCEPTD) is recorded and changes no state.
  virtual receipt_outcome apply_receipt(std::string_view carrier, std::string_view message_id,
                                        std::string_view stat, wall_time at) = 0;
  // A delivery receipt MO, whole: kept as received with its redelivery check
  // (record_received(mo, redelivery::check)); unless it is a redelivery, applied
  // (apply_receipt) with each of `ids` in turn (the forms of its message id) until one names
  // a segment. The answer goes to `out`, which must live until the item's done(): PostgreSQL
  // keeps the receipt back and applies the batch's together (docs/store.md, "Delivery
  // receipts, a batch at a time"); the default does it at once. `mo` and `ids` are read
  // during the call only.
  virtual void take_receipt(const mo_pdu& mo, std::span<const std::string> ids,
                            std::string_view stat, receipt_taken& out);
  virtual std::optional<reply_status> reply_status_of(std::int64_t id) = 0;
  virtual std::optional<wall_time> next_reply_due() = 0;

  // --- operations --------------------------------------------------------------------------------
  virtual queue_counts counts() = 0;

  // The operator's queries. Lists scan newest first and stop at the
  // limit; a filter that matches little reads the complaints back to `since` (or all).
  virtual std::vector<complaint_summary> find_complaints(const complaint_filter& filter) = 0;
  // Replies and notifications about a complaint, oldest first.
  virtual std::vector<reply_record> replies_for(std::string_view ref) = 0;
  // Parked forwards, longest parked first, with the store's answer.
  virtual std::vector<parked_forward> parked_forwards(int limit) = 0;
  // Parked -> pending, due at `now` (the forwarder still has to be woken).
  virtual parked_action retry_parked(std::string_view ref, wall_time now) = 0;
  // Parked -> dropped: the outbox row moves whole into dropped_forwards with `reason`; the
  // complaint stays. Nothing is deleted without a trace.
  virtual parked_action drop_parked(std::string_view ref, std::string_view reason,
                                    wall_time now) = 0;
  // Caps the database file (SQLite: PRAGMA max_page_count); past it writes fail with
  // errc::disk_full instead of filling the file system. 0 lifts the cap. Takes effect at once.
  // A PostgreSQL server's disk is its operator's: there it fails with errc::item_failed.
  virtual void limit_size(std::uint64_t max_bytes) = 0;

 protected:
  transaction() noexcept : parts_(*this) {}
  virtual ~transaction() = default;

 private:
  detail::transaction_parts parts_;
};

}  // namespace lapord::store
