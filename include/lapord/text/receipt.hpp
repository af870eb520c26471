#pragma once
// Delivery receipts: recognised from esm_class, read from the TLVs and from the common text
// format (SMPP 3.4 appendix B), with the message id normalised so it matches submit_sm_resp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lapord::text {

// esm_class bits 2-5 (SMPP 3.4 5.2.12): what kind of non-ordinary message this is.
enum class receipt_kind : std::uint8_t {
  none,                       // an ordinary MO message
  smsc_delivery_receipt,      // 0x04
  sme_delivery_ack,           // 0x08
  sme_manual_ack,             // 0x10
  intermediate_notification,  // 0x20
  other,                      // some other combination of those bits: still not an MO text
};

receipt_kind receipt_kind_of(std::uint8_t esm_class);
// True for every esm_class whose message type bits are set: such a message is never a complaint.
bool is_delivery_receipt(std::uint8_t esm_class);

// message_state values (SMPP 3.4 5.2.28; 0 and 9 from SMPP 5.0).
enum class message_state : std::uint8_t {
  scheduled = 0,
  enroute = 1,
  delivered = 2,
  expired = 3,
  deleted = 4,
  undeliverable = 5,
  accepted = 6,
  unknown = 7,
  rejected = 8,
  skipped = 9,
};

const char* to_string(message_state state);
// The state a receipt's `stat:` word names (DELIVRD, UNDELIV, ... and spelled-out variants),
// case-insensitive.
std::optional<message_state> state_of_stat(std::string_view stat);
// True for the states after which nothing more happens to the message.
bool is_final(message_state state);

// The form in which ids are recorded and compared: trimmed, lower-cased, and stripped of
// leading zeros (`0` stays `0`). Apply it to both sides; a carrier that writes the receipt's id
// in another base is matched by receipt_lookup_ids (its receipt_id_form).
std::string canonical_message_id(std::string_view id);

// Per carrier ([[carrier]] receipt_id): how its receipts write the message id that its
// submit_sm_resp gave. Carriers differ: most repeat it as given, some write a hex id
// ("5A000001") in decimal ("1509949441") in the receipt text, a few the other way round.
enum class receipt_id_form : std::uint8_t {
  automatic,  // as given, then (if nothing matched) read as decimal and as hex
  hex,        // the receipt writes hex, submit_sm_resp decimal: converted hex -> decimal
  decimal,    // the receipt writes decimal, submit_sm_resp hex: converted decimal -> hex
  as_is,      // the same form on both: compared as given (case and leading zeros ignored)
};
// "auto", "hex", "decimal", "as_is" (the configuration's words), and back.
std::optional<receipt_id_form> receipt_id_form_of(std::string_view word);
const char* to_string(receipt_id_form form);

// A decimal id (digits only, at most 2^64 - 1) as lower-case hex without leading zeros
// ("1509949441" -> "5a000001"); nullopt for anything else (empty, a sign, a space, overflow).
std::optional<std::string> decimal_id_to_hex(std::string_view id);
// A hex id (an optional "0x", digits and a-f in any case, at most 2^64 - 1) as decimal
// ("5A000001" -> "1509949441"); nullopt for anything else.
std::optional<std::string> hex_id_to_decimal(std::string_view id);

// The receipt's TLVs, as plain values the SMPP layer hands over.
struct receipt_tlvs {
  std::optional<std::string> receipted_message_id;
  std::optional<std::uint8_t> message_state;
  std::optional<std::uint32_t> network_error_code;  // the 3-octet value, if the caller has it
};

struct delivery_receipt {
  receipt_kind kind = receipt_kind::none;
  std::optional<std::string> message_id;  // canonical (see canonical_message_id)
  std::string raw_id;                     // as the carrier wrote it (TLV preferred)
  std::string tlv_id;                     // the receipted_message_id TLV as written, if any
  std::string text_id;                    // the text's `id:` as written, if any
  std::optional<message_state> state;     // TLV preferred, else the `stat:` word
  std::string stat;                       // the `stat:` word as written
  std::optional<unsigned> submitted;      // `sub:`
  std::optional<unsigned> delivered;      // `dlvrd:`
  std::string submit_date;                // `submit date:` as written (YYMMDDhhmm[ss])
  std::string done_date;                  // `done date:` as written
  std::string error;                      // `err:` as written
  std::string text;                       // `text:` (the rest of the message)
  bool text_parsed = false;               // the text held at least one known field
};

// Reads a receipt from its short_message text (already decoded) and TLVs. The TLV id and state
// are taken first; the text fills what they leave out. `message_id` is empty when neither has
// an id: the caller logs such a receipt and drops it, it matches nothing.
delivery_receipt read_receipt(std::uint8_t esm_class, std::string_view text,
                              const receipt_tlvs& tlvs);

// The ids to look a receipt up by, in the form reply segments are recorded in
// (canonical_message_id), best first, without repeats: the
// receipted_message_id TLV as written (SMPP 3.4 says it is the submit_sm_resp's id), then the
// text's `id:` as `form` says. Empty when the receipt carries no usable id.
std::vector<std::string> receipt_lookup_ids(const delivery_receipt& receipt, receipt_id_form form);

}  // namespace lapord::text
