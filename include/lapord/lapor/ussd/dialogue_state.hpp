#pragma once
// A dialogue between two screens as text, for the shared store (store::ussd_dialogue_record):
// so that the carrier may send the citizen's next message to another lapord instance, or to
// this one after a restart, and the dialogue goes on there. Printable ASCII only (every text
// field percent-escaped), versioned; decode() refuses anything it did not write.
// The steady clock does not cross processes: the state carries when the citizen was last heard
// as wall-clock milliseconds, and the caller converts.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lapord/lapor/ussd/dialogue_table.hpp"

namespace lapord::lapor::ussd {

struct dialogue_state {
  dialogue state;  // state.last_input is not encoded: heard_at_ms is
  reply_context context;
  std::int64_t heard_at_ms = 0;  // wall clock, milliseconds since the epoch
};

[[nodiscard]] std::string encode(const dialogue_state& s);
// nullopt for text that is not a state encode() wrote (another version, damaged).
[[nodiscard]] std::optional<dialogue_state> decode_state(std::string_view text);

// The store's key of a dialogue: the carrier and the session key, printable ASCII.
[[nodiscard]] std::string store_key(std::string_view carrier, const session_key& key);

}  // namespace lapord::lapor::ussd
