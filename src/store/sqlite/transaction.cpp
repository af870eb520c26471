// The SQLite backend's domain operations, part: operations (queue counts, the size cap) and what
// the domain files share.

#include <string>

#include "store/sqlite/connection.hpp"

namespace lapord::store::sqlite {

namespace {

// --- SQL (named arrays: their addresses key the statement cache) ----------

constexpr char count_outbox_pending_sql[] =
    "SELECT count(*), coalesce(sum(forward_leased), 0) FROM complaints "
    "WHERE forward_state='pending'";
constexpr char count_outbox_parked_sql[] =
    "SELECT count(*) FROM complaints WHERE forward_state='parked'";
constexpr char count_outbox_dropped_sql[] = "SELECT count(*) FROM dropped_forwards";
constexpr char count_replies_queued_sql[] =
    "SELECT count(*), coalesce(sum(leased), 0) FROM replies WHERE state='queued'";
constexpr char count_replies_failed_sql[] = "SELECT count(*) FROM replies WHERE state='failed'";
constexpr char count_part_keys_sql[] =
    "SELECT count(*) FROM (SELECT 1 FROM parts GROUP BY carrier, source, destination, "
    "reference)";
constexpr char page_size_sql[] = "PRAGMA page_size";

}  // namespace

[[noreturn]] void no_such(std::string_view what, std::string_view key) {
  throw store_error(errc::item_failed, "store: no " + std::string(what) + " " + std::string(key));
}

// --- operations ------------------------------------------------------------------------------

queue_counts sqlite_transaction::counts() {
  queue_counts n;
  auto one = [&](const char* sql, std::int64_t& a, std::int64_t* b) {
    auto q = c_.prepare(sql);
    if (q.step()) {
      a = q.int64(0);
      if (b) *b = q.int64(1);
    }
  };
  std::int64_t leased = 0;
  one(count_outbox_pending_sql, n.outbox_pending, &leased);
  n.outbox_pending -= leased;
  n.outbox_in_flight = leased;
  one(count_outbox_parked_sql, n.outbox_parked, nullptr);
  one(count_outbox_dropped_sql, n.outbox_dropped, nullptr);
  one(count_replies_queued_sql, n.replies_queued, &leased);
  n.replies_queued -= leased;
  n.replies_in_flight = leased;
  one(count_replies_failed_sql, n.replies_failed, nullptr);
  one(count_part_keys_sql, n.part_keys, nullptr);
  return n;
}

void sqlite_transaction::limit_size(std::uint64_t max_bytes) {
  std::int64_t page = 4096;
  {
    auto q = c_.prepare(page_size_sql);
    if (q.step()) page = q.int64(0);
  }
  // 0 lifts the cap: SQLite's own maximum page count.
  std::uint64_t pages = max_bytes == 0 ? 4294967294ULL
                                       : (max_bytes + static_cast<std::uint64_t>(page) - 1) /
                                             static_cast<std::uint64_t>(page);
  std::string sql = "PRAGMA max_page_count=" + std::to_string(pages);
  c_.exec(sql.c_str());
}

}  // namespace lapord::store::sqlite
