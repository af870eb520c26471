#include "lapord/lapor/policy.hpp"

#include <array>

#include "lapord/lapor/words.hpp"

namespace lapord::lapor {

std::string_view to_string(sender_verdict v) {
  switch (v) {
    case sender_verdict::reporter:
      return "reporter";
    case sender_verdict::receipt:
      return "receipt";
    case sender_verdict::alphanumeric:
      return "alphanumeric_sender";
    case sender_verdict::service_number:
      return "service_number";
    case sender_verdict::invalid:
      return "invalid_sender";
  }
  return "invalid_sender";
}

sender_verdict classify_sender(const address& from, bool is_receipt,
                               std::span<const std::string> service_numbers,
                               std::string_view country_code) {
  if (is_receipt) return sender_verdict::receipt;
  if (from.kind == address_kind::alphanumeric) return sender_verdict::alphanumeric;
  if (from.kind == address_kind::invalid) return sender_verdict::invalid;
  for (auto& n : service_numbers) {
    auto ours = classify_address(n, 0, 1, country_code);
    if (ours.value == from.value) return sender_verdict::service_number;
  }
  // A short code that is not ours is another service (a bank, the carrier): not a reporter.
  if (from.kind == address_kind::short_code) return sender_verdict::service_number;
  return sender_verdict::reporter;
}

namespace {

// A byte of the key: ASCII white space (0 here) collapses, A-Z is lower-cased, every other byte
// is kept as it is. A byte over 0x7F is always kept, so a multi-byte character (or an invalid
// byte) comes out whole without being decoded: one look-up per byte of every complaint.
constexpr std::array<char, 256> key_bytes = [] {
  std::array<char, 256> t{};
  for (std::size_t u = 0; u < t.size(); ++u) {
    const bool space = u == ' ' || (u >= '\t' && u <= '\r');
    t[u] = space                    ? '\0'
           : (u >= 'A' && u <= 'Z') ? static_cast<char>(u - 'A' + 'a')
                                    : static_cast<char>(u);
  }
  return t;
}();

}  // namespace

std::string duplicate_key(std::string_view complaint_text) {
  // The key is never longer than the trimmed text (case kept in size, spaces only collapse):
  // written in place, then cut to size, one allocation at most.
  const std::string_view t = trim_space(complaint_text);
  std::string out(t.size(), '\0');
  char* o = out.data();
  bool space = false;
  for (const char c : t) {
    const char k = key_bytes[static_cast<unsigned char>(c)];
    if (k == '\0' && c != '\0') {
      space = true;
      continue;
    }
    if (space) *o++ = ' ';
    space = false;
    *o++ = k;
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  return out;
}

bool within_duplicate_window(std::chrono::seconds age, std::chrono::hours window) {
  return age >= std::chrono::seconds{0} && age < window;
}

rate_verdict rate_limit(unsigned complaints_last_hour, unsigned hourly_limit,
                        bool told_within_hour) {
  if (complaints_last_hour < hourly_limit) return rate_verdict::forward;
  return told_within_hour ? rate_verdict::hold_silent : rate_verdict::hold_tell;
}

}  // namespace lapord::lapor
