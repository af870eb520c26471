#pragma once
// Message text as SMPP carries it (message_text.cpp): UTF-8 to and from the simple data_codings,
// and the hex the records and scripts use for raw octets. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lapord::smsc_sim {

// Encodes UTF-8 text for a data_coding (0 GSM unpacked, 1 IA5, 3 Latin-1, 8 UCS-2); nullopt with
// `error` set when the coding cannot carry it.
std::optional<std::string> encode_text(std::string_view utf8, std::uint8_t data_coding,
                                       std::string& error);

// The text of `octets` in `data_coding` as UTF-8, when the coding is one of the simple ones.
std::optional<std::string> decode_text(std::string_view octets, std::uint8_t data_coding);

std::string to_hex(std::string_view octets);
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace lapord::smsc_sim
