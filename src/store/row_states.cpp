#include "store/row_states.hpp"

namespace lapord::store::detail {

forward_state forward_state_named(std::string_view s) {
  if (s == "in_flight") return forward_state::in_flight;
  if (s == "forwarded") return forward_state::forwarded;
  if (s == "parked") return forward_state::parked;
  if (s == "dropped") return forward_state::dropped;
  return forward_state::pending;
}

reply_state reply_state_named(std::string_view s, bool leased) {
  if (s == "submitted") return reply_state::submitted;
  if (s == "delivered") return reply_state::delivered;
  if (s == "failed") return reply_state::failed;
  return leased ? reply_state::in_flight : reply_state::queued;
}

std::optional<std::string_view> view_of(const std::optional<std::string>& s) {
  if (s) return std::string_view(*s);
  return std::nullopt;
}

}  // namespace lapord::store::detail
