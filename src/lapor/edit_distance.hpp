#pragma once
// Whether two keys are exactly one edit apart: one insertion, deletion, substitution, or a
// transposition of two neighbours (optimal string alignment distance 1). Equal keys are not.
#include <cstddef>
#include <string_view>

namespace lapord::lapor::detail {

inline bool one_edit_apart(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i])
    ++i;
  if (a.size() == b.size()) {
    if (i == a.size()) return false;                      // equal
    if (a.substr(i + 1) == b.substr(i + 1)) return true;  // substitution
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
           a.substr(i + 2) == b.substr(i + 2);  // neighbours swapped
  }
  return a.substr(i) == b.substr(i + 1);  // one inserted into a gives b
}

}  // namespace lapord::lapor::detail
