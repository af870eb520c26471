// Received MO (the redelivery keys of parts and receipts, and the audit of what came in) are
// deleted once older than the retention, in bounded steps; parts and whole messages are keyed
// as schema 8 says. The time is the tests' own: no sleeping.
#include <doctest/doctest.h>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

// A part of a long message (UDH in the octets), numbered so that each is a different MO.
struct numbered_mo {
  std::string short_message;
  explicit numbered_mo(int n)
      : short_message(std::string("\x05\x00\x03\x2a\x02\x01", 6) + "bagian " + std::to_string(n)) {}
  mo_pdu view(wall_time when) const {
    mo_pdu m;
    m.carrier = "telkomsel";
    m.source = "6281234567890";
    m.source_ton = 1;
    m.source_npi = 1;
    m.destination = "1708";
    m.esm_class = 0x40;
    m.short_message = short_message;
    m.received_at = when;
    return m;
  }
};

}  // namespace

TEST_CASE("old received MO expire in bounded steps - the newer ones and their keys stay") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  // 25 MO an hour apart from hour 0, as parts (their redelivery keys are looked up).
  db.call([](transaction& tx) {
    for (int i = 0; i < 25; ++i)
      tx.record_received(numbered_mo(i).view(at(i * 3600)));
  });
  raw_db raw(dir.file("lapord.db"));
  auto left = [&] { return raw.integer("SELECT count(*) FROM received"); };
  REQUIRE(left() == 25);

  // The cutoff (now - retention) at hour 24: the 24 MO of hours 0..23 are older.
  const wall_time before = at(24 * 3600);
  auto step = [&](int limit) {
    return db.call([&](transaction& tx) { return tx.expire_received(before, limit); });
  };
  CHECK(step(10) == 10);  // a step deletes at most its limit
  CHECK(left() == 15);
  CHECK(step(10) == 10);
  CHECK(step(10) == 4);  // fewer than the limit: nothing older is left
  CHECK(step(10) == 0);
  CHECK(left() == 1);
  CHECK(raw.integer("SELECT min(received_at) FROM received") == 24 * 3600 * 1000LL);

  // The one kept is still recognised when redelivered; an expired one is new again.
  auto redelivered = [&](int n, wall_time when) {
    return db.call([&](transaction& tx) { return tx.record_received(numbered_mo(n).view(when)); });
  };
  CHECK(redelivered(24, at(25 * 3600)).duplicate);
  CHECK_FALSE(redelivered(23, at(25 * 3600)).duplicate);
}

TEST_CASE("expiring received MO reads only its step - not the rows within the retention") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([](transaction& tx) {
    for (int i = 0; i < 50; ++i)
      tx.record_received(numbered_mo(i).view(at(1000 + i)));
  });
  // Nothing is old enough: a step finds nothing to delete and leaves every row.
  CHECK(db.call([](transaction& tx) { return tx.expire_received(at(1000), 8); }) == 0);
  // The first rows by arrival are the ones looked at: the oldest three of them go.
  CHECK(db.call([](transaction& tx) { return tx.expire_received(at(1003), 8); }) == 3);
  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.integer("SELECT count(*) FROM received") == 47);
}

TEST_CASE("a whole message is kept without a redelivery key - a part and a receipt with one") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  mo_pdu whole = numbered_mo(1).view(at(100));
  const std::string text = "LAPOR SLEMAN jalan rusak";
  whole.short_message = text;
  whole.esm_class = 0;
  db.call([&](transaction& tx) {
    tx.record_received(whole, redelivery::keep);
    tx.record_received(numbered_mo(2).view(at(100)));
  });
  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.integer("SELECT count(*) FROM received WHERE dedup_hash = 0") == 1);
  CHECK(raw.integer("SELECT count(*) FROM received WHERE dedup_hash <> 0") == 1);
  // The whole message again is a new one (a citizen may repeat it), the part a redelivery.
  CHECK_FALSE(db.call([&](transaction& tx) { return tx.record_received(whole); }).duplicate);
  CHECK(db.call([](transaction& tx) {
            return tx.record_received(numbered_mo(2).view(at(200)));
          }).duplicate);
}
