#pragma once
// The admin API's words on the wire: query strings and bodies read strictly (a clear error
// for anything unknown or malformed), store records written as JSON. Pure: no I/O, no clock.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

#include "lapord/net/carrier_links.hpp"
#include "lapord/net/http/forwarder.hpp"
#include "lapord/store/database.hpp"

namespace lapord::app::admin {

// A request the API refuses: 400 with this code and message.
struct bad_request {
  std::string code;  // "unknown_parameter", "bad_parameter", "bad_body", ...
  std::string message;
};

// `name=value&...` percent-decoded ('+' is a space). A repeated or empty name is an error.
[[nodiscard]] std::variant<std::vector<std::pair<std::string, std::string>>, bad_request>
parse_query(std::string_view query);

// GET /admin/v1/complaints: status, institution, forwarding, since (RFC 3339), limit
// (1..max_limit, default 20), unmask.
struct list_request {
  store::complaint_filter filter;
  bool unmask = false;
};
[[nodiscard]] std::variant<list_request, bad_request> parse_list_query(std::string_view query,
                                                                       int max_limit);

// GET /admin/v1/complaints/{ref}: unmask only.
[[nodiscard]] std::variant<bool, bad_request> parse_unmask_query(std::string_view query);

// GET /admin/v1/parked: limit (1..max_limit, default 100).
[[nodiscard]] std::variant<int, bad_request> parse_parked_query(std::string_view query,
                                                                int max_limit);

// POST .../drop: an empty body, or {"reason": "..."} (at most 200 bytes).
[[nodiscard]] std::variant<std::string, bad_request> parse_drop_body(std::string_view body);

// POST /admin/v1/send: {"carrier", "to", "text", "from"?}.
struct send_request {
  std::string carrier;
  std::string to;  // E.164 with '+', normalised from what was given
  std::string text;
  std::optional<std::string> from;
};
[[nodiscard]] std::variant<send_request, bad_request> parse_send_body(std::string_view body);

// --- answers -------------------------------------------------------------------------------

struct status_facts {
  std::vector<net::bind_state> binds;
  bool binds_known = false;  // false: the daemon gave no bind states (none configured here)
  store::queue_counts queues;
  store::writer_stats writer;
  int schema_version = 0;
  std::optional<net::http::forwarder_stats> forwarder;  // nullopt: no [store_api]
};
[[nodiscard]] boost::json::object status_json(const status_facts& facts);

[[nodiscard]] boost::json::object summary_json(const store::complaint_summary& s, bool unmask);
[[nodiscard]] boost::json::object complaint_json(const store::complaint_view& view,
                                                 const std::vector<store::reply_record>& replies,
                                                 bool unmask);
[[nodiscard]] boost::json::object parked_json(const store::parked_forward& p);

// "pending", ..., and "held" for a complaint never queued.
[[nodiscard]] std::string_view forwarding_name(const std::optional<store::forward_state>& s);

}  // namespace lapord::app::admin
