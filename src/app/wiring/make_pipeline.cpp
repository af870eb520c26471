// lapord's MO handler when the configuration has a [store] table: the pipeline with the
// complaint service it runs over, which a reload swaps (the reloadable the daemon calls).
#include <malloc.h>

#include <spdlog/logger.h>

#include "lapord/app/config/service_reload.hpp"
#include "lapord/app/config/service_setup.hpp"
#include "lapord/app/config/ussd_config.hpp"
#include "lapord/app/wiring/pipeline.hpp"
#include "lapord/app/wiring/reloadable.hpp"

namespace lapord::app {
namespace {

// The service, its holder and the ref generator live as long as the pipeline that uses them.
// A reload loads a new service from the re-read [service] table and swaps it into the holder;
// the ref generator is the one made at start (a new key would repeat refs).
class owning_pipeline final : public net::mo_handler, public reloadable {
 public:
  owning_pipeline(service_section section, service_setup setup, pipeline_settings settings,
                  net::mt_sender& mt, const pipeline_loggers& loggers, const daemon_hooks& hooks)
      : section_(std::move(section)),
        sources_(setup.sources),
        refs_(std::move(*setup.refs)),
        services_(std::make_shared<const lapor::service>(std::move(setup.service))),
        with_ussd_(settings.ussd.has_value()),
        pipeline_(std::move(settings), services_, refs_, mt, loggers, hooks) {}

  void on_mo(net::mo_message&& message, net::mo_completion done) override {
    pipeline_.on_mo(std::move(message), std::move(done));
  }

  reload_plan prepare_reload(const toml::table& document, const std::string& file) override {
    const service_section fresh = read_service_section(document, file);
    // Every file is read again (its content may have changed under the same name), and a new
    // service is loaded whole before anything is swapped: a broken file throws here.
    service_setup next = load_service(for_reload(fresh, section_), false);
    const service_changes changes = compare_service(section_, sources_, fresh, next.sources);
    reload_plan plan;
    plan.need_restart = changes.need_restart;
    std::shared_ptr<const lapor::service> service;
    if (changes.swap()) {
      plan.applied = changes.applied;
      service = std::make_shared<const lapor::service>(std::move(next.service));
    }
    auto menu = prepare_ussd(document, file, service, plan);
    if (!service && !menu) return plan;
    plan.commit = [this, service, menu, fresh, sources = next.sources]() mutable {
      if (menu) pipeline_.replace_ussd_menu(std::move(menu));
      if (!service) return;
      services_.replace(std::move(service));
      // The ref settings stay those of the start: they are compared again at the next reload.
      const service_section running = section_;
      section_ = fresh;
      section_.ref_digits = running.ref_digits;
      section_.ref_key = running.ref_key;
      section_.ref_key_env = running.ref_key_env;
      sources_ = sources;
    };
    return plan;
  }

 private:
  // A new USSD menu when [ussd], its screens file or the service under it changed (null when
  // nothing did). Loads and checks the screens whole: a broken file throws config_error here,
  // before anything is swapped.
  std::shared_ptr<const ussd_menu> prepare_ussd(
      const toml::table& document, const std::string& file,
      const std::shared_ptr<const lapor::service>& service, reload_plan& plan) {
    if (with_ussd_ != ussd_configured(document)) {
      plan.need_restart.emplace_back(with_ussd_ ? "[ussd] removed (dialogues go on until then)"
                                                : "[ussd] added (no dialogues until then)");
      return nullptr;
    }
    const auto running = pipeline_.ussd_menu_now();
    if (!with_ussd_ || !running) return nullptr;
    auto settings = read_ussd_section(document, file);
    auto menu = std::make_shared<const ussd_menu>(std::move(settings),
                                                  service ? service : services_.current());
    if (!service && menu->settings == running->settings &&
        menu->engine.texts() == running->engine.texts()) {
      return nullptr;
    }
    plan.applied.push_back(
        "USSD menu reloaded (" + menu->settings.screens +
        "): new dialogues get it, those in progress finish on the one they began with");
    return menu;
  }

  service_section section_;  // as last applied (its ref keys: as at start)
  service_sources sources_;
  lapor::ref_generator refs_;
  service_holder services_;
  bool with_ussd_;
  pipeline pipeline_;
};

}  // namespace

std::unique_ptr<net::mo_handler> make_pipeline(const toml::table& document,
                                               const std::string& config_file, net::mt_sender& mt,
                                               const pipeline_loggers& loggers,
                                               const daemon_hooks& hooks) {
  pipeline_settings settings;
  settings.config_file = config_file;
  settings.store = read_store_section(document, config_file);
  settings.store_api = read_store_api_section(document, config_file);
  settings.api = read_api_section(document, config_file);
  if (ussd_configured(document)) settings.ussd = read_ussd_section(document, config_file);
  settings.admin = read_admin_section(document, config_file);
  if (!settings.store.present) {
    loggers("store")->warn(
        "no [store] table in {}: MO are answered ESME_ROK and NOT stored (carrier link tests only)",
        config_file);
    return nullptr;
  }
  service_section section = read_service_section(document, config_file);
  service_setup setup = load_service(section, true);
  // Loading expanded the word list and the directory through many temporary strings: give
  // the freed pages back now, or they stay in lapord's RSS for its whole life.
  malloc_trim(0);
  return std::make_unique<owning_pipeline>(std::move(section), std::move(setup),
                                           std::move(settings), mt, loggers, hooks);
}

}  // namespace lapord::app
