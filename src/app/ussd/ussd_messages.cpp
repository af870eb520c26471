#include "lapord/app/ussd/ussd_messages.hpp"

#include <cstddef>
#include <utility>

namespace lapord::app {
namespace {

constexpr std::size_t max_short_message = 254;

// The fields deliver_sm, submit_sm and the gateway's messages share, by the same names.
template <class From, class To>
void move_addressing(From& from, To& to) {
  to.service_type = std::move(from.service_type);
  to.source_addr = std::move(from.source_addr);
  to.source_addr_ton = from.source_addr_ton;
  to.source_addr_npi = from.source_addr_npi;
  to.destination_addr = std::move(from.destination_addr);
  to.dest_addr_ton = from.dest_addr_ton;
  to.dest_addr_npi = from.dest_addr_npi;
  to.data_coding = from.data_coding;
}

}  // namespace

lapor::ussd::message_in ussd_message_of(smpp::deliver_sm&& d) {
  lapor::ussd::message_in m;
  move_addressing(d, m);
  m.esm_class = d.esm_class;
  m.short_message = std::move(d.short_message);
  m.message_payload = std::move(d.tlvs.message_payload);
  m.ussd_service_op = d.tlvs.ussd_service_op;
  m.its_session_info = d.tlvs.its_session_info;
  m.user_message_reference = d.tlvs.user_message_reference;
  return m;
}

smpp::submit_sm submit_sm_of(lapor::ussd::message_out&& m) {
  smpp::submit_sm s;
  move_addressing(m, s);
  if (m.octets.size() <= max_short_message) {
    s.short_message = std::move(m.octets);
  } else {
    s.tlvs.message_payload = std::move(m.octets);
  }
  s.tlvs.ussd_service_op = m.ussd_service_op;
  s.tlvs.its_session_info = m.its_session_info;
  s.tlvs.user_message_reference = m.user_message_reference;
  return s;
}

}  // namespace lapord::app
