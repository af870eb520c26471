// Who holds a lease (instance + epoch) and the per-reporter count of answers: the parts of
// the store that must stay right when several lapord instances share one database.
#include <string>

#include "store/sqlite/connection.hpp"

namespace lapord::store::sqlite {

namespace {

constexpr char next_epoch_sql[] = "UPDATE counters SET value=value+1 WHERE name='epoch'";
constexpr char read_epoch_sql[] = "SELECT value FROM counters WHERE name='epoch'";
// Only this instance's own leases from an earlier epoch: that process is gone (this one is
// its successor). Another instance's lease may belong to a live process: it expires instead.
constexpr char take_back_replies_sql[] =
    "UPDATE replies SET leased=0, next_attempt_at=?1 WHERE state='queued' AND leased=1 "
    "AND lease_owner=?2 AND lease_epoch<?3";
constexpr char take_back_forwards_sql[] =
    "UPDATE complaints SET forward_leased=0, forward_next_at=?1 WHERE forward_state='pending' "
    "AND forward_leased=1 AND forward_lease_owner=?2 AND forward_lease_epoch<?3";

// Served by replies_to(destination, created_at, kind): counted in the index alone.
constexpr char answers_since_sql[] =
    "SELECT count(*) FROM replies WHERE destination=? AND created_at>=? AND kind<>'ack' "
    "AND kind<>'ack_national' AND kind<>'notification' AND kind<>'rate_limited'";

}  // namespace

lease_epoch sqlite_transaction::begin_epoch(std::string_view instance, wall_time now) {
  lease_epoch out;
  c_.prepare(next_epoch_sql).run();
  {
    auto q = c_.prepare(read_epoch_sql);
    if (!q.step()) throw store_error(errc::internal, "store: the epoch counter is missing");
    out.epoch = q.int64(0);
  }
  c_.lease_owner = std::string(instance);
  c_.lease_epoch = out.epoch;
  {
    auto q = c_.prepare(take_back_replies_sql);
    q.bind(1, now).bind(2, c_.lease_owner).bind(3, out.epoch);
    q.run();
    out.replies_taken_back = q.changes();
  }
  auto q = c_.prepare(take_back_forwards_sql);
  q.bind(1, now).bind(2, c_.lease_owner).bind(3, out.epoch);
  q.run();
  out.forwards_taken_back = q.changes();
  return out;
}

std::int64_t sqlite_transaction::answers_since(std::string_view destination, wall_time since) {
  auto q = c_.prepare(answers_since_sql);
  q.bind(1, destination).bind(2, since);
  return q.step() ? q.int64(0) : 0;
}

}  // namespace lapord::store::sqlite
