#include "lapord/smpp/codec_error.hpp"

#include <string>

namespace lapord::smpp {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "smpp.codec"; }
  std::string message(int value) const override {
    switch (static_cast<codec_error>(value)) {
      case codec_error::command_length_too_small:
        return "command_length under 16";
      case codec_error::command_length_too_large:
        return "command_length over the configured maximum";
      case codec_error::length_mismatch:
        return "command_length differs from the PDU's size";
      case codec_error::unknown_command_id:
        return "unknown command_id";
      case codec_error::unsupported_command_id:
        return "command_id not supported by lapord";
      case codec_error::truncated_body:
        return "mandatory field runs past the end of the PDU";
      case codec_error::unterminated_string:
        return "C-Octet String without terminating NUL";
      case codec_error::short_message_overrun:
        return "sm_length runs past the end of the PDU";
      case codec_error::truncated_tlv:
        return "TLV runs past the end of the PDU";
      case codec_error::bad_tlv_length:
        return "TLV length not allowed for its tag";
      case codec_error::field_too_long:
        return "field over its SMPP 3.4 maximum length";
      case codec_error::bad_time_format:
        return "time field neither empty nor 16 characters";
      case codec_error::tlv_too_long:
        return "TLV value over 65535 octets";
      case codec_error::pdu_too_large:
        return "PDU over 0xFFFFFFFF octets";
      case codec_error::embedded_nul:
        return "C-Octet String contains a NUL octet";
      case codec_error::body_not_allowed:
        return "submit_sm_resp with an error status has no body";
    }
    return "unknown smpp codec error";
  }
};

}  // namespace

const std::error_category& codec_category() noexcept {
  static const category instance;
  return instance;
}

command_status status_for(std::error_code e) {
  if (e.category() == command_status_category()) {
    return static_cast<command_status>(static_cast<std::uint32_t>(e.value()));
  }
  if (e.category() != codec_category()) return command_status::esme_rsyserr;
  switch (static_cast<codec_error>(e.value())) {
    case codec_error::command_length_too_small:
    case codec_error::command_length_too_large:
    case codec_error::length_mismatch:
    case codec_error::truncated_body:
    case codec_error::unterminated_string:
      return command_status::esme_rinvcmdlen;
    case codec_error::unknown_command_id:
    case codec_error::unsupported_command_id:
      return command_status::esme_rinvcmdid;
    case codec_error::short_message_overrun:
      return command_status::esme_rinvmsglen;
    case codec_error::truncated_tlv:
      return command_status::esme_rinvoptparstream;
    case codec_error::bad_tlv_length:
    case codec_error::field_too_long:
    case codec_error::tlv_too_long:
    case codec_error::embedded_nul:
      return command_status::esme_rinvparlen;
    case codec_error::body_not_allowed:
      return command_status::esme_rsyserr;
    case codec_error::bad_time_format:
      return command_status::esme_rinvsched;
    case codec_error::pdu_too_large:
      return command_status::esme_rinvcmdlen;
  }
  return command_status::esme_rsyserr;
}

}  // namespace lapord::smpp
