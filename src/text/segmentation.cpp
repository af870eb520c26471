#include "lapord/text/segmentation.hpp"

#include <span>

#include "lapord/text/gsm7.hpp"
#include "lapord/text/udh.hpp"
#include "lapord/text/utf8.hpp"

namespace lapord::text {
namespace {

constexpr std::uint8_t ucs2_data_coding = 0x08;
constexpr std::size_t short_message_octets = 140;
constexpr std::size_t concat_udh_octets = 6;
constexpr std::size_t max_segments = 255;
constexpr std::uint8_t carriage_return = 0x0D;

// The text as code (septets or UTF-16BE octets) and its length in septets or UTF-16 units. An
// ESC pair (2 septets) or a surrogate pair (2 UTF-16 units) is one unit that must stay
// together: see unit_end.
struct text_units {
  alphabet used = alphabet::gsm7;
  bool replaced = false;
  std::vector<std::uint8_t> code;  // septets (gsm7) or UTF-16BE octets (ucs2)
  std::size_t length = 0;          // septets or UTF-16 units
};

// The end of the unit that begins at `at` (in septets or UTF-16 units). Read from the code
// itself: gsm_septets_of writes ESC only in front of its septet, and next_code_point yields no
// lone surrogates, so a high surrogate always begins a pair.
std::size_t unit_end(const text_units& text, std::size_t at) {
  if (text.used == alphabet::gsm7) return at + (text.code[at] == gsm_escape ? 2 : 1);
  return at + ((text.code[2 * at] & 0xFC) == 0xD8 ? 2 : 1);
}

text_units to_units(std::string_view utf8) {
  text_units text;
  if (auto septets = gsm_septets_of(utf8)) {
    text.code = std::move(*septets);
    text.length = text.code.size();
    return text;
  }
  text.used = alphabet::ucs2;
  text.code.reserve(utf8.size() * 2);
  for (std::size_t pos = 0; pos < utf8.size();) {
    const char32_t cp = next_code_point(utf8, pos, &text.replaced);
    auto put_unit = [&](char32_t value) {
      text.code.push_back(static_cast<std::uint8_t>(value >> 8));
      text.code.push_back(static_cast<std::uint8_t>(value & 0xFF));
    };
    if (cp >= 0x10000) {
      put_unit(0xD800 + ((cp - 0x10000) >> 10));
      put_unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
      text.length += 2;
    } else {
      put_unit(cp);
      text.length += 1;
    }
  }
  return text;
}

// Octets a run of septets takes in a short_message after a header of `udh` octets, counting
// the extra CR pack_septets adds when the text ends with CR on an octet boundary.
std::size_t gsm_octets(std::span<const std::uint8_t> septets, bool packed, std::size_t udh) {
  if (!packed) return udh + septets.size();
  std::size_t bits = gsm_fill_bits(udh) + 7 * septets.size();
  if (!septets.empty() && bits % 8 == 0 && septets.back() == carriage_return) bits += 7;
  return udh + (bits + 7) / 8;
}

std::vector<std::uint8_t> payload_of(const text_units& text, std::size_t begin, std::size_t end,
                                     bool packed, std::size_t udh) {
  if (text.used == alphabet::ucs2) {
    return {text.code.begin() + static_cast<std::ptrdiff_t>(begin * 2),
            text.code.begin() + static_cast<std::ptrdiff_t>(end * 2)};
  }
  std::span<const std::uint8_t> septets(text.code.data() + begin, end - begin);
  if (packed) return pack_septets(septets, gsm_fill_bits(udh));
  return {septets.begin(), septets.end()};
}

// Splits into [begin, end) ranges of at most `limit` (septets or UTF-16 units), at unit edges;
// packed 7-bit parts must also fit 140 octets with their UDH.
std::vector<std::pair<std::size_t, std::size_t>> split(const text_units& text, std::size_t limit,
                                                       bool packed) {
  auto fits = [&](std::size_t begin, std::size_t end) {
    if (end - begin > limit) return false;
    if (!packed) return true;
    const std::span<const std::uint8_t> septets(text.code.data() + begin, end - begin);
    return gsm_octets(septets, true, concat_udh_octets) <= short_message_octets;
  };
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  std::size_t begin = 0;
  while (begin < text.length) {
    std::size_t end = begin;
    while (end < text.length && fits(begin, unit_end(text, end)))
      end = unit_end(text, end);
    if (end == begin) end = unit_end(text, begin);  // cannot happen with limits >= 2
    ranges.emplace_back(begin, end);
    begin = end;
  }
  if (ranges.empty()) ranges.emplace_back(0, 0);
  return ranges;
}

}  // namespace

encoded_mt encode_mt(std::string_view utf8, const encode_options& options) {
  encoded_mt result;
  const text_units text = to_units(utf8);
  result.used = text.used;
  result.replaced = text.replaced;
  const bool gsm = text.used == alphabet::gsm7;
  const bool packed = gsm && options.gsm_packed;
  const std::uint8_t data_coding = gsm ? options.gsm_data_coding : ucs2_data_coding;

  if (options.method == concat_method::message_payload) {
    auto bytes = payload_of(text, 0, text.length, packed, 0);
    if (bytes.size() > max_message_payload_octets) {
      result.too_long = true;
      return result;
    }
    result.segments.push_back({data_coding, 0, std::move(bytes), std::nullopt});
    return result;
  }

  const bool fits_one = gsm ? gsm_octets(text.code, packed, 0) <=
                                  (packed ? short_message_octets : gsm_single_segment_septets)
                            : text.length <= ucs2_single_segment_units;
  if (fits_one) {
    result.segments.push_back(
        {data_coding, 0, payload_of(text, 0, text.length, packed, 0), std::nullopt});
    return result;
  }

  const auto ranges =
      split(text, gsm ? gsm_concat_segment_septets : ucs2_concat_segment_units, packed);
  if (ranges.size() > max_segments) {
    result.too_long = true;
    return result;
  }
  const auto total = static_cast<std::uint8_t>(ranges.size());
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const auto sequence = static_cast<std::uint8_t>(i + 1);
    mt_segment segment;
    segment.data_coding = data_coding;
    if (options.method == concat_method::udh) {
      segment.esm_class = esm_class_udhi;
      segment.bytes = {0x05,  0x00,    0x03, static_cast<std::uint8_t>(options.reference & 0xFF),
                       total, sequence};
      const auto payload =
          payload_of(text, ranges[i].first, ranges[i].second, packed, concat_udh_octets);
      segment.bytes.insert(segment.bytes.end(), payload.begin(), payload.end());
    } else {
      // The SMSC adds the UDH on the air, so the segments keep the same sizes.
      segment.bytes = payload_of(text, ranges[i].first, ranges[i].second, packed, 0);
      segment.sar = sar_fields{options.reference, total, sequence};
    }
    result.segments.push_back(std::move(segment));
  }
  return result;
}

sms_size measure(std::string_view utf8) {
  const text_units text = to_units(utf8);
  sms_size size;
  size.used = text.used;
  size.units = text.length;
  const bool gsm = text.used == alphabet::gsm7;
  const std::size_t single = gsm ? gsm_single_segment_septets : ucs2_single_segment_units;
  if (text.length > single) {
    size.segments =
        split(text, gsm ? gsm_concat_segment_septets : ucs2_concat_segment_units, false).size();
  }
  return size;
}

}  // namespace lapord::text
