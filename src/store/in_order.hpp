#pragma once
// put_in_order(items, keys): items (keys[i] is items[i]'s) sorted by key in place, the keys
// too. For a take's rows read in RETURNING's order: sorting (key, row) pairs and moving them
// into a second vector held a batch of rows twice (take_due_forwards).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

namespace lapord::store {

template <typename T>
void put_in_order(std::vector<T>& items, std::vector<std::int64_t>& keys) {
  if (std::is_sorted(keys.begin(), keys.end())) return;
  // from[i]: where the item that belongs at i is now.
  std::vector<std::size_t> from(keys.size());
  std::iota(from.begin(), from.end(), std::size_t{0});
  std::sort(from.begin(), from.end(),
            [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  // Each cycle of the permutation moved round once; a place done is marked from[j] == j.
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (from[i] == i) continue;
    T item = std::move(items[i]);
    const std::int64_t key = keys[i];
    std::size_t j = i;
    for (;;) {
      const std::size_t k = from[j];
      from[j] = j;
      if (k == i) {
        items[j] = std::move(item);
        keys[j] = key;
        break;
      }
      items[j] = std::move(items[k]);
      keys[j] = keys[k];
      j = k;
    }
  }
}

}  // namespace lapord::store
