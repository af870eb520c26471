// The reporter index leads with the complaint's UTC day (schema 10): the duplicate probe and the
// hourly count look up each day from their `since`'s to the newest complaint's. These tests put
// complaints on both sides of a day boundary (midnight UTC) and check that every answer is the
// one a plain `created_at >= since` over all complaints gives.
#include <doctest/doctest.h>

#include "lapord/store/database.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace std::chrono_literals;

namespace test = lapord::store::test;
using test::at;
using test::options_for;

namespace {

constexpr auto& sample = test::sample_complaint;
constexpr std::int64_t day = 86'400;
constexpr std::int64_t midnight = 20'834 * day;  // 2027-01-16 00:00:00 UTC, a day boundary
const std::string me = "+6281234567890";

new_complaint keyed(std::string_view ref, std::string_view key, wall_time when) {
  auto c = sample(ref, me, key, when);
  c.duplicate_key = key;
  return c;
}

}  // namespace

TEST_CASE("a complaint at 23:59:30 UTC is a duplicate of and counted with an MO at 00:00:20") {
  test::temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([&](transaction& tx) {
    tx.create_complaint(keyed("10000001", "jalan rusak", at(midnight - 30)));
  });
  const wall_time now = at(midnight + 20);
  auto f = db.call(
      [&](transaction& tx) { return tx.facts_about(me, "jalan rusak", now - 24h, now - 1h); });
  CHECK(f.duplicate_ref == std::optional<std::string>("10000001"));
  CHECK(f.complaints_since == 1);
  CHECK(db.call([&](transaction& tx) {
    return tx.recent_complaint_with_key(me, "jalan rusak", now - 24h);
  }) == std::optional<std::string>("10000001"));
  CHECK(db.call([&](transaction& tx) { return tx.complaints_since(me, now - 1h); }) == 1);
  // One on each side: both counted; the older one is the duplicate's ref.
  db.call([&](transaction& tx) {
    tx.create_complaint(keyed("10000002", "jalan rusak", at(midnight + 10)));
  });
  f = db.call(
      [&](transaction& tx) { return tx.facts_about(me, "jalan rusak", now - 24h, now - 1h); });
  CHECK(f.duplicate_ref == std::optional<std::string>("10000001"));
  CHECK(f.complaints_since == 2);
  // The window's edge is exact, wherever the day boundary is: 24 h and 1 ms before is out.
  CHECK(db.call([&](transaction& tx) {
    return tx.recent_complaint_with_key(me, "jalan rusak", at(midnight - 29));
  }) == std::optional<std::string>("10000002"));
  CHECK(db.call([&](transaction& tx) { return tx.complaints_since(me, at(midnight - 29)); }) == 1);
  CHECK(db.call([&](transaction& tx) { return tx.complaints_since(me, at(midnight + 11)); }) == 0);
}

TEST_CASE("a window of several days finds the oldest match - and a complaint dated after now") {
  test::temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([&](transaction& tx) {
    tx.create_complaint(keyed("10000001", "lampu mati", at(midnight - 2 * day - 100)));
    tx.create_complaint(keyed("10000002", "lampu mati", at(midnight - day + 5)));
    // Stamped a day after the probes' now (a clock set back since): still >= since, found.
    tx.create_complaint(keyed("10000003", "jembatan putus", at(midnight + day + 7)));
  });
  auto dup = [&](std::string_view key, wall_time since) {
    return db.call([&](transaction& tx) { return tx.recent_complaint_with_key(me, key, since); });
  };
  auto count = [&](wall_time since) {
    return db.call([&](transaction& tx) { return tx.complaints_since(me, since); });
  };
  const wall_time now = at(midnight + 60);
  CHECK(dup("lampu mati", now - 72h) == std::optional<std::string>("10000001"));
  CHECK(dup("lampu mati", now - 48h) == std::optional<std::string>("10000002"));
  CHECK_FALSE(dup("lampu mati", now - 24h));
  CHECK(dup("jembatan putus", now - 1h) == std::optional<std::string>("10000003"));
  CHECK(count(now - 72h) == 3);
  CHECK(count(now - 48h) == 2);
  CHECK(count(now - 1h) == 1);
  // Asked from far back (more days than are probed one by one): one range, the same answers.
  CHECK(dup("lampu mati", at(0)) == std::optional<std::string>("10000001"));
  CHECK(count(at(0)) == 3);
  CHECK(count(at(midnight - 40 * day)) == 3);
}

TEST_CASE("a complaint created on a later day in the same batch is found by the next probe") {
  test::temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([&](transaction& tx) {
    tx.create_complaint(keyed("10000001", "sampah menumpuk", at(midnight - 1800)));
  });
  auto f = db.call([&](transaction& tx) {
    // The first probe learns the newest day (yesterday); the complaint after it is today's.
    CHECK(tx.complaints_since(me, at(midnight - 7200)) == 1);
    tx.create_complaint(keyed("10000002", "pohon tumbang", at(midnight + 30)));
    return tx.facts_about(me, "pohon tumbang", at(midnight + 40) - 24h, at(midnight + 40) - 1h);
  });
  CHECK(f.duplicate_ref == std::optional<std::string>("10000002"));
  CHECK(f.complaints_since == 2);
}

TEST_CASE("a window from yesterday finds the older of two matches - a match made today alone") {
  test::temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const wall_time now = at(midnight + 3 * 3600);  // the hour's count reads today only
  auto facts = [&](std::string_view key) {
    return db.call([&](transaction& tx) { return tx.facts_about(me, key, now - 24h, now - 1h); });
  };
  db.call([&](transaction& tx) {
    tx.create_complaint(keyed("10000001", "jalan rusak", at(midnight + 9000)));
    tx.mark_rate_notice(me, at(midnight + 8000));
  });
  auto f = facts("jalan rusak");  // today's, the window's second day
  CHECK(f.duplicate_ref == std::optional<std::string>("10000001"));
  CHECK(f.complaints_since == 1);
  CHECK(f.rate_notice_sent);
  db.call([&](transaction& tx) {
    tx.create_complaint(keyed("10000002", "jalan rusak", at(midnight - 3600)));
    tx.create_complaint(keyed("10000003", "lampu mati", at(midnight + 3600)));
  });
  f = facts("jalan rusak");  // yesterday's is older: it is the duplicate's ref
  CHECK(f.duplicate_ref == std::optional<std::string>("10000002"));
  CHECK(f.complaints_since == 1);  // 01:00 is before the hour's since (02:00)
  CHECK_FALSE(facts("pohon tumbang").duplicate_ref);
  CHECK(facts("lampu mati").duplicate_ref == std::optional<std::string>("10000003"));
}
