#include "lapord/store/records.hpp"

namespace lapord::store {

receipt_effect receipt_effect_of(std::string_view stat) noexcept {
  if (stat == "DELIVRD") return receipt_effect::deliver;
  if (stat == "UNDELIV" || stat == "EXPIRED" || stat == "REJECTD" || stat == "DELETED" ||
      stat == "UNKNOWN")
    return receipt_effect::fail;
  return receipt_effect::none;
}

std::string_view to_string(forward_state s) noexcept {
  switch (s) {
    case forward_state::pending:
      return "pending";
    case forward_state::in_flight:
      return "in_flight";
    case forward_state::forwarded:
      return "forwarded";
    case forward_state::parked:
      return "parked";
    case forward_state::dropped:
      return "dropped";
  }
  return "unknown";
}

std::string_view to_string(reply_state s) noexcept {
  switch (s) {
    case reply_state::queued:
      return "queued";
    case reply_state::in_flight:
      return "in_flight";
    case reply_state::submitted:
      return "submitted";
    case reply_state::delivered:
      return "delivered";
    case reply_state::failed:
      return "failed";
  }
  return "unknown";
}

}  // namespace lapord::store
