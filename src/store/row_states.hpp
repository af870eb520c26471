#pragma once
// What both backends read back from the state columns of outbox and replies, written once:
// the column values are the same words in SQLite and PostgreSQL.
#include <optional>
#include <string>
#include <string_view>

#include "lapord/store/records.hpp"

namespace lapord::store::detail {

// An outbox row's state column ("held" is not a forward state: callers check it first).
forward_state forward_state_named(std::string_view s);
// A reply row's state column; a queued row that is leased is in flight.
reply_state reply_state_named(std::string_view s, bool leased);
// An optional filter as a statement parameter (null when absent).
std::optional<std::string_view> view_of(const std::optional<std::string>& s);

}  // namespace lapord::store::detail
