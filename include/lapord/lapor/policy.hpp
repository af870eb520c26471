#pragma once
// The service's rules that need the store's counts, as pure functions: who is never answered,
// what counts as the same complaint again, and the per-reporter hourly limit.
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "lapord/lapor/msisdn.hpp"

namespace lapord::lapor {

enum class sender_verdict {
  reporter,        // a subscriber: read the message
  receipt,         // a delivery receipt: never a complaint, never a reply
  alphanumeric,    // a sender name: nobody to answer
  service_number,  // one of our own numbers (a loop): never answer
  invalid,         // not a usable number
};

[[nodiscard]] std::string_view to_string(sender_verdict v);

// service_numbers as configured ("1708", "+62811..."); compared after normalisation.
[[nodiscard]] sender_verdict classify_sender(const address& from, bool is_receipt,
                                             std::span<const std::string> service_numbers,
                                             std::string_view country_code = "62");

// The key under which the store looks up "the same complaint text": case and runs of white
// space do not make a complaint new (a resend after "HP error" often differs only in those).
[[nodiscard]] std::string duplicate_key(std::string_view complaint_text);

// True when an earlier complaint with the same key, `age` ago, still makes this one a repeat.
[[nodiscard]] bool within_duplicate_window(std::chrono::seconds age, std::chrono::hours window);

enum class rate_verdict {
  forward,      // under the limit: forward as usual
  hold_tell,    // over the limit: store, do not forward, tell the reporter (first time this hour)
  hold_silent,  // over the limit and already told within the hour: store, no reply
};

// complaints_last_hour: this reporter's complaints in the last hour, this one not counted.
[[nodiscard]] rate_verdict rate_limit(unsigned complaints_last_hour, unsigned hourly_limit,
                                      bool told_within_hour);

}  // namespace lapord::lapor
