// The dialogue table: lookup by session key, expiry in order of last activity, tickets that
// outlive their dialogue, and the cap.
#include <doctest/doctest.h>

#include "lapord/lapor/ussd/dialogue_table.hpp"
#include "ussd/fixture.hpp"

namespace lapord::lapor::ussd {
namespace {

using testing::at;

session_key key(int i, std::uint32_t id = 0) {
  return {"62812" + std::to_string(i), id};
}

TEST_CASE("insert, find, erase, a key is the MSISDN and the session id together") {
  dialogue_table t(10, std::chrono::seconds(180));
  auto* a = t.insert(key(1), at(0));
  REQUIRE(a != nullptr);
  a->state.input = "satu";
  auto* b = t.insert(key(1, 0x10005), at(0));
  REQUIRE(b != nullptr);
  b->state.input = "dua";
  CHECK(t.size() == 2);
  CHECK(t.find(key(1), at(1))->state.input == "satu");
  CHECK(t.find(key(1, 0x10005), at(1))->state.input == "dua");
  CHECK(t.find(key(2), at(1)) == nullptr);
  t.erase(*t.find(key(1), at(1)));
  CHECK(t.find(key(1), at(1)) == nullptr);
  CHECK(t.size() == 1);
}

TEST_CASE("expiry follows the last activity, and a found dialogue past its time is gone") {
  dialogue_table t(10, std::chrono::seconds(180));
  for (int i = 0; i < 5; ++i)
    REQUIRE(t.insert(key(i), at(i * 10)) != nullptr);
  t.touch(*t.find(key(0), at(100)), at(100));  // 0 is now the most recent
  CHECK(*t.next_expiry() == at(190));          // key 1, heard at 10
  CHECK(t.expire(at(189)) == 0);
  CHECK(t.expire(at(220)) == 4);  // 1..4 (heard at 10..40)
  CHECK(t.size() == 1);
  CHECK(t.find(key(0), at(279)) != nullptr);
  CHECK(t.find(key(0), at(280)) == nullptr);  // exactly the timeout: expired, removed
  CHECK(t.size() == 0);
  CHECK_FALSE(t.next_expiry());
}

TEST_CASE("a ticket names one dialogue: after it ends, its reused slot is another's") {
  dialogue_table t(10, std::chrono::seconds(180));
  auto* a = t.insert(key(1), at(0));
  const dialogue_ticket ta = t.ticket_of(*a);
  CHECK(t.get(ta, at(1)) == a);
  t.erase(*a);
  auto* b = t.insert(key(2), at(2));  // takes the freed slot
  CHECK(t.get(ta, at(3)) == nullptr);
  CHECK(t.get(t.ticket_of(*b), at(3)) == b);
  CHECK(t.get(0xFFFF'FFFF'0000'0100ULL, at(3)) == nullptr);
  CHECK(t.get(t.ticket_of(*b), at(182)) == nullptr);  // expired
}

TEST_CASE("the cap: full means a new dialogue is refused, unless some have expired") {
  dialogue_table t(3, std::chrono::seconds(180));
  REQUIRE(t.insert(key(1), at(0)) != nullptr);
  REQUIRE(t.insert(key(2), at(50)) != nullptr);
  REQUIRE(t.insert(key(3), at(100)) != nullptr);
  CHECK(t.insert(key(4), at(179)) == nullptr);
  CHECK(t.size() == 3);
  CHECK(t.find(key(1), at(179)) != nullptr);      // nobody was pushed out
  REQUIRE(t.insert(key(4), at(180)) != nullptr);  // key 1 expired and was swept
  CHECK(t.find(key(1), at(180)) == nullptr);
  CHECK(t.size() == 3);
  CHECK_THROWS_AS(dialogue_table(0, std::chrono::seconds(1)), std::invalid_argument);
}

TEST_CASE("a freed slot holds no text") {
  dialogue_table t(2, std::chrono::seconds(180));
  auto* a = t.insert(key(1), at(0));
  a->state.input = std::string(500, 'x');
  a->state.reporter = "+62812";
  t.erase(*a);
  auto* b = t.insert(key(2), at(1));
  CHECK(b->state.input.empty());
  CHECK(b->state.reporter.empty());
  CHECK(b->state.at == stage::menu);
}

TEST_CASE("many dialogues: expiry removes exactly the idle ones, in any interleaving") {
  dialogue_table t(20'000, std::chrono::seconds(180));
  for (int i = 0; i < 10'000; ++i)
    REQUIRE(t.insert(key(i), at(i / 100)) != nullptr);  // 100 dialled each second
  // Every even dialogue is heard again at 150.
  for (int i = 0; i < 10'000; i += 2)
    t.touch(*t.find(key(i), at(150)), at(150));
  CHECK(t.expire(at(278)) == 4'950);  // the odd ones dialled at 0..98
  CHECK(t.size() == 5'050);
  CHECK(t.expire(at(279)) == 50);  // the odd ones dialled at 99
  CHECK(t.expire(at(329)) == 0);
  CHECK(t.expire(at(330)) == 5'000);
  CHECK(t.size() == 0);
}

}  // namespace
}  // namespace lapord::lapor::ussd
