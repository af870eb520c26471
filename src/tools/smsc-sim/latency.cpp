#include "latency.hpp"

#include <algorithm>
#include <cmath>

namespace lapord::smsc_sim {

std::uint64_t nearest_rank(const std::vector<std::uint64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  // rank = ceil(p/100 * n), 1-based, clamped to [1, n].
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

latency_summary summarise(std::vector<std::uint64_t>& samples) {
  std::sort(samples.begin(), samples.end());
  latency_summary s;
  s.count = samples.size();
  s.p50 = nearest_rank(samples, 50);
  s.p90 = nearest_rank(samples, 90);
  s.p99 = nearest_rank(samples, 99);
  s.max = samples.empty() ? 0 : samples.back();
  return s;
}

}  // namespace lapord::smsc_sim
