// An MO step cut into the deliver_sm / data_sm parts it is sent as (UDH 8/16-bit, SAR, payload).

#include "parts.hpp"

#include <algorithm>

#include "lapord/text/gsm7.hpp"

namespace lapord::smsc_sim {

// Octets per part for (split mode, data_coding); 0 for modes that do not split.
std::size_t part_capacity(split_mode mode, std::uint8_t data_coding) {
  bool gsm = data_coding == 0;
  bool ucs2 = data_coding == 8;
  switch (mode) {
    case split_mode::udh8:
      return gsm ? 153 : ucs2 ? 134 : 134;
    case split_mode::udh16:
      return gsm ? 152 : ucs2 ? 132 : 133;
    case split_mode::sar:
      return gsm ? 160 : 140;
    case split_mode::none:
    case split_mode::payload:
      return 0;
  }
  return 0;
}

// Cuts the encoded message into parts of at most `cap` octets without breaking a GSM escape
// pair or a UTF-16 surrogate pair.
std::vector<std::string> cut(const std::string& octets, std::size_t cap, std::uint8_t data_coding) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (pos < octets.size()) {
    std::size_t n = std::min(cap, octets.size() - pos);
    if (pos + n < octets.size()) {
      if (data_coding == 0 && static_cast<unsigned char>(octets[pos + n - 1]) == text::gsm_escape)
        --n;
      if (data_coding == 8) {
        n -= n % 2;
        auto hi = static_cast<unsigned char>(octets[pos + n - 2]);
        if (hi >= 0xD8 && hi <= 0xDB) n -= 2;  // a high surrogate: keep the pair together
      }
    }
    parts.push_back(octets.substr(pos, n));
    pos += n;
  }
  return parts;
}

std::vector<smpp::pdu_body> build_parts(const mo_step& mo, std::uint16_t ref) {
  auto make = [&](std::string short_message, smpp::tlv_set tlvs,
                  std::uint8_t esm_class) -> smpp::pdu_body {
    if (mo.data_sm) {
      smpp::data_sm d;
      const auto& f = mo.fields;
      d.service_type = f.service_type;
      d.source_addr_ton = f.source_addr_ton;
      d.source_addr_npi = f.source_addr_npi;
      d.source_addr = f.source_addr;
      d.dest_addr_ton = f.dest_addr_ton;
      d.dest_addr_npi = f.dest_addr_npi;
      d.destination_addr = f.destination_addr;
      d.esm_class = esm_class;
      d.registered_delivery = f.registered_delivery;
      d.data_coding = f.data_coding;
      d.tlvs = std::move(tlvs);
      if (!d.tlvs.message_payload) d.tlvs.message_payload = std::move(short_message);
      return d;
    }
    smpp::deliver_sm d;
    static_cast<smpp::sm_fields&>(d) = mo.fields;
    d.esm_class = esm_class;
    d.short_message = std::move(short_message);
    d.tlvs = std::move(tlvs);
    return d;
  };
  std::uint16_t r = mo.ref.value_or(ref);
  const auto& f = mo.fields;
  switch (mo.split) {
    case split_mode::none:
      return {make(mo.octets, f.tlvs, f.esm_class)};
    case split_mode::payload: {
      auto t = f.tlvs;
      t.message_payload = mo.octets;
      return {make(std::string(), std::move(t), f.esm_class)};
    }
    case split_mode::udh8:
    case split_mode::udh16:
    case split_mode::sar:
      break;
  }
  auto pieces = cut(mo.octets, part_capacity(mo.split, f.data_coding), f.data_coding);
  if (pieces.empty()) pieces.emplace_back();
  auto total = static_cast<std::uint8_t>(pieces.size());
  std::vector<smpp::pdu_body> out;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    auto seq = static_cast<std::uint8_t>(i + 1);
    auto t = f.tlvs;
    std::string sm;
    std::uint8_t esm = f.esm_class;
    if (mo.split == split_mode::sar) {
      t.sar_msg_ref_num = r;
      t.sar_total_segments = total;
      t.sar_segment_seqnum = seq;
    } else if (mo.split == split_mode::udh8) {
      sm = {'\x05',
            '\x00',
            '\x03',
            static_cast<char>(r & 0xFF),
            static_cast<char>(total),
            static_cast<char>(seq)};
      esm = static_cast<std::uint8_t>(esm | 0x40);
    } else {
      sm = {'\x06',
            '\x08',
            '\x04',
            static_cast<char>(r >> 8),
            static_cast<char>(r & 0xFF),
            static_cast<char>(total),
            static_cast<char>(seq)};
      esm = static_cast<std::uint8_t>(esm | 0x40);
    }
    sm += pieces[i];
    out.push_back(make(std::move(sm), std::move(t), esm));
  }
  return out;
}

}  // namespace lapord::smsc_sim
