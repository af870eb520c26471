// The encoding half of the codec (codec.cpp decodes): bodies written with the SMPP 3.4
// field limits checked, so that what we send is never a PDU a strict SMSC refuses.
#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>

#include "lapord/smpp/codec.hpp"

namespace lapord::smpp {
namespace {

class writer {
 public:
  explicit writer(std::vector<std::uint8_t>& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void raw(const std::string& s) { out_.insert(out_.end(), s.begin(), s.end()); }
  // A C-Octet String of at most `max` octets including its NUL: strict, never truncated.
  std::error_code c_string(const std::string& s, std::size_t max) {
    if (s.size() + 1 > max) return codec_error::field_too_long;
    if (s.find('\0') != std::string::npos) return codec_error::embedded_nul;
    raw(s);
    u8(0);
    return {};
  }
  // schedule_delivery_time / validity_period: empty, or 16 characters (absolute or relative).
  std::error_code time(const std::string& s) {
    if (!s.empty() && s.size() != 16) return codec_error::bad_time_format;
    return c_string(s, 17);
  }
  std::error_code tlv(std::uint16_t tag_value, const std::string& value) {
    if (value.size() > std::numeric_limits<std::uint16_t>::max()) return codec_error::tlv_too_long;
    u16(tag_value);
    u16(static_cast<std::uint16_t>(value.size()));
    raw(value);
    return {};
  }
  void tlv_u8(std::uint16_t tag_value, std::uint8_t v) {
    u16(tag_value);
    u16(1);
    u8(v);
  }
  void tlv_u16(std::uint16_t tag_value, std::uint16_t v) {
    u16(tag_value);
    u16(2);
    u16(v);
  }

 private:
  std::vector<std::uint8_t>& out_;
};

// Chains writes: the first error sticks.
struct body_writer {
  writer& w;
  std::error_code ec;

  body_writer& u8(std::uint8_t v) {
    if (!ec) w.u8(v);
    return *this;
  }
  body_writer& str(const std::string& s, std::size_t max) {
    if (!ec) ec = w.c_string(s, max);
    return *this;
  }
  body_writer& time(const std::string& s) {
    if (!ec) ec = w.time(s);
    return *this;
  }
};

// Maximum lengths of C-Octet Strings including the NUL (SMPP 3.4 chapter 4).
constexpr std::size_t max_system_id = 16;
constexpr std::size_t max_password = 9;
constexpr std::size_t max_system_type = 13;
constexpr std::size_t max_address_range = 41;
constexpr std::size_t max_service_type = 6;
constexpr std::size_t max_sm_addr = 21;
constexpr std::size_t max_data_sm_addr = 65;
constexpr std::size_t max_message_id = 65;
constexpr std::size_t max_short_message = 254;

std::error_code write_tlvs(writer& w, const tlv_set& t) {
  if (t.sar_msg_ref_num) w.tlv_u16(tag::sar_msg_ref_num, *t.sar_msg_ref_num);
  if (t.sar_total_segments) w.tlv_u8(tag::sar_total_segments, *t.sar_total_segments);
  if (t.sar_segment_seqnum) w.tlv_u8(tag::sar_segment_seqnum, *t.sar_segment_seqnum);
  if (t.user_message_reference) w.tlv_u16(tag::user_message_reference, *t.user_message_reference);
  if (t.sc_interface_version) w.tlv_u8(tag::sc_interface_version, *t.sc_interface_version);
  if (t.receipted_message_id) {
    if (t.receipted_message_id->size() + 1 > max_message_id) return codec_error::field_too_long;
    if (t.receipted_message_id->find('\0') != std::string::npos) {
      return codec_error::embedded_nul;
    }
    w.tlv(tag::receipted_message_id, *t.receipted_message_id + '\0');
  }
  if (t.message_state) w.tlv_u8(tag::message_state, *t.message_state);
  if (t.network_error_code) {
    w.u16(tag::network_error_code);
    w.u16(3);
    w.u8(t.network_error_code->network_type);
    w.u16(t.network_error_code->error_code);
  }
  if (t.ussd_service_op) w.tlv_u8(tag::ussd_service_op, *t.ussd_service_op);
  if (t.its_session_info) w.tlv_u16(tag::its_session_info, *t.its_session_info);
  if (t.message_payload) {
    if (auto ec = w.tlv(tag::message_payload, *t.message_payload)) return ec;
  }
  for (const auto& other : t.other) {
    if (auto ec = w.tlv(other.tag, other.value)) return ec;
  }
  return {};
}

std::error_code write_body(writer& w, const bind_fields& b) {
  body_writer bw{w, {}};
  bw.str(b.system_id, max_system_id)
      .str(b.password, max_password)
      .str(b.system_type, max_system_type)
      .u8(b.interface_version)
      .u8(b.addr_ton)
      .u8(b.addr_npi)
      .str(b.address_range, max_address_range);
  return bw.ec;
}

std::error_code write_body(writer& w, const bind_resp_fields& b) {
  if (auto ec = w.c_string(b.system_id, max_system_id)) return ec;
  return write_tlvs(w, b.tlvs);
}

std::error_code write_body(writer& w, const outbind& b) {
  body_writer bw{w, {}};
  bw.str(b.system_id, max_system_id).str(b.password, max_password);
  return bw.ec;
}

std::error_code write_body(writer& w, const sm_fields& b, bool deliver) {
  if (b.short_message.size() > max_short_message) return codec_error::field_too_long;
  // SMPP 3.4 4.6.1: deliver_sm carries no schedule_delivery_time nor validity_period.
  if (deliver && (!b.schedule_delivery_time.empty() || !b.validity_period.empty())) {
    return codec_error::bad_time_format;
  }
  body_writer bw{w, {}};
  bw.str(b.service_type, max_service_type)
      .u8(b.source_addr_ton)
      .u8(b.source_addr_npi)
      .str(b.source_addr, max_sm_addr)
      .u8(b.dest_addr_ton)
      .u8(b.dest_addr_npi)
      .str(b.destination_addr, max_sm_addr)
      .u8(b.esm_class)
      .u8(b.protocol_id)
      .u8(b.priority_flag)
      .time(b.schedule_delivery_time)
      .time(b.validity_period)
      .u8(b.registered_delivery)
      .u8(b.replace_if_present_flag)
      .u8(b.data_coding)
      .u8(b.sm_default_msg_id)
      .u8(static_cast<std::uint8_t>(b.short_message.size()));
  if (bw.ec) return bw.ec;
  w.raw(b.short_message);
  return write_tlvs(w, b.tlvs);
}

std::error_code write_body(writer& w, const submit_sm_resp& b) {
  return w.c_string(b.message_id, max_message_id);
}

// deliver_sm_resp's message_id is unused and set to NULL by the specification.
std::error_code write_body(writer& w, const deliver_sm_resp& b) {
  return w.c_string(b.message_id, 1);
}

std::error_code write_body(writer& w, const data_sm& b) {
  body_writer bw{w, {}};
  bw.str(b.service_type, max_service_type)
      .u8(b.source_addr_ton)
      .u8(b.source_addr_npi)
      .str(b.source_addr, max_data_sm_addr)
      .u8(b.dest_addr_ton)
      .u8(b.dest_addr_npi)
      .str(b.destination_addr, max_data_sm_addr)
      .u8(b.esm_class)
      .u8(b.registered_delivery)
      .u8(b.data_coding);
  if (bw.ec) return bw.ec;
  return write_tlvs(w, b.tlvs);
}

std::error_code write_body(writer& w, const data_sm_resp& b) {
  if (auto ec = w.c_string(b.message_id, max_message_id)) return ec;
  return write_tlvs(w, b.tlvs);
}

std::error_code write_body(writer& w, const alert_notification& b) {
  body_writer bw{w, {}};
  bw.u8(b.source_addr_ton)
      .u8(b.source_addr_npi)
      .str(b.source_addr, max_data_sm_addr)
      .u8(b.esme_addr_ton)
      .u8(b.esme_addr_npi)
      .str(b.esme_addr, max_data_sm_addr);
  if (bw.ec) return bw.ec;
  return write_tlvs(w, b.tlvs);
}

template <typename Body>
std::error_code write_any(writer& w, const Body& b) {
  if constexpr (std::is_base_of_v<bind_fields, Body>) {
    return write_body(w, static_cast<const bind_fields&>(b));
  } else if constexpr (std::is_base_of_v<bind_resp_fields, Body>) {
    return write_body(w, static_cast<const bind_resp_fields&>(b));
  } else if constexpr (std::is_base_of_v<sm_fields, Body>) {
    return write_body(w, static_cast<const sm_fields&>(b), std::is_same_v<Body, deliver_sm>);
  } else if constexpr (std::is_same_v<Body, outbind> || std::is_same_v<Body, submit_sm_resp> ||
                       std::is_same_v<Body, deliver_sm_resp> || std::is_same_v<Body, data_sm> ||
                       std::is_same_v<Body, data_sm_resp> ||
                       std::is_same_v<Body, alert_notification>) {
    return write_body(w, b);
  } else {
    return {};  // header-only PDU
  }
}

}  // namespace

std::error_code encode(const pdu& p, std::vector<std::uint8_t>& out) {
  return encode(p.body, p.status, p.sequence_number, out);
}

namespace {

// One PDU of body type Body, whichever way its body was given (a pdu_body, or a submit_sm the
// caller keeps: not moved into a variant and back).
template <typename Body>
std::error_code encode_as(const Body& body, command_status status, std::uint32_t sequence,
                          std::vector<std::uint8_t>& out) {
  const auto start = out.size();
  // Room for a typical PDU at once (a submit_sm with 160 octets of text is ~220): growing from
  // empty one push_back at a time was 5-6 reallocations per PDU. Doubling, so that a caller
  // appending many PDUs to one vector still grows it geometrically.
  constexpr std::size_t typical = 256;
  if (out.capacity() - start < typical) out.reserve(std::max(start + typical, 2 * out.capacity()));
  writer w(out);
  w.u32(0);  // command_length, filled in below
  w.u32(static_cast<std::uint32_t>(Body::id));
  w.u32(static_cast<std::uint32_t>(status));
  w.u32(sequence);
  std::error_code ec;
  if constexpr (std::is_same_v<Body, submit_sm_resp>) {
    // SMPP 3.4 4.4.2: no body when command_status is an error.
    if (status != command_status::esme_rok) {
      if (!body.message_id.empty()) ec = codec_error::body_not_allowed;
    } else {
      ec = write_any(w, body);
    }
  } else {
    ec = write_any(w, body);
  }
  const auto length = out.size() - start;
  if (!ec && length > std::numeric_limits<std::uint32_t>::max()) ec = codec_error::pdu_too_large;
  if (ec) {
    out.resize(start);
    return ec;
  }
  for (int i = 0; i < 4; ++i) {
    out[start + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(length >> (24 - 8 * i));
  }
  return {};
}

}  // namespace

std::error_code encode(const pdu_body& body, command_status status, std::uint32_t sequence,
                       std::vector<std::uint8_t>& out) {
  return std::visit([&](const auto& b) { return encode_as(b, status, sequence, out); }, body);
}

std::error_code encode(const submit_sm& body, command_status status, std::uint32_t sequence,
                       std::vector<std::uint8_t>& out) {
  return encode_as(body, status, sequence, out);
}

}  // namespace lapord::smpp
