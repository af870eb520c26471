#pragma once
// Our codec against libsmpp34, for the differential test and the smpp_diff fuzz target.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lapord/smpp/codec.hpp"
#include "smpp/smpp34_oracle.hpp"

namespace lapord::smpp::test {

// libsmpp34 corrupts its globals from ~41 TLVs on; we only ask it about PDUs with few.
inline constexpr std::size_t max_oracle_tlvs = 8;

enum class verdict {
  ours_refused,      // our decode (or encode) refused: nothing to compare
  too_many_tlvs,     // not shown to libsmpp34
  theirs_rejected,   // libsmpp34 refused (stricter than us: vendor status, seq 0, ...)
  theirs_misparsed,  // libsmpp34 read a TLV by its own table, not the wire
  agreed,            // both decoded, every field equal
  disagreed,         // both decoded, some field differs: a bug on one side
};

struct comparison {
  verdict result = verdict::ours_refused;
  pdu ours;
  pdu theirs;
};

// Both decode `frame`; equal fields if both accept.
inline comparison compare_decoders(std::span<const std::uint8_t> frame) {
  comparison c;
  if (decode(frame, c.ours)) return c;
  if (tlv_count(c.ours) > max_oracle_tlvs) {
    c.result = verdict::too_many_tlvs;
    return c;
  }
  auto theirs = smpp34_decode(frame);
  c.theirs = theirs.value;
  switch (theirs.result) {
    case oracle_result::rejected:
      c.result = verdict::theirs_rejected;
      break;
    case oracle_result::misparsed:
      c.result = verdict::theirs_misparsed;
      break;
    case oracle_result::decoded:
      c.result = c.theirs == c.ours ? verdict::agreed : verdict::disagreed;
      break;
  }
  return c;
}

// We encode `p`; libsmpp34 must read back the same values.
inline comparison compare_encoding(const pdu& p) {
  std::vector<std::uint8_t> wire;
  comparison c;
  c.ours = p;
  if (encode(p, wire)) return c;
  auto back = compare_decoders(wire);
  back.ours = p;
  if (back.result == verdict::agreed || back.result == verdict::disagreed) {
    back.result = back.theirs == p ? verdict::agreed : verdict::disagreed;
  }
  return back;
}

}  // namespace lapord::smpp::test
