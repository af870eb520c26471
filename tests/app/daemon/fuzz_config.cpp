// libFuzzer target config: the input is the text of lapord.toml. It goes through what
// `lapord --check-config` and the start run on the text (no data file is opened): toml++,
// the daemon's reader ([daemon], [log], [[carrier]]), the [service] reader and the default
// service numbers, the MO path's readers ([store], [store_api], [api], [admin]) and the [ussd]
// reader with its profiles. Any input must end in a config (then read again, to the same carriers)
// or a config_error with a file:line message; any other exception, crash or hang is a finding.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "lapord/app/config/config.hpp"
#include "lapord/app/config/config_error.hpp"
#include "lapord/app/config/pipeline_config.hpp"
#include "lapord/app/config/service_setup.hpp"
#include "lapord/app/config/ussd_config.hpp"

using namespace lapord::app;

namespace {

// Every *_env names a set variable, so the readers go on past the secrets.
std::optional<std::string> any_environment(const std::string& name) {
  if (name.empty()) return std::nullopt;
  return "secret-of-" + name;
}

void read_all(std::string_view text) {
  const std::string file = "/etc/lapord/lapord.toml";
  daemon_config config = parse_config(text, file, any_environment);
  const service_section service = read_service_section(config.document, file);
  apply_default_service_numbers(config, service.service_numbers);
  (void)read_store_section(config.document, file);
  (void)read_store_api_section(config.document, file);
  (void)read_api_section(config.document, file);
  (void)read_admin_section(config.document, file);
  (void)lapord::app::read_ussd_section(config.document, file);
  // What was accepted reads the same again (nothing depends on reading order or state).
  const daemon_config again = parse_config(text, file, any_environment);
  if (again.carriers.size() != config.carriers.size() || !(again.daemon == config.daemon) ||
      !(again.log == config.log)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;  // a config file is a few KiB; toml++ is not the subject here
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    read_all(text);
  } catch (const config_error& e) {
    // Every refusal is one line saying what is wrong (FILE:LINE: ...).
    if (std::string_view(e.what()).find(": ") == std::string_view::npos) std::abort();
  }
  return 0;
}
