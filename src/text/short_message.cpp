#include "lapord/text/short_message.hpp"

namespace lapord::text {

mo_text read_short_message(std::uint8_t esm_class, std::uint8_t data_coding,
                           std::span<const std::uint8_t> short_message,
                           const decode_options& options) {
  mo_text result;
  auto payload = short_message;
  unsigned fill_bits = 0;
  if (esm_class & esm_class_udhi) {
    const auto header = parse_udh(short_message);
    result.udh = header.status;
    result.concat = header.concat;
    payload = short_message.subspan(header.length);
    fill_bits = gsm_fill_bits(header.length);
  }
  auto decoded = decode_text(data_coding, payload, options, fill_bits);
  result.utf8 = std::move(decoded.utf8);
  result.replaced = decoded.replaced;
  result.used = decoded.used;
  return result;
}

mo_text read_mo_text(std::uint8_t esm_class, std::uint8_t data_coding,
                     std::string_view short_message,
                     std::optional<std::string_view> message_payload,
                     const decode_options& options) {
  const std::string_view octets =
      short_message.empty() && message_payload ? *message_payload : short_message;
  return read_short_message(esm_class, data_coding,
                            {reinterpret_cast<const std::uint8_t*>(octets.data()), octets.size()},
                            options);
}

}  // namespace lapord::text
