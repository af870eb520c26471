#pragma once
// The store seen through the interfaces of the HTTP layer: the forwarder's outbox and the
// callback API's complaint_events. Every call is one work item on the store's writer thread
// (the forwarder's outcomes: one item for all that finished meanwhile); each `done` runs there
// after the commit (the HTTP layer posts back to its own executor).
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "lapord/app/mo/service_holder.hpp"
#include "lapord/lapor/service.hpp"
#include "lapord/net/http/complaint_events.hpp"
#include "lapord/net/http/outbox.hpp"
#include "lapord/store/database.hpp"

namespace spdlog {
class logger;
}

namespace lapord::app {

// The backend's log lines (libpq's notices, why a reconnect failed) into `log` at their level,
// not stderr; a notice may quote a row: its phone numbers are masked.
std::function<void(store::backend_log, std::string_view)> store_log_hook(
    std::shared_ptr<spdlog::logger> log);

class store_outbox final : public net::http::outbox {
 public:
  // `lease` must be longer than a complaint can spend queued plus sent (net::http::forward_lease
  // of the forwarder's settings): an item not reported within it is due again, to any instance.
  store_outbox(store::database& db, std::chrono::milliseconds lease,
               std::shared_ptr<spdlog::logger> log);

  // How long a forward stays leased to this process once taken.
  [[nodiscard]] std::chrono::milliseconds lease() const { return lease_; }

  void take_due(clock::time_point now, std::size_t limit,
                std::function<void(std::vector<net::http::outbox_item>)> done) override;
  void forwarded(std::string ref, unsigned http_status, std::optional<std::string> tracking_id,
                 std::function<void()> done) override;
  void parked(std::string ref, unsigned http_status, std::string answer,
              std::function<void()> done) override;
  void retry_later(std::string ref, clock::time_point next_at, std::string error,
                   unsigned http_status, std::function<void()> done) override;

 private:
  struct outcome;
  struct outcomes;
  struct record_item;
  void record(outcome o);

  store::database& db_;
  std::chrono::milliseconds lease_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<outcomes> outcomes_;  // shared with the queued record item
};

// Events from the national store: stored once (same ref, status and at), the complaint's status
// follows, and the reporter gets a notification SMS unless they sent STOP; all in one
// transaction. `reply_queued` runs after a commit that queued a notification.
class store_complaint_events final : public net::http::complaint_events {
 public:
  // Each event uses the service `services` holds when it arrives.
  store_complaint_events(store::database& db, const service_holder& services,
                         std::function<void()> reply_queued, std::shared_ptr<spdlog::logger> log);

  void add_event(std::string ref, net::http::complaint_event event,
                 std::function<void(net::http::event_result)> done) override;
  void find_complaint(
      std::string ref,
      std::function<void(net::http::lookup_result, net::http::complaint_view)> done) override;

 private:
  store::database& db_;
  const service_holder& services_;
  std::function<void()> reply_queued_;
  std::shared_ptr<spdlog::logger> log_;
};

// The store's view of a complaint in the API's words (exposed for tests).
[[nodiscard]] net::http::complaint_view to_api_view(const store::complaint_view& v);

// What one applied event does besides being stored: the notification text for the reporter, or
// nothing when they opted out. Runs inside the event's transaction (exposed for tests).
struct event_effect {
  store::event_outcome outcome = store::event_outcome::unknown_ref;
  bool notified = false;
};
event_effect apply_event(store::transaction& tx, const lapor::service& service,
                         std::string_view ref, const net::http::complaint_event& event,
                         store::wall_time now);

}  // namespace lapord::app
