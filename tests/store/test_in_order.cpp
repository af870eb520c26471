// put_in_order: a take's rows sorted by their keys in place (take_due_forwards), every row
// kept, whatever order they came in.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "store/in_order.hpp"

using lapord::store::put_in_order;

TEST_CASE("put_in_order: rows in any order come out by key, each with its own key") {
  std::mt19937 random(14);
  for (std::size_t n : {0u, 1u, 2u, 3u, 7u, 100u, 1000u}) {
    std::vector<std::int64_t> keys(n);
    for (std::size_t i = 0; i < n; ++i)
      keys[i] = static_cast<std::int64_t>(i) * 3 + 5;
    std::shuffle(keys.begin(), keys.end(), random);
    std::vector<std::string> rows;
    for (auto k : keys)  // long enough not to fit a std::string's own buffer: moved, not copied
      rows.push_back("row of the complaint numbered " + std::to_string(k));
    put_in_order(rows, keys);
    REQUIRE(rows.size() == n);
    CHECK(std::is_sorted(keys.begin(), keys.end()));
    for (std::size_t i = 0; i < n; ++i) {
      CHECK(keys[i] == static_cast<std::int64_t>(i) * 3 + 5);
      CHECK(rows[i] == "row of the complaint numbered " + std::to_string(keys[i]));
    }
  }
}

TEST_CASE("put_in_order: rows already in order, or reversed, or with equal keys") {
  std::vector<std::int64_t> keys{1, 2, 3};
  std::vector<std::string> rows{"a", "b", "c"};
  put_in_order(rows, keys);
  CHECK(rows == std::vector<std::string>{"a", "b", "c"});
  keys = {9, 7, 5, 3};
  rows = {"9", "7", "5", "3"};
  put_in_order(rows, keys);
  CHECK(rows == std::vector<std::string>{"3", "5", "7", "9"});
  CHECK(keys == std::vector<std::int64_t>{3, 5, 7, 9});
  keys = {4, 2, 4, 2};
  rows = {"4", "2", "4", "2"};
  put_in_order(rows, keys);
  CHECK(rows == std::vector<std::string>{"2", "2", "4", "4"});
}
