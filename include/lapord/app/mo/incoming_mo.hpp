#pragma once
// One deliver_sm / data_sm read into what the MO path needs: the raw fields as the store keeps
// them (audit and redelivery detection), and what they say: a delivery receipt, a part of a
// long message, or a whole message, with its text decoded to UTF-8. Pure: no clock, no I/O.
#include <cstdint>
#include <optional>
#include <string>

#include "lapord/net/mo_handler.hpp"
#include "lapord/store/records.hpp"
#include "lapord/text/receipt.hpp"
#include "lapord/text/short_message.hpp"

namespace lapord::app {

enum class mo_kind {
  message,  // a citizen's whole message
  part,     // one part of a long message (UDH concat IE or SAR TLVs)
  receipt,  // a delivery receipt (esm_class message type bits): never a complaint
  other,    // not a deliver_sm / data_sm at all (cannot come from carrier_links)
};

// How a carrier writes text (its profile); the defaults suit most SMSCs. How it writes receipt
// ids is its receipt_id_form (carrier_profiles), used when a receipt is looked up.
struct mo_reading_options {
  text::decode_options decode{};
};

struct incoming_mo {
  // --- as received (owned; store::mo_pdu views these) ---
  std::string carrier;
  std::string source;
  std::uint8_t source_ton = 0;
  std::uint8_t source_npi = 0;
  std::string destination;
  std::uint8_t destination_ton = 0;
  std::uint8_t destination_npi = 0;
  std::string service_type;
  std::uint8_t esm_class = 0;
  std::uint8_t data_coding = 0;
  std::string short_message;  // raw octets, UDH included (empty for data_sm)
  std::string tlvs;           // the optional parameters in their wire encoding
  store::wall_time received_at{};

  // --- what it says ---
  mo_kind kind = mo_kind::other;
  text::mo_text text;                             // decoded short_message or message_payload
  std::optional<text::concat_info> concat;        // kind == part
  std::optional<text::delivery_receipt> receipt;  // kind == receipt

  // A view for store::transaction::record_received (valid while *this lives, unchanged).
  [[nodiscard]] store::mo_pdu pdu() const;
};

// Reads a deliver_sm or data_sm. The text comes from short_message, or from message_payload
// when short_message is empty (data_sm always). Never throws for any octets.
[[nodiscard]] incoming_mo read_incoming(const net::mo_message& message,
                                        const mo_reading_options& options = {});

// The stat word a receipt is filed under ("DELIVRD", "UNDELIV", ...): from message_state when
// known (TLV first), else the receipt's own `stat:` word upper-cased.
[[nodiscard]] std::string receipt_stat(const text::delivery_receipt& receipt);

}  // namespace lapord::app
