#pragma once
// How the configuration readers look up the variables its `*_env` keys name: the daemon reads
// the real environment, tests give a map.
#include <functional>
#include <optional>
#include <string>

namespace lapord::app {

// nullopt when the variable is not set.
using environment_lookup = std::function<std::optional<std::string>(const std::string&)>;
[[nodiscard]] std::optional<std::string> process_environment(const std::string& name);

}  // namespace lapord::app
