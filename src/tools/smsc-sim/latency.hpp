#pragma once
// Ack latency summary of the flood and the final stats: nearest-rank percentiles.

#include <cstdint>
#include <vector>

namespace lapord::smsc_sim {

struct latency_summary {
  std::uint64_t count = 0;
  std::uint64_t p50 = 0;
  std::uint64_t p90 = 0;
  std::uint64_t p99 = 0;
  std::uint64_t max = 0;
};

// Nearest-rank percentile (p in (0, 100]) of `sorted` (ascending); 0 when empty.
std::uint64_t nearest_rank(const std::vector<std::uint64_t>& sorted, double p);

// Sorts `samples` in place and summarises them.
latency_summary summarise(std::vector<std::uint64_t>& samples);

}  // namespace lapord::smsc_sim
