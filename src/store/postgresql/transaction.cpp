// The PostgreSQL backend's domain operations, part: operations (queue counts, the size cap) and
// what the domain files share. The same operations, the same meaning as
// src/store/sqlite/transaction.cpp, in PostgreSQL's SQL.

#include <string>

#include "store/postgresql/connection.hpp"

namespace lapord::store::postgresql {

namespace {

// --- SQL (named arrays: their addresses key the prepared statements) ----------

constexpr char counts_sql[] =
    "SELECT (SELECT count(*) FROM complaints WHERE forward_state='pending'), "
    "(SELECT coalesce(sum(forward_leased), 0) FROM complaints WHERE forward_state='pending'), "
    "(SELECT count(*) FROM complaints WHERE forward_state='parked'), "
    "(SELECT count(*) FROM dropped_forwards), "
    "(SELECT count(*) FROM replies WHERE state='queued'), "
    "(SELECT coalesce(sum(leased), 0) FROM replies WHERE state='queued'), "
    "(SELECT count(*) FROM replies WHERE state='failed'), "
    "(SELECT count(*) FROM (SELECT 1 FROM parts GROUP BY carrier, source, destination, "
    "reference) k)";

}  // namespace

[[noreturn]] void no_such(std::string_view what, std::string_view key) {
  throw store_error(errc::item_failed, "store: no " + std::string(what) + " " + std::string(key));
}

// --- operations ------------------------------------------------------------------------------

queue_counts pg_transaction::counts() {
  auto r = c_.pq().run(counts_sql, params());
  queue_counts n;
  const std::int64_t out_leased = r.int64(0, 1);
  n.outbox_pending = r.int64(0, 0) - out_leased;
  n.outbox_in_flight = out_leased;
  n.outbox_parked = r.int64(0, 2);
  n.outbox_dropped = r.int64(0, 3);
  const std::int64_t rep_leased = r.int64(0, 5);
  n.replies_queued = r.int64(0, 4) - rep_leased;
  n.replies_in_flight = rep_leased;
  n.replies_failed = r.int64(0, 6);
  n.part_keys = r.int64(0, 7);
  return n;
}

void pg_transaction::limit_size(std::uint64_t) {
  throw store_error(errc::item_failed,
                    "store: a size limit is SQLite's; a PostgreSQL server's disk is its "
                    "operator's");
}

}  // namespace lapord::store::postgresql
