#pragma once
// The rows a batch adds on the MO path (received, complaints with their forward, replies), kept
// back and written together: one INSERT ... SELECT FROM unnest($1::text[], $2::int8[], ...) per
// table per batch instead of one INSERT per row. PostgreSQL's cost per MO is mostly per statement
// (parse/bind/execute bookkeeping, an executor start-up each), not per round trip; see
// docs/store.md, "Statements per MO on PostgreSQL".
//
// When they are written (pq_connection::deferred): before any statement that waits for its
// result (run, exec: BEGIN/COMMIT/SAVEPOINT ...), and when the writer settles an item, so that
// every statement sees them and an error in them fails an item (the batch is then run again
// item by item, each item's rows written in its own savepoint). The only reads that do not
// write them first are those that add them themselves (facts_about: pending_complaints) or
// read no table they go to (ids from sequences, the ref counter, advisory locks).
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/store/records.hpp"
#include "store/postgresql/pq.hpp"

namespace lapord::store::postgresql {

// One column: a one-dimensional PostgreSQL array in binary format (as array_send writes it:
// dimensions, a has-nulls flag, the element type, the length and lower bound, then each
// element as its length and its bytes; all big-endian). Binary: no quoting, bytea as is.
class binary_array {
 public:
  enum class element : std::uint32_t { bytea = 17, int8 = 20, text = 25 };
  explicit binary_array(element e) noexcept : e_(e) {}
  void add(std::int64_t v);
  void add(std::string_view bytes);  // text (UTF-8) or bytea
  void add_null();
  std::uint32_t size() const noexcept { return count_; }
  // The whole array (valid until the next change).
  std::string_view bytes();
  // An item's values go back with it: set_mark() when it starts, to_mark() if it fails.
  void set_mark() noexcept { mark_ = {body_.size(), count_}; }
  void to_mark() noexcept {
    body_.resize(mark_.body);  // shrinking: no allocation
    count_ = mark_.count;
  }
  void clear() noexcept {
    body_.clear();
    count_ = 0;
    nulls_ = false;
    mark_ = {};
  }

 private:
  element e_;
  std::string body_;
  std::string out_;
  std::uint32_t count_ = 0;
  bool nulls_ = false;
  struct {
    std::size_t body = 0;
    std::uint32_t count = 0;
  } mark_;
};

// The rows of one multi-row INSERT: values go to the columns in turn, row after row.
class row_batch {
 public:
  row_batch(const char* sql, std::initializer_list<binary_array::element> columns);
  row_batch& add(std::int64_t v) {
    next().add(v);
    return *this;
  }
  row_batch& add(std::string_view v) {
    next().add(v);
    return *this;
  }
  row_batch& add(std::optional<std::string_view> v) {
    if (!v) return add_null();
    return add(*v);
  }
  row_batch& add(std::optional<std::int64_t> v) {
    if (!v) return add_null();
    return add(*v);
  }
  row_batch& add_null() {
    next().add_null();
    return *this;
  }
  row_batch& add(wall_time t) { return add(std::int64_t{t.time_since_epoch().count()}); }
  row_batch& add(bool b) { return add(std::int64_t{b ? 1 : 0}); }
  std::uint32_t rows() const noexcept { return columns_.front().size(); }
  // Each column's array, one binary parameter each, then `extra` (columns built elsewhere).
  void send(pq_connection& pq, std::initializer_list<binary_array*> extra = {});
  void set_mark() noexcept;
  void to_mark() noexcept;
  void clear() noexcept;

 private:
  binary_array& next();
  const char* sql_;
  std::vector<binary_array> columns_;
  std::size_t next_ = 0;
};

class facts_cache;
class deferred_receipts;

// A complaint among the rows kept back, as facts_about needs it.
struct pending_complaint {
  std::string reporter;
  std::string duplicate_key;  // "" : none (matches no probe, as NULL in the table)
  std::string ref;
  wall_time created_at{};
};

// The batch's rows kept back, per table, and what facts_about reads of them.
class deferred_rows final : public pq_connection::deferred {
 public:
  deferred_rows();
  ~deferred_rows();
  deferred_rows(const deferred_rows&) = delete;
  deferred_rows& operator=(const deferred_rows&) = delete;
  // Told of the complaints each flush writes (facts_cache::written).
  void report_to(facts_cache* cache) noexcept { cache_ = cache; }
  void add_received(const mo_pdu& mo, std::int64_t dedup_hash, std::int64_t id);
  // Sets the ref of a received row still kept back; false if it was written already.
  bool link_received(std::int64_t id, std::string_view ref);
  void add_complaint(const new_complaint& c);
  // A reply or forward stored taken (new_reply::lease, enqueue_forward's lease): leased until
  // `until` by this owner and epoch.
  struct lease {
    wall_time until;
    std::string_view owner;
    std::int64_t epoch = 0;
  };
  // Queues the forward of a complaint kept back (its forward columns, written with it), taken
  // if `taken`; false if `ref` is not among them (the caller updates the stored row). Throws
  // item_failed if it is queued already.
  bool add_forward(std::string_view ref, wall_time now, const std::optional<lease>& taken);
  void add_reply(const new_reply& r, std::int64_t id, const std::optional<lease>& taken);
  // A delivery receipt (transaction::take_receipt), applied with the batch's others after
  // the rows above are written (receipts.hpp).
  void add_receipt(const mo_pdu& mo, std::int64_t dedup_hash, std::int64_t id,
                   std::span<const std::string> ids, std::string_view stat, wall_time dedup_since,
                   wall_time receipt_since, receipt_taken& out);
  const std::vector<pending_complaint>& pending_complaints() const noexcept { return complaints_; }

  // An item's rows go back with it (backend_connection::item_started / item_rolled_back).
  void item_started() noexcept;
  void item_rolled_back() noexcept;
  void discard() noexcept;

  bool pending() const noexcept override { return rows_ > 0; }
  void flush(pq_connection& pq) override;

 private:
  row_batch received_, complaint_rows_, replies_;
  std::vector<std::int64_t> received_ids_;
  std::vector<std::optional<std::string>> received_refs_;
  binary_array received_ref_column_{binary_array::element::text};
  std::vector<pending_complaint> complaints_;
  // Per complaint kept back: its forward (nullopt: not queued), the extra columns of its INSERT.
  struct kept_forward {
    std::int64_t at = 0;  // queued at
    std::optional<std::int64_t> leased_until;
    std::string owner;
    std::int64_t epoch = 0;
  };
  std::vector<std::optional<kept_forward>> forwards_;
  binary_array forward_at_{binary_array::element::int8}, forward_next_{binary_array::element::int8},
      forward_leased_{binary_array::element::int8}, forward_owner_{binary_array::element::text},
      forward_epoch_{binary_array::element::int8};
  std::size_t rows_ = 0;
  facts_cache* cache_ = nullptr;
  std::unique_ptr<deferred_receipts> receipts_;
  struct item_mark {
    std::size_t received_ids = 0, complaints = 0, rows = 0;
  } mark_;
};

}  // namespace lapord::store::postgresql
