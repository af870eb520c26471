#pragma once
// The USSD menu as the daemon runs it: the [ussd] settings and the dialogue engine over the
// complaint service (docs/ussd.md). One holder, so that a reload can swap the service and the
// engine together: new dialogues get the new pair while open ones finish on the old.
#include <memory>
#include <string>

#include <toml++/toml.h>

#include "lapord/lapor/service.hpp"
#include "lapord/lapor/ussd/engine.hpp"
#include "lapord/lapor/ussd/settings.hpp"

namespace lapord::app {

struct ussd_menu {
  // Keeps `service` alive as long as the menu. Throws config_error when the screens do not load.
  ussd_menu(lapor::ussd::ussd_settings settings, std::shared_ptr<const lapor::service> service);

  std::shared_ptr<const lapor::service> service;  // before engine, which refers to it
  lapor::ussd::ussd_settings settings;
  lapor::ussd::engine engine;
};

// USSD is served when the file has a [ussd] table; without one, USSD deliver_sm take the SMS
// path as before.
[[nodiscard]] bool ussd_configured(const toml::table& document);

// For --check-config: with a [ussd] table, reads it, loads the complaint service it needs for
// the screens' longest values and checks every screen against every profile. Throws
// config_error (file:line) like the daemon's start would.
void check_ussd_configuration(const toml::table& document, const std::string& file);

}  // namespace lapord::app
