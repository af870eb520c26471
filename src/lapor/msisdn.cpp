#include "lapord/lapor/msisdn.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace lapord::lapor {
namespace {

constexpr std::size_t max_e164_digits = 15;
constexpr std::size_t max_short_code_digits = 6;
// Indonesian mobile numbers have 9 to 12 digits after the country code; anything under 8 after
// it cannot be a subscriber.
constexpr std::size_t min_subscriber_digits = 8;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Digits of a number as typed by a carrier: '+' only in front (reported in `plus`), common
// grouping marks ignored; nullopt when anything else is in it. Into `buf`, at least as long as
// `s`, without allocating: log masking runs it on every MO.
std::optional<std::string_view> digits_in(std::string_view s, bool& plus, char* buf) {
  plus = false;
  std::size_t n = 0;
  for (char c : s) {
    if (is_digit(c)) {
      buf[n++] = c;
    } else if (c == '+' && n == 0 && !plus) {
      plus = true;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return std::nullopt;
    }
  }
  return std::string_view(buf, n);
}

// The same, into a string of its own.
std::optional<std::string> digits_of(std::string_view s, bool& plus) {
  std::string out(s.size(), '\0');
  auto d = digits_in(s, plus, out.data());
  if (!d) return std::nullopt;
  out.resize(d->size());
  return out;
}

address phone_or_invalid(std::string digits_with_cc) {
  if (digits_with_cc.size() > max_e164_digits || digits_with_cc.size() < min_subscriber_digits ||
      digits_with_cc[0] == '0') {
    return {address_kind::invalid, std::move(digits_with_cc)};
  }
  return {address_kind::phone, "+" + digits_with_cc};
}

address national(std::string_view digits, std::string_view cc) {
  std::string_view nsn = digits;
  if (!nsn.empty() && nsn[0] == '0') nsn.remove_prefix(1);
  if (nsn.empty() || nsn[0] == '0') return {address_kind::invalid, std::string(digits)};
  return phone_or_invalid(std::string(cc) + std::string(nsn));
}

address international(std::string_view digits, std::string_view cc) {
  if (digits.starts_with("00")) digits.remove_prefix(2);
  // A "0812..." labelled international is a carrier's mistake that is common enough to honour.
  else if (digits.starts_with("0"))
    return national(digits, cc);
  return phone_or_invalid(std::string(digits));
}

// The two-digit ITU country codes, indexed by their value (20 -> true): a look-up for each
// masked number (two per MO in the access log), not a walk through the list.
constexpr std::array<bool, 100> two_digit_codes = [] {
  std::array<bool, 100> t{};
  for (int code :
       {20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54,
        55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98}) {
    t[static_cast<std::size_t>(code)] = true;
  }
  return t;
}();

// Length of the ITU country code in front of an international number (1 to 3 digits). `d` is
// digits only (digits_in).
std::size_t country_code_length(std::string_view d) {
  if (d.empty()) return 0;
  if (d[0] == '1' || d[0] == '7') return 1;
  if (d.size() < 2) return d.size();
  if (is_digit(d[0]) && is_digit(d[1]) &&
      two_digit_codes[static_cast<std::size_t>((d[0] - '0') * 10 + (d[1] - '0'))]) {
    return 2;
  }
  return std::min<std::size_t>(3, d.size());
}

}  // namespace

address classify_address(std::string_view addr, std::uint8_t ton_value, std::uint8_t npi_value,
                         std::string_view country_code) {
  (void)npi_value;  // NPI 1 (E.164) is all Indonesian carriers send; others are read the same.
  if (ton_value == static_cast<std::uint8_t>(ton::alphanumeric)) {
    return {address_kind::alphanumeric, std::string(addr)};
  }
  bool plus = false;
  auto digits = digits_of(addr, plus);
  if (!digits) {
    // Letters where a number should be: some carriers send sender names with TON 0.
    bool has_letter = std::any_of(addr.begin(), addr.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    });
    if (has_letter && ton_value == static_cast<std::uint8_t>(ton::unknown)) {
      return {address_kind::alphanumeric, std::string(addr)};
    }
    return {address_kind::invalid, std::string(addr)};
  }
  if (digits->empty()) return {address_kind::invalid, std::string(addr)};
  if (!plus && digits->size() <= max_short_code_digits) {
    return {address_kind::short_code, *digits};
  }
  if (plus) return international(*digits, country_code);
  switch (static_cast<ton>(ton_value)) {
    case ton::international:
      return international(*digits, country_code);
    case ton::national:
      // A national number that already carries the country code and a mobile prefix: the
      // carrier labelled an international number national.
      if (digits->starts_with(country_code) && digits->size() > country_code.size() &&
          (*digits)[country_code.size()] == '8') {
        return phone_or_invalid(*digits);
      }
      return national(*digits, country_code);
    default:
      break;
  }
  if (digits->starts_with("00")) return international(*digits, country_code);
  if (digits->starts_with("0")) return national(*digits, country_code);
  if (digits->starts_with(country_code)) return phone_or_invalid(*digits);
  if ((*digits)[0] == '8') return national(*digits, country_code);
  return phone_or_invalid(*digits);
}

std::optional<std::string> to_e164(std::string_view addr, std::uint8_t ton_value,
                                   std::uint8_t npi_value, std::string_view country_code) {
  auto a = classify_address(addr, ton_value, npi_value, country_code);
  if (a.kind != address_kind::phone) return std::nullopt;
  return a.value;
}

namespace {

// A masked address being built, in a buffer of its own: an address is cut to 256 bytes before
// masking and no rule makes it longer by more than a few characters.
class mask_buffer {
 public:
  void push_back(char c) {
    if (size_ < sizeof buf_) buf_[size_++] = c;
  }
  void append(std::string_view s) {
    for (char c : s)
      push_back(c);
  }
  void append(std::size_t n, char c) {
    for (std::size_t i = 0; i < n; ++i)
      push_back(c);
  }
  std::string_view view() const { return {buf_, size_}; }

 private:
  char buf_[300];
  std::size_t size_ = 0;
};

constexpr std::size_t max_masked_input = 256;

// The number rule of mask_msisdn, on the digits of a number (with its '+').
void mask_number(mask_buffer& out, std::string_view clean, std::string_view d, bool plus) {
  if (!plus && d.size() <= 5) {  // a public short code
    out.append(clean);
    return;
  }
  std::size_t keep_front = 0;
  if (plus) {
    keep_front = country_code_length(d) + 3;
  } else if (d.starts_with("0")) {
    keep_front = 4;
  } else {
    keep_front = country_code_length(d) + 3;
  }
  constexpr std::size_t keep_back = 4;
  if (plus) out.push_back('+');
  if (d.size() < keep_front + keep_back + 3) {
    if (d.size() <= 4) {
      out.append(d.size(), '*');
      return;
    }
    out.append(d.substr(0, 2));
    out.append("****");
    out.append(d.substr(d.size() - 2));
    return;
  }
  out.append(d.substr(0, keep_front));
  out.append("****");
  out.append(d.substr(d.size() - keep_back));
}

bool in_number(char c) {
  return is_digit(c) || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

// An address that is not only a number ("6281234500022#", "tel:+62812...", "62812/345/...",
// a name with digits): the longest number in it is masked by the number rule, and every
// other digit becomes '*', so however the digits are split or decorated none of the
// subscriber's number is left whole. Letters and marks stay (they help the operator).
void mask_mixed(mask_buffer& out, std::string_view clean) {
  std::size_t total_digits = 0;
  for (char c : clean)
    total_digits += is_digit(c) ? 1 : 0;
  if (total_digits == 0) {  // a name ("TELKOMSEL"): no number to hide
    out.append(clean);
    return;
  }
  std::size_t best_at = 0, best_len = 0, best_digits = 0;
  for (std::size_t i = 0; i < clean.size();) {
    if (!is_digit(clean[i]) && clean[i] != '+') {
      ++i;
      continue;
    }
    std::size_t j = i + 1, digits = is_digit(clean[i]) ? 1 : 0;
    for (; j < clean.size() && in_number(clean[j]); ++j)
      digits += is_digit(clean[j]) ? 1 : 0;
    if (digits > best_digits) {
      best_at = i;
      best_len = j - i;
      best_digits = digits;
    }
    i = j;
  }
  char digit_buf[max_masked_input];
  for (std::size_t i = 0; i < clean.size(); ++i) {
    if (i == best_at && best_len > 0) {
      const std::string_view core = clean.substr(i, best_len);
      bool plus = false;
      auto d = digits_in(core, plus, digit_buf);
      // Alone, a short code may stay; inside a longer address its digits may be a number's part.
      if (d && (plus || d->size() > 5 || total_digits <= 5)) {
        mask_number(out, core, *d, plus);
      } else {
        out.append(best_len, '*');
      }
      i += best_len - 1;
    } else {
      out.push_back(is_digit(clean[i]) ? '*' : clean[i]);
    }
  }
}

}  // namespace

masked_msisdn::masked_msisdn(std::string_view number) {
  constexpr std::size_t max_shown = 40;  // a carrier address is at most 20; more is noise
  char clean_buf[max_masked_input];
  const std::size_t n = std::min(number.size(), max_masked_input);
  for (std::size_t i = 0; i < n; ++i) {
    const auto u = static_cast<unsigned char>(number[i]);
    // Control characters would break the line; bytes over 0x7f may not be UTF-8.
    clean_buf[i] = (u < 0x20 || u >= 0x7f) ? '?' : number[i];
  }
  const std::string_view clean(clean_buf, n);
  mask_buffer out;
  bool plus = false;
  char digit_buf[max_masked_input];
  if (auto digits = digits_in(clean, plus, digit_buf)) {
    mask_number(out, clean, *digits, plus);
  } else {
    mask_mixed(out, clean);
  }
  std::string_view m = out.view();
  if (number.size() > max_shown || m.size() > max_shown) {
    m = m.substr(0, max_shown - 8);
    std::copy(m.begin(), m.end(), buf_);
    char* p = buf_ + m.size();
    p = std::copy_n("...(", 4, p);
    p = std::to_chars(p, buf_ + sizeof buf_ - 1, number.size()).ptr;
    *p++ = ')';
    size_ = static_cast<std::size_t>(p - buf_);
    return;
  }
  std::copy(m.begin(), m.end(), buf_);
  size_ = m.size();
}

void append_masked_msisdn(std::string& out, std::string_view number) {
  out.append(masked_msisdn(number).view());
}

std::string mask_msisdn(std::string_view number) {
  return std::string(masked_msisdn(number).view());
}

std::string mask_numbers_in_text(std::string_view text) {
  constexpr std::size_t min_digits = 7;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const bool plus = text[i] == '+' && i + 1 < text.size() && is_digit(text[i + 1]);
    std::size_t j = plus ? i + 1 : i;
    while (j < text.size() && is_digit(text[j]))
      ++j;
    if (j - i - (plus ? 1 : 0) >= min_digits) {
      append_masked_msisdn(out, text.substr(i, j - i));
      i = j;
    } else if (j > i) {
      out.append(text.substr(i, j - i));
      i = j;
    } else {
      const auto u = static_cast<unsigned char>(text[i++]);
      out += u < 0x20 || u == 0x7f ? '?' : static_cast<char>(u);
    }
  }
  return out;
}

}  // namespace lapord::lapor
