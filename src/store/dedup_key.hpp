#pragma once
// The index key that finds a redelivered MO. Only a hint: a match is confirmed by comparing
// every field exactly, so a hash collision can never merge two different messages.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/store/records.hpp"

namespace lapord::store::detail {

// Never 0: 0 is the key of a row that is never looked up (a whole message, redelivery::keep,
// schema 8), which the partial index received_dedup leaves out.
std::int64_t dedup_hash(const mo_pdu& mo) noexcept;

// The reporter index's hint for new_complaint::duplicate_key (schema 8), confirmed by comparing
// the key itself in the row.
std::int64_t duplicate_hash(std::string_view duplicate_key) noexcept;

// FNV-1a (64 bits) of a string, its length first: the hash under both keys above, and the slot
// of SQLite's cache of ref numbers (connection::number_of).
std::uint64_t string_hash(std::string_view s) noexcept;

// The reporter index leads with the complaint's UTC day (schema 10: `created_at/86400000`, the
// same expression in every query that uses it): a new complaint's entry goes into today's part
// of the index, small and in the page cache, instead of a random leaf of the whole history.
// A probe for the complaints since `since` looks up each day from since's to the newest
// complaint's. Division truncates toward zero in C++, SQLite and PostgreSQL alike.
inline constexpr std::int64_t reporter_day_ms = 86'400'000;
inline std::int64_t reporter_day(wall_time t) noexcept {
  return t.time_since_epoch().count() / reporter_day_ms;
}
// More days than this between a probe's since and the newest complaint (a caller asking far
// back: tools, tests): one range scan of the index from since's day instead of a probe per day.
inline constexpr std::int64_t max_probed_days = 32;

// The carriers a reply may go to (take_due_replies_to), joined by the unit separator (0x1f,
// never in a carrier's name) for one statement parameter; "" for none or null.
std::string carrier_list(const std::vector<std::string>* carriers);

}  // namespace lapord::store::detail
