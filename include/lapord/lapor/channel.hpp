#pragma once
// How a citizen reached the service. A fact of the complaint: the service decides by it, the
// store keeps its word ("sms", "ussd"), the national store receives it and the metrics count by
// it.
#include <string_view>

namespace lapord::lapor {

enum class channel { sms, ussd };

// "sms" or "ussd": the word the store and the national store's JSON use.
[[nodiscard]] constexpr std::string_view to_string(channel c) {
  return c == channel::ussd ? "ussd" : "sms";
}

}  // namespace lapord::lapor
