#include "lapord/smpp/codec.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

namespace lapord::smpp {
namespace {

// Reads big-endian integers, C-Octet Strings and octet strings from a span; every read checks
// the bounds first, so nothing is ever read past the end.
class reader {
 public:
  explicit reader(std::span<const std::uint8_t> data) : data_(data) {}

  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

  std::error_code u8(std::uint8_t& v) {
    if (remaining() < 1) return codec_error::truncated_body;
    v = data_[pos_++];
    return {};
  }
  std::error_code u16(std::uint16_t& v) {
    if (remaining() < 2) return codec_error::truncated_body;
    v = static_cast<std::uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return {};
  }
  // A C-Octet String: octets up to a NUL, which is consumed. Liberal: no maximum length.
  std::error_code c_string(std::string& out) {
    if (at_end()) return codec_error::truncated_body;
    const auto rest = data_.subspan(pos_);
    const auto nul = std::find(rest.begin(), rest.end(), std::uint8_t{0});
    if (nul == rest.end()) return codec_error::unterminated_string;
    out.assign(rest.begin(), nul);
    pos_ += out.size() + 1;
    return {};
  }
  // The octets not yet read, without consuming them.
  void rest(std::string& out) const {
    const auto part = data_.subspan(pos_);
    out.assign(part.begin(), part.end());
  }
  // Exactly n octets (NULs included).
  bool octets(std::size_t n, std::string& out) {
    if (remaining() < n) return false;
    const auto part = data_.subspan(pos_, n);
    out.assign(part.begin(), part.end());
    pos_ += n;
    return true;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

std::uint32_t load_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | static_cast<std::uint32_t>(p[3]);
}

// --- TLVs ---------------------------------------------------------------------------------

std::uint16_t value_u16(const std::string& v) {
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(v[0]) << 8 |
                                    static_cast<std::uint8_t>(v[1]));
}

template <typename T>
std::error_code set_fixed(std::optional<T>& field, const std::string& value) {
  if (value.size() != sizeof(T)) return codec_error::bad_tlv_length;
  if constexpr (sizeof(T) == 1) {
    field = static_cast<std::uint8_t>(value[0]);
  } else {
    field = value_u16(value);
  }
  return {};
}

// Sets the typed field for a known tag (its first occurrence). `taken` is false for a tag that
// is not typed or whose field is already set: the caller keeps that TLV in `other`.
std::error_code take_known(tlv_set& t, std::uint16_t tag_value, const std::string& value,
                           bool& taken) {
  taken = true;
  switch (tag_value) {
    case tag::message_payload:
      if (t.message_payload) break;
      t.message_payload = value;
      return {};
    case tag::sar_msg_ref_num:
      if (t.sar_msg_ref_num) break;
      return set_fixed(t.sar_msg_ref_num, value);
    case tag::sar_total_segments:
      if (t.sar_total_segments) break;
      return set_fixed(t.sar_total_segments, value);
    case tag::sar_segment_seqnum:
      if (t.sar_segment_seqnum) break;
      return set_fixed(t.sar_segment_seqnum, value);
    case tag::ussd_service_op:
      if (t.ussd_service_op) break;
      return set_fixed(t.ussd_service_op, value);
    case tag::its_session_info:
      if (t.its_session_info) break;
      return set_fixed(t.its_session_info, value);
    case tag::user_message_reference:
      if (t.user_message_reference) break;
      return set_fixed(t.user_message_reference, value);
    case tag::message_state:
      if (t.message_state) break;
      return set_fixed(t.message_state, value);
    case tag::sc_interface_version:
      if (t.sc_interface_version) break;
      return set_fixed(t.sc_interface_version, value);
    case tag::receipted_message_id: {
      if (t.receipted_message_id) break;
      // A C-Octet String; liberal: a carrier that leaves out the NUL is still understood.
      const auto nul = value.find('\0');
      t.receipted_message_id = nul == std::string::npos ? value : value.substr(0, nul);
      return {};
    }
    case tag::network_error_code:
      if (t.network_error_code) break;
      if (value.size() != 3) return codec_error::bad_tlv_length;
      t.network_error_code =
          network_error{static_cast<std::uint8_t>(value[0]), value_u16(value.substr(1))};
      return {};
    default:
      break;
  }
  taken = false;
  return {};
}

std::error_code read_tlvs(reader& r, tlv_set& t) {
  // TLVs run to the end of the PDU: the rest is the section as received.
  r.rest(t.wire);
  while (!r.at_end()) {
    std::uint16_t tag_value = 0;
    std::uint16_t length = 0;
    if (r.u16(tag_value) || r.u16(length)) return codec_error::truncated_tlv;
    std::string value;
    if (!r.octets(length, value)) return codec_error::truncated_tlv;
    bool taken = false;
    if (auto ec = take_known(t, tag_value, value, taken)) return ec;
    if (!taken) t.other.push_back(tlv{tag_value, std::move(value)});
  }
  return {};
}

// --- body decoders ------------------------------------------------------------------------

// Chains reads: the first error sticks and later reads are skipped.
struct body_reader {
  reader& r;
  std::error_code ec;

  body_reader& u8(std::uint8_t& v) {
    if (!ec) ec = r.u8(v);
    return *this;
  }
  body_reader& str(std::string& v) {
    if (!ec) ec = r.c_string(v);
    return *this;
  }
};

std::error_code read_body(reader& r, bind_fields& b) {
  body_reader br{r, {}};
  br.str(b.system_id)
      .str(b.password)
      .str(b.system_type)
      .u8(b.interface_version)
      .u8(b.addr_ton)
      .u8(b.addr_npi)
      .str(b.address_range);
  return br.ec;
}

// Liberal: a bind_*_resp carrying an error usually has no body at all.
std::error_code read_body(reader& r, bind_resp_fields& b) {
  if (r.at_end()) return {};
  if (auto ec = r.c_string(b.system_id)) return ec;
  return read_tlvs(r, b.tlvs);
}

std::error_code read_body(reader& r, outbind& b) {
  body_reader br{r, {}};
  br.str(b.system_id).str(b.password);
  return br.ec;
}

std::error_code read_body(reader& r, sm_fields& b) {
  body_reader br{r, {}};
  br.str(b.service_type)
      .u8(b.source_addr_ton)
      .u8(b.source_addr_npi)
      .str(b.source_addr)
      .u8(b.dest_addr_ton)
      .u8(b.dest_addr_npi)
      .str(b.destination_addr)
      .u8(b.esm_class)
      .u8(b.protocol_id)
      .u8(b.priority_flag)
      .str(b.schedule_delivery_time)
      .str(b.validity_period)
      .u8(b.registered_delivery)
      .u8(b.replace_if_present_flag)
      .u8(b.data_coding)
      .u8(b.sm_default_msg_id);
  std::uint8_t sm_length = 0;
  br.u8(sm_length);
  if (br.ec) return br.ec;
  if (!r.octets(sm_length, b.short_message)) return codec_error::short_message_overrun;
  return read_tlvs(r, b.tlvs);
}

// submit_sm_resp / deliver_sm_resp: the message_id, absent when the status is an error.
template <typename Resp>
std::error_code read_message_id(reader& r, Resp& b) {
  if (r.at_end()) return {};
  return r.c_string(b.message_id);
}

std::error_code read_body(reader& r, data_sm& b) {
  body_reader br{r, {}};
  br.str(b.service_type)
      .u8(b.source_addr_ton)
      .u8(b.source_addr_npi)
      .str(b.source_addr)
      .u8(b.dest_addr_ton)
      .u8(b.dest_addr_npi)
      .str(b.destination_addr)
      .u8(b.esm_class)
      .u8(b.registered_delivery)
      .u8(b.data_coding);
  if (br.ec) return br.ec;
  return read_tlvs(r, b.tlvs);
}

std::error_code read_body(reader& r, data_sm_resp& b) {
  if (r.at_end()) return {};
  if (auto ec = r.c_string(b.message_id)) return ec;
  return read_tlvs(r, b.tlvs);
}

std::error_code read_body(reader& r, alert_notification& b) {
  body_reader br{r, {}};
  br.u8(b.source_addr_ton)
      .u8(b.source_addr_npi)
      .str(b.source_addr)
      .u8(b.esme_addr_ton)
      .u8(b.esme_addr_npi)
      .str(b.esme_addr);
  if (br.ec) return br.ec;
  return read_tlvs(r, b.tlvs);
}

template <typename Body>
std::error_code decode_as(reader& r, pdu& out) {
  // Read in place (out is unspecified on error): a deliver_sm's six strings and TLVs are not
  // moved again into the body.
  Body& body = out.body.emplace<Body>();
  std::error_code ec;
  if constexpr (std::is_base_of_v<bind_fields, Body>) {
    ec = read_body(r, static_cast<bind_fields&>(body));
  } else if constexpr (std::is_base_of_v<bind_resp_fields, Body>) {
    ec = read_body(r, static_cast<bind_resp_fields&>(body));
  } else if constexpr (std::is_base_of_v<sm_fields, Body>) {
    ec = read_body(r, static_cast<sm_fields&>(body));
  } else if constexpr (std::is_same_v<Body, submit_sm_resp> ||
                       std::is_same_v<Body, deliver_sm_resp>) {
    ec = read_message_id(r, body);
  } else if constexpr (std::is_same_v<Body, outbind> || std::is_same_v<Body, data_sm> ||
                       std::is_same_v<Body, data_sm_resp> ||
                       std::is_same_v<Body, alert_notification>) {
    ec = read_body(r, body);
  }
  // Header-only PDUs: liberal, trailing octets are ignored.
  return ec;
}

}  // namespace

std::optional<pdu_header> read_header(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < header_size) return std::nullopt;
  return pdu_header{load_u32(bytes.data()), load_u32(bytes.data() + 4), load_u32(bytes.data() + 8),
                    load_u32(bytes.data() + 12)};
}

std::error_code decode(std::span<const std::uint8_t> frame, pdu& out) {
  const auto header = read_header(frame);
  if (!header) return codec_error::command_length_too_small;
  if (header->command_length < header_size) return codec_error::command_length_too_small;
  if (header->command_length != frame.size()) return codec_error::length_mismatch;
  out.status = static_cast<command_status>(header->command_status);
  out.sequence_number = header->sequence_number;
  reader r(frame.subspan(header_size));
  switch (static_cast<command_id>(header->command_id)) {
    case command_id::generic_nack:
      return decode_as<generic_nack>(r, out);
    case command_id::bind_receiver:
      return decode_as<bind_receiver>(r, out);
    case command_id::bind_receiver_resp:
      return decode_as<bind_receiver_resp>(r, out);
    case command_id::bind_transmitter:
      return decode_as<bind_transmitter>(r, out);
    case command_id::bind_transmitter_resp:
      return decode_as<bind_transmitter_resp>(r, out);
    case command_id::bind_transceiver:
      return decode_as<bind_transceiver>(r, out);
    case command_id::bind_transceiver_resp:
      return decode_as<bind_transceiver_resp>(r, out);
    case command_id::outbind:
      return decode_as<outbind>(r, out);
    case command_id::unbind:
      return decode_as<unbind>(r, out);
    case command_id::unbind_resp:
      return decode_as<unbind_resp>(r, out);
    case command_id::enquire_link:
      return decode_as<enquire_link>(r, out);
    case command_id::enquire_link_resp:
      return decode_as<enquire_link_resp>(r, out);
    case command_id::submit_sm:
      return decode_as<submit_sm>(r, out);
    case command_id::submit_sm_resp:
      return decode_as<submit_sm_resp>(r, out);
    case command_id::deliver_sm:
      return decode_as<deliver_sm>(r, out);
    case command_id::deliver_sm_resp:
      return decode_as<deliver_sm_resp>(r, out);
    case command_id::data_sm:
      return decode_as<data_sm>(r, out);
    case command_id::data_sm_resp:
      return decode_as<data_sm_resp>(r, out);
    case command_id::alert_notification:
      return decode_as<alert_notification>(r, out);
    case command_id::query_sm:
    case command_id::query_sm_resp:
    case command_id::replace_sm:
    case command_id::replace_sm_resp:
    case command_id::cancel_sm:
    case command_id::cancel_sm_resp:
    case command_id::submit_multi:
    case command_id::submit_multi_resp:
      return codec_error::unsupported_command_id;
  }
  return codec_error::unknown_command_id;
}

}  // namespace lapord::smpp
