#pragma once
// The index key that finds a redelivered MO. Only a hint: a match is confirmed by comparing
// every field exactly, so a hash collision can never merge two different messages.
#include <cstdint>
#include <string>
#include <vector>

#include "lapord/store/records.hpp"

namespace lapord::store::detail {

std::int64_t dedup_hash(const mo_pdu& mo) noexcept;

// The carriers a reply may go to (take_due_replies_to), joined by the unit separator (0x1f,
// never in a carrier's name) for one statement parameter; "" for none or null.
std::string carrier_list(const std::vector<std::string>* carriers);

}  // namespace lapord::store::detail
