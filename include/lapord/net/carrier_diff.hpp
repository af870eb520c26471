#pragma once
// What a new carrier list changes against the running one, by carrier name: the rule behind
// applying a reloaded configuration without touching the binds that did not change. Pure.
#include <string>
#include <vector>

#include "lapord/net/carrier_settings.hpp"

namespace lapord::net {

struct carrier_diff {
  std::vector<std::string> added;      // in the new list only: start its binds
  std::vector<std::string> removed;    // in the running list only: drain, unbind, forget
  std::vector<std::string> changed;    // in both with any setting different: drain, then rebind
  std::vector<std::string> untouched;  // the same in both: its binds are left alone

  [[nodiscard]] bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

// Names keep the order of the list they come from (removed: the running list; the others: the
// new one). Carrier names are unique in each list (the configuration reader checks it).
[[nodiscard]] carrier_diff diff_carriers(const std::vector<carrier_settings>& running,
                                         const std::vector<carrier_settings>& fresh);

// The [[carrier]] keys whose values differ between two settings of one carrier, for the log
// ("port", "window", "password", ...; never a value).
[[nodiscard]] std::vector<std::string> changed_keys(const carrier_settings& running,
                                                    const carrier_settings& fresh);

}  // namespace lapord::net
