#pragma once
// Delivery receipts kept back and applied a batch at a time (transaction::take_receipt): each
// receipt's redelivery probe, its received row and its segment and reply updates, for all the
// receipts of a batch, in one statement instead of three statements each (the probe, the
// received row written before the apply reads, the apply). Applied with the rows kept back
// (deferred_rows::flush): before any statement that waits for its result, and before COMMIT,
// so that every statement after the receipt's item sees what it did, as before.
//
// Why it means the same as the receipts one after the other (docs/store.md, "Delivery
// receipts, a batch at a time"):
// - a receipt identical to one kept back earlier in the batch is that one's redelivery, found
//   here in memory (the statement does not see its own received rows);
// - one statement sees no update of its own: two receipts for one reply (two segments, or a
//   segment's ENROUTE then its DELIVRD) in one statement could not tell that every segment is
//   delivered, nor which came last. The statement applies only the first receipt of each reply
//   (by arrival) and returns the others, which the next statement applies: rounds, in order.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/store/records.hpp"
#include "store/postgresql/deferred_rows.hpp"

namespace lapord::store::postgresql {

class deferred_receipts {
 public:
  deferred_receipts();
  // `out` is filled by flush(); `mo` and `ids` are copied. `dedup_since` / `receipt_since`:
  // the oldest received row that can be its redelivery, the oldest segment it can credit.
  void add(const mo_pdu& mo, std::int64_t dedup_hash, std::int64_t id,
           std::span<const std::string> ids, std::string_view stat, wall_time dedup_since,
           wall_time receipt_since, receipt_taken& out);
  std::size_t size() const noexcept { return entries_.size(); }

  void set_mark() noexcept;
  void to_mark() noexcept;
  void clear() noexcept;
  // Runs the statement (rounds, see above) and fills every receipt's receipt_taken. The rows
  // kept back by deferred_rows must be sent before: the probe reads `received`.
  void flush(pq_connection& pq);

 private:
  struct entry {
    std::string key;   // every field the redelivery check compares, length-prefixed
    int same_as = -1;  // an earlier entry this one is a redelivery of (in this batch)
    std::int64_t id = 0;
    wall_time at{};
    receipt_taken* out = nullptr;
  };
  binary_array& column(std::size_t i) noexcept { return columns_[i]; }
  std::vector<binary_array> columns_;                 // one row per receipt sent to the statement
  binary_array id_ord_{binary_array::element::int8};  // the ids: receipt, form, id
  binary_array id_form_{binary_array::element::int8};
  binary_array id_text_{binary_array::element::text};
  std::vector<entry> entries_;
  std::vector<std::int64_t> sent_;  // entries_ index of each row of columns_
  struct {
    std::size_t entries = 0, sent = 0;
  } mark_;
};

}  // namespace lapord::store::postgresql
