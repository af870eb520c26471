#include "lapord/lapor/ussd/profile.hpp"

#include <algorithm>
#include <stdexcept>

namespace lapord::lapor::ussd {
namespace {

bool listed(const std::vector<std::uint8_t>& ops, std::uint8_t v) {
  return std::find(ops.begin(), ops.end(), v) != ops.end();
}

}  // namespace

std::string_view to_string(session_key_source s) {
  switch (s) {
    case session_key_source::its_session_info:
      return "its_session_info";
    case session_key_source::user_message_reference:
      return "user_message_reference";
    case session_key_source::msisdn:
      return "msisdn";
  }
  return "msisdn";
}

std::string_view to_string(session_sequence s) {
  return s == session_sequence::echo ? "echo" : "increment";
}

std::string_view to_string(op_meaning m) {
  switch (m) {
    case op_meaning::begin:
      return "begin";
    case op_meaning::next:
      return "continue";
    case op_meaning::end:
      return "end";
    case op_meaning::abort:
      return "abort";
  }
  return "abort";
}

op_meaning meaning_of(const profile& p, std::optional<std::uint8_t> service_op,
                      bool dialogue_known) {
  if (!service_op) return dialogue_known ? op_meaning::next : op_meaning::begin;
  const std::uint8_t v = *service_op;
  if (listed(p.begin_ops, v)) return op_meaning::begin;
  if (listed(p.continue_ops, v)) return op_meaning::next;
  if (listed(p.end_ops, v)) return op_meaning::end;
  if (listed(p.abort_ops, v) || p.unknown_op_aborts) return op_meaning::abort;
  return op_meaning::end;  // an op the profile ignores: treated as the end, nothing is sent
}

std::uint16_t reply_session_info(std::uint16_t received, bool last, session_sequence sequence) {
  const auto session = static_cast<std::uint16_t>(received & 0xFF00U);
  unsigned seq = (received >> 1) & 0x7FU;
  if (sequence == session_sequence::increment) seq = (seq + 1) & 0x7FU;
  return static_cast<std::uint16_t>(session | (seq << 1) | (last ? 1U : 0U));
}

std::uint8_t reply_data_coding(const profile& p) {
  return p.data_coding.value_or(default_data_coding(p.encoding));
}

void check(const profile& p) {
  const std::vector<const std::vector<std::uint8_t>*> lists = {&p.begin_ops, &p.continue_ops,
                                                               &p.end_ops, &p.abort_ops};
  for (std::size_t i = 0; i < lists.size(); ++i) {
    for (std::size_t j = i + 1; j < lists.size(); ++j) {
      for (std::uint8_t v : *lists[i]) {
        if (listed(*lists[j], v)) {
          throw std::invalid_argument("ussd_service_op " + std::to_string(v) +
                                      " is listed with two meanings");
        }
      }
    }
  }
  if (p.max_screen == 0 || p.max_screen > 1000) {
    throw std::invalid_argument("max_screen must be from 1 to 1000");
  }
  if (p.service_type.size() > 5) {
    throw std::invalid_argument("service_type must be at most 5 characters");
  }
}

}  // namespace lapord::lapor::ussd
