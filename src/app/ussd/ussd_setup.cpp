#include "lapord/app/ussd/ussd_setup.hpp"

#include "lapord/app/config/service_setup.hpp"
#include "lapord/app/config/ussd_config.hpp"

namespace lapord::app {

namespace ussd = lapor::ussd;

ussd_menu::ussd_menu(ussd::ussd_settings s, std::shared_ptr<const lapor::service> svc)
    : service(std::move(svc)),
      settings(std::move(s)),
      engine(*service, load_screens(settings, *service), ussd::engine_options{settings.timeout}) {}

bool ussd_configured(const toml::table& document) {
  return document.contains("ussd");
}

void check_ussd_configuration(const toml::table& document, const std::string& file) {
  ussd::ussd_settings settings = read_ussd_section(document, file);
  if (!ussd_configured(document)) return;
  // The screens are checked with the directory's longest names: the service is needed.
  service_setup setup = load_service(read_service_section(document, file), false);
  (void)ussd_menu(std::move(settings),
                  std::make_shared<const lapor::service>(std::move(setup.service)));
}

}  // namespace lapord::app
