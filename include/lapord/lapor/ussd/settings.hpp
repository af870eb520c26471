#pragma once
// The USSD menu's settings as plain data: the dialogue limits, the profiles and each carrier's
// choice of profile. app/config reads them from lapord.toml ([ussd] and each [[carrier]]'s
// ussd_profile, docs/configuration.md); the engine and the gateways take them as they are.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "lapord/lapor/ussd/profile.hpp"

namespace lapord::lapor::ussd {

struct ussd_settings {
  std::string file;     // the configuration file, for messages
  std::string screens;  // the screens file, resolved against the configuration's folder
  int line_of_screens = 0;
  std::chrono::seconds timeout{180};
  std::size_t max_dialogues = 100'000;
  std::map<std::string, profile, std::less<>> profiles;              // always holds "default"
  std::map<std::string, std::string, std::less<>> carrier_profiles;  // carrier -> profile name

  // The profile of a carrier: its ussd_profile, else "default".
  [[nodiscard]] const profile& profile_for(std::string_view carrier) const;

  bool operator==(const ussd_settings&) const = default;
};

}  // namespace lapord::lapor::ussd
