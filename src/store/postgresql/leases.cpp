// Who holds a lease (instance + epoch), the instance's advisory lock, and the per-reporter
// count of answers, on PostgreSQL (the same as src/store/sqlite/leases.cpp).
#include <chrono>
#include <string>
#include <thread>

#include "store/postgresql/connection.hpp"

namespace lapord::store::postgresql {

namespace {

constexpr char next_epoch_sql[] =
    "UPDATE counters SET value=value+1 WHERE name='epoch' RETURNING value";
// Only this instance's own leases from an earlier epoch: that process is gone (the advisory
// lock says no other live process has the name). Another instance's lease expires instead.
constexpr char take_back_replies_sql[] =
    "UPDATE replies SET leased=0, next_attempt_at=$1 WHERE state='queued' AND leased=1 "
    "AND lease_owner=$2 AND lease_epoch<$3";
constexpr char take_back_forwards_sql[] =
    "UPDATE complaints SET forward_leased=0, forward_next_at=$1 WHERE forward_state='pending' "
    "AND forward_leased=1 AND forward_lease_owner=$2 AND forward_lease_epoch<$3";
constexpr char answers_since_sql[] =
    "SELECT count(*) FROM replies WHERE destination=$1 AND created_at>=$2 AND kind<>'ack' "
    "AND kind<>'ack_national' AND kind<>'notification' AND kind<>'rate_limited'";

}  // namespace

lease_epoch pg_transaction::begin_epoch(std::string_view instance, wall_time now) {
  const std::string name(instance);
  // Held by a session whose process was just killed (restart after kill -9): the server drops
  // it once it notices, within client_connection_check_interval. A live holder keeps it.
  const auto deadline = std::chrono::steady_clock::now() + c_.instance_wait();
  for (;;) {
    try {
      c_.lock_instance(name);
      break;
    } catch (const store_error& e) {
      if (e.code() != make_error_code(errc::busy) || std::chrono::steady_clock::now() >= deadline)
        throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  lease_epoch out;
  auto e = c_.pq().run(next_epoch_sql, params());
  if (e.rows() == 0) throw store_error(errc::internal, "store: the epoch counter is missing");
  out.epoch = e.int64(0, 0);
  c_.lease_owner = name;
  c_.lease_epoch = out.epoch;
  out.replies_taken_back =
      c_.pq().run(take_back_replies_sql, params().add(now).add(name).add(out.epoch)).affected();
  out.forwards_taken_back =
      c_.pq().run(take_back_forwards_sql, params().add(now).add(name).add(out.epoch)).affected();
  return out;
}

std::int64_t pg_transaction::answers_since(std::string_view destination, wall_time since) {
  auto r = c_.pq().run(answers_since_sql, params().add(destination).add(since));
  return r.rows() ? r.int64(0, 0) : 0;
}

}  // namespace lapord::store::postgresql
