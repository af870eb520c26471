#pragma once
// The USSD side of one carrier, with no I/O: a USSD deliver_sm and the time in, what to do out
// (send this submit_sm, file this complaint, look up this status, nothing). It owns the carrier's
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
#include "lapord/smpp/pdu.hpp"

namespace lapord::lapor::ussd {

// True when a deliver_sm is USSD for this profile: it has the ussd_service_op TLV, or its
// service_type is the profile's (non-empty) service_type.
[[nodiscard]] bool is_ussd(const profile& p, const smpp::deliver_sm& pdu);

// The session key a profile reads from a deliver_sm (gateway::key_of).
[[nodiscard]] session_key session_key_of(const profile& p, const smpp::deliver_sm& pdu);

enum class action_kind : std::uint8_t {
  reply,    // send `reply` (a submit_sm) on the bind the deliver_sm came on
  file,     // file `decision` (engine::complaint_decision with the store's facts; channel
            // "ussd"; queue its SMS acknowledgement), then call gateway::filed(ticket, ...)
  look_up,  // look up `decision.ref` for `decision.reporter` as for CEK by SMS, then call
            // gateway::looked_up(ticket, ...)
  none,     // nothing to send
};

[[nodiscard]] std::string_view to_string(action_kind k);

struct action {
  action_kind kind = action_kind::none;
  std::optional<smpp::submit_sm> reply;  // kind == reply
  bool ended = false;                    // the dialogue is over and out of the table
  dialogue_ticket ticket = 0;            // file / look_up: hand it back
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

  // One deliver_sm that is_ussd(). Never throws for any field values.
  [[nodiscard]] action on_deliver(const smpp::deliver_sm& pdu, instant now);
  // For a daemon that runs an older gateway beside a newer one after a reload: true when this
  // gateway holds the dialogue the deliver_sm continues (an answer, an end or an abort), so
  // it must go here. A new dial (begin) for a dialogue held here ends that dialogue here (as
  // on_deliver would) and gives false: the new dialogue belongs to the newer gateway.
  [[nodiscard]] bool continues(const smpp::deliver_sm& pdu, instant now);
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

  // The session key this profile reads from a deliver_sm.
  [[nodiscard]] session_key key_of(const smpp::deliver_sm& pdu) const;

 private:
  [[nodiscard]] smpp::submit_sm make_reply(std::string_view citizen, std::string_view number,
                                           const reply_context& ctx, std::string_view screen,
                                           bool last) const;
  [[nodiscard]] action finish_step(dialogue_table::entry& e, step s, instant now);

  const engine* engine_;
  profile profile_;
  dialogue_table table_;
  gateway_stats stats_;
};

}  // namespace lapord::lapor::ussd
