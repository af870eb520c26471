// The seam between SMPP and the USSD gateway: a deliver_sm becomes the gateway's plain
// message_in field for field, and a message_out becomes a submit_sm whose screen is in
// short_message up to 254 octets and in message_payload beyond.
#include <doctest/doctest.h>

#include <string>

#include "lapord/app/ussd/ussd_messages.hpp"

namespace lapord::app {

TEST_CASE("ussd messages: a deliver_sm's fields and TLVs, as the gateway takes them") {
  smpp::deliver_sm d;
  d.service_type = "USSD";
  d.source_addr = "6281234567890";
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  d.destination_addr = "*1708#";
  d.dest_addr_ton = 5;
  d.dest_addr_npi = 9;
  d.esm_class = 0x40;
  d.data_coding = 8;
  d.short_message = std::string("\0A", 2);
  d.tlvs.message_payload = std::string("\0B", 2);
  d.tlvs.ussd_service_op = 18;
  d.tlvs.its_session_info = 0x0702;
  d.tlvs.user_message_reference = 4242;
  const lapor::ussd::message_in m = ussd_message_of(std::move(d));
  CHECK(m.service_type == "USSD");
  CHECK(m.source_addr == "6281234567890");
  CHECK(m.source_addr_ton == 1);
  CHECK(m.source_addr_npi == 1);
  CHECK(m.destination_addr == "*1708#");
  CHECK(m.dest_addr_ton == 5);
  CHECK(m.dest_addr_npi == 9);
  CHECK(m.esm_class == 0x40);
  CHECK(m.data_coding == 8);
  CHECK(m.short_message == std::string("\0A", 2));
  CHECK(m.message_payload == std::string("\0B", 2));
  CHECK(m.ussd_service_op == 18);
  CHECK(m.its_session_info == 0x0702);
  CHECK(m.user_message_reference == 4242);
}

TEST_CASE("ussd messages: a screen as a submit_sm, short_message up to 254 octets") {
  lapor::ussd::message_out out;
  out.service_type = "USSD";
  out.source_addr = "1708";
  out.source_addr_ton = 3;
  out.source_addr_npi = 4;
  out.destination_addr = "6281234567890";
  out.dest_addr_ton = 1;
  out.dest_addr_npi = 1;
  out.data_coding = 0;
  out.octets = std::string(254, 'x');
  out.ussd_service_op = 17;
  out.its_session_info = 0x0703;
  smpp::submit_sm s = submit_sm_of(lapor::ussd::message_out(out));
  CHECK(s.service_type == "USSD");
  CHECK(s.source_addr == "1708");
  CHECK(s.source_addr_ton == 3);
  CHECK(s.source_addr_npi == 4);
  CHECK(s.destination_addr == "6281234567890");
  CHECK(s.dest_addr_ton == 1);
  CHECK(s.dest_addr_npi == 1);
  CHECK(s.short_message == std::string(254, 'x'));
  CHECK_FALSE(s.tlvs.message_payload);
  CHECK(s.tlvs.ussd_service_op == 17);
  CHECK(s.tlvs.its_session_info == 0x0703);
  CHECK_FALSE(s.tlvs.user_message_reference);

  out.octets = std::string(255, 'y');
  out.its_session_info.reset();
  out.user_message_reference = 9;
  s = submit_sm_of(std::move(out));
  CHECK(s.short_message.empty());
  CHECK(s.tlvs.message_payload == std::string(255, 'y'));
  CHECK_FALSE(s.tlvs.its_session_info);
  CHECK(s.tlvs.user_message_reference == 9);
}

}  // namespace lapord::app
