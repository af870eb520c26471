#pragma once
// What a reload does to the complaint service: which [service] keys and which data files
// changed (applied by loading a new service and swapping it in), and which keys only a restart
// can change (the ref key and length: refs must stay unique, so the ref generator is never
// replaced). Pure: the loading itself is load_service.
#include <string>
#include <vector>

#include "lapord/app/config/service_setup.hpp"

namespace lapord::app {

struct service_changes {
  std::vector<std::string> applied;       // one log line each ("[service] templates reloaded ...")
  std::vector<std::string> need_restart;  // "[service] ref_key", ...
  [[nodiscard]] bool swap() const { return !applied.empty(); }
};

[[nodiscard]] service_changes compare_service(const service_section& running,
                                              const service_sources& running_files,
                                              const service_section& fresh,
                                              const service_sources& fresh_files);

// The section to load the new service from: `fresh` with the running ref length (the service
// reads refs in CEK with it, and the generator keeps making refs of that length).
[[nodiscard]] service_section for_reload(service_section fresh, const service_section& running);

}  // namespace lapord::app
