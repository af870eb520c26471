#include "lapord/lapor/ussd/dialogue_state.hpp"

#include <charconv>
#include <cstdint>
#include <vector>

namespace lapord::lapor::ussd {
namespace {

constexpr std::string_view version = "u1";
constexpr char hex[] = "0123456789ABCDEF";

// Every octet outside '!'..'~' and '%' itself as %XX; never empty ("%" alone for ""), so that
// fields split on spaces.
void put_text(std::string& out, std::string_view text) {
  out += ' ';
  if (text.empty()) {
    out += '%';
    return;
  }
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c > ' ' && c < 0x7F && c != '%') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
}

void put_number(std::string& out, std::int64_t v) {
  out += ' ';
  out += std::to_string(v);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> get_text(std::string_view field) {
  if (field == "%") return std::string();
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '%') {
      out += field[i];
      continue;
    }
    if (i + 2 >= field.size()) return std::nullopt;
    const int hi = hex_value(field[i + 1]);
    const int lo = hex_value(field[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

template <typename T>
bool get_number(std::string_view field, T min, T max, T& out) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc{} || end != field.data() + field.size()) return false;
  if (v < static_cast<std::int64_t>(min) || v > static_cast<std::int64_t>(max)) return false;
  out = static_cast<T>(v);
  return true;
}

std::vector<std::string_view> split(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find(' ', start);
    out.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

constexpr std::size_t field_count = 18;  // the version, 14 numbers, 3 texts

}  // namespace

std::string encode(const dialogue_state& s) {
  const dialogue& d = s.state;
  const reply_context& c = s.context;
  std::string out(version);
  put_number(out, s.heard_at_ms);
  put_number(out, static_cast<std::int64_t>(d.at));
  put_number(out, d.institution);
  put_number(out, d.keyword);
  put_number(out, d.wrong);
  put_number(out, d.corrected ? 1 : 0);
  put_number(out, c.its_session_info);
  put_number(out, c.user_message_reference);
  put_number(out, c.has_its_session_info ? 1 : 0);
  put_number(out, c.has_user_message_reference ? 1 : 0);
  put_number(out, c.source_ton);
  put_number(out, c.source_npi);
  put_number(out, c.destination_ton);
  put_number(out, c.destination_npi);
  put_text(out, d.reporter);
  put_text(out, d.service_number);
  put_text(out, d.input);
  return out;
}

std::optional<dialogue_state> decode_state(std::string_view text) {
  const auto f = split(text);
  if (f.size() != field_count || f[0] != version) return std::nullopt;
  dialogue_state s;
  dialogue& d = s.state;
  reply_context& c = s.context;
  std::uint8_t at = 0;
  std::uint8_t corrected = 0;
  std::uint8_t has_info = 0;
  std::uint8_t has_ref = 0;
  const bool numbers_ok =
      get_number<std::int64_t>(f[1], 0, INT64_MAX, s.heard_at_ms) &&
      get_number<std::uint8_t>(f[2], 0, static_cast<std::uint8_t>(stage::ended), at) &&
      get_number<std::int32_t>(f[3], -1, INT32_MAX, d.institution) &&
      get_number<std::uint16_t>(f[4], 0, UINT16_MAX, d.keyword) &&
      get_number<std::uint8_t>(f[5], 0, UINT8_MAX, d.wrong) &&
      get_number<std::uint8_t>(f[6], 0, 1, corrected) &&
      get_number<std::uint16_t>(f[7], 0, UINT16_MAX, c.its_session_info) &&
      get_number<std::uint16_t>(f[8], 0, UINT16_MAX, c.user_message_reference) &&
      get_number<std::uint8_t>(f[9], 0, 1, has_info) &&
      get_number<std::uint8_t>(f[10], 0, 1, has_ref) &&
      get_number<std::uint8_t>(f[11], 0, UINT8_MAX, c.source_ton) &&
      get_number<std::uint8_t>(f[12], 0, UINT8_MAX, c.source_npi) &&
      get_number<std::uint8_t>(f[13], 0, UINT8_MAX, c.destination_ton) &&
      get_number<std::uint8_t>(f[14], 0, UINT8_MAX, c.destination_npi);
  if (!numbers_ok) return std::nullopt;
  auto reporter = get_text(f[15]);
  auto service_number = get_text(f[16]);
  auto input = get_text(f[17]);
  if (!reporter || !service_number || !input) return std::nullopt;
  d.at = static_cast<stage>(at);
  d.corrected = corrected != 0;
  c.has_its_session_info = has_info != 0;
  c.has_user_message_reference = has_ref != 0;
  d.reporter = std::move(*reporter);
  d.service_number = std::move(*service_number);
  d.input = std::move(*input);
  return s;
}

std::string store_key(std::string_view carrier, const session_key& key) {
  std::string out = "ussd";
  put_text(out, carrier);
  put_text(out, key.msisdn);
  put_number(out, key.id);
  return out;
}

}  // namespace lapord::lapor::ussd
