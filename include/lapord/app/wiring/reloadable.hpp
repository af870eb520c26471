#pragma once
// A part of the running daemon that takes a re-read configuration without a restart (the
// store-backed pipeline: its complaint service). Two steps, so a reload is all or nothing:
// prepare_reload loads everything the new file names and may fail; commit swaps it in and
// cannot fail. The daemon calls both on its network thread, one reload at a time.
#include <functional>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace lapord::app {

struct reload_plan {
  std::vector<std::string> applied;       // one line each for the log: what commit changes
  std::vector<std::string> need_restart;  // what differs but is only read at start
  std::function<void()> commit;           // empty when there is nothing to swap
};

class reloadable {
 public:
  virtual ~reloadable() = default;
  // Reads the tables this part owns from `document` and the files they name; changes nothing.
  // Throws config_error (file and line: of the configuration, or of a broken data file).
  virtual reload_plan prepare_reload(const toml::table& document, const std::string& file) = 0;
};

}  // namespace lapord::app
