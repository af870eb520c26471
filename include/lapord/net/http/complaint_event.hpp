#pragma once
// One event the national store posts back (POST /v1/complaints/{ref}/events): strict
// validation of its JSON body. Pure.
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "lapord/net/http/timestamp.hpp"

namespace lapord::net::http {

enum class complaint_status { received, verified, dispatched, responded, closed, rejected };

[[nodiscard]] std::string_view to_string(complaint_status s);
[[nodiscard]] std::optional<complaint_status> complaint_status_from(std::string_view s);

struct complaint_event {
  complaint_status status = complaint_status::received;
  utc_instant at{};     // parsed from the RFC 3339 "at"
  std::string at_text;  // "at" normalised to UTC (format_rfc3339): the de-duplication key with
                        // ref and status, so "08:00:00+07:00" and "01:00:00Z" are one event
  std::optional<std::string> institution;  // absent, or null in the JSON
  std::optional<std::string> message;
};

// Limits on what the store may send; beyond them the event is refused with a 400.
inline constexpr std::size_t event_body_limit = 16 * 1024;   // bytes of the whole body
inline constexpr std::size_t event_institution_limit = 256;  // bytes
inline constexpr std::size_t event_message_limit = 4096;     // bytes

struct event_error {
  std::string code;     // machine-readable: "malformed_json", "unknown_status", ...
  std::string message;  // one line for a person
};

// Validates `body`: a JSON object with exactly the known fields: "status" (required, one of the
// six statuses), "at" (required, RFC 3339), "institution" and "message" (optional strings or
// null, valid UTF-8, within the limits). Unknown fields are refused ("unknown_field"): the
// contract is small and a field we would silently drop is one the store expects us to act on.
[[nodiscard]] std::variant<complaint_event, event_error> parse_complaint_event(
    std::string_view body);

}  // namespace lapord::net::http
