// Serializing the decisions about one citizen across every instance sharing the store (issue
// 13): transaction-level advisory locks on the reporter, released by COMMIT or ROLLBACK.
//
// Why this order cannot deadlock although a batch holds many MO (group commit):
// - every lock a batch waits for is taken in lock_reporters(), right after BEGIN, before any
//   item runs, in one global order (ascending key), by one statement;
// - afterwards the batch waits only for row locks (the counters row when it reserves a block
//   of refs, unique index entries), never again for a reporter: the expiry of long messages
//   only *tries* a reporter (try_lock_reporter) and leaves a busy one for its next round.
// So a batch waiting for a reporter holds nothing but reporters ordered below it, and a batch
// holding the counter row holds all the reporters it will ever wait for: no cycle. (A cycle
// through rows alone, e.g. two instances applying receipts to one reply, is detected by
// PostgreSQL and fails that batch with a temporary error; the SMSC delivers its MO again.)
#include <algorithm>
#include <string>
#include <vector>

#include "store/postgresql/connection.hpp"

namespace lapord::store::postgresql {

namespace {

// The list is one text parameter ("k1,k2,..."): unnest keeps the array's order.
constexpr char lock_reporters_sql[] =
    "SELECT pg_advisory_xact_lock(k) FROM unnest(string_to_array($1, ',')::bigint[]) AS k";
constexpr char try_lock_reporter_sql[] = "SELECT pg_try_advisory_xact_lock($1)";
constexpr char part_keys_older_sql[] =
    "SELECT carrier, source, destination, reference FROM parts "
    "GROUP BY carrier, source, destination, reference HAVING min(received_at) < $1";

}  // namespace

std::int64_t reporter_lock_key(std::string_view address) noexcept {
  // The last 8 digits: the same citizen whatever form a carrier or the service writes the
  // number in (+6281..., 6281..., 081...). Two citizens sharing them only wait for each other.
  std::string_view digits = address;
  std::size_t n = 0;
  std::size_t start = address.size();
  while (start > 0 && n < 8) {
    const char ch = address[start - 1];
    if (ch >= '0' && ch <= '9') ++n;
    --start;
  }
  if (n > 0) digits = address.substr(start);
  std::uint64_t h = 0xcbf29ce484222325ULL ^ 0x13;  // FNV-1a, offset by the number
  for (const char ch : digits) {
    if (n > 0 && (ch < '0' || ch > '9')) continue;
    h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001b3ULL;
  }
  return static_cast<std::int64_t>(h);
}

void connection::lock_reporters(std::span<const std::string_view> reporters) {
  facts_.begin(reporters);  // held from here to the COMMIT: facts_about may read them at once
  if (reporters.empty()) return;
  std::vector<std::int64_t> keys;
  keys.reserve(reporters.size());
  for (const std::string_view r : reporters)
    if (!r.empty()) keys.push_back(reporter_lock_key(r));
  if (keys.empty()) return;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::string list;
  list.reserve(keys.size() * 21);
  for (const std::int64_t k : keys) {
    if (!list.empty()) list += ',';
    list += std::to_string(k);
  }
  pq_.run(lock_reporters_sql, params().add(list));
}

bool connection::try_lock_reporter(std::string_view reporter) {
  return pq_.run(try_lock_reporter_sql, params().add(reporter_lock_key(reporter))).boolean(0, 0);
}

// Only the long messages whose reporter this batch holds (or could take at once): one that an
// item of another instance is deciding right now (its last part may just be arriving) is left
// for the next round, when that item has committed. parts_of() then reads them afresh (each
// statement sees what committed before it), so a message reassembled meanwhile is gone.
std::vector<text::part_key> pg_transaction::part_keys_older_than(wall_time cutoff) {
  auto r = c_.pq().run(part_keys_older_sql, params().add(cutoff));
  std::vector<text::part_key> out;
  for (int i = 0; i < r.rows(); ++i) {
    text::part_key k{r.text(i, 0), r.text(i, 1), r.text(i, 2),
                     static_cast<std::uint16_t>(r.int64(i, 3))};
    if (c_.try_lock_reporter(k.source)) out.push_back(std::move(k));
  }
  return out;
}

}  // namespace lapord::store::postgresql
