#include "lapord/net/http/complaint_event.hpp"

#include <array>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace lapord::net::http {
namespace {

constexpr std::array<std::string_view, 6> status_names = {"received",  "verified", "dispatched",
                                                          "responded", "closed",   "rejected"};

event_error fail(std::string code, std::string message) {
  return event_error{std::move(code), std::move(message)};
}

// An optional string field: absent or null -> nullopt; a string within `limit` -> it; else an
// error in `error`.
std::optional<std::string> optional_text(const boost::json::object& o, std::string_view key,
                                         std::size_t limit, std::optional<event_error>& error) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    error = fail("invalid_field", std::string(key) + " must be a string or null");
    return std::nullopt;
  }
  if (v->as_string().size() > limit) {
    error = fail("invalid_field",
                 std::string(key) + " is longer than " + std::to_string(limit) + " bytes");
    return std::nullopt;
  }
  return std::string(v->as_string());
}

}  // namespace

std::string_view to_string(complaint_status s) {
  return status_names.at(static_cast<std::size_t>(s));
}

std::optional<complaint_status> complaint_status_from(std::string_view s) {
  for (std::size_t i = 0; i < status_names.size(); ++i) {
    if (status_names[i] == s) return static_cast<complaint_status>(i);
  }
  return std::nullopt;
}

std::variant<complaint_event, event_error> parse_complaint_event(std::string_view body) {
  if (body.size() > event_body_limit) {
    return fail("body_too_large",
                "the body is larger than " + std::to_string(event_body_limit) + " bytes");
  }
  boost::system::error_code ec;
  // The parser also refuses invalid UTF-8 inside strings.
  const boost::json::value v = boost::json::parse(body, ec);
  if (ec) return fail("malformed_json", "the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return fail("malformed_json", "the body must be a JSON object");
  const auto& o = v.as_object();
  for (const auto& field : o) {
    const auto key = field.key();
    if (key != "status" && key != "at" && key != "institution" && key != "message") {
      return fail("unknown_field", "unknown field \"" + std::string(key.substr(0, 64)) + "\"");
    }
  }
  complaint_event e;
  const auto* status = o.if_contains("status");
  if (status == nullptr) return fail("missing_field", "status is required");
  if (!status->is_string()) return fail("invalid_field", "status must be a string");
  const auto parsed_status = complaint_status_from(status->as_string());
  if (!parsed_status) {
    return fail("unknown_status",
                "status must be one of received, verified, dispatched, responded, closed, "
                "rejected");
  }
  e.status = *parsed_status;
  const auto* at = o.if_contains("at");
  if (at == nullptr) return fail("missing_field", "at is required");
  if (!at->is_string()) return fail("invalid_field", "at must be an RFC 3339 time string");
  const auto when = parse_rfc3339(at->as_string());
  if (!when) {
    return fail("invalid_field", "at must be an RFC 3339 time such as 2026-11-30T08:00:00Z");
  }
  e.at = *when;
  e.at_text = format_rfc3339(*when);
  std::optional<event_error> error;
  e.institution = optional_text(o, "institution", event_institution_limit, error);
  if (error) return *error;
  e.message = optional_text(o, "message", event_message_limit, error);
  if (error) return *error;
  return e;
}

}  // namespace lapord::net::http
