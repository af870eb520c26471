#include "lapord/net/http/complaint_api.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace lapord::net::http {
namespace {

bool is_json_media_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  auto type = content_type.substr(0, semi);
  while (!type.empty() && type.back() == ' ')
    type.remove_suffix(1);
  constexpr std::string_view json = "application/json";
  if (type.size() != json.size()) return false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = type[i] >= 'A' && type[i] <= 'Z' ? static_cast<char>(type[i] + 32) : type[i];
    if (c != json[i]) return false;
  }
  return true;
}

api_answer json_answer(unsigned status, const boost::json::object& o) {
  api_answer a;
  a.status = status;
  a.body = boost::json::serialize(o);
  return a;
}

api_answer store_unavailable() {
  auto a = error_answer(503, "store_unavailable",
                        "the gateway could not reach its store; nothing was applied, try again");
  a.headers.emplace_back("Retry-After", "1");
  return a;
}

api_answer unknown_ref(std::string_view ref) {
  return error_answer(404, "unknown_ref", "no complaint with ref " + std::string(ref));
}

void post_event(complaint_events& events, api_request request, const api_reply& reply) {
  const std::string ref = request.params.at("ref");
  if (!is_json_media_type(request.content_type)) {
    reply(error_answer(415, "unsupported_media_type", "Content-Type must be application/json"));
    return;
  }
  auto parsed = parse_complaint_event(request.body);
  if (auto* error = std::get_if<event_error>(&parsed)) {
    const unsigned status = error->code == "body_too_large" ? 413 : 400;
    reply(error_answer(status, error->code, error->message));
    return;
  }
  auto event = std::get<complaint_event>(std::move(parsed));
  boost::json::object ok{{"ref", ref}, {"status", to_string(event.status)}, {"at", event.at_text}};
  events.add_event(ref, std::move(event),
                   [reply, ref, ok = std::move(ok)](event_result result) mutable {
                     switch (result) {
                       case event_result::applied:
                         ok["result"] = "applied";
                         reply(json_answer(201, ok));
                         return;
                       case event_result::duplicate:
                         ok["result"] = "duplicate";
                         reply(json_answer(200, ok));
                         return;
                       case event_result::unknown_ref:
                         reply(unknown_ref(ref));
                         return;
                       case event_result::failed:
                         break;
                     }
                     reply(store_unavailable());
                   });
}

void get_complaint(complaint_events& events, const api_request& request, const api_reply& reply) {
  const std::string ref = request.params.at("ref");
  events.find_complaint(ref, [reply, ref](lookup_result result, const complaint_view& view) {
    switch (result) {
      case lookup_result::found: {
        api_answer a;
        a.body = complaint_view_json(view);
        reply(std::move(a));
        return;
      }
      case lookup_result::unknown_ref:
        reply(unknown_ref(ref));
        return;
      case lookup_result::failed:
        break;
    }
    reply(store_unavailable());
  });
}

boost::json::value optional_json(const std::optional<std::string>& s) {
  if (s) return boost::json::value(*s);
  return nullptr;
}

}  // namespace

std::string complaint_view_json(const complaint_view& view) {
  boost::json::object o;
  o["ref"] = view.ref;
  o["status"] = view.status;
  boost::system::error_code ec;
  auto complaint = boost::json::parse(view.complaint, ec);
  o["complaint"] = ec ? boost::json::value(nullptr) : std::move(complaint);
  o["routed_by"] = view.routed_by;
  boost::json::array events;
  for (const auto& e : view.events) {
    events.push_back(boost::json::object{{"status", e.status},
                                         {"at", e.at},
                                         {"institution", optional_json(e.institution)},
                                         {"message", optional_json(e.message)}});
  }
  o["events"] = std::move(events);
  const auto& f = view.forward;
  boost::json::object forwarding{{"state", f.state},
                                 {"attempts", f.attempts},
                                 {"tracking_id", optional_json(f.tracking_id)},
                                 {"next_attempt_at", optional_json(f.next_attempt_at)},
                                 {"last_error", optional_json(f.last_error)}};
  if (f.http_status) {
    forwarding["http_status"] = *f.http_status;
  } else {
    forwarding["http_status"] = nullptr;
  }
  o["forwarding"] = std::move(forwarding);
  return boost::json::serialize(o);
}

void add_complaint_routes(api_router& router, complaint_events& events) {
  router.add("POST", "/v1/complaints/{ref}/events", route_access::token_required,
             [&events](api_request request, const api_reply& reply) {
               post_event(events, std::move(request), reply);
             });
  router.add("GET", "/v1/complaints/{ref}", route_access::token_required,
             [&events](const api_request& request, const api_reply& reply) {
               get_complaint(events, request, reply);
             });
}

}  // namespace lapord::net::http
