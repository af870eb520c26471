#pragma once
// The operator's admin API, served on the admin listener beside /metrics and /healthz
// (docs/operations.md, "laporctl"). Every route needs the admin token and answers JSON; errors
// are {"error": code, "message": text}.
//
//   GET  /admin/v1/status                    binds, queues, outbox, store writer, forwarder
//   GET  /admin/v1/complaints                ?status= &institution= &forwarding= &since= &limit=
//                                            &unmask=  newest first
//   GET  /admin/v1/complaints/{ref}          ?unmask=  events, forwarding, replies
//   GET  /admin/v1/parked                    ?limit=   parked forwards with the store's answer
//   POST /admin/v1/parked/{ref}/retry        back to pending, due now        (404, 409)
//   POST /admin/v1/parked/{ref}/drop         {"reason"} optional; kept whole (404, 409)
//   POST /admin/v1/send                      {"carrier","to","text","from"}: a test SMS
//   POST /admin/v1/reload                    what SIGHUP does; 503 while the daemon has none
//
// Phone numbers are masked (lapor::mask_msisdn) unless the request says unmask=1; an unmasked
// read is logged, without the number. Blocking daemon operations (bind states, reload, the
// store's answers) run on the API's own thread, never on the HTTP thread.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lapord/app/mo/carrier_profiles.hpp"
#include "lapord/net/carrier_links.hpp"
#include "lapord/net/http/api_router.hpp"
#include "lapord/net/http/forwarder.hpp"
#include "lapord/net/mt_sender.hpp"
#include "lapord/store/database.hpp"
#include "lapord/text/segmentation.hpp"

namespace spdlog {
class logger;
}

namespace lapord::app {

// What the routes use of the daemon. Everything must outlive the admin_api.
struct admin_backend {
  store::database* db = nullptr;  // required
  // daemon_hooks::bind_states; empty: status shows "binds": null and send does not check.
  std::function<std::vector<net::bind_state>()> bind_states;
  // daemon_hooks::reload; empty: POST /admin/v1/reload answers 503 "reload not available".
  std::function<std::string()> reload;
  net::mt_sender* mt = nullptr;          // null: send answers 503
  std::function<void()> forward_queued;  // wakes the forwarder after a retry (may be empty)
  std::function<std::optional<net::http::forwarder_stats>()> forwarder;  // may be empty
  std::shared_ptr<spdlog::logger> log;                                   // required
  const carrier_profiles* carriers = nullptr;  // a test SMS's sender per carrier; may be null
  // Keeps a test SMS's deadline: `give_up` is to run once `timeout` has passed, or at once when
  // the API stops. Empty: the API's own thread keeps it on the steady clock. Tests script it,
  // so they need no real clock.
  std::function<void(std::chrono::milliseconds timeout, std::function<void()> give_up)>
      send_deadline;
};

struct admin_settings {
  std::string service_number = "1708";  // a test SMS's sender unless the request names one
  text::concat_method concat = text::concat_method::udh;
  // Below the listener's request timeout, so the operator hears "no answer" from us.
  std::chrono::milliseconds send_timeout{8000};
  int max_limit = 1000;  // rows a list may ask for
};

class admin_api {
 public:
  admin_api(admin_backend backend, admin_settings settings);
  // Answers what is still waiting (503 for queued requests, 504 for a send without answer)
  // and joins the API's thread.
  ~admin_api();
  admin_api(const admin_api&) = delete;
  admin_api& operator=(const admin_api&) = delete;

  struct impl;

 private:
  friend void add_admin_routes(net::http::api_router& router, admin_api& api);
  std::shared_ptr<impl> impl_;
};

// Adds every /admin/v1 route (token_required) to `router`. The routes keep what they need
// alive; after `api` is gone they answer 503.
void add_admin_routes(net::http::api_router& router, admin_api& api);

}  // namespace lapord::app
