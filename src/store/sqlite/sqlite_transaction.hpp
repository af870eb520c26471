#pragma once
// The SQLite backend's transaction: every domain operation as a few cached statements on the
// writer's connection (complaints.cpp, outbox.cpp, replies.cpp, leases.cpp,
// operator_queries.cpp, transaction.cpp).
#include <string>
#include <string_view>

#include "lapord/store/transaction.hpp"

namespace lapord::store::sqlite {

class connection;
class query;

// Shared by the domain files: an item_failed error "store: no <what> <key>" (transaction.cpp)
// and the statement that stamps a complaint's updated_at (complaints.cpp).
[[noreturn]] void no_such(std::string_view what, std::string_view key);
extern const char touch_complaint_sql[];
// A forward's lease columns, bound from parameter `first` on (outbox.cpp): first = 1 taken /
// 0 due, first + 1 the next attempt (due: `at`; taken: the lease's end), first + 2 and + 3 this
// connection's lease owner and epoch when taken (else unbound: NULL). enqueue_forward and
// create_complaint with its forward set the same columns alike.
void bind_forward(query& q, int first, const connection& c, wall_time at,
                  std::optional<std::chrono::milliseconds> lease);

class sqlite_transaction final : public transaction {
 public:
  explicit sqlite_transaction(connection& c) noexcept : c_(c) {}

  received_mo record_received(const mo_pdu& mo, redelivery check) override;
  std::int64_t expire_received(wall_time before, int limit) override;
  bool put_part(const text::message_part& part) override;
  std::vector<text::message_part> parts_of(const text::part_key& key) override;
  void erase_parts(const text::part_key& key) override;
  std::vector<text::part_key> part_keys_older_than(wall_time cutoff) override;
  std::uint64_t next_ref_counter() override;
  void create_complaint(const new_complaint& c) override;
  std::optional<complaint> complaint_by_ref(std::string_view ref) override;
  std::optional<std::string> recent_complaint_with_key(std::string_view reporter,
                                                       std::string_view duplicate_key,
                                                       wall_time since) override;
  std::int64_t complaints_since(std::string_view reporter, wall_time since) override;
  reporter_facts facts_about(std::string_view reporter, std::string_view duplicate_key,
                             wall_time duplicate_since, wall_time hour_since) override;
  std::vector<complaint> recent_complaints(wall_time since, int limit) override;
  bool rate_notice_sent_since(std::string_view reporter, wall_time since) override;
  void mark_rate_notice(std::string_view reporter, wall_time at) override;
  void set_opt_out(std::string_view reporter, bool opted_out, wall_time at) override;
  bool opted_out(std::string_view reporter) override;
  std::int64_t answers_since(std::string_view destination, wall_time since) override;
  lease_epoch begin_epoch(std::string_view instance, wall_time now) override;
  std::optional<ussd_dialogue_record> ussd_dialogue(std::string_view key, wall_time now) override;
  void put_ussd_dialogue(const ussd_dialogue_record& d) override;
  void erase_ussd_dialogue(std::string_view key) override;
  std::int64_t erase_expired_ussd_dialogues(wall_time now) override;
  event_outcome add_event(const status_event_view& e) override;
  std::optional<complaint_view> complaint_view_by_ref(std::string_view ref) override;
  using transaction::enqueue_forward;
  void enqueue_forward(std::string_view ref, wall_time now,
                       std::optional<std::chrono::milliseconds> lease) override;
  std::vector<forward> take_due_forwards(wall_time now, int limit,
                                         std::chrono::milliseconds lease) override;
  void mark_forwarded(std::string_view ref, int http_status,
                      std::optional<std::string_view> tracking_id, wall_time at) override;
  void park(std::string_view ref, int http_status, std::string_view answer, wall_time at) override;
  void schedule_retry(std::string_view ref, wall_time next_at, std::string_view error,
                      std::optional<int> http_status) override;
  bool unpark(std::string_view ref, wall_time now) override;
  std::vector<std::string> parked_refs(int limit) override;
  std::optional<wall_time> next_forward_due() override;
  std::int64_t enqueue_reply(const new_reply& r) override;
  std::vector<reply> take_due_replies_to(wall_time now, int limit, std::chrono::milliseconds lease,
                                         const std::vector<std::string>* carriers) override;
  void mark_reply_submitted(std::int64_t id, std::span<const std::string> message_ids,
                            wall_time at) override;
  void schedule_reply_retry(std::int64_t id, wall_time next_at, std::string_view error) override;
  void mark_reply_failed(std::int64_t id, std::string_view error, wall_time at) override;
  receipt_outcome apply_receipt(std::string_view carrier, std::string_view message_id,
                                std::string_view stat, wall_time at) override;
  std::optional<reply_status> reply_status_of(std::int64_t id) override;
  std::optional<wall_time> next_reply_due() override;
  queue_counts counts() override;
  std::vector<complaint_summary> find_complaints(const complaint_filter& filter) override;
  std::vector<reply_record> replies_for(std::string_view ref) override;
  std::vector<parked_forward> parked_forwards(int limit) override;
  parked_action retry_parked(std::string_view ref, wall_time now) override;
  parked_action drop_parked(std::string_view ref, std::string_view reason, wall_time now) override;
  void limit_size(std::uint64_t max_bytes) override;

  // Forgets the complaint this item filed (connection: at an item's start, its rollback, BEGIN).
  void forget_filed() noexcept { filed_number_ = -1; }
  void filed(std::int64_t number, std::string_view ref) {
    filed_number_ = number;
    filed_ref_ = ref;
  }

 private:
  std::int64_t newest_day();  // connection::newest_day, read when not known yet
  // Whether the complaint of `number` is stored with `ref` (replies.cpp, schema 15).
  bool is_stored_complaint(std::int64_t number, std::string_view ref);

  connection& c_;
  // The complaint the current item filed last: its acknowledgement, enqueued next, names it by
  // number without a look-up (is_stored_complaint). -1: none.
  std::int64_t filed_number_ = -1;
  std::string filed_ref_;
  std::string text_;  // a reply's text as stored (replies.cpp, schema 15), reused
  // The id record_received gave its last row when that row has key 0 (a whole message's: no
  // index entry, never looked up), else 0. create_complaint links no ref to it: the link's
  // UPDATE (dedup_hash<>0) would match nothing, and its statement costs ~2.7k instructions a
  // MO (callgrind). Only record_received inserts into received, and every call sets this: a
  // row rolled back and its id given again is given by a call that sets it again.
  std::int64_t unkeyed_received_ = 0;
};

}  // namespace lapord::store::sqlite
