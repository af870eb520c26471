#pragma once
// How an MO step is cut into parts (parts.cpp); build_parts itself is declared in script.hpp.
// parse_script uses these to refuse a message of more than 255 parts when it reads the script.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "script.hpp"

namespace lapord::smsc_sim {

// Octets per part for (split mode, data_coding); 0 for modes that do not split.
std::size_t part_capacity(split_mode mode, std::uint8_t data_coding);

// Cuts the encoded message into parts of at most `cap` octets without breaking a GSM escape
// pair or a UTF-16 surrogate pair.
std::vector<std::string> cut(const std::string& octets, std::size_t cap, std::uint8_t data_coding);

}  // namespace lapord::smsc_sim
