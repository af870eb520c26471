// The one filing rule (service::apply_filing_rule) that SMS (service::decide) and USSD
// (ussd::engine::complaint_decision) both apply once the store has answered: every case of
// duplicate x hourly limit, what it leaves to the caller, and the two channels agreeing.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "lapor/fixture.hpp"

using namespace lapord::lapor;
using lapord::lapor::testing::real_service;

namespace {

// A complaint decision as a channel has it before the rule: its own acknowledgement set.
decision filing() {
  decision d;
  d.kind = decision_kind::complaint;
  d.reporter = "+6281234567890";
  d.text = "jalan rusak dekat pasar";
  d.reply_template = "ack_national";
  d.params = {{"number", "1708"}};
  d.reason = "national";
  return d;
}

complaint_facts facts(std::optional<std::string> duplicate, unsigned last_hour, bool told) {
  complaint_facts f;
  f.duplicate_ref = std::move(duplicate);
  f.complaints_last_hour = last_hour;
  f.told_rate_limit_within_hour = told;
  return f;
}

}  // namespace

TEST_CASE("filing rule: under the limit and new: filed, forwarded, the caller's ack kept") {
  decision d = filing();
  CHECK(real_service().apply_filing_rule(d, facts(std::nullopt, 9, false), "1708"));
  CHECK(d.create_complaint);
  CHECK(d.forward);
  CHECK(d.reply_template == "ack_national");
  CHECK(d.reason == "national");
  CHECK(d.ref.empty());
}

TEST_CASE("filing rule: a duplicate is answered with the first ref and not filed") {
  decision d = filing();
  CHECK_FALSE(real_service().apply_filing_rule(d, facts("48219375", 0, false), "1708"));
  CHECK_FALSE(d.create_complaint);
  CHECK_FALSE(d.forward);
  CHECK(d.ref == "48219375");
  CHECK(d.reason == "duplicate");
  CHECK(d.reply_template == "duplicate");
  CHECK(d.reply.find("48219375") != std::string::npos);
}

TEST_CASE("filing rule: over the hourly limit: filed, held, told once an hour") {
  const unsigned limit = real_service().options().hourly_limit;
  decision told = filing();
  CHECK_FALSE(real_service().apply_filing_rule(told, facts(std::nullopt, limit, false), "1708"));
  CHECK(told.create_complaint);
  CHECK_FALSE(told.forward);
  CHECK(told.reason == "rate_limited_told");
  CHECK(told.reply_template == "rate_limited");
  CHECK(told.reply.find(std::to_string(limit)) != std::string::npos);

  decision silent = filing();
  CHECK_FALSE(real_service().apply_filing_rule(silent, facts(std::nullopt, limit, true), "1708"));
  CHECK(silent.create_complaint);
  CHECK_FALSE(silent.forward);
  CHECK(silent.reason == "rate_limited");
  CHECK(silent.reply_template.empty());  // the caller's ack is gone too
  CHECK(silent.params.empty());
  CHECK(silent.reply.empty());
}

TEST_CASE("filing rule: a duplicate over the limit gets the limit's answer, or none") {
  const unsigned limit = real_service().options().hourly_limit;
  decision d = filing();
  CHECK_FALSE(real_service().apply_filing_rule(d, facts("48219375", limit, false), "1708"));
  CHECK_FALSE(d.create_complaint);
  CHECK(d.reason == "duplicate");
  CHECK(d.reply_template == "rate_limited");
  decision quiet = filing();
  CHECK_FALSE(real_service().apply_filing_rule(quiet, facts("48219375", limit, true), "1708"));
  CHECK(quiet.reply.empty());
  CHECK(quiet.reply_template.empty());
}

TEST_CASE("filing rule: SMS decide gives what the rule gives, case by case") {
  inbound in;
  in.from = "081234567890";
  in.from_ton = 2;
  in.to = "1708";
  in.text = "jalan rusak dekat pasar";
  const unsigned limit = real_service().options().hourly_limit;
  for (const auto& f : {facts(std::nullopt, 0, false), facts("48219375", 0, false),
                        facts(std::nullopt, limit, false), facts(std::nullopt, limit, true),
                        facts("48219375", limit, false), facts("48219375", limit, true)}) {
    store_facts sf;
    sf.complaint = f;
    const decision by_sms = real_service().decide(in, sf);
    decision by_rule = filing();
    const bool filed = real_service().apply_filing_rule(by_rule, f, "1708");
    CHECK(by_sms.create_complaint == by_rule.create_complaint);
    CHECK(by_sms.forward == by_rule.forward);
    CHECK(by_sms.ref == by_rule.ref);
    if (!filed) {
      CHECK(by_sms.reason == by_rule.reason);
      CHECK(by_sms.reply == by_rule.reply);
      CHECK(by_sms.reply_template == by_rule.reply_template);
    }
  }
}
