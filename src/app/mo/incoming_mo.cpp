#include "lapord/app/mo/incoming_mo.hpp"

#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

#include "lapord/text/udh.hpp"

namespace lapord::app {
namespace {

template <class Body>
void take_fields(const Body& body, incoming_mo& mo) {
  mo.service_type = body.service_type;
  mo.source = body.source_addr;
  mo.source_ton = body.source_addr_ton;
  mo.source_npi = body.source_addr_npi;
  mo.destination = body.destination_addr;
  mo.destination_ton = body.dest_addr_ton;
  mo.destination_npi = body.dest_addr_npi;
  mo.esm_class = body.esm_class;
  mo.data_coding = body.data_coding;
  mo.tlvs = body.tlvs.wire;  // as received: the codec kept the section
}

}  // namespace

store::mo_pdu incoming_mo::pdu() const {
  store::mo_pdu p;
  p.carrier = carrier;
  p.source = source;
  p.source_ton = source_ton;
  p.source_npi = source_npi;
  p.destination = destination;
  p.destination_ton = destination_ton;
  p.destination_npi = destination_npi;
  p.service_type = service_type;
  p.esm_class = esm_class;
  p.data_coding = data_coding;
  p.short_message = short_message;
  p.tlvs = tlvs;
  p.received_at = received_at;
  return p;
}

std::string receipt_stat(const text::delivery_receipt& receipt) {
  if (receipt.state) {
    switch (*receipt.state) {
      case text::message_state::delivered:
        return "DELIVRD";
      case text::message_state::expired:
        return "EXPIRED";
      case text::message_state::deleted:
        return "DELETED";
      case text::message_state::undeliverable:
        return "UNDELIV";
      case text::message_state::accepted:
        return "ACCEPTD";
      case text::message_state::unknown:
        return "UNKNOWN";
      case text::message_state::rejected:
        return "REJECTD";
      case text::message_state::enroute:
        return "ENROUTE";
      case text::message_state::scheduled:
        return "SCHEDULED";
      case text::message_state::skipped:
        return "SKIPPED";
    }
  }
  std::string stat = receipt.stat;
  for (char& c : stat) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return stat.empty() ? std::string("UNKNOWN") : stat;
}

incoming_mo read_incoming(const net::mo_message& message, const mo_reading_options& options) {
  incoming_mo mo;
  mo.carrier = message.carrier;
  mo.received_at = std::chrono::time_point_cast<std::chrono::milliseconds>(message.received_at);
  const smpp::tlv_set* tlvs = nullptr;
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, smpp::deliver_sm>) {
          take_fields(body, mo);
          mo.short_message = body.short_message;
          tlvs = &body.tlvs;
        } else if constexpr (std::is_same_v<T, smpp::data_sm>) {
          take_fields(body, mo);
          tlvs = &body.tlvs;
        }
      },
      message.pdu.body);
  if (tlvs == nullptr) return mo;  // kind stays `other`

  std::optional<std::string_view> payload;
  if (tlvs->message_payload) payload = *tlvs->message_payload;
  mo.text =
      text::read_mo_text(mo.esm_class, mo.data_coding, mo.short_message, payload, options.decode);

  if (text::is_delivery_receipt(mo.esm_class)) {
    text::receipt_tlvs r;
    r.receipted_message_id = tlvs->receipted_message_id;
    r.message_state = tlvs->message_state;
    if (tlvs->network_error_code) {
      r.network_error_code = static_cast<std::uint32_t>(tlvs->network_error_code->network_type)
                                 << 16 |
                             tlvs->network_error_code->error_code;
    }
    mo.receipt = text::read_receipt(mo.esm_class, mo.text.utf8, r);
    mo.kind = mo_kind::receipt;
    return mo;
  }
  mo.concat = mo.text.concat;
  if (!mo.concat) {
    mo.concat = text::concat_from_sar(tlvs->sar_msg_ref_num, tlvs->sar_total_segments,
                                      tlvs->sar_segment_seqnum);
  }
  mo.kind = mo.concat ? mo_kind::part : mo_kind::message;
  return mo;
}

}  // namespace lapord::app
