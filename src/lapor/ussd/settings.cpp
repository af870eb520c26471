#include "lapord/lapor/ussd/settings.hpp"

namespace lapord::lapor::ussd {

const profile& ussd_settings::profile_for(std::string_view carrier) const {
  auto c = carrier_profiles.find(carrier);
  auto p = profiles.find(c != carrier_profiles.end() ? std::string_view(c->second)
                                                     : std::string_view("default"));
  if (p == profiles.end()) p = profiles.find(std::string_view("default"));
  return p->second;
}

}  // namespace lapord::lapor::ussd
