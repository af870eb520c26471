// The PostgreSQL backend's domain operations, part: outcomes of replies and forwards, recorded
// together. The app records the outcomes of a commit's worth of replies (or forwards) in one
// call; here that is one statement per kind (submitted, retry, failed; forwarded, parked,
// retry) for them all, each an UPDATE ... FROM unnest($1::int8[], ...) that also returns the
// keys whose row is gone. PostgreSQL's cost is per statement, not per row (docs/store.md,
// "Statements per MO on PostgreSQL"). The single calls (mark_reply_submitted ...) are the same
// with one outcome. The same meaning as the single calls in src/store/sqlite/.

#include <algorithm>
#include <string>
#include <unordered_map>

#include "store/postgresql/connection.hpp"

namespace lapord::store::postgresql {

namespace {

// --- SQL (named arrays: their addresses key the prepared statements) ----------
// Each returns the keys of the outcomes it could not record (no such row). A data-modifying
// CTE runs once whether read or not; the final SELECT sees the tables as they were before it.

// A reply's first submit of one segment keeps its message id ($3; NULL: several or none) in its
// row (schema 13). Otherwise segments ($4..$6: the reply, the 1-based segment, the message id)
// are keyed with the submit time: a message id an SMSC hands out again (after its restart) adds
// a row. A submit again of a reply whose id is in its row (rare: a lease taken over after its
// submit) leaves that id and its time as they are and returns the reply flagged (second column
// true): record_reply_outcomes moves the id to reply_segments (move_in_row_ids_sql) and runs the
// outcomes again, so that a reply has either, never both, as on SQLite. Looking the old row up
// here for every reply cost more than the segment INSERT it saves (docs/benchmarks.md).
// The lease's owner goes with the lease (read only for a queued reply).
constexpr char replies_submitted_sql[] =
    "WITH m AS (SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[]) AS m(id, t, mid)), "
    "r AS (UPDATE replies SET state='submitted', leased=0, next_attempt_at=NULL, "
    "lease_owner=NULL, lease_epoch=NULL, "
    "submitted_at=CASE WHEN replies.message_id IS NULL THEN m.t ELSE replies.submitted_at END, "
    "message_id=CASE WHEN replies.message_id IS NOT NULL THEN replies.message_id "
    "WHEN replies.submitted_at IS NULL THEN m.mid END "
    "FROM m WHERE replies.id=m.id RETURNING replies.id, replies.carrier, m.t, "
    "replies.message_id IS NOT NULL AS in_row, replies.message_id IS NOT NULL AND "
    "(replies.message_id, replies.submitted_at) IS DISTINCT FROM (m.mid, m.t) AS kept), "
    "s AS (INSERT INTO reply_segments (carrier, message_id, submitted_at, reply_id, segment) "
    "SELECT r.carrier, g.mid, r.t, r.id, g.n FROM r JOIN unnest($4::int8[], $5::int8[], "
    "$6::text[]) AS g(rid, n, mid) ON g.rid=r.id WHERE NOT r.in_row ON CONFLICT DO NOTHING) "
    "SELECT m.id, false FROM m WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.id=m.id) "
    "UNION ALL SELECT r.id, true FROM r WHERE r.kept";
// The in-row ids of replies submitted again ($1) become their first segment, with the reply's
// receipt and its time (that segment's while it was the only one).
constexpr char move_in_row_ids_sql[] =
    "WITH v AS (INSERT INTO reply_segments (carrier, message_id, submitted_at, reply_id, "
    "segment, receipt, receipt_at) SELECT carrier, message_id, submitted_at, id, 1, receipt, "
    "receipt_at FROM replies WHERE id=ANY($1::int8[]) AND message_id IS NOT NULL "
    "ON CONFLICT DO NOTHING) "
    "UPDATE replies SET message_id=NULL WHERE id=ANY($1::int8[])";
// Only a reply still queued (a late retry after its success changes nothing); gone: returned.
constexpr char replies_retry_sql[] =
    "WITH m AS (SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[]) AS m(id, n, e)), "
    "u AS (UPDATE replies SET leased=0, next_attempt_at=m.n, last_error=m.e FROM m "
    "WHERE replies.id=m.id AND replies.state='queued') "
    "SELECT m.id FROM m WHERE NOT EXISTS (SELECT 1 FROM replies x WHERE x.id=m.id)";
constexpr char replies_failed_sql[] =
    "WITH m AS (SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[]) AS m(id, t, e)), "
    "u AS (UPDATE replies SET state='failed', leased=0, last_error=m.e, done_at=m.t, "
    "next_attempt_at=NULL, lease_owner=NULL, lease_epoch=NULL FROM m WHERE replies.id=m.id "
    "RETURNING replies.id) "
    "SELECT m.id FROM m WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.id=m.id)";
// The forward's columns, the tracking id (kept if none given) and updated_at: one row (schema
// 10). The lease's owner goes with the lease (nothing reads it once the forward is done).
constexpr char forwards_done_sql[] =
    "WITH m AS (SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[]) "
    "AS m(ref, st, t, tid)), "
    "o AS (UPDATE complaints SET forward_state='forwarded', forward_leased=0, "
    "forward_http_status=m.st, forward_done_at=m.t, forward_next_at=NULL, "
    "forward_lease_owner=NULL, forward_lease_epoch=NULL, "
    "tracking_id=coalesce(m.tid, complaints.tracking_id), updated_at=m.t FROM m "
    "WHERE complaints.ref=m.ref AND complaints.forward_state IS NOT NULL "
    "RETURNING complaints.ref) "
    "SELECT m.ref FROM m WHERE NOT EXISTS (SELECT 1 FROM o WHERE o.ref=m.ref)";
// Only a pending one: already forwarded (a success wins over a late refusal) is fine.
constexpr char forwards_parked_sql[] =
    "WITH m AS (SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::int8[]) "
    "AS m(ref, st, a, t)), "
    "o AS (UPDATE complaints SET forward_state='parked', forward_leased=0, "
    "forward_http_status=m.st, forward_answer=m.a, forward_done_at=m.t, forward_next_at=NULL, "
    "forward_lease_owner=NULL, forward_lease_epoch=NULL, updated_at=m.t FROM m "
    "WHERE complaints.ref=m.ref AND complaints.forward_state='pending') "
    "SELECT m.ref FROM m WHERE NOT EXISTS (SELECT 1 FROM complaints x WHERE x.ref=m.ref "
    "AND x.forward_state IS NOT NULL)";
constexpr char forwards_retry_sql[] =
    "WITH m AS (SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::int8[]) "
    "AS m(ref, n, e, st)), "
    "o AS (UPDATE complaints SET forward_leased=0, forward_next_at=m.n, forward_error=m.e, "
    "forward_http_status=m.st FROM m WHERE complaints.ref=m.ref "
    "AND complaints.forward_state='pending') "
    "SELECT m.ref FROM m WHERE NOT EXISTS (SELECT 1 FROM complaints x WHERE x.ref=m.ref "
    "AND x.forward_state IS NOT NULL)";

using el = binary_array::element;

// One statement's columns, and which outcome each of its keys came from.
template <class Key>
struct round_part {
  explicit round_part(std::initializer_list<el> kinds) {
    for (const auto k : kinds)
      columns.emplace_back(k);
  }
  std::vector<binary_array> columns;
  bool empty() const noexcept { return columns.front().size() == 0; }

  // Runs `sql` with the columns (and `extra` after them); each key it returns is an outcome
  // not recorded: `why` + the key.
  // `flagged`: the statement returns a second column; a row with it true is a key to do again
  // (replies_submitted_sql), added there, not an outcome not recorded.
  void run(pq_connection& pq, const char* sql, const std::unordered_map<Key, std::size_t>& index,
           std::string_view why, std::vector<outcome_not_recorded>& out,
           std::initializer_list<binary_array*> extra = {}, binary_array* flagged = nullptr) {
    if (empty()) return;
    params p;
    for (auto& c : columns)
      p.add_bytes(c.bytes());
    for (auto* c : extra)
      p.add_bytes(c->bytes());
    auto r = pq.run(sql, p);
    for (int i = 0; i < r.rows(); ++i) {
      if (flagged != nullptr && r.boolean(i, 1)) {
        flagged->add(r.int64(i, 0));
        continue;
      }
      Key key{};
      if constexpr (std::is_same_v<Key, std::int64_t>)
        key = r.int64(i, 0);
      else
        key = r.view(i, 0);
      const auto it = index.find(key);
      if (it == index.end()) throw store_error(errc::internal, "store: an unknown outcome key");
      // As the single call would have thrown it (the default's why).
      const store_error e(errc::item_failed, std::string(why) + std::string(r.view(i, 0)));
      out.push_back(outcome_not_recorded{it->second, e.what()});
    }
  }
};

// A key twice in one statement would update its row once: outcomes go in rounds, a round
// ending before an outcome whose key it has (rare: two outcomes of one reply in one call), so
// that they apply in order. `take(i)` adds outcome i to the round; `flush` runs it.
template <class Outcome, class Key, class KeyOf, class Take, class Flush>
std::vector<outcome_not_recorded> in_rounds(std::span<const Outcome> outcomes, KeyOf key_of,
                                            Take take, Flush flush) {
  std::vector<outcome_not_recorded> out;
  std::unordered_map<Key, std::size_t> index;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (!index.emplace(key_of(outcomes[i]), i).second) {
      flush(index, out);
      index.clear();
      index.emplace(key_of(outcomes[i]), i);
    }
    take(outcomes[i]);
  }
  if (!index.empty()) flush(index, out);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return out;
}

}  // namespace

// --- replies ---------------------------------------------------------------------------------

std::vector<outcome_not_recorded> pg_transaction::record_reply_outcomes(
    std::span<const reply_outcome> outcomes) {
  using index_t = std::unordered_map<std::int64_t, std::size_t>;
  round_part<std::int64_t> submitted{el::int8, el::int8, el::text},
      retry{el::int8, el::int8, el::text}, failed{el::int8, el::int8, el::text};
  binary_array seg_reply{el::int8}, seg_no{el::int8}, seg_id{el::text};
  auto take = [&](const reply_outcome& o) {
    switch (o.what) {
      case reply_outcome::kind::submitted: {
        submitted.columns[0].add(o.id);
        submitted.columns[1].add(o.at.time_since_epoch().count());
        if (o.message_ids.size() == 1)
          submitted.columns[2].add(o.message_ids.front());
        else
          submitted.columns[2].add_null();
        std::int64_t n = 0;
        for (const auto& mid : o.message_ids) {
          seg_reply.add(o.id);
          seg_no.add(++n);
          seg_id.add(mid);
        }
        break;
      }
      case reply_outcome::kind::retry:
      case reply_outcome::kind::failed: {
        auto& part = o.what == reply_outcome::kind::retry ? retry : failed;
        part.columns[0].add(o.id);
        part.columns[1].add(o.at.time_since_epoch().count());
        part.columns[2].add(o.error);
        break;
      }
    }
  };
  auto flush = [&](const index_t& index, std::vector<outcome_not_recorded>& out) {
    const std::string_view why = "store: no reply ";
    binary_array again{el::int8};
    submitted.run(c_.pq(), replies_submitted_sql, index, why, out, {&seg_reply, &seg_no, &seg_id},
                  &again);
    if (again.size() != 0) {
      // Rare (see replies_submitted_sql): the same outcomes again once those ids have moved; for
      // the others it changes nothing (their segments are there: ON CONFLICT DO NOTHING).
      c_.pq().run(move_in_row_ids_sql, params().add_bytes(again.bytes()));
      std::vector<outcome_not_recorded> named_before;  // the first run named them in `out`
      submitted.run(c_.pq(), replies_submitted_sql, index, why, named_before,
                    {&seg_reply, &seg_no, &seg_id});
    }
    retry.run(c_.pq(), replies_retry_sql, index, why, out);
    failed.run(c_.pq(), replies_failed_sql, index, why, out);
    for (auto* part : {&submitted, &retry, &failed})
      for (auto& c : part->columns)
        c.clear();
    for (auto* c : {&seg_reply, &seg_no, &seg_id})
      c->clear();
  };
  return in_rounds<reply_outcome, std::int64_t>(
      outcomes, [](const reply_outcome& o) { return o.id; }, take, flush);
}

void pg_transaction::mark_reply_submitted(std::int64_t id, std::span<const std::string> message_ids,
                                          wall_time at) {
  const reply_outcome o{id, reply_outcome::kind::submitted, at, message_ids, {}};
  if (!record_reply_outcomes({&o, 1}).empty()) no_such("reply", std::to_string(id));
}

void pg_transaction::schedule_reply_retry(std::int64_t id, wall_time next_at,
                                          std::string_view error) {
  const reply_outcome o{id, reply_outcome::kind::retry, next_at, {}, error};
  if (!record_reply_outcomes({&o, 1}).empty()) no_such("reply", std::to_string(id));
}

void pg_transaction::mark_reply_failed(std::int64_t id, std::string_view error, wall_time at) {
  const reply_outcome o{id, reply_outcome::kind::failed, at, {}, error};
  if (!record_reply_outcomes({&o, 1}).empty()) no_such("reply", std::to_string(id));
}

// --- forwards --------------------------------------------------------------------------------

std::vector<outcome_not_recorded> pg_transaction::record_forward_outcomes(
    std::span<const forward_outcome> outcomes) {
  using index_t = std::unordered_map<std::string_view, std::size_t>;
  round_part<std::string_view> done{el::text, el::int8, el::int8, el::text},
      parked{el::text, el::int8, el::text, el::int8}, retry{el::text, el::int8, el::text, el::int8};
  auto status = [](const forward_outcome& o) -> std::optional<std::int64_t> {
    if (!o.http_status) return std::nullopt;
    return std::int64_t{*o.http_status};
  };
  auto take = [&](const forward_outcome& o) {
    const std::int64_t at = o.at.time_since_epoch().count();
    switch (o.what) {
      case forward_outcome::kind::forwarded:
        done.columns[0].add(o.ref);
        done.columns[1].add(status(o).value_or(0));
        done.columns[2].add(at);
        if (o.tracking_id)
          done.columns[3].add(*o.tracking_id);
        else
          done.columns[3].add_null();
        break;
      case forward_outcome::kind::parked:
        parked.columns[0].add(o.ref);
        parked.columns[1].add(status(o).value_or(0));
        parked.columns[2].add(o.text);
        parked.columns[3].add(at);
        break;
      case forward_outcome::kind::retry:
        retry.columns[0].add(o.ref);
        retry.columns[1].add(at);
        retry.columns[2].add(o.text);
        if (const auto s = status(o))
          retry.columns[3].add(*s);
        else
          retry.columns[3].add_null();
        break;
    }
  };
  auto flush = [&](const index_t& index, std::vector<outcome_not_recorded>& out) {
    const std::string_view why = "store: no outbox entry for ref ";
    done.run(c_.pq(), forwards_done_sql, index, why, out);
    parked.run(c_.pq(), forwards_parked_sql, index, why, out);
    retry.run(c_.pq(), forwards_retry_sql, index, why, out);
    for (auto* part : {&done, &parked, &retry})
      for (auto& c : part->columns)
        c.clear();
  };
  return in_rounds<forward_outcome, std::string_view>(
      outcomes, [](const forward_outcome& o) { return o.ref; }, take, flush);
}

void pg_transaction::mark_forwarded(std::string_view ref, int http_status,
                                    std::optional<std::string_view> tracking_id, wall_time at) {
  const forward_outcome o{ref, forward_outcome::kind::forwarded, at, http_status, tracking_id, {}};
  if (!record_forward_outcomes({&o, 1}).empty()) no_such("outbox entry for ref", ref);
}

void pg_transaction::park(std::string_view ref, int http_status, std::string_view answer,
                          wall_time at) {
  const forward_outcome o{ref, forward_outcome::kind::parked, at, http_status, {}, answer};
  if (!record_forward_outcomes({&o, 1}).empty()) no_such("outbox entry for ref", ref);
}

void pg_transaction::schedule_retry(std::string_view ref, wall_time next_at, std::string_view error,
                                    std::optional<int> http_status) {
  const forward_outcome o{ref, forward_outcome::kind::retry, next_at, http_status, {}, error};
  if (!record_forward_outcomes({&o, 1}).empty()) no_such("outbox entry for ref", ref);
}

}  // namespace lapord::store::postgresql
