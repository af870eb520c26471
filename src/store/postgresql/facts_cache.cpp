#include "store/postgresql/facts_cache.hpp"

#include <algorithm>
#include <chrono>

namespace lapord::store::postgresql {

namespace {

// Every complaint of the given reporters created at or after $2 (complaints_reporter leads with
// the day since schema 10: one probe per citizen and day, from $2's day to the newest
// complaint's), then each reporter's last rate notice (a row with NULL complaint columns): one
// index probe per citizen, a LATERAL subquery per array element (OFFSET 0 keeps the planner from
// flattening it into a join). `reporter = ANY($1)` was planned as a sequential scan of complaints
// whenever the table had not been analyzed yet (a new store, one just copied from SQLite): 1.4 ms
// per batch at 10,000 complaints, 44 ms at 100,000, against ~0.15 ms for the probes (EXPLAIN
// ANALYZE; in `scripts/bench --store postgresql` it was the third statement by time). Still planned
// at each call (run_planned): a prepared statement's generic plan, made while the table was empty,
// kept scanning the whole table (35 ms per batch at 10,000 complaints, found with auto_explain).
constexpr char load_facts_sql[] =
    "SELECT u.name, c.created_at, c.duplicate_key, c.ref, NULL::bigint "
    "FROM (SELECT ARRAY(SELECT generate_series($2::int8/86400000, "
    "(SELECT max(created_at/86400000) FROM complaints))) AS days) d, "
    "unnest($1::text[]) AS u(name) CROSS JOIN LATERAL (SELECT created_at, duplicate_key, "
    "ref FROM complaints WHERE created_at/86400000 = ANY(d.days) AND reporter = u.name "
    "AND created_at >= $2 OFFSET 0) c "
    "UNION ALL SELECT u.name, NULL, NULL, NULL, r.last_rate_notice_at "
    "FROM unnest($1::text[]) AS u(name) CROSS JOIN LATERAL (SELECT last_rate_notice_at FROM "
    "reporters WHERE msisdn = u.name AND last_rate_notice_at IS NOT NULL OFFSET 0) r";

// The batch's MO arrive within moments of each other; read an hour further back than the first
// asks, so that the others' windows (their own received_at) are inside what was read.
constexpr std::chrono::hours slack{1};

}  // namespace

void facts_cache::begin(std::span<const std::string_view> reporters) {
  drop();
  reporters_.reserve(reporters.size() * 2);
  for (const std::string_view r : reporters) {
    if (r.empty()) continue;
    reporters_.emplace_back(r);
    if (r.front() != '+') reporters_.push_back("+" + std::string(r));
  }
  std::sort(reporters_.begin(), reporters_.end());
  reporters_.erase(std::unique(reporters_.begin(), reporters_.end()), reporters_.end());
  active_ = !reporters_.empty();
}

void facts_cache::drop() noexcept {
  active_ = false;
  loaded_ = false;
  reporters_.clear();
  entries_.clear();
}

void facts_cache::load(pq_connection& pq, wall_time since) {
  binary_array names(binary_array::element::text);
  for (const auto& r : reporters_)
    names.add(r);
  // Beside the rows kept back: those the caller adds itself, and written() adds them later.
  auto r = pq.run_planned(load_facts_sql, params().add_bytes(names.bytes()).add(since));
  for (const auto& name : reporters_)
    entries_[name];  // read, with or without complaints
  for (int i = 0; i < r.rows(); ++i) {
    entry& e = entries_[r.text(i, 0)];
    if (!r.is_null(i, 3))
      e.complaints.push_back(stored{r.time(i, 1), r.opt_text(i, 2).value_or(""), r.text(i, 3)});
    else
      e.rate_notice_at = r.opt_time(i, 4);
  }
  since_ = since;
  loaded_ = true;
}

std::optional<reporter_facts> facts_cache::lookup(pq_connection& pq, std::string_view reporter,
                                                  std::string_view duplicate_key,
                                                  wall_time duplicate_since, wall_time hour_since) {
  if (!active_) return std::nullopt;
  const wall_time need = std::min(duplicate_since, hour_since);
  if (!loaded_) load(pq, need - slack);
  if (need < since_) return std::nullopt;
  const auto it = entries_.find(std::string(reporter));
  if (it == entries_.end()) return std::nullopt;
  reporter_facts f;
  std::optional<wall_time> first;
  for (const stored& s : it->second.complaints) {
    if (s.created_at >= hour_since) ++f.complaints_since;
    if (!duplicate_key.empty() && s.duplicate_key == duplicate_key &&
        s.created_at >= duplicate_since && (!first || s.created_at < *first)) {
      first = s.created_at;
      f.duplicate_ref = s.ref;
    }
  }
  f.rate_notice_sent = it->second.rate_notice_at && *it->second.rate_notice_at >= hour_since;
  return f;
}

void facts_cache::written(const std::vector<pending_complaint>& complaints) {
  if (!loaded_) return;  // not read yet: the reading will find them in the table
  for (const pending_complaint& p : complaints) {
    const auto it = entries_.find(p.reporter);
    if (it != entries_.end())
      it->second.complaints.push_back(stored{p.created_at, p.duplicate_key, p.ref});
  }
}

void facts_cache::rate_notice(std::string_view reporter, wall_time at) {
  if (!loaded_) return;  // sent before the reading: it sees it
  const auto it = entries_.find(std::string(reporter));
  if (it != entries_.end()) it->second.rate_notice_at = at;
}

}  // namespace lapord::store::postgresql
