#pragma once
// libsmpp34 as a second opinion on our codec (tests and the smpp_diff fuzz target only). This
// header does not include libsmpp34: its headers stay in smpp34_oracle.cpp.

#include <cstdint>
#include <span>
#include <string>

#include "lapord/smpp/pdu.hpp"

namespace lapord::smpp::test {

struct oracle_result {
  enum outcome {
    rejected,   // smpp34_unpack failed (it is stricter than we are in several places)
    misparsed,  // it accepted, but read a TLV with a length its own table imposes, not the
                // wire's (a known libsmpp34 bug): its values cannot be compared
    decoded,    // `value` holds what libsmpp34 read, in our types
  };
  outcome result = rejected;
  pdu value;
  std::string trace;  // libsmpp34's smpp34_strerror after the unpack
};

// Unpacks one whole PDU with libsmpp34 (memory it leaks on failure is reclaimed) and converts
// its fields to our pdu type. `frame` must be a whole PDU with command_length == size; it is
// copied with NUL padding, since libsmpp34 runs strlen() over C-Octet Strings.
oracle_result smpp34_decode(std::span<const std::uint8_t> frame);

// How many TLVs a pdu carries (typed and other): libsmpp34 overflows a global with many.
std::size_t tlv_count(const pdu& p);

}  // namespace lapord::smpp::test
