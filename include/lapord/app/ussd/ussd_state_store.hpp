#pragma once
// A USSD dialogue between the gateway (this process) and the shared store: between two screens
// every dialogue is written to the store (store::ussd_dialogue_record), and a message that
// continues a dialogue first reads it back, so the dialogue goes on on whichever instance the
// carrier sends the next message to (docs/ussd.md, "Where a dialogue lives"). Socket-free:
// ussd_path.cpp does the I/O.
#include <chrono>
#include <optional>
#include <string>

#include "lapord/lapor/service.hpp"
#include "lapord/lapor/ussd/gateway.hpp"
#include "lapord/store/records.hpp"

namespace lapord::app {

// What the store said of a dialogue before its message is handled.
struct stored_dialogue {
  bool known = false;  // the store was read (not: a dial, which starts afresh, or a failed read)
  std::optional<store::ussd_dialogue_record> record;  // known and none: ended or expired

  static stored_dialogue unknown() { return {}; }
  static stored_dialogue read(std::optional<store::ussd_dialogue_record> r) {
    return {true, std::move(r)};
  }
};

// The dialogue as it stands at `now`, under `key`: expires `timeout` after the citizen was last
// heard.
[[nodiscard]] store::ussd_dialogue_record to_record(std::string key,
                                                    const lapor::ussd::dialogue_table::entry& e,
                                                    lapor::ussd::instant now,
                                                    std::chrono::seconds timeout);

// Holds the store's copy as the dialogue of `key` in `g`. False, with why, when the copy does
// not decode, names an institution `service` does not have (instances must run the same
// directory), or the gateway's table is full.
bool adopt_record(lapor::ussd::gateway& g, const lapor::service& service,
                  const lapor::ussd::session_key& key, const store::ussd_dialogue_record& r,
                  lapor::ussd::instant now, std::string& why);

}  // namespace lapord::app
