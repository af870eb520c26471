// A COMMIT that lost the connection (the primary died, a failover) may still have committed:
// the server may have written it (and, with a synchronous standby, the promoted standby has it)
// before the answer was lost. For MO that is harmless (answered with a temporary error, the
// SMSC delivers them again, the redelivery is recognised). For leases it is not: the caller,
// told the take failed, holds none of the rows, yet the store says this instance leased them,
// and nobody takes them before the lease runs out (5 minutes for a reply, a minute or more for
// a forward) since this instance is alive. So a lost COMMIT's takes are released at the
// reconnect: exactly the rows that take leased (same keys, owner, epoch and expiry), due again
// from the take's time. Rows it did not lease after all (the COMMIT never happened) match
// nothing.
#include <algorithm>

#include "store/postgresql/connection.hpp"

namespace lapord::store::postgresql {

namespace {

constexpr char release_replies_sql[] =
    "UPDATE replies SET leased=0, next_attempt_at=$1 "
    "WHERE id = ANY(string_to_array($2::text, E'\\n')::bigint[]) AND state='queued' "
    "AND leased=1 AND lease_owner=$3 AND lease_epoch=$4 AND next_attempt_at=$5";
constexpr char release_forwards_sql[] =
    "UPDATE complaints SET forward_leased=0, forward_next_at=$1 "
    "WHERE ref = ANY(string_to_array($2::text, E'\\n')) AND forward_state='pending' "
    "AND forward_leased=1 AND forward_lease_owner=$3 AND forward_lease_epoch=$4 "
    "AND forward_next_at=$5";
// Replies and forwards stored taken at their insert (an MO's reply and forward, new_reply::lease,
// enqueue_forward's lease), each with its own creation time: matched on the lease they were
// inserted with (attempt 1, leased until creation + lease), due again from their creation as
// if stored untaken.
constexpr char release_fresh_replies_sql[] =
    "UPDATE replies SET leased=0, next_attempt_at=created_at "
    "WHERE id = ANY(string_to_array($1::text, E'\\n')::bigint[]) AND state='queued' "
    "AND leased=1 AND attempts=1 AND lease_owner=$2 AND lease_epoch=$3 "
    "AND next_attempt_at=created_at+$4::bigint";
// A forward's enqueued_at is NULL when it was queued at its complaint's created_at (schema 11).
constexpr char release_fresh_forwards_sql[] =
    "UPDATE complaints SET forward_leased=0, "
    "forward_next_at=coalesce(forward_enqueued_at, created_at) "
    "WHERE ref = ANY(string_to_array($1::text, E'\\n')) AND forward_state='pending' "
    "AND forward_leased=1 AND forward_attempts=1 AND forward_lease_owner=$2 "
    "AND forward_lease_epoch=$3 "
    "AND forward_next_at=coalesce(forward_enqueued_at, created_at)+$4::bigint";
// Bounded: one lost transaction's takes per lost connection; more (a run of lost commits)
// are left to their leases.
constexpr std::size_t max_lost_takes = 64;

}  // namespace

void connection::took(bool replies, wall_time now, wall_time until, std::string keys) {
  if (keys.empty()) return;
  keys.pop_back();  // the last '\n'
  takes_in_tx_.push_back({replies, now, until, std::move(keys)});
}

void connection::took_fresh(bool replies, std::string_view key, std::chrono::milliseconds lease) {
  // Entries alternate reply, forward, reply ... within an MO: look for this kind's among all.
  auto it = std::find_if(takes_in_tx_.begin(), takes_in_tx_.end(), [&](const taken_leases& t) {
    return t.fresh == lease && t.replies == replies;
  });
  if (it == takes_in_tx_.end()) it = takes_in_tx_.insert(it, {replies, {}, {}, {}, lease});
  if (!it->keys.empty()) it->keys += '\n';
  it->keys += key;
}

void connection::commit_lost() noexcept {
  // An error with the connection still up (a constraint checked at COMMIT) is a known
  // rollback; only a lost connection leaves the outcome unknown.
  if (!pq_.ok()) {
    for (auto& t : takes_in_tx_)
      if (lost_takes_.size() < max_lost_takes) lost_takes_.push_back(std::move(t));
  }
  takes_in_tx_.clear();
}

void connection::release_lost_takes() {
  while (!lost_takes_.empty()) {
    const auto& t = lost_takes_.back();
    if (t.fresh) {
      pq_.run(t.replies ? release_fresh_replies_sql : release_fresh_forwards_sql,
              params()
                  .add(t.keys)
                  .add(lease_owner)
                  .add(lease_epoch)
                  .add(static_cast<std::int64_t>(t.fresh->count())));
    } else {
      pq_.run(t.replies ? release_replies_sql : release_forwards_sql,
              params().add(t.now).add(t.keys).add(lease_owner).add(lease_epoch).add(t.until));
    }
    lost_takes_.pop_back();  // only once released: a failure here is tried at the next reconnect
  }
}

}  // namespace lapord::store::postgresql
