#pragma once
// Phone numbers as the carriers hand them over (SMPP source_addr with its TON/NPI), turned into
// E.164 so that one reporter is one key whatever the carrier's habit, and masked for logs.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lapord::lapor {

// SMPP 3.4 type of number (addr_ton).
enum class ton : std::uint8_t {
  unknown = 0,
  international = 1,
  national = 2,
  network_specific = 3,
  subscriber = 4,
  alphanumeric = 5,
  abbreviated = 6,
};

enum class address_kind : std::uint8_t {
  phone,         // a subscriber number, value is E.164 with '+' ("+6281234567890")
  short_code,    // a service number (3 to 6 digits, e.g. "1708"), value is the digits
  alphanumeric,  // a sender name ("TELKOMSEL", TON 5): never a reporter, never answered
  invalid,       // empty, too long, or not a number although the TON says it is one
};

struct address {
  address_kind kind = address_kind::invalid;
  std::string value;  // see address_kind; for alphanumeric the text as given
};

// Classifies and normalises a carrier address. `country_code` is the deployment's own
// (Indonesia: "62"), used for national numbers ("0812...", TON 2) and bare mobile numbers.
// Spaces, dashes, dots and parentheses inside a number are ignored.
[[nodiscard]] address classify_address(std::string_view addr, std::uint8_t ton_value,
                                       std::uint8_t npi_value = 1,
                                       std::string_view country_code = "62");

// E.164 of a subscriber number, or nullopt when the address is no phone (short code,
// alphanumeric, invalid). TON unknown guesses from the digits: '+'/"00" international, "0"
// national, "62..." international, "8..." a national number without its trunk 0.
[[nodiscard]] std::optional<std::string> to_e164(std::string_view addr, std::uint8_t ton_value = 0,
                                                 std::uint8_t npi_value = 1,
                                                 std::string_view country_code = "62");

// For logs, any address whatever its form: "+6281234567890" -> "+62812****7890" (country code
// and 3 digits, then the last 4), "081234567890" -> "0812****7890". Numbers too short to hide 3
// digits that way keep their first 2 and last 2 digits; short codes (up to 5 digits) are
// public service numbers and are returned as they are; a name without digits ("TELKOMSEL") is
// returned as is. Anything else ("6281234500022#", "tel:+62...", digits split by '/' or ':',
// a name with digits): its longest number is masked by the same rule and every other digit
// becomes '*'. Control characters and bytes over 0x7e become '?' so a log line stays one
// valid line; past 40 characters the result is cut and ends "...(LENGTH)".
[[nodiscard]] std::string mask_msisdn(std::string_view number);

// The same, without allocating: appended to `out`, or held in a masked_msisdn of its own (for
// a log call: `log->info("... {}", lapor::masked_msisdn(number).view())`). Log lines are
// written for every MO; the masked number was two allocations per call and more.
void append_masked_msisdn(std::string& out, std::string_view number);

class masked_msisdn {
 public:
  explicit masked_msisdn(std::string_view number);
  [[nodiscard]] std::string_view view() const noexcept { return {buf_, size_}; }

 private:
  char buf_[64];  // at most 40 characters, or 32 + "...(" + a length + ")"
  std::size_t size_ = 0;
};

// For a free text that may quote an address (a database server's notice, "Key
// (reporter)=(+6281234567890) ..."): every run of 7 or more digits (with a '+' right before
// it) is masked by mask_msisdn; shorter numbers (ports, process ids, counts) and everything
// else stay, control characters become '?'.
[[nodiscard]] std::string mask_numbers_in_text(std::string_view text);

}  // namespace lapord::lapor
