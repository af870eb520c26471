#pragma once
// USSD dialogues in the running daemon (docs/ussd.md, "Wiring it into the daemon"): a deliver_sm
// that is USSD for its carrier's profile is answered ESME_ROK at once and handed to that
// carrier's gateway on the pipeline's thread; the screens go out as submit_sm on the same carrier
// (not through the SMS outbox: a screen is useless later); a filing is one store transaction
// exactly like an SMS complaint's (channel "ussd", its SMS acknowledgement queued as an ordinary
// reply); a status lookup follows the CEK rule. A dialogue is kept in the store between two
// screens (ussd_state_store.hpp), so a restart or another instance on the same store goes on
// with it.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "lapord/app/mo/mo_ingest.hpp"
#include "lapord/app/mo/mo_path.hpp"
#include "lapord/app/ussd/ussd_setup.hpp"
#include "lapord/net/mo_handler.hpp"
#include "lapord/net/mt_sender.hpp"
#include "lapord/store/database.hpp"

namespace spdlog {
class logger;
}

namespace lapord::app {

namespace ops {
struct lapord_metrics;
}

class ussd_path {
 public:
  // Every gateway call runs on `executor` (one thread: the gateways are not thread-safe); one
  // gateway per carrier, made when its first USSD message arrives. `db`, `mt` and the service
  // in `context` must outlive the path, and `metrics` when given (it then gets
  // lapord_ussd_dialogues_open{carrier} after every gateway call and sweep).
  ussd_path(boost::asio::any_io_executor executor, store::database& db, ingest_context context,
            std::shared_ptr<const ussd_menu> menu, net::mt_sender& mt, mo_path_hooks hooks,
            std::shared_ptr<spdlog::logger> log, ops::lapord_metrics* metrics = nullptr);
  // Destroy it once the executor runs no more (its io_context stopped), before that io_context.
  ~ussd_path();
  ussd_path(const ussd_path&) = delete;
  ussd_path& operator=(const ussd_path&) = delete;

  // Network thread. A USSD deliver_sm is answered ESME_ROK, queued for its gateway, and true is
  // returned (message and done are then consumed); anything else is left untouched (false).
  bool take(net::mo_message& message, net::mo_completion& done);

  // A reload's new menu: dialogues begun from now on get it; those in progress finish on the
  // menu they began with (docs/ussd.md). Thread-safe.
  void replace_menu(std::shared_ptr<const ussd_menu> menu);
  // The menu new dialogues get. Thread-safe.
  [[nodiscard]] std::shared_ptr<const ussd_menu> menu() const;

  // Starts the once-a-second expiry of idle dialogues.
  void start();
  // No more gateway work; the expiry timer stops. Thread-safe.
  void stop();

  // Open dialogues of one carrier / of all (for metrics and tests). Thread-safe.
  [[nodiscard]] std::size_t open_dialogues(std::string_view carrier) const;
  [[nodiscard]] std::size_t open_dialogues() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace lapord::app
