#pragma once
// lapord's MO path as one object the daemon plugs in as its mo_handler: the store (SQLite, one
// writer thread), the MO work items (ack after commit), the reply sender, the forwarder to the
// national store, the callback API and the periodic release of incomplete long messages. The
// HTTP parts and the reply sender run on the pipeline's own thread; the network thread only
// decodes and queues.
#include <functional>
#include <memory>
#include <string>

#include <toml++/toml.h>

#include "lapord/app/config/pipeline_config.hpp"
#include "lapord/app/mo/mo_path.hpp"
#include "lapord/app/mo/service_holder.hpp"
#include "lapord/app/replies/reply_sender.hpp"
#include "lapord/app/ussd/ussd_setup.hpp"
#include "lapord/app/wiring/daemon_hooks.hpp"
#include "lapord/lapor/ref.hpp"
#include "lapord/lapor/service.hpp"
#include "lapord/lapor/ussd/settings.hpp"
#include "lapord/net/mo_handler.hpp"
#include "lapord/net/mt_sender.hpp"

namespace spdlog {
class logger;
}

namespace lapord::app {

struct pipeline_settings {
  store_section store;
  std::optional<net::http::store_api_settings> store_api;  // nullopt: no forwarding
  std::optional<net::http::api_settings> api;              // nullopt: no callback API
  admin_section admin;                                     // the operator's listener
  std::string config_file;                                 // for error messages
  std::optional<lapor::ussd::ussd_settings> ussd;          // nullopt: no [ussd], no dialogues
};

// Gives the logger of a part ("store", "replies", "forward", "api", "mo").
using pipeline_loggers = std::function<std::shared_ptr<spdlog::logger>(const std::string&)>;

class pipeline final : public net::mo_handler {
 public:
  // Opens the store (throws store::store_error), resolves the tokens (throws config_error) and
  // starts the writer, the pipeline thread, the forwarder, the API and the reply sender.
  // `services` and `refs` must outlive the pipeline; `mt` and the hooks' objects too. Each MO,
  // batch of expired parts and callback event uses the service `services` holds when it starts
  // (a reload swaps it); a USSD dialogue uses the menu (and its service) it began with.
  pipeline(pipeline_settings settings, const service_holder& services,
           const lapor::ref_generator& refs, net::mt_sender& mt, const pipeline_loggers& loggers,
           const daemon_hooks& hooks = {});
  // Stops the API and the forwarder, lets queued store work finish, closes the file.
  ~pipeline() override;
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;

  void on_mo(net::mo_message&& message, net::mo_completion done) override;

  // The callback API's bound port (0 when there is no API).
  [[nodiscard]] std::uint16_t api_port() const;
  // The admin listener's bound port (0 when [admin] listen = "").
  [[nodiscard]] std::uint16_t admin_port() const;
  [[nodiscard]] mo_path_stats mo_stats() const;

  // The USSD menu new dialogues get (null without [ussd]), and its replacement by a reload:
  // dialogues in progress finish on the menu they began with. Thread-safe.
  [[nodiscard]] std::shared_ptr<const ussd_menu> ussd_menu_now() const;
  void replace_ussd_menu(std::shared_ptr<const ussd_menu> menu);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Everything the daemon needs from its parsed configuration: reads [service], [store],
// [store_api], [api], [ussd] and [admin] (config_error on any problem), loads the complaint
// service and builds the pipeline. Returns nullptr when the file has no [store] table: the daemon
// then keeps its logging handler (a test setup of carrier links only, with no admin listener).
std::unique_ptr<net::mo_handler> make_pipeline(const toml::table& document,
                                               const std::string& config_file, net::mt_sender& mt,
                                               const pipeline_loggers& loggers,
                                               const daemon_hooks& hooks = {});

}  // namespace lapord::app
