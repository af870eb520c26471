#pragma once
// RFC 3339 timestamps as they cross the store API ("2026-11-28T01:02:03Z"), and the HTTP-date
// of a Retry-After header. Pure functions over text; no clock is read here.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lapord::net::http {

using utc_instant = std::chrono::sys_time<std::chrono::milliseconds>;

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" (T/t, Z/z accepted; a second of 60
// is refused) into UTC. Fractions beyond milliseconds are truncated. nullopt when malformed.
[[nodiscard]] std::optional<utc_instant> parse_rfc3339(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ", or "YYYY-MM-DDTHH:MM:SS.mmmZ" when there are milliseconds.
[[nodiscard]] std::string format_rfc3339(utc_instant t);

// An HTTP-date (RFC 9110 5.6.7): IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", and the obsolete
// RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994" forms.
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text);

}  // namespace lapord::net::http
