// Repeats and redeliveries (spec: sms-commands.md): every whole message is decided and
// answered; the 24 h rule on the folded text stops a second complaint; only redelivered parts
// change nothing; answers other than a new complaint's acknowledgement are limited per hour.
#include <doctest/doctest.h>

#include "pipeline/pipeline_fixture.hpp"
#include "store/store_fixture.hpp"

namespace lapord::app {
namespace {

using test::deliver;
using namespace std::chrono_literals;

constexpr std::int64_t t0 = 1'800'000'000;
const std::string citizen = "6281234567890";

std::vector<store::reply> replies(test::store_under_test& s) {
  return s.db.call([&](store::transaction& tx) {
    return tx.take_due_replies(store::wall_time(std::chrono::seconds(t0 + 9 * 3600)), 1000, 1min);
  });
}

std::int64_t rows(test::store_under_test& s, const std::string& sql) {
  store::test::raw_db raw(s.dir.file("lapord.db"));
  return raw.integer(sql);
}

}  // namespace

TEST_CASE("repeats: complaint, INFO, CEK twice each and STOP MULAI STOP - every one answered") {
  test::store_under_test s;
  const std::string complaint = "LAPOR SLEMAN sampah menumpuk di pasar Godean";
  std::int64_t t = t0;
  auto send = [&](const std::string& text) {
    return s.ingest_one(deliver(citizen, text, t += 60));
  };
  const auto first = send(complaint);
  REQUIRE(first.complaint_created);
  const auto second = send(complaint);  // byte-identical: the citizen's, answered
  CHECK(second.effect == ingest_effect::decided);
  CHECK(second.reason == "duplicate");
  CHECK(second.ref == first.ref);
  CHECK_FALSE(second.complaint_created);
  CHECK(send("INFO").reply_queued);
  CHECK(send("INFO").reply_queued);
  CHECK(send("CEK " + first.ref).reply_queued);
  CHECK(send("CEK " + first.ref).reply_queued);
  CHECK(send("STOP").decision == lapor::decision_kind::stop);
  CHECK(send("MULAI").decision == lapor::decision_kind::start);
  CHECK(send("STOP").decision == lapor::decision_kind::stop);
  CHECK(s.db.call([](store::transaction& tx) { return tx.opted_out("+6281234567890"); }));

  std::vector<std::string> kinds;
  for (const auto& r : replies(s))
    kinds.push_back(r.kind);
  CHECK(kinds == std::vector<std::string>{"ack", "duplicate", "help", "help", "status", "status",
                                          "stop", "start", "stop"});
  CHECK(replies(s).empty());  // leased now; and nothing else was queued
  CHECK(rows(s, "SELECT count(*) FROM complaints") == 1);
  CHECK(rows(s, "SELECT count(*) FROM complaints WHERE forward_state IS NOT NULL") == 1);
  CHECK(rows(s, "SELECT count(*) FROM received") == 9);
}

TEST_CASE(
    "repeats: an SMSC's redelivery of a whole MO costs one reply - no complaint, no forward") {
  test::store_under_test s;
  auto m = deliver(citizen, "LAPOR SLEMAN sampah menumpuk di pasar Godean", t0);
  const auto first = s.ingest_one(m);
  REQUIRE(first.complaint_created);
  m.pdu.sequence_number = 99;  // a redelivery: a new sequence number, the same body
  m.received_at += 2s;
  const auto again = s.ingest_one(m);
  CHECK(again.effect == ingest_effect::decided);
  CHECK(again.ref == first.ref);
  CHECK_FALSE(again.complaint_created);
  CHECK_FALSE(again.forward_queued);
  const auto r = replies(s);
  REQUIRE(r.size() == 2);
  CHECK(r[1].kind == "duplicate");
  CHECK(r[1].text.find(first.ref) != std::string::npos);
  CHECK(rows(s, "SELECT count(*) FROM complaints") == 1);
  CHECK(rows(s, "SELECT count(*) FROM complaints WHERE forward_state IS NOT NULL") == 1);
}

TEST_CASE(
    "repeats: \"Jalan  RUSAK\" after \"jalan rusak\" - the duplicate reply with the first ref") {
  test::store_under_test s;
  const auto first = s.ingest_one(deliver(citizen, "jalan rusak di depan pasar Godean", t0));
  REQUIRE(first.complaint_created);
  const auto second =
      s.ingest_one(deliver(citizen, "Jalan  RUSAK di depan   pasar GODEAN", t0 + 3600));
  CHECK(second.reason == "duplicate");
  CHECK(second.ref == first.ref);
  const auto r = replies(s);
  REQUIRE(r.size() == 2);
  CHECK(r[1].kind == "duplicate");
  CHECK(r[1].text.find(first.ref) != std::string::npos);
  CHECK(rows(s, "SELECT count(*) FROM complaints") == 1);
}

TEST_CASE("repeats: replies_per_hour answers a reporter at most 20 times an hour - acks always") {
  test::store_under_test s;
  REQUIRE(lapor::testing::real_service().options().replies_per_hour == 20);
  for (int i = 0; i < 20; ++i) {
    const auto out = s.ingest_one(deliver(citizen, "CEK 12345678", t0 + i));
    CHECK(out.reply_queued);
    CHECK_FALSE(out.reply_limited);
  }
  // The 21st: kept as received and decided, not answered.
  const auto over = s.ingest_one(deliver(citizen, "INFO", t0 + 30));
  CHECK(over.effect == ingest_effect::decided);
  CHECK_FALSE(over.reply_queued);
  CHECK(over.reply_limited);
  // STOP still takes effect, unanswered.
  const auto stop = s.ingest_one(deliver(citizen, "STOP", t0 + 31));
  CHECK(stop.reply_limited);
  CHECK(s.db.call([](store::transaction& tx) { return tx.opted_out("+6281234567890"); }));
  // A new complaint is acknowledged whatever the count.
  const auto c =
      s.ingest_one(deliver(citizen, "LAPOR SLEMAN lampu jalan mati sejak minggu lalu", t0 + 32));
  CHECK(c.complaint_created);
  CHECK(c.reply_queued);
  // Someone else is answered.
  CHECK(s.ingest_one(deliver("6285711112222", "INFO", t0 + 33)).reply_queued);
  // An hour after the first answers, answered again.
  CHECK(s.ingest_one(deliver(citizen, "INFO", t0 + 3600 + 1)).reply_queued);
  CHECK(rows(s, "SELECT count(*) FROM received") == 25);
  CHECK(rows(s, "SELECT count(*) FROM replies WHERE destination='6281234567890'") == 22);
}

}  // namespace lapord::app
