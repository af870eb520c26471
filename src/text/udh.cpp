#include "lapord/text/udh.hpp"

namespace lapord::text {
namespace {

constexpr std::uint8_t iei_concat_8bit = 0x00;
constexpr std::uint8_t iei_concat_16bit = 0x08;

bool usable(const concat_info& info) {
  return info.total >= 2 && info.sequence >= 1 && info.sequence <= info.total;
}

}  // namespace

user_data_header parse_udh(std::span<const std::uint8_t> short_message) {
  user_data_header header;
  if (short_message.empty()) {
    header.status = udh_status::truncated;
    return header;
  }
  const std::size_t length = std::size_t{short_message[0]} + 1;
  if (length > short_message.size()) {
    header.status = udh_status::truncated;
    return header;
  }
  header.length = length;
  header.status = udh_status::ok;
  std::size_t pos = 1;
  while (pos < length) {
    if (pos + 2 > length) {  // an IEI without its length octet
      header.status = udh_status::malformed;
      break;
    }
    const std::uint8_t iei = short_message[pos];
    const std::size_t ie_length = short_message[pos + 1];
    const std::size_t data = pos + 2;
    if (data + ie_length > length) {
      header.status = udh_status::malformed;
      break;
    }
    if (iei == iei_concat_8bit || iei == iei_concat_16bit) {
      const bool wide = iei == iei_concat_16bit;
      if (ie_length != (wide ? 4u : 3u)) {
        header.status = udh_status::malformed;
      } else {
        concat_info info;
        info.reference =
            wide ? static_cast<std::uint16_t>((short_message[data] << 8) | short_message[data + 1])
                 : short_message[data];
        info.total = short_message[data + (wide ? 2 : 1)];
        info.sequence = short_message[data + (wide ? 3 : 2)];
        if (usable(info)) {
          header.concat = info;
        } else {
          header.status = udh_status::malformed;
        }
      }
    }
    pos = data + ie_length;
  }
  return header;
}

std::optional<concat_info> concat_from_sar(std::optional<std::uint16_t> reference,
                                           std::optional<std::uint8_t> total,
                                           std::optional<std::uint8_t> sequence) {
  if (!reference || !total || !sequence) return std::nullopt;
  const concat_info info{*reference, *total, *sequence};
  if (!usable(info)) return std::nullopt;
  return info;
}

unsigned gsm_fill_bits(std::size_t udh_length) {
  return static_cast<unsigned>((7 - (udh_length * 8) % 7) % 7);
}

}  // namespace lapord::text
