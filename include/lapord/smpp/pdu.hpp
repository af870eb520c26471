#pragma once
// Our own C++ types for the SMPP 3.4 PDUs lapord speaks (specification chapter 4). One struct
// per PDU body; `pdu` carries the header fields and the body as a variant. The command_id is
// implied by the body type (each has a static `id`); command_length is computed by encode().
//
// Strings are the C-Octet String fields without their terminating NUL. short_message and
// message_payload are raw octets in std::string: NUL bytes (UCS-2) are kept, never truncated.

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "lapord/smpp/command_id.hpp"
#include "lapord/smpp/command_status.hpp"
#include "lapord/smpp/tlv.hpp"

namespace lapord::smpp {

inline constexpr std::uint8_t interface_version_34 = 0x34;

// --- bind (4.1) ---------------------------------------------------------------------------
struct bind_fields {
  std::string system_id;    // max 15 chars
  std::string password;     // max 8
  std::string system_type;  // max 12
  std::uint8_t interface_version = interface_version_34;
  std::uint8_t addr_ton = 0;
  std::uint8_t addr_npi = 0;
  std::string address_range;  // max 40
  bool operator==(const bind_fields&) const = default;
};
struct bind_transmitter : bind_fields {
  static constexpr command_id id = command_id::bind_transmitter;
};
struct bind_receiver : bind_fields {
  static constexpr command_id id = command_id::bind_receiver;
};
struct bind_transceiver : bind_fields {
  static constexpr command_id id = command_id::bind_transceiver;
};

// A bind_*_resp with an error status may come with no body: system_id is then empty.
struct bind_resp_fields {
  std::string system_id;  // max 15
  tlv_set tlvs;           // sc_interface_version
  bool operator==(const bind_resp_fields&) const = default;
};
struct bind_transmitter_resp : bind_resp_fields {
  static constexpr command_id id = command_id::bind_transmitter_resp;
};
struct bind_receiver_resp : bind_resp_fields {
  static constexpr command_id id = command_id::bind_receiver_resp;
};
struct bind_transceiver_resp : bind_resp_fields {
  static constexpr command_id id = command_id::bind_transceiver_resp;
};

// outbind (4.1.7): the SMSC asks the ESME to bind.
struct outbind {
  static constexpr command_id id = command_id::outbind;
  std::string system_id;  // max 15
  std::string password;   // max 8
  bool operator==(const outbind&) const = default;
};

// --- header-only PDUs --------------------------------------------------------------------
struct unbind {
  static constexpr command_id id = command_id::unbind;
  bool operator==(const unbind&) const = default;
};
struct unbind_resp {
  static constexpr command_id id = command_id::unbind_resp;
  bool operator==(const unbind_resp&) const = default;
};
struct enquire_link {
  static constexpr command_id id = command_id::enquire_link;
  bool operator==(const enquire_link&) const = default;
};
struct enquire_link_resp {
  static constexpr command_id id = command_id::enquire_link_resp;
  bool operator==(const enquire_link_resp&) const = default;
};
struct generic_nack {
  static constexpr command_id id = command_id::generic_nack;
  bool operator==(const generic_nack&) const = default;
};

// --- submit_sm / deliver_sm (4.4, 4.6): same layout --------------------------------------
struct sm_fields {
  std::string service_type;  // max 5
  std::uint8_t source_addr_ton = 0;
  std::uint8_t source_addr_npi = 0;
  std::string source_addr;  // max 20
  std::uint8_t dest_addr_ton = 0;
  std::uint8_t dest_addr_npi = 0;
  std::string destination_addr;  // max 20
  std::uint8_t esm_class = 0;
  std::uint8_t protocol_id = 0;
  std::uint8_t priority_flag = 0;
  std::string schedule_delivery_time;  // empty or 16 chars
  std::string validity_period;         // empty or 16 chars
  std::uint8_t registered_delivery = 0;
  std::uint8_t replace_if_present_flag = 0;
  std::uint8_t data_coding = 0;
  std::uint8_t sm_default_msg_id = 0;
  std::string short_message;  // raw octets, max 254 (sm_length is implied); NULs kept
  tlv_set tlvs;
  bool operator==(const sm_fields&) const = default;
};
struct submit_sm : sm_fields {
  static constexpr command_id id = command_id::submit_sm;
};
struct deliver_sm : sm_fields {
  static constexpr command_id id = command_id::deliver_sm;
};

// A *_resp with an error status may come with no body: message_id is then empty.
struct submit_sm_resp {
  static constexpr command_id id = command_id::submit_sm_resp;
  std::string message_id;  // max 64
  bool operator==(const submit_sm_resp&) const = default;
};
struct deliver_sm_resp {
  static constexpr command_id id = command_id::deliver_sm_resp;
  std::string message_id;  // unused by the spec (NULL); kept if a peer fills it
  bool operator==(const deliver_sm_resp&) const = default;
};

// --- data_sm (4.7) -----------------------------------------------------------------------
struct data_sm {
  static constexpr command_id id = command_id::data_sm;
  std::string service_type;  // max 5
  std::uint8_t source_addr_ton = 0;
  std::uint8_t source_addr_npi = 0;
  std::string source_addr;  // max 64
  std::uint8_t dest_addr_ton = 0;
  std::uint8_t dest_addr_npi = 0;
  std::string destination_addr;  // max 64
  std::uint8_t esm_class = 0;
  std::uint8_t registered_delivery = 0;
  std::uint8_t data_coding = 0;
  tlv_set tlvs;  // the text is in message_payload
  bool operator==(const data_sm&) const = default;
};
struct data_sm_resp {
  static constexpr command_id id = command_id::data_sm_resp;
  std::string message_id;  // max 64
  tlv_set tlvs;            // network_error_code, ...
  bool operator==(const data_sm_resp&) const = default;
};

// --- alert_notification (4.12) -----------------------------------------------------------
struct alert_notification {
  static constexpr command_id id = command_id::alert_notification;
  std::uint8_t source_addr_ton = 0;
  std::uint8_t source_addr_npi = 0;
  std::string source_addr;  // max 64
  std::uint8_t esme_addr_ton = 0;
  std::uint8_t esme_addr_npi = 0;
  std::string esme_addr;  // max 64
  tlv_set tlvs;           // ms_availability_status (kept in tlvs.other)
  bool operator==(const alert_notification&) const = default;
};

using pdu_body =
    std::variant<generic_nack, bind_transmitter, bind_transmitter_resp, bind_receiver,
                 bind_receiver_resp, bind_transceiver, bind_transceiver_resp, outbind, unbind,
                 unbind_resp, enquire_link, enquire_link_resp, submit_sm, submit_sm_resp,
                 deliver_sm, deliver_sm_resp, data_sm, data_sm_resp, alert_notification>;

struct pdu {
  command_status status = command_status::esme_rok;  // any 32-bit value (vendor codes too)
  std::uint32_t sequence_number = 0;
  pdu_body body;

  command_id command() const;
  bool operator==(const pdu&) const = default;
};

// The fixed 16-octet header, read without looking at the body.
struct pdu_header {
  std::uint32_t command_length = 0;
  std::uint32_t command_id = 0;  // raw: may be a value this codec does not know
  std::uint32_t command_status = 0;
  std::uint32_t sequence_number = 0;
  bool operator==(const pdu_header&) const = default;
};
inline constexpr std::size_t header_size = 16;

}  // namespace lapord::smpp
