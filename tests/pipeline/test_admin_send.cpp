// The admin API's test SMS (POST /admin/v1/send) against a scripted carrier: segments and
// message ids, every refusal, and the deadline when the carrier never answers (fired by the
// test, no clock).
#include <doctest/doctest.h>

#include <future>

#include "pipeline/admin_fixture.hpp"

using namespace lapord;
using namespace lapord::app;
using namespace lapord::app::admin_test;
using namespace std::chrono_literals;

TEST_CASE("admin send: a test SMS in segments through the carrier - the message ids") {
  admin_under_test t;
  auto a = t.ask(
      "POST", "/admin/v1/send",
      R"({"carrier":"tsel","to":"0812-3456-7890","text":")" + std::string(200, 'a') + R"("})");
  REQUIRE(a.status == 200);
  CHECK(a.body.at("segments") == 2);
  CHECK(a.body.at("message_ids") == json::parse(R"(["msg-1","msg-2"])"));
  CHECK(a.body.at("to") == "+62812****7890");
  CHECK(a.body.at("from") == "1708");
  auto sent = t.carrier.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].first == "tsel");
  CHECK(sent[0].second.destination_addr == "6281234567890");
  CHECK(sent[0].second.source_addr == "1708");
  CHECK(sent[0].second.esm_class == 0x40);  // UDH: concatenated
  CHECK(sent[0].second.registered_delivery == 0);
  const std::string log = t.log_text.str();
  CHECK(log.find("test SMS via tsel to +62812****7890: 2 segment(s) accepted") !=
        std::string::npos);
  CHECK(log.find("81234567890") == std::string::npos);

  auto from = t.ask("POST", "/admin/v1/send",
                    R"({"carrier":"tsel","to":"+6281234567890","text":"tes","from":"LAPOR"})");
  REQUIRE(from.status == 200);
  CHECK(t.carrier.sent().back().second.source_addr == "LAPOR");
}

TEST_CASE("admin send: refused by the carrier, unknown or unbound carrier, bad body") {
  admin_under_test t;
  t.carrier.answer = scripted_carrier::mode::refuse_second;
  auto refused = t.ask(
      "POST", "/admin/v1/send",
      R"({"carrier":"tsel","to":"+6281234567890","text":")" + std::string(200, 'b') + R"("})");
  CHECK(refused.status == 502);
  CHECK(refused.error() == "carrier_refused");
  CHECK(refused.message() == "carrier tsel refused segment 2 of 2: ESME_RINVDSTADR");

  auto unknown =
      t.ask("POST", "/admin/v1/send", R"({"carrier":"xl","to":"+6281234567890","text":"t"})");
  CHECK(unknown.status == 400);
  CHECK(unknown.error() == "unknown_carrier");
  CHECK(unknown.message() == "no carrier named xl (configured: tsel, isat)");
  auto unbound =
      t.ask("POST", "/admin/v1/send", R"({"carrier":"isat","to":"+6281234567890","text":"t"})");
  CHECK(unbound.status == 503);  // its receiver is bound, its transmitter is not
  CHECK(unbound.error() == "carrier_unbound");
  const std::size_t before = t.carrier.sent().size();

  for (auto [body, words] :
       {std::pair<const char*, const char*>{"", "one JSON object"},
        {R"({"carrier":"tsel","text":"t"})", "to: missing"},
        {R"({"carrier":"tsel","to":"1708","text":"t"})", "to: not a phone"},
        {R"({"carrier":"tsel","to":"+6281234567890","text":""})", "text"},
        {R"({"carrier":"tsel","to":"+6281234567890","text":"t","x":"1"})", "unknown member 'x'"},
        {R"({"carrier":"tsel","to":"+6281234567890","text":5})", "text: must be a string"},
        {R"({"carrier":"tsel","to":"+6281234567890","text":"t","from":"1 7"})", "from"}}) {
    INFO(body);
    auto a = t.ask("POST", "/admin/v1/send", body);
    CHECK(a.status == 400);
    CHECK(a.message().find(words) != std::string::npos);
  }
  CHECK(t.carrier.sent().size() == before);
}

TEST_CASE("admin send: no answer from the carrier in time is a 504, not a hang") {
  admin_under_test t(200ms, true);
  t.carrier.answer = scripted_carrier::mode::silent;
  auto pending = t.ask_later("POST", "/admin/v1/send",
                             R"({"carrier":"tsel","to":"+6281234567890","text":"t"})");
  auto asked = t.asked_deadline.get_future();
  REQUIRE(asked.wait_for(10s) == std::future_status::ready);
  auto deadline = asked.get();
  CHECK(deadline.timeout == 200ms);
  // Nothing answers the operator before the deadline passes.
  CHECK(pending.wait_for(0s) == std::future_status::timeout);
  deadline.give_up();
  auto a = admin_under_test::read(std::move(pending));
  CHECK(a.status == 504);
  CHECK(a.error() == "no_answer");
  CHECK(a.message() == "no answer from carrier tsel within 200 ms; the message may still be sent");
  // The API still answers afterwards.
  CHECK(t.ask("GET", "/admin/v1/status").status == 200);
}
