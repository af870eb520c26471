#pragma once
// What a configuration needs from the machine it runs on, checked all at once: every secret
// variable a `*_env` key names and every file lapord will read. The table readers stop at the
// first problem; an operator setting up a new host wants the whole list in one go (issue 12
// item 11, issue 15 item 6). Also the warnings a good file can still deserve.
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "lapord/app/config/config.hpp"

namespace lapord::app {

struct config_findings {
  // One "FILE:LINE: what" line each: a secret variable that is not set (or empty), a file that
  // cannot be opened for reading. Any of them stops lapord (exit 2). Never a secret's value.
  std::vector<config_error> problems;
  // One "FILE:LINE: what" line each; lapord runs anyway.
  std::vector<std::string> warnings;
};

// Checks `document` (read from `file`; relative paths are relative to its folder) against the
// environment and the file system. Only tables lapord uses count: the carriers always, the
// rest ([service], [store_api], [api], [admin], [ussd]) when there is a [store] table.
[[nodiscard]] config_findings check_environment(
    const toml::table& document, const std::string& file,
    const environment_lookup& environment = process_environment);

// True when a "host:port" listener address only accepts connections from this machine.
[[nodiscard]] bool listens_on_loopback(const std::string& listen);

}  // namespace lapord::app
