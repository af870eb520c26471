// USSD dialogues kept in the store between two screens (migration 7): one row per dialogue,
// replaced at each screen, invisible once expired, swept by expiry; seen by another
// connection (another instance) as soon as it committed.
#include <doctest/doctest.h>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;

namespace {

ussd_dialogue_record record(std::string key, std::string state, wall_time expires) {
  return {std::move(key), std::move(state), expires};
}

std::optional<ussd_dialogue_record> load(database& db, std::string_view key, wall_time now) {
  return db.call([&](transaction& tx) { return tx.ussd_dialogue(key, now); });
}

}  // namespace

TEST_CASE("ussd dialogues: put, replace, read until expiry, erase") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  CHECK_FALSE(load(db, "tsel 6281 65793", at(0)));
  db.call(
      [](transaction& tx) { tx.put_ussd_dialogue(record("tsel 6281 65793", "1 menu", at(180))); });
  auto got = load(db, "tsel 6281 65793", at(10));
  REQUIRE(got);
  CHECK(got->key == "tsel 6281 65793");
  CHECK(got->state == "1 menu");
  CHECK(got->expires_at == at(180));
  // The next screen replaces it and moves its expiry.
  db.call(
      [](transaction& tx) { tx.put_ussd_dialogue(record("tsel 6281 65793", "1 text", at(300))); });
  CHECK(load(db, "tsel 6281 65793", at(200))->state == "1 text");
  CHECK_FALSE(load(db, "tsel 6281 65793", at(300)));  // expired at 300: gone for readers
  CHECK_FALSE(load(db, "xl 6281 0", at(10)));
  db.call([](transaction& tx) { tx.erase_ussd_dialogue("tsel 6281 65793"); });
  CHECK_FALSE(load(db, "tsel 6281 65793", at(10)));
  db.call([](transaction& tx) { tx.erase_ussd_dialogue("never there"); });  // no error
}

TEST_CASE("ussd dialogues: the sweep deletes only the expired ones") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([](transaction& tx) {
    tx.put_ussd_dialogue(record("a", "s", at(100)));
    tx.put_ussd_dialogue(record("b", "s", at(200)));
    tx.put_ussd_dialogue(record("c", "s", at(300)));
  });
  CHECK(db.call([](transaction& tx) { return tx.erase_expired_ussd_dialogues(at(200)); }) == 2);
  CHECK(db.call([](transaction& tx) { return tx.erase_expired_ussd_dialogues(at(200)); }) == 0);
  CHECK(load(db, "c", at(0)));
}

TEST_CASE("ussd dialogues: another instance on the same store sees a committed screen at once") {
  temp_dir dir;
  const std::string path = dir.file("lapord.db");
  database first(options_for(path));
  database second(options_for(path));
  first.call(
      [](transaction& tx) { tx.put_ussd_dialogue(record("tsel 6281 1", "keyword", at(180))); });
  auto got = load(second, "tsel 6281 1", at(1));
  REQUIRE(got);
  CHECK(got->state == "keyword");
  second.call([](transaction& tx) { tx.erase_ussd_dialogue("tsel 6281 1"); });
  CHECK_FALSE(load(first, "tsel 6281 1", at(2)));
}
