#include "lapord/smpp/command_id.hpp"

namespace lapord::smpp {

std::string_view name(command_id id) {
  switch (id) {
    case command_id::generic_nack:
      return "generic_nack";
    case command_id::bind_receiver:
      return "bind_receiver";
    case command_id::bind_receiver_resp:
      return "bind_receiver_resp";
    case command_id::bind_transmitter:
      return "bind_transmitter";
    case command_id::bind_transmitter_resp:
      return "bind_transmitter_resp";
    case command_id::query_sm:
      return "query_sm";
    case command_id::query_sm_resp:
      return "query_sm_resp";
    case command_id::submit_sm:
      return "submit_sm";
    case command_id::submit_sm_resp:
      return "submit_sm_resp";
    case command_id::deliver_sm:
      return "deliver_sm";
    case command_id::deliver_sm_resp:
      return "deliver_sm_resp";
    case command_id::unbind:
      return "unbind";
    case command_id::unbind_resp:
      return "unbind_resp";
    case command_id::replace_sm:
      return "replace_sm";
    case command_id::replace_sm_resp:
      return "replace_sm_resp";
    case command_id::cancel_sm:
      return "cancel_sm";
    case command_id::cancel_sm_resp:
      return "cancel_sm_resp";
    case command_id::bind_transceiver:
      return "bind_transceiver";
    case command_id::bind_transceiver_resp:
      return "bind_transceiver_resp";
    case command_id::outbind:
      return "outbind";
    case command_id::enquire_link:
      return "enquire_link";
    case command_id::enquire_link_resp:
      return "enquire_link_resp";
    case command_id::submit_multi:
      return "submit_multi";
    case command_id::submit_multi_resp:
      return "submit_multi_resp";
    case command_id::alert_notification:
      return "alert_notification";
    case command_id::data_sm:
      return "data_sm";
    case command_id::data_sm_resp:
      return "data_sm_resp";
  }
  return "unknown";
}

}  // namespace lapord::smpp
