// The only translation unit that includes libsmpp34 (see docs/smpp.md and
// shared/guide/dependencies.md): it needs <stdint.h> first, has no extern "C" of its own, and
// defines macros (SUBMIT_SM, ESME_ROK, U08, TLV, ...) that must not leak into other code.
#include <stdint.h>  // NOLINT(modernize-deprecated-headers): libsmpp34 needs it first

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string_view>
#include <vector>

// The order matters (structs before params): not sorted.
// clang-format off
extern "C" {
#include <smpp34.h>
#include <smpp34_structs.h>
#include <smpp34_params.h>
#include <smpp34_heap.h>
}
// clang-format on

#include "smpp/smpp34_oracle.hpp"

namespace lapord::smpp::test {
namespace {

// --- memory: libsmpp34 leaks a TLV node when unpack fails inside a TLV list -----------------
// Every allocation it makes goes through these, so whatever is left after destroy_tlv() is
// its leak and is freed here (the tests run under LeakSanitizer).

std::set<void*>& live() {
  static std::set<void*> blocks;
  return blocks;
}

void* track_malloc(size_t n) {
  void* p = std::malloc(n);
  if (p) live().insert(p);
  return p;
}

void* track_realloc(void* old, size_t n) {
  void* p = std::realloc(old, n);
  if (p) {
    live().erase(old);
    live().insert(p);
  }
  return p;
}

void track_free(void* p) {
  live().erase(p);
  std::free(p);
}

void install_allocator() {
  static const bool installed = [] {
    static const smpp34_memory_functions functions{track_malloc, track_realloc, track_free};
    smpp34_set_memory_functions(&functions);
    return true;
  }();
  (void)installed;
}

void reclaim_leaks() {
  for (void* p : live())
    std::free(p);
  live().clear();
}

// --- how libsmpp34 reads each TLV value: from its own tables, included from its headers ----
// The def_frame/*.tlv files define do_tlv_<pdu>(inst_tlv) in terms of U08 / U16 / OCTET16;
// redefined here, they tell which of those it applies to a tag.

enum class tlv_kind { octets, u8, u16, u32 };

struct tlv_rule {
  tlv_kind kind = tlv_kind::octets;
};

#undef U32
#undef U16
#undef U08
#undef O_C_OCTET
#undef C_OCTET
#undef OCTET8
#undef OCTET16
#undef TLV
#undef UUU
#undef DAD
#undef UU2
#undef UDAD
#define U32(inst, par, _str) rule.kind = tlv_kind::u32
#define U16(inst, par, _str) \
  if (std::string_view(#par) == "value.val16") rule.kind = tlv_kind::u16
#define U08(inst, par, _str) rule.kind = tlv_kind::u8
#define OCTET16(inst, par, size) rule.kind = tlv_kind::octets;

#include "def_frame/alert_notification.tlv"
#include "def_frame/bind_receiver_resp.tlv"
#include "def_frame/bind_transceiver_resp.tlv"
#include "def_frame/bind_transmitter_resp.tlv"
#include "def_frame/data_sm.tlv"
#include "def_frame/deliver_sm.tlv"
#include "def_frame/submit_sm.tlv"

#define LAPORD_RULE_OF(pdu_name)                      \
  tlv_rule rule_##pdu_name(std::uint16_t tag_value) { \
    tlv_rule rule;                                    \
    tlv_t probe{};                                    \
    probe.tag = tag_value;                            \
    tlv_t* inst = &probe;                             \
    do_tlv_##pdu_name(inst);                          \
    return rule;                                      \
  }
LAPORD_RULE_OF(alert_notification)
LAPORD_RULE_OF(bind_receiver_resp)
LAPORD_RULE_OF(bind_transceiver_resp)
LAPORD_RULE_OF(bind_transmitter_resp)
LAPORD_RULE_OF(data_sm)
LAPORD_RULE_OF(deliver_sm)
LAPORD_RULE_OF(submit_sm)
#undef LAPORD_RULE_OF
#undef U32
#undef U16
#undef U08
#undef OCTET16

using rule_fn = tlv_rule (*)(std::uint16_t);

// --- converting its structs to our types -----------------------------------------------------

std::string text_of(const uint8_t* field, std::size_t capacity) {
  const auto* end = std::find(field, field + capacity, uint8_t{0});
  return std::string(field, end);
}

std::string octets_of(const uint8_t* field, std::size_t n) {
  return std::string(field, field + n);
}

// The wire bytes of a TLV as libsmpp34 holds them (a number for the integer kinds). False when
// its reading cannot be compared: it read one octet (or two, four) whatever the wire said.
bool raw_of(const tlv_t* t, rule_fn rule, std::string& raw) {
  switch (rule(t->tag).kind) {
    case tlv_kind::u8:
      if (t->length != 1) return false;
      raw = std::string(1, static_cast<char>(t->value.val08));
      return true;
    case tlv_kind::u16:
      if (t->length != 2) return false;
      raw = {static_cast<char>(t->value.val16 >> 8), static_cast<char>(t->value.val16 & 0xFF)};
      return true;
    case tlv_kind::u32:
      if (t->length != 4) return false;
      for (int shift = 24; shift >= 0; shift -= 8) {
        raw.push_back(static_cast<char>(t->value.val32 >> shift & 0xFF));
      }
      return true;
    case tlv_kind::octets:
      raw = octets_of(t->value.octet, t->length);
      return true;
  }
  return true;
}

bool u8_into(const std::string& raw, std::optional<std::uint8_t>& field) {
  if (raw.size() != 1) return false;
  field = static_cast<std::uint8_t>(raw[0]);
  return true;
}

bool u16_into(const std::string& raw, std::optional<std::uint16_t>& field) {
  if (raw.size() != 2) return false;
  field = static_cast<std::uint16_t>(static_cast<std::uint8_t>(raw[0]) << 8 |
                                     static_cast<std::uint8_t>(raw[1]));
  return true;
}

// Fills the typed field of `tag` from its first occurrence; `typed` false when the TLV belongs
// in `other` (an unknown tag, or a typed one seen before). False when the value cannot be read.
bool typed_into(std::uint16_t tag, const std::string& raw, tlv_set& out, bool& typed) {
  bool ok = true;
  typed = true;
  switch (tag) {
    case 0x0424:  // message_payload
      if (out.message_payload) {
        typed = false;
      } else {
        out.message_payload = raw;
      }
      break;
    case 0x020C:
      typed = !out.sar_msg_ref_num && (ok = u16_into(raw, out.sar_msg_ref_num));
      break;
    case 0x020E:
      typed = !out.sar_total_segments && (ok = u8_into(raw, out.sar_total_segments));
      break;
    case 0x020F:
      typed = !out.sar_segment_seqnum && (ok = u8_into(raw, out.sar_segment_seqnum));
      break;
    case 0x0501:
      typed = !out.ussd_service_op && (ok = u8_into(raw, out.ussd_service_op));
      break;
    case 0x1383:
      typed = !out.its_session_info && (ok = u16_into(raw, out.its_session_info));
      break;
    case 0x0204:
      typed = !out.user_message_reference && (ok = u16_into(raw, out.user_message_reference));
      break;
    case 0x0427:
      typed = !out.message_state && (ok = u8_into(raw, out.message_state));
      break;
    case 0x0210:
      typed = !out.sc_interface_version && (ok = u8_into(raw, out.sc_interface_version));
      break;
    case 0x001E:  // receipted_message_id: a C-Octet String
      if (out.receipted_message_id) {
        typed = false;
      } else {
        out.receipted_message_id = raw.substr(0, raw.find('\0'));
      }
      break;
    case 0x0423:  // network_error_code: type octet + 2-octet code
      if (out.network_error_code) {
        typed = false;
      } else if (raw.size() != 3) {
        ok = false;
      } else {
        out.network_error_code =
            network_error{static_cast<std::uint8_t>(raw[0]),
                          static_cast<std::uint16_t>(static_cast<std::uint8_t>(raw[1]) << 8 |
                                                     static_cast<std::uint8_t>(raw[2]))};
      }
      break;
    default:
      typed = false;
  }
  return ok;
}

// Maps the TLVs as libsmpp34 read them (newest first in its list) into a tlv_set the way
// SMPP 3.4 defines the typed ones: the first occurrence of a typed tag fills its field.
// Returns false when libsmpp34's reading cannot be compared (misparse, or a size we reject).
bool convert_tlvs(tlv_t* head, rule_fn rule, tlv_set& out) {
  std::vector<const tlv_t*> wire_order;
  for (const tlv_t* t = head; t != nullptr; t = t->next)
    wire_order.push_back(t);
  std::reverse(wire_order.begin(), wire_order.end());
  for (const tlv_t* t : wire_order) {
    std::string raw;
    if (!raw_of(t, rule, raw)) return false;
    bool typed = true;
    if (!typed_into(t->tag, raw, out, typed)) return false;
    if (!typed) out.other.push_back(tlv{t->tag, raw});
  }
  return true;
}

template <typename T>
void header_into(const T& s, pdu& p) {
  p.status = static_cast<command_status>(s.command_status);
  p.sequence_number = s.sequence_number;
}

template <typename Theirs>
void bind_into(const Theirs& s, bind_fields& b) {
  b.system_id = text_of(s.system_id, sizeof s.system_id);
  b.password = text_of(s.password, sizeof s.password);
  b.system_type = text_of(s.system_type, sizeof s.system_type);
  b.interface_version = s.interface_version;
  b.addr_ton = s.addr_ton;
  b.addr_npi = s.addr_npi;
  b.address_range = text_of(s.address_range, sizeof s.address_range);
}

template <typename Theirs>
void sm_into(const Theirs& s, sm_fields& b) {
  b.service_type = text_of(s.service_type, sizeof s.service_type);
  b.source_addr_ton = s.source_addr_ton;
  b.source_addr_npi = s.source_addr_npi;
  b.source_addr = text_of(s.source_addr, sizeof s.source_addr);
  b.dest_addr_ton = s.dest_addr_ton;
  b.dest_addr_npi = s.dest_addr_npi;
  b.destination_addr = text_of(s.destination_addr, sizeof s.destination_addr);
  b.esm_class = s.esm_class;
  b.protocol_id = s.protocol_id;
  b.priority_flag = s.priority_flag;
  b.schedule_delivery_time = text_of(s.schedule_delivery_time, sizeof s.schedule_delivery_time);
  b.validity_period = text_of(s.validity_period, sizeof s.validity_period);
  b.registered_delivery = s.registered_delivery;
  b.replace_if_present_flag = s.replace_if_present_flag;
  b.data_coding = s.data_coding;
  b.sm_default_msg_id = s.sm_default_msg_id;
  b.short_message = octets_of(s.short_message, s.sm_length);
}

// Unpacks into a zeroed Theirs, converts with `fill`, and frees its TLV list on every path.
template <typename Theirs, typename Fill>
oracle_result unpack_as(uint32_t type, const std::vector<uint8_t>& padded, int length, Fill fill) {
  oracle_result r;
  Theirs s;
  std::memset(&s, 0, sizeof s);
  const int rc = smpp34_unpack(type, &s, padded.data(), length);
  r.trace = smpp34_strerror;
  if (rc == 0) {
    header_into(s, r.value);
    r.result = fill(s, r.value) ? oracle_result::decoded : oracle_result::misparsed;
  }
  if constexpr (requires { s.tlv; }) destroy_tlv(s.tlv);
  reclaim_leaks();
  return r;
}

// A PDU with no body (generic_nack, unbind, enquire_link and their answers).
template <typename Theirs, typename Ours>
oracle_result empty_as(uint32_t type, const std::vector<uint8_t>& padded, int length) {
  return unpack_as<Theirs>(type, padded, length, [](auto&, pdu& p) {
    p.body = Ours{};
    return true;
  });
}

template <typename Theirs, typename Ours>
oracle_result bind_as(uint32_t type, const std::vector<uint8_t>& padded, int length) {
  return unpack_as<Theirs>(type, padded, length, [](auto& s, pdu& p) {
    Ours b;
    bind_into(s, b);
    p.body = b;
    return true;
  });
}

template <typename Theirs, typename Ours>
oracle_result bind_resp_as(uint32_t type, const std::vector<uint8_t>& padded, int length,
                           rule_fn rule) {
  return unpack_as<Theirs>(type, padded, length, [rule](auto& s, pdu& p) {
    Ours b;
    b.system_id = text_of(s.system_id, sizeof s.system_id);
    p.body = b;
    return convert_tlvs(s.tlv, rule, std::get<Ours>(p.body).tlvs);
  });
}

// submit_sm_resp, deliver_sm_resp, data_sm_resp: a message_id only.
template <typename Theirs, typename Ours>
oracle_result message_id_as(uint32_t type, const std::vector<uint8_t>& padded, int length) {
  return unpack_as<Theirs>(type, padded, length, [](auto& s, pdu& p) {
    Ours b;
    b.message_id = text_of(s.message_id, sizeof s.message_id);
    p.body = b;
    return true;
  });
}

template <typename Theirs, typename Ours>
oracle_result sm_as(uint32_t type, const std::vector<uint8_t>& padded, int length, rule_fn rule) {
  return unpack_as<Theirs>(type, padded, length, [rule](auto& s, pdu& p) {
    Ours b;
    sm_into(s, b);
    const bool ok = convert_tlvs(s.tlv, rule, b.tlvs);
    p.body = b;
    return ok;
  });
}

oracle_result outbind_as(uint32_t type, const std::vector<uint8_t>& padded, int length) {
  return unpack_as<outbind_t>(type, padded, length, [](auto& s, pdu& p) {
    outbind b;
    b.system_id = text_of(s.system_id, sizeof s.system_id);
    b.password = text_of(s.password, sizeof s.password);
    p.body = b;
    return true;
  });
}

oracle_result data_sm_as(uint32_t type, const std::vector<uint8_t>& padded, int length) {
  return unpack_as<data_sm_t>(type, padded, length, [](auto& s, pdu& p) {
    data_sm b;
    b.service_type = text_of(s.service_type, sizeof s.service_type);
    b.source_addr_ton = s.source_addr_ton;
    b.source_addr_npi = s.source_addr_npi;
    b.source_addr = text_of(s.source_addr, sizeof s.source_addr);
    b.dest_addr_ton = s.dest_addr_ton;
    b.dest_addr_npi = s.dest_addr_npi;
    b.destination_addr = text_of(s.destination_addr, sizeof s.destination_addr);
    b.esm_class = s.esm_class;
    b.registered_delivery = s.registered_delivery;
    b.data_coding = s.data_coding;
    const bool ok = convert_tlvs(s.tlv, rule_data_sm, b.tlvs);
    p.body = b;
    return ok;
  });
}

oracle_result alert_notification_as(uint32_t type, const std::vector<uint8_t>& padded, int length) {
  return unpack_as<alert_notification_t>(type, padded, length, [](auto& s, pdu& p) {
    alert_notification b;
    b.source_addr_ton = s.source_addr_ton;
    b.source_addr_npi = s.source_addr_npi;
    b.source_addr = text_of(s.source_addr, sizeof s.source_addr);
    b.esme_addr_ton = s.esme_addr_ton;
    b.esme_addr_npi = s.esme_addr_npi;
    b.esme_addr = text_of(s.esme_addr, sizeof s.esme_addr);
    const bool ok = convert_tlvs(s.tlv, rule_alert_notification, b.tlvs);
    p.body = b;
    return ok;
  });
}

}  // namespace

oracle_result smpp34_decode(std::span<const std::uint8_t> frame) {
  install_allocator();
  if (frame.size() < 16) return {};
  std::vector<uint8_t> padded(frame.begin(), frame.end());
  padded.resize(frame.size() + 256, 0);  // strlen() must stop inside our buffer
  const int n = static_cast<int>(frame.size());
  const uint32_t type = static_cast<uint32_t>(frame[4]) << 24 |
                        static_cast<uint32_t>(frame[5]) << 16 |
                        static_cast<uint32_t>(frame[6]) << 8 | frame[7];
  switch (type) {
    case GENERIC_NACK:
      return empty_as<generic_nack_t, generic_nack>(type, padded, n);
    case UNBIND:
      return empty_as<unbind_t, unbind>(type, padded, n);
    case UNBIND_RESP:
      return empty_as<unbind_resp_t, unbind_resp>(type, padded, n);
    case ENQUIRE_LINK:
      return empty_as<enquire_link_t, enquire_link>(type, padded, n);
    case ENQUIRE_LINK_RESP:
      return empty_as<enquire_link_resp_t, enquire_link_resp>(type, padded, n);
    case BIND_TRANSMITTER:
      return bind_as<bind_transmitter_t, bind_transmitter>(type, padded, n);
    case BIND_RECEIVER:
      return bind_as<bind_receiver_t, bind_receiver>(type, padded, n);
    case BIND_TRANSCEIVER:
      return bind_as<bind_transceiver_t, bind_transceiver>(type, padded, n);
    case BIND_TRANSMITTER_RESP:
      return bind_resp_as<bind_transmitter_resp_t, bind_transmitter_resp>(
          type, padded, n, rule_bind_transmitter_resp);
    case BIND_RECEIVER_RESP:
      return bind_resp_as<bind_receiver_resp_t, bind_receiver_resp>(type, padded, n,
                                                                    rule_bind_receiver_resp);
    case BIND_TRANSCEIVER_RESP:
      return bind_resp_as<bind_transceiver_resp_t, bind_transceiver_resp>(
          type, padded, n, rule_bind_transceiver_resp);
    case OUTBIND:
      return outbind_as(type, padded, n);
    case SUBMIT_SM:
      return sm_as<submit_sm_t, submit_sm>(type, padded, n, rule_submit_sm);
    case DELIVER_SM:
      return sm_as<deliver_sm_t, deliver_sm>(type, padded, n, rule_deliver_sm);
    case SUBMIT_SM_RESP:
      return message_id_as<submit_sm_resp_t, submit_sm_resp>(type, padded, n);
    case DELIVER_SM_RESP:
      return message_id_as<deliver_sm_resp_t, deliver_sm_resp>(type, padded, n);
    case DATA_SM:
      return data_sm_as(type, padded, n);
    case DATA_SM_RESP:
      return message_id_as<data_sm_resp_t, data_sm_resp>(type, padded, n);
    case ALERT_NOTIFICATION:
      return alert_notification_as(type, padded, n);
    default:
      return {};  // not a PDU both codecs implement
  }
}

std::size_t tlv_count(const pdu& p) {
  return std::visit(
      [](const auto& b) -> std::size_t {
        if constexpr (requires { b.tlvs; }) {
          const auto& t = b.tlvs;
          return t.other.size() + t.message_payload.has_value() + t.sar_msg_ref_num.has_value() +
                 t.sar_total_segments.has_value() + t.sar_segment_seqnum.has_value() +
                 t.ussd_service_op.has_value() + t.its_session_info.has_value() +
                 t.user_message_reference.has_value() + t.receipted_message_id.has_value() +
                 t.message_state.has_value() + t.network_error_code.has_value() +
                 t.sc_interface_version.has_value();
        } else {
          return 0;
        }
      },
      p.body);
}

}  // namespace lapord::smpp::test
