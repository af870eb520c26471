#pragma once
// The USSD side of one carrier, with no I/O: a USSD message from the network and the time in,
// what to do out (send this screen, file this complaint, look up this status, nothing). The
// messages are plain values: the app maps deliver_sm to message_in and message_out to submit_sm
// (the lapor layer knows no SMPP types). It owns the carrier's
// open dialogues (a bounded dialogue_table) and runs the engine on them; the daemon does the
// sending, the filing and the lookup, and hands results back with the ticket it was given.
// Not thread-safe: the daemon calls one gateway from one strand (each carrier has its own
// gateway, so one carrier's load never waits on another's).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lapord/lapor/ussd/dialogue_table.hpp"
#include "lapord/lapor/ussd/engine.hpp"
#include "lapord/lapor/ussd/profile.hpp"

namespace lapord::lapor::ussd {

// One USSD message from the network (over SMPP: a deliver_sm's fields and TLVs).
struct message_in {
  std::string service_type;
  std::string source_addr;  // the citizen's MSISDN
  std::uint8_t source_addr_ton = 0;
  std::uint8_t source_addr_npi = 0;
  std::string destination_addr;  // the number dialled
  std::uint8_t dest_addr_ton = 0;
  std::uint8_t dest_addr_npi = 0;
  std::uint8_t esm_class = 0;
  std::uint8_t data_coding = 0;
  std::string short_message;                   // raw octets
  std::optional<std::string> message_payload;  // raw octets, when the network sent them so
  std::optional<std::uint8_t> ussd_service_op;
  std::optional<std::uint16_t> its_session_info;
  std::optional<std::uint16_t> user_message_reference;
};

// One screen for the network (over SMPP: a submit_sm; `octets` go in short_message, or in
// message_payload when longer than short_message takes).
struct message_out {
  std::string service_type;
  std::string source_addr;  // the service number
  std::uint8_t source_addr_ton = 0;
  std::uint8_t source_addr_npi = 0;
  std::string destination_addr;  // the citizen
  std::uint8_t dest_addr_ton = 0;
  std::uint8_t dest_addr_npi = 0;
  std::uint8_t data_coding = 0;
  std::string octets;  // the screen in the profile's encoding
  std::uint8_t ussd_service_op = 0;
  std::optional<std::uint16_t> its_session_info;
  std::optional<std::uint16_t> user_message_reference;
};

// True when a message is USSD for this profile: it has a ussd_service_op, or its service_type
// is the profile's (non-empty) service_type.
[[nodiscard]] bool is_ussd(const profile& p, std::string_view service_type,
                           std::optional<std::uint8_t> ussd_service_op);
[[nodiscard]] bool is_ussd(const profile& p, const message_in& m);

// The session key a profile reads from a message (gateway::key_of).
[[nodiscard]] session_key session_key_of(const profile& p, const message_in& m);

enum class action_kind : std::uint8_t {
  reply,    // send `reply` on the bind the message came on
  file,     // file `decision` (engine::complaint_decision with the store's facts; channel
            // "ussd"; queue its SMS acknowledgement), then call gateway::filed(ticket, ...)
  look_up,  // look up `decision.ref` for `decision.reporter` as for CEK by SMS, then call
            // gateway::looked_up(ticket, ...)
  none,     // nothing to send
};

[[nodiscard]] std::string_view to_string(action_kind k);

struct action {
  action_kind kind = action_kind::none;
  std::optional<message_out> reply;  // kind == reply
  bool ended = false;                // the dialogue is over and out of the table
  dialogue_ticket ticket = 0;        // file / look_up: hand it back
  lapor::decision decision;  // file / look_up; for a last screen of status or help, what it was
  std::string_view reason;   // for logs: the engine's reason, or "abort", "busy", "expired", ...
};

struct gateway_stats {
  std::uint64_t begun = 0;
  std::uint64_t aborted = 0;       // by the network (abort/end op)
  std::uint64_t expired = 0;       // dropped by the timeout
  std::uint64_t refused_busy = 0;  // the table was full
  std::uint64_t filed = 0;
};

class gateway {
 public:
  // Throws lapor::data_error when one of the engine's fixed screens does not fit the
  // profile's max_screen in its encoding, std::invalid_argument for a contradictory profile or a
  // capacity of 0. `e` must outlive the gateway; the timeout is the engine's.
  gateway(const engine& e, profile p, std::size_t max_dialogues);

  // One message that is_ussd(). Never throws for any field values.
  [[nodiscard]] action on_deliver(const message_in& m, instant now);
  // For a daemon that runs an older gateway beside a newer one after a reload: true when this
  // gateway holds the dialogue the message continues (an answer, an end or an abort), so
  // it must go here. A new dial (begin) for a dialogue held here ends that dialogue here (as
  // on_deliver would) and gives false: the new dialogue belongs to the newer gateway.
  [[nodiscard]] bool continues(const message_in& m, instant now);
  // The result of a `file` action. A ticket whose dialogue ended meanwhile gives none.
  [[nodiscard]] action filed(dialogue_ticket ticket, const filing_result& result, instant now);
  // The result of a `look_up` action (store_facts.status set only for the reporter's own ref).
  [[nodiscard]] action looked_up(dialogue_ticket ticket, const lapor::store_facts& facts,
                                 instant now);
  // Drops every dialogue idle past the timeout (nothing is sent: the network has given up on
  // them too); returns how many. Call it on a timer, e.g. every second or at next_expiry().
  std::size_t expire(instant now);
  [[nodiscard]] std::optional<instant> next_expiry() const { return table_.next_expiry(); }

  // The shared store's side (the daemon keeps each dialogue in the store between two screens,
  // src/app/ussd/ussd_path.cpp). The dialogue of `key` held here, or nullptr.
  [[nodiscard]] const dialogue_table::entry* peek(const session_key& key, instant now);
  // Holds `d` (its last_input included) and `c` as the dialogue of `key`, replacing the one
  // held here or taking a free slot: the store's copy is the newer one (another instance
  // showed the last screen, or this one before a restart). False when the table is full.
  bool adopt(const session_key& key, dialogue d, const reply_context& c, instant now);
  // Drops the dialogue of `key` held here (it ended or expired elsewhere): nothing is sent.
  void forget(const session_key& key, instant now);

  [[nodiscard]] std::size_t open_dialogues() const noexcept { return table_.size(); }
  [[nodiscard]] const profile& carrier_profile() const noexcept { return profile_; }
  [[nodiscard]] const gateway_stats& stats() const noexcept { return stats_; }

  // The session key this profile reads from a message.
  [[nodiscard]] session_key key_of(const message_in& m) const;

 private:
  [[nodiscard]] message_out make_reply(std::string_view citizen, std::string_view number,
                                       const reply_context& ctx, std::string_view screen,
                                       bool last) const;
  [[nodiscard]] action finish_step(dialogue_table::entry& e, step s, instant now);

  const engine* engine_;
  profile profile_;
  dialogue_table table_;
  gateway_stats stats_;
};

}  // namespace lapord::lapor::ussd
