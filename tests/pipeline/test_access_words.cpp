// The access log's kind and outcome for each committed MO outcome (docs/operations.md,
// "Access log").
#include <doctest/doctest.h>

#include "lapord/app/mo/mo_path.hpp"

using namespace lapord::app;
using lapord::lapor::decision_kind;

namespace {

ingest_outcome decided(decision_kind k, std::string reason = "") {
  ingest_outcome o;
  o.effect = ingest_effect::decided;
  o.decision = k;
  o.reason = std::move(reason);
  return o;
}

std::pair<std::string, std::string> words(const ingest_outcome& o) {
  const access_words w = access_words_of(o);
  return {std::string(w.kind), std::string(w.outcome)};
}

}  // namespace

TEST_CASE("access words: a complaint created, held by the hourly limit, or a duplicate") {
  ingest_outcome c = decided(decision_kind::complaint, "keyword");
  c.complaint_created = true;
  c.forward_queued = true;
  c.ref = "94778655";
  CHECK(words(c) == std::pair<std::string, std::string>{"complaint", "created"});
  c.forward_queued = false;
  CHECK(words(c) == std::pair<std::string, std::string>{"complaint", "held_rate_limited"});
  ingest_outcome d = decided(decision_kind::complaint, "duplicate");
  d.ref = "94778655";
  CHECK(words(d) == std::pair<std::string, std::string>{"duplicate", "answered_first_ref"});
}

TEST_CASE("access words: the other decisions say the service's reason") {
  CHECK(words(decided(decision_kind::status, "not_found")) ==
        std::pair<std::string, std::string>{"status", "not_found"});
  CHECK(words(decided(decision_kind::help, "too_short")) ==
        std::pair<std::string, std::string>{"help", "too_short"});
  CHECK(words(decided(decision_kind::stop)) ==
        std::pair<std::string, std::string>{"stop", "opted_out"});
  CHECK(words(decided(decision_kind::start)) ==
        std::pair<std::string, std::string>{"start", "opted_in"});
  CHECK(words(decided(decision_kind::ignore, "own_number")) ==
        std::pair<std::string, std::string>{"ignore", "own_number"});
  ingest_outcome silent = decided(decision_kind::help);
  CHECK(words(silent) == std::pair<std::string, std::string>{"help", "silent"});
  silent.reply_queued = true;
  CHECK(words(silent) == std::pair<std::string, std::string>{"help", "answered"});
}

TEST_CASE("access words: an answer held back by replies_per_hour says so") {
  ingest_outcome d = decided(decision_kind::complaint, "duplicate");
  d.ref = "94778655";
  d.reply_limited = true;
  CHECK(words(d) ==
        std::pair<std::string, std::string>{"duplicate", "unanswered_replies_per_hour"});
  ingest_outcome s = decided(decision_kind::status, "not_found");
  s.reply_limited = true;
  CHECK(words(s) == std::pair<std::string, std::string>{"status", "unanswered_replies_per_hour"});
  ingest_outcome stop = decided(decision_kind::stop);
  stop.reply_limited = true;
  CHECK(words(stop) == std::pair<std::string, std::string>{"stop", "opted_out_unanswered"});
}

TEST_CASE("access words: redeliveries, receipts and parts") {
  ingest_outcome o;
  o.effect = ingest_effect::redelivery;
  CHECK(words(o) == std::pair<std::string, std::string>{"redelivery", "acked"});
  o.effect = ingest_effect::receipt;
  o.receipt_stat = "UNDELIV";
  CHECK(words(o) == std::pair<std::string, std::string>{"receipt", "UNDELIV"});
  o.effect = ingest_effect::receipt_unknown;
  CHECK(words(o) == std::pair<std::string, std::string>{"receipt", "unmatched"});
  o.effect = ingest_effect::part_kept;
  CHECK(words(o) == std::pair<std::string, std::string>{"part", "kept"});
}
