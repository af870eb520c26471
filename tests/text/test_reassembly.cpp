#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "lapord/text/reassembly.hpp"

using namespace lapord::text;
using namespace std::chrono_literals;

namespace {

const wall_time t0{std::chrono::milliseconds{1'780'000'000'000}};

part_key key_of(std::string source, std::uint16_t reference) {
  return part_key{"telkomsel", std::move(source), "1708", reference};
}

message_part part_of(const part_key& key, std::uint8_t total, std::uint8_t sequence,
                     std::string text, wall_time at = t0) {
  message_part part;
  part.key = key;
  part.total = total;
  part.sequence = sequence;
  part.text = std::move(text);
  part.received_at = at;
  return part;
}

}  // namespace

TEST_CASE("reassembly: every order of four parts gives the same text, once") {
  const auto key = key_of("+6281234567890", 0x2A);
  const std::array<std::string, 4> texts = {"Jalan ", "rusak ", "di desa ", "Sukamaju"};
  std::array<int, 4> order = {0, 1, 2, 3};
  int permutations = 0;
  do {
    memory_part_store store;
    reassembler joiner(store);
    std::optional<assembled_message> done;
    for (std::size_t i = 0; i < order.size(); ++i) {
      const int index = order[i];
      auto result = joiner.add(part_of(key, 4, static_cast<std::uint8_t>(index + 1),
                                       texts[static_cast<std::size_t>(index)]));
      if (i + 1 < order.size()) {
        CHECK_FALSE(result.has_value());
      } else {
        done = result;
      }
    }
    REQUIRE(done.has_value());
    CHECK(done->text == "Jalan rusak di desa Sukamaju");
    CHECK(done->complete);
    CHECK(done->missing.empty());
    CHECK(done->total == 4);
    CHECK(done->key == key);
    // Kept until the caller has stored the message, then released.
    CHECK(store.key_count() == 1);
    joiner.release(key);
    CHECK(store.key_count() == 0);
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(permutations == 24);
}

TEST_CASE("reassembly: a duplicate part counts once and the first copy wins") {
  memory_part_store store;
  reassembler joiner(store);
  const auto key = key_of("+6281234567890", 7);
  CHECK_FALSE(joiner.add(part_of(key, 3, 1, "satu ")));
  CHECK_FALSE(joiner.add(part_of(key, 3, 1, "SATU LAGI ")));
  CHECK_FALSE(joiner.add(part_of(key, 3, 3, "tiga")));
  CHECK_FALSE(joiner.add(part_of(key, 3, 3, "tiga")));
  CHECK(store.parts(key).size() == 2);
  const auto done = joiner.add(part_of(key, 3, 2, "dua "));
  REQUIRE(done);
  CHECK(done->text == "satu dua tiga");
  CHECK(done->complete);
}

TEST_CASE("reassembly: a missing part is released after the timeout, in order, incomplete") {
  memory_part_store store;
  reassembler joiner(store);  // default timeout: 10 minutes
  CHECK(joiner.options().timeout == 10min);
  const auto key = key_of("+6281234567890", 300);
  CHECK_FALSE(joiner.add(part_of(key, 4, 4, "empat", t0 + 2s)));
  CHECK_FALSE(joiner.add(part_of(key, 4, 1, "satu ", t0)));
  CHECK_FALSE(joiner.add(part_of(key, 4, 2, "dua ", t0 + 1s)));

  CHECK(joiner.expire(t0 + 9min).empty());
  CHECK(joiner.expire(t0 + 10min).empty());  // strictly older than the cutoff
  const auto released = joiner.expire(t0 + 10min + 1ms);
  REQUIRE(released.size() == 1);
  const auto& message = released.front();
  CHECK(message.key == key);
  CHECK_FALSE(message.complete);
  CHECK(message.text == "satu dua empat");
  CHECK(message.missing == std::vector<std::uint8_t>{3});
  CHECK(message.total == 4);
  CHECK(message.first_received_at == t0);
  // Still kept until released: a crash before the caller stores it loses nothing.
  CHECK(joiner.expire(t0 + 11min).size() == 1);
  joiner.release(key);
  CHECK(joiner.expire(t0 + 11min).empty());
}

TEST_CASE("reassembly: a configurable timeout") {
  memory_part_store store;
  reassembler joiner(store, reassembly_options{30s});
  const auto key = key_of("+6281234567890", 1);
  CHECK_FALSE(joiner.add(part_of(key, 2, 2, "b", t0)));
  CHECK(joiner.expire(t0 + 30s).empty());
  REQUIRE(joiner.expire(t0 + 31s).size() == 1);
}

TEST_CASE("reassembly: interleaved senders and references do not mix") {
  memory_part_store store;
  reassembler joiner(store);
  const auto a = key_of("+6281111111111", 5);
  const auto b = key_of("+6282222222222", 5);  // same reference, other sender
  const auto c = key_of("+6281111111111", 6);  // same sender, other reference
  auto d = a;
  d.carrier = "indosat";  // same everything, other carrier
  CHECK_FALSE(joiner.add(part_of(a, 2, 1, "A1")));
  CHECK_FALSE(joiner.add(part_of(b, 2, 2, "B2")));
  CHECK_FALSE(joiner.add(part_of(c, 2, 1, "C1")));
  CHECK_FALSE(joiner.add(part_of(d, 2, 2, "D2")));
  const auto done_b = joiner.add(part_of(b, 2, 1, "B1"));
  REQUIRE(done_b);
  CHECK(done_b->text == "B1B2");
  const auto done_a = joiner.add(part_of(a, 2, 2, "A2"));
  REQUIRE(done_a);
  CHECK(done_a->text == "A1A2");
  CHECK(done_a->key == a);
  CHECK(store.key_count() == 4);
}

TEST_CASE("reassembly: malformed parts are handed on alone, never dropped") {
  memory_part_store store;
  reassembler joiner(store);
  const auto key = key_of("+6281234567890", 9);
  const auto single = joiner.add(part_of(key, 1, 1, "pendek"));
  REQUIRE(single);
  CHECK(single->complete);
  CHECK(single->text == "pendek");
  const auto beyond = joiner.add(part_of(key, 2, 3, "ketiga dari dua"));
  REQUIRE(beyond);
  CHECK_FALSE(beyond->complete);
  CHECK(beyond->text == "ketiga dari dua");
  const auto zero = joiner.add(part_of(key, 3, 0, "nol"));
  REQUIRE(zero);
  CHECK_FALSE(zero->complete);
  CHECK(store.key_count() == 0);
}

TEST_CASE("reassembly: the replaced flag of any part carries to the message") {
  memory_part_store store;
  reassembler joiner(store);
  const auto key = key_of("+6281234567890", 11);
  auto first = part_of(key, 2, 1, "a\xEF\xBF\xBD");
  first.replaced = true;
  CHECK_FALSE(joiner.add(first));
  const auto done = joiner.add(part_of(key, 2, 2, "b"));
  REQUIRE(done);
  CHECK(done->replaced);
}

TEST_CASE("assemble: duplicates handed back by a store are joined once") {
  const auto key = key_of("+6281234567890", 12);
  std::vector<message_part> parts = {part_of(key, 2, 2, "y", t0 + 1s), part_of(key, 2, 1, "x"),
                                     part_of(key, 2, 2, "Y", t0 + 2s)};
  const auto message = assemble(key, parts);
  CHECK(message.complete);
  CHECK(message.text == "xy");
}

TEST_CASE("reassembly: parts kept in the store outlive the reassembler (a daemon restart)") {
  memory_part_store store;  // stands for the durable store, which outlives the process
  const auto key = key_of("+6281234567890", 77);
  {
    reassembler before(store);
    CHECK_FALSE(before.add(part_of(key, 3, 3, "tiga")));
    CHECK_FALSE(before.add(part_of(key, 3, 1, "satu ")));
  }
  reassembler after(store);
  const auto done = after.add(part_of(key, 3, 2, "dua "));
  REQUIRE(done);
  CHECK(done->text == "satu dua tiga");
  CHECK(done->complete);
}

namespace {

// A store whose disk is full: every write fails.
class failing_store final : public part_store {
 public:
  bool put(const message_part&) override { throw std::runtime_error("disk full"); }
  std::vector<message_part> parts(const part_key&) override { return {}; }
  void erase(const part_key&) override {}
  std::vector<part_key> keys_older_than(wall_time) override { return {}; }
};

}  // namespace

TEST_CASE("reassembly: a store failure reaches the caller, who then does not ack the part") {
  failing_store store;
  reassembler joiner(store);
  const auto key = key_of("+6281234567890", 78);
  CHECK_THROWS_WITH_AS(joiner.add(part_of(key, 2, 1, "a")), "disk full", std::runtime_error);
}
