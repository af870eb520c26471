#include "lapord/app/ussd/ussd_messages.hpp"

#include <cstddef>
#include <utility>

namespace lapord::app {
namespace {

constexpr std::size_t max_short_message = 254;

}  // namespace

lapor::ussd::message_in ussd_message_of(smpp::deliver_sm&& d) {
  lapor::ussd::message_in m;
  m.service_type = std::move(d.service_type);
  m.source_addr = std::move(d.source_addr);
  m.source_addr_ton = d.source_addr_ton;
  m.source_addr_npi = d.source_addr_npi;
  m.destination_addr = std::move(d.destination_addr);
  m.dest_addr_ton = d.dest_addr_ton;
  m.dest_addr_npi = d.dest_addr_npi;
  m.esm_class = d.esm_class;
  m.data_coding = d.data_coding;
  m.short_message = std::move(d.short_message);
  m.message_payload = std::move(d.tlvs.message_payload);
  m.ussd_service_op = d.tlvs.ussd_service_op;
  m.its_session_info = d.tlvs.its_session_info;
  m.user_message_reference = d.tlvs.user_message_reference;
  return m;
}

smpp::submit_sm submit_sm_of(lapor::ussd::message_out&& m) {
  smpp::submit_sm s;
  s.service_type = std::move(m.service_type);
  s.source_addr = std::move(m.source_addr);
  s.source_addr_ton = m.source_addr_ton;
  s.source_addr_npi = m.source_addr_npi;
  s.destination_addr = std::move(m.destination_addr);
  s.dest_addr_ton = m.dest_addr_ton;
  s.dest_addr_npi = m.dest_addr_npi;
  s.data_coding = m.data_coding;
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
