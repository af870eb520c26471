#include <doctest/doctest.h>

#include <ostream>  // doctest prints std::error_code through operator<<
#include <system_error>

#include "lapord/smpp/codec_error.hpp"
#include "lapord/smpp/command_id.hpp"
#include "lapord/smpp/command_status.hpp"
#include "lapord/smpp/session_error.hpp"

using namespace lapord::smpp;

TEST_CASE("command_status codes are error_codes with the SMPP 3.4 names") {
  std::error_code ec = command_status::esme_rinvpaswd;
  CHECK(ec.value() == 0x0E);
  CHECK(ec.category() == command_status_category());
  CHECK(ec.message() == "ESME_RINVPASWD (invalid password)");
  CHECK(name(command_status::esme_rthrottled) == "ESME_RTHROTTLED");
  CHECK(name(command_status::esme_rx_r_appn) == "ESME_RX_R_APPN");
  CHECK(name(command_status::esme_rinvoptparamval) == "ESME_RINVOPTPARAMVAL");
  CHECK_FALSE(std::error_code(command_status::esme_rok));
}

TEST_CASE("vendor and reserved command_status values are accepted and named") {
  const auto vendor = static_cast<command_status>(0x401);
  CHECK(name(vendor) == "vendor status");
  CHECK(std::error_code(vendor).message() == "vendor status 0x00000401");
  const auto reserved = static_cast<command_status>(0xFFFFFFFF);
  CHECK(std::error_code(reserved).message() == "reserved status 0xFFFFFFFF");
  CHECK(status_for(std::error_code(reserved)) == reserved);
}

TEST_CASE("codec errors map to the status that answers the peer") {
  CHECK(status_for(codec_error::command_length_too_large) == command_status::esme_rinvcmdlen);
  CHECK(status_for(codec_error::unknown_command_id) == command_status::esme_rinvcmdid);
  CHECK(status_for(codec_error::short_message_overrun) == command_status::esme_rinvmsglen);
  CHECK(status_for(codec_error::truncated_tlv) == command_status::esme_rinvoptparstream);
  CHECK(status_for(session_error::peer_dead) == command_status::esme_rsyserr);
  CHECK(std::error_code(codec_error::truncated_tlv).message() ==
        "TLV runs past the end of the PDU");
  CHECK(std::error_code(session_error::window_full).message() ==
        "window of outstanding requests is full");
}

TEST_CASE("command ids: names and response ids") {
  CHECK(name(command_id::deliver_sm) == "deliver_sm");
  CHECK(name(static_cast<command_id>(0x1234)) == "unknown");
  CHECK(response_to(command_id::submit_sm) == command_id::submit_sm_resp);
  CHECK(is_response(command_id::generic_nack));
  CHECK_FALSE(is_response(command_id::data_sm));
}
