#pragma once
// What the callback API needs from the complaint store, in the domain's words. The store layer
// owns it (one writer thread); the integration adapts it in a few lines: apply an event
// (status history, complaint status, the notification SMS to the reporter unless opted out, all
// in one transaction: nothing half-applied) and read a complaint's view for GET.
//
// Threads: called from the API server's executor; each `done` may be called from any thread,
// exactly once.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lapord/net/http/complaint_event.hpp"

namespace lapord::net::http {

enum class event_result {
  applied,      // stored for the first time (answer 201)
  duplicate,    // same ref, status and at already stored: nothing done again (answer 200)
  unknown_ref,  // no such complaint (answer 404)
  failed,       // the store could not commit; nothing applied, the caller may retry (503)
};

enum class lookup_result {
  found,
  unknown_ref,  // answer 404
  failed,       // the store could not read (answer 503)
};

struct complaint_view {
  struct event {
    std::string status;
    std::string at;  // RFC 3339
    std::optional<std::string> institution;
    std::optional<std::string> message;
  };
  struct forwarding {
    std::string state;  // "pending", "forwarded", "parked", "dropped" or "held"
    unsigned attempts = 0;
    std::optional<std::string> tracking_id;      // the store's, once forwarded
    std::optional<std::string> next_attempt_at;  // RFC 3339, while pending
    std::optional<std::string> last_error;       // the last failure, or the parking answer
    std::optional<unsigned> http_status;         // of the parking answer
  };

  std::string ref;
  std::string status;     // the latest status ("new" before any event, or as the store names it)
  std::string complaint;  // the complaint's JSON as forwarded (complaint_body); embedded as is
  // How the gateway routed it: "keyword", "addressee" (`Yth Bupati Sleman, ...`) or "national".
  // Not in the forwarded body (store-api.md has no field for it); shown here for the store.
  std::string routed_by = "national";
  std::vector<event> events;  // oldest first
  forwarding forward;
};

class complaint_events {
 public:
  virtual ~complaint_events() = default;

  virtual void add_event(std::string ref, complaint_event event,
                         std::function<void(event_result)> done) = 0;

  // `view` is meaningful only with lookup_result::found.
  virtual void find_complaint(std::string ref,
                              std::function<void(lookup_result, complaint_view view)> done) = 0;
};

}  // namespace lapord::net::http
