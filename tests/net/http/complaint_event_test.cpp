#include "lapord/net/http/complaint_event.hpp"

#include <doctest/doctest.h>

using namespace lapord::net::http;

namespace {
std::string error_code(std::string_view body) {
  auto r = parse_complaint_event(body);
  if (auto* e = std::get_if<event_error>(&r)) return e->code;
  return "ok";
}
}  // namespace

TEST_CASE("event: the spec's example") {
  auto r = parse_complaint_event(
      R"({ "status": "responded", "at": "2026-11-30T08:00:00Z",
           "institution": "Kabupaten Tangerang",
           "message": "Perbaikan jalan dijadwalkan minggu depan." })");
  REQUIRE(std::holds_alternative<complaint_event>(r));
  const auto& e = std::get<complaint_event>(r);
  CHECK(e.status == complaint_status::responded);
  CHECK(e.at_text == "2026-11-30T08:00:00Z");
  CHECK(e.institution == "Kabupaten Tangerang");
  CHECK(e.message == "Perbaikan jalan dijadwalkan minggu depan.");
}

TEST_CASE("event: every status, optional fields absent or null, at normalised to UTC") {
  for (const char* s : {"received", "verified", "dispatched", "responded", "closed", "rejected"}) {
    auto r = parse_complaint_event(std::string(R"({"status":")") + s +
                                   R"(","at":"2026-11-30T08:00:00+07:00","message":null})");
    REQUIRE(std::holds_alternative<complaint_event>(r));
    const auto& e = std::get<complaint_event>(r);
    CHECK(to_string(e.status) == s);
    CHECK(e.at_text == "2026-11-30T01:00:00Z");
    CHECK_FALSE(e.institution.has_value());
    CHECK_FALSE(e.message.has_value());
  }
}

TEST_CASE("event: each bad body gets its own clear error") {
  CHECK(error_code("") == "malformed_json");
  CHECK(error_code("{") == "malformed_json");
  CHECK(error_code(R"({"status":"closed","at":"2026-11-30T08:00:00Z"} x)") == "malformed_json");
  CHECK(error_code("[]") == "malformed_json");
  CHECK(error_code(R"("closed")") == "malformed_json");
  CHECK(
      error_code("{\"status\":\"closed\",\"at\":\"2026-11-30T08:00:00Z\",\"message\":\"\xff\"}") ==
      "malformed_json");  // invalid UTF-8
  CHECK(error_code(R"({"at":"2026-11-30T08:00:00Z"})") == "missing_field");
  CHECK(error_code(R"({"status":"closed"})") == "missing_field");
  CHECK(error_code(R"({"status":"done","at":"2026-11-30T08:00:00Z"})") == "unknown_status");
  CHECK(error_code(R"({"status":"CLOSED","at":"2026-11-30T08:00:00Z"})") == "unknown_status");
  CHECK(error_code(R"({"status":3,"at":"2026-11-30T08:00:00Z"})") == "invalid_field");
  CHECK(error_code(R"({"status":"closed","at":"30/11/2026"})") == "invalid_field");
  CHECK(error_code(R"({"status":"closed","at":1764489600})") == "invalid_field");
  CHECK(error_code(R"({"status":"closed","at":"2026-11-30T08:00:00Z","message":5})") ==
        "invalid_field");
  CHECK(error_code(R"({"status":"closed","at":"2026-11-30T08:00:00Z","institution":{}})") ==
        "invalid_field");
  CHECK(error_code(R"({"status":"closed","at":"2026-11-30T08:00:00Z","extra":1})") ==
        "unknown_field");
  const std::string long_message(event_message_limit + 1, 'a');
  CHECK(error_code(R"({"status":"closed","at":"2026-11-30T08:00:00Z","message":")" + long_message +
                   "\"}") == "invalid_field");
  const std::string huge(event_body_limit + 1, ' ');
  CHECK(error_code(huge) == "body_too_large");
}
