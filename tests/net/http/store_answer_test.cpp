#include "lapord/net/http/store_answer.hpp"

#include <doctest/doctest.h>

using namespace lapord::net::http;

namespace {
const auto now = std::chrono::system_clock::time_point{} + std::chrono::hours{500000};
}

TEST_CASE("store answer: 201 and 200 are taken, with the tracking id when there is one") {
  auto o = classify_store_answer(201, R"({"tracking_id":"LPR-2026-000123"})", std::nullopt, now);
  CHECK(o.verdict == forward_verdict::taken);
  CHECK(o.tracking_id == "LPR-2026-000123");
  o = classify_store_answer(200, R"({"tracking_id":98765})", std::nullopt, now);
  CHECK(o.verdict == forward_verdict::taken);
  CHECK(o.tracking_id == "98765");
  o = classify_store_answer(201, "", std::nullopt, now);
  CHECK(o.verdict == forward_verdict::taken);
  CHECK_FALSE(o.tracking_id.has_value());
  o = classify_store_answer(201, "<html>ok</html>", std::nullopt, now);
  CHECK(o.verdict == forward_verdict::taken);
  CHECK_FALSE(o.tracking_id.has_value());
  CHECK_FALSE(tracking_id_of(R"({"tracking_id":""})").has_value());
  CHECK_FALSE(tracking_id_of(R"({"tracking_id":null})").has_value());
  CHECK_FALSE(tracking_id_of(R"(["tracking_id"])").has_value());
}

TEST_CASE("store answer: 409 is success (taken before under this key)") {
  const auto o = classify_store_answer(409, R"({"error":"duplicate"})", std::nullopt, now);
  CHECK(o.verdict == forward_verdict::taken);
  CHECK(o.http_status == 409);
  CHECK_FALSE(is_store_failure(o));
}

TEST_CASE("store answer: other 4xx park the complaint with the answer kept") {
  for (unsigned status : {400U, 401U, 403U, 404U, 413U, 422U, 429U, 499U}) {
    CAPTURE(status);
    const auto o = classify_store_answer(status, R"({"error":"bad msisdn"})", "5", now);
    CHECK(o.verdict == forward_verdict::parked);
    CHECK(o.detail == R"({"error":"bad msisdn"})");
    CHECK(o.http_status == status);
    CHECK_FALSE(is_store_failure(o));
  }
  const std::string huge(100000, 'x');
  CHECK(classify_store_answer(400, huge, std::nullopt, now).detail.size() == kept_answer_limit);
}

TEST_CASE("store answer: 5xx and unexpected statuses are retried, Retry-After read") {
  auto o = classify_store_answer(503, "down for maintenance", "120", now);
  CHECK(o.verdict == forward_verdict::retry);
  CHECK(o.retry_after == std::chrono::seconds{120});
  CHECK(o.detail == "HTTP 503: down for maintenance");
  CHECK(is_store_failure(o));
  o = classify_store_answer(500, "", "garbage", now);
  CHECK(o.verdict == forward_verdict::retry);
  CHECK_FALSE(o.retry_after.has_value());
  CHECK(o.detail == "HTTP 500");
  for (unsigned status : {100U, 202U, 204U, 301U, 302U, 504U, 599U}) {
    CAPTURE(status);
    CHECK(classify_store_answer(status, "", std::nullopt, now).verdict == forward_verdict::retry);
  }
}

TEST_CASE("store answer: no answer at all is retried") {
  const auto o = classify_transport_failure("timeout");
  CHECK(o.verdict == forward_verdict::retry);
  CHECK(o.http_status == 0);
  CHECK(o.detail == "timeout");
  CHECK(is_store_failure(o));
}

TEST_CASE("store answer: the tracking id is what boost::json reads, for near misses too") {
  const std::string bodies[] = {
      R"({"tracking_id":"SIM-1"})",
      R"({"tracking_id":"LPR 2026/000123 ~!"})",
      R"({"tracking_id":"x"})",
      R"({"tracking_id":""})",
      R"({"tracking_id":"a"b"})",
      R"({"tracking_id":"a\"b"})",
      R"({"tracking_id":"a\\b"})",
      R"({"tracking_id":"\u0041"})",
      R"({"tracking_id":"a"},"x":"y"})",
      R"({"tracking_id":"a","tracking_id":"b"})",
      R"({"tracking_id":"a"} )",
      R"( {"tracking_id":"a"})",
      R"({"tracking_id": "a"})",
      R"({"tracking_id":"a"}})",
      R"({"tracking_id":"a"})"
      "\n",
      "{\"tracking_id\":\"a\tb\"}",
      "{\"tracking_id\":\"caf\xc3\xa9\"}",
      "{\"tracking_id\":\"bad\xc3\"}",
      "{\"tracking_id\":\"del\x7f\"}",
      R"({"tracking_id":12})",
      R"({"tracking_id":-12})",
      R"({"tracking_id":18446744073709551615})",
      R"({"tracking_id":1.5})",
      R"({"tracking_id":"})",
      R"({"tracking_id":"")",
      R"({"tracking_id":""})"
      R"("})",
      R"({"Tracking_id":"a"})",
  };
  for (const std::string& body : bodies) {
    CAPTURE(body);
    CHECK(tracking_id_of(body) == tracking_id_by_json(body));
  }
  CHECK(tracking_id_of(R"({"tracking_id":"SIM-1"})") == "SIM-1");
  CHECK(tracking_id_of(R"({"tracking_id":"a\"b"})") == "a\"b");
  CHECK_FALSE(tracking_id_of("{\"tracking_id\":\"bad\xc3\"}").has_value());
}
