#include <doctest/doctest.h>

#include <map>

#include "spread.hpp"

using namespace lapord::smsc_sim;

namespace {

// Runs one fill with `available` MO in a common queue; returns what each bind id got.
std::map<std::uint64_t, int> fill(round_robin& rr, std::vector<bind_room> binds, int available) {
  std::map<std::uint64_t, int> got;
  rr.fill(binds, [&](std::size_t i) {
    if (available == 0) return offer_result::none;
    --available;
    ++got[binds[i].id];
    return offer_result::sent;
  });
  return got;
}

}  // namespace

TEST_CASE("the flood goes round robin over the binds, not one window after another") {
  round_robin rr;
  auto got = fill(rr, {{1, 100}, {2, 100}, {3, 100}, {4, 100}}, 10);
  CHECK(got == std::map<std::uint64_t, int>{{1, 3}, {2, 3}, {3, 2}, {4, 2}});
}

TEST_CASE("a rate-limited flood (one MO per fill) rotates over the binds") {
  round_robin rr;
  std::map<std::uint64_t, int> total;
  for (int k = 0; k < 9; ++k)
    for (auto [id, n] : fill(rr, {{1, 100}, {2, 100}, {3, 100}}, 1))
      total[id] += n;
  CHECK(total == std::map<std::uint64_t, int>{{1, 3}, {2, 3}, {3, 3}});
}

TEST_CASE("the next fill starts after the bind served last, wrapping past the highest id") {
  round_robin rr;
  CHECK(fill(rr, {{2, 5}, {5, 5}, {9, 5}}, 2) == std::map<std::uint64_t, int>{{2, 1}, {5, 1}});
  CHECK(fill(rr, {{2, 5}, {5, 5}, {9, 5}}, 2) == std::map<std::uint64_t, int>{{9, 1}, {2, 1}});
  // Bind 5 went away and 7 came: the rotation goes on from the id after 2.
  CHECK(fill(rr, {{2, 5}, {7, 5}, {9, 5}}, 1) == std::map<std::uint64_t, int>{{7, 1}});
}

TEST_CASE("a full window is skipped and every window is filled when MO are plenty") {
  round_robin rr;
  auto got = fill(rr, {{1, 0}, {2, 3}, {3, 1}}, 100);
  CHECK(got == std::map<std::uint64_t, int>{{2, 3}, {3, 1}});
  CHECK(fill(rr, {{1, 0}, {2, 0}}, 100).empty());
  CHECK(fill(rr, {}, 100).empty());
}

TEST_CASE("a bind with nothing for it sits out and the others still get theirs") {
  // Bind 2 is of another account whose queue is empty; bind 3 is closing after one MO.
  round_robin rr;
  std::vector<bind_room> binds{{1, 4}, {2, 4}, {3, 4}};
  std::map<std::uint64_t, int> got;
  int calls_on_2 = 0;
  auto sent = rr.fill(binds, [&](std::size_t i) {
    auto id = binds[i].id;
    if (id == 2) {
      ++calls_on_2;
      return offer_result::none;
    }
    ++got[id];
    return id == 3 ? offer_result::sent_last : offer_result::sent;
  });
  CHECK(sent == 5);
  CHECK(got == std::map<std::uint64_t, int>{{1, 4}, {3, 1}});
  CHECK(calls_on_2 == 1);
}
