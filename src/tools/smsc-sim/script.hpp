#pragma once
// MO scripts (JSON lines, docs/smsc-sim.md "Scripts"): parsing and checking a whole file, turning
// an MO step into the deliver_sm / data_sm parts to send, and matching a received submit_sm
// against a wait step. Pure: no sockets, no clock.

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lapord/smpp/pdu.hpp"
#include "message_text.hpp"

namespace lapord::smsc_sim {

enum class split_mode { none, udh8, udh16, sar, payload };

struct mo_step {
  smpp::sm_fields fields;  // everything but short_message (and the part TLVs / UDH)
  std::string octets;      // the whole message, encoded per data_coding (or the raw hex)
  bool raw = false;        // given as hex: sent as is, never split
  split_mode split = split_mode::none;
  std::optional<std::uint16_t> ref;
  bool data_sm = false;
  std::string system_id;  // deliver only on binds of this account ("" = any)
  bool wait_ack = false;
  std::string label;
};

struct submit_match {
  std::optional<std::string> source;
  std::optional<std::string> destination;
  std::optional<std::string> system_id;
  std::optional<std::string> service_type;
  std::optional<std::uint8_t> data_coding;
  std::optional<std::uint8_t> esm_class;
  std::optional<std::uint8_t> ussd_service_op;
  std::optional<std::uint16_t> its_session_info;
  std::optional<std::string> text_contains;
  std::optional<std::regex> text_regex;
};

enum class wait_for { submit_sm, data_sm, any };

struct wait_step {
  wait_for what = wait_for::submit_sm;
  submit_match match;
  std::uint64_t timeout_ms = 10000;
};

struct delay_step {
  std::uint64_t ms = 0;
};

struct step {
  std::size_t line = 0;
  std::variant<mo_step, wait_step, delay_step> action;
};

struct dialogue {
  std::string name;
  std::vector<step> steps;
};

struct script {
  std::string file;
  std::vector<dialogue> dialogues;  // in order of first appearance
};

// Parses a whole script; on the first problem returns nullopt and sets `error` to
// "FILE:LINE: problem".
std::optional<script> parse_script(std::string_view text, const std::string& file,
                                   std::string& error);
std::optional<script> load_script(const std::string& path, std::string& error);

// The PDUs (deliver_sm or data_sm bodies) an MO step becomes; `ref` is used when the step
// names none. Never fails: parse_script checked that the message fits.
std::vector<smpp::pdu_body> build_parts(const mo_step& mo, std::uint16_t ref);

// What a wait step looks at in a received submit_sm / data_sm.
struct submit_view {
  bool data_sm = false;
  std::string_view system_id;
  std::string_view service_type;
  std::string_view source;
  std::string_view destination;
  std::uint8_t data_coding = 0;
  std::uint8_t esm_class = 0;
  std::optional<std::uint8_t> ussd_service_op;
  std::optional<std::uint16_t> its_session_info;
  std::string_view text;  // decoded UTF-8 ("" when not decodable)
};

bool matches(const wait_step& w, const submit_view& s);

}  // namespace lapord::smsc_sim
