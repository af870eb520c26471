#pragma once
// The index key that finds a redelivered MO. Only a hint: a match is confirmed by comparing
// every field exactly, so a hash collision can never merge two different messages.
#include <cstdint>

#include "lapord/store/records.hpp"

namespace lapord::store::detail {

std::int64_t dedup_hash(const mo_pdu& mo) noexcept;

}  // namespace lapord::store::detail
