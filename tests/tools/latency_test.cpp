#include <doctest/doctest.h>

#include "latency.hpp"

using namespace lapord::smsc_sim;

TEST_CASE("nearest-rank percentiles") {
  std::vector<std::uint64_t> v;
  for (std::uint64_t i = 100; i >= 1; --i)
    v.push_back(i);  // 100..1, unsorted on purpose
  auto s = summarise(v);
  CHECK(s.count == 100);
  CHECK(s.p50 == 50);
  CHECK(s.p90 == 90);
  CHECK(s.p99 == 99);
  CHECK(s.max == 100);
}

TEST_CASE("percentiles of few samples take the nearest rank, never interpolate") {
  std::vector<std::uint64_t> v{7, 3, 1000};
  auto s = summarise(v);
  CHECK(s.p50 == 7);     // ceil(1.5) = rank 2
  CHECK(s.p90 == 1000);  // ceil(2.7) = rank 3
  CHECK(s.p99 == 1000);
  CHECK(s.max == 1000);
  std::vector<std::uint64_t> one{42};
  auto o = summarise(one);
  CHECK(o.p50 == 42);
  CHECK(o.p99 == 42);
}

TEST_CASE("no samples summarise to zeros") {
  std::vector<std::uint64_t> none;
  auto s = summarise(none);
  CHECK(s.count == 0);
  CHECK(s.p50 == 0);
  CHECK(s.max == 0);
}
