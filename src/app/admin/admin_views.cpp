#include "app/admin/admin_views.hpp"

#include <algorithm>
#include <charconv>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "lapord/lapor/msisdn.hpp"
#include "lapord/net/http/timestamp.hpp"

namespace lapord::app::admin {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_digit(s[i + 1]);
      const int lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// What a client may put in a query value shown back in an error: printable, short.
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64))
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

bad_request bad_parameter(std::string_view name, std::string_view why) {
  return {"bad_parameter", std::string(name) + ": " + std::string(why)};
}

std::optional<int> small_int(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<bool> flag(std::string_view s) {
  if (s == "1" || s == "true") return true;
  if (s == "0" || s == "false") return false;
  return std::nullopt;
}

template <class... Names>
std::optional<bad_request> only(const std::vector<std::pair<std::string, std::string>>& params,
                                Names... names) {
  for (const auto& [k, v] : params) {
    if (((k != names) && ...)) {
      std::string allowed;
      ((allowed += allowed.empty() ? std::string(names) : ", " + std::string(names)), ...);
      return bad_request{"unknown_parameter",
                         "unknown query parameter '" + shown(k) + "' (known: " + allowed + ")"};
    }
  }
  return std::nullopt;
}

constexpr std::string_view statuses[] = {"received",  "verified", "dispatched",
                                         "responded", "closed",   "rejected"};
constexpr std::string_view forwardings[] = {"pending", "in_flight", "forwarded",
                                            "parked",  "dropped",   "held"};

template <std::size_t N>
bool one_of(std::string_view v, const std::string_view (&set)[N]) {
  return std::find(std::begin(set), std::end(set), v) != std::end(set);
}

template <std::size_t N>
std::string list_of(const std::string_view (&set)[N]) {
  std::string out;
  for (auto s : set)
    out += out.empty() ? std::string(s) : ", " + std::string(s);
  return out;
}

bool institution_ok(std::string_view v) {
  return !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::variant<int, bad_request> limit_of(std::string_view v, int max_limit) {
  auto n = small_int(v);
  if (!n || *n < 1 || *n > max_limit)
    return bad_parameter("limit", "must be a whole number from 1 to " + std::to_string(max_limit));
  return *n;
}

value text_or_null(const std::optional<std::string>& s) {
  if (s) return value(*s);
  return nullptr;
}

value time_or_null(const std::optional<store::wall_time>& t) {
  if (t) return value(net::http::format_rfc3339(*t));
  return nullptr;
}

std::string time_text(store::wall_time t) {
  return net::http::format_rfc3339(t);
}

std::string number(std::string_view n, bool unmask) {
  return unmask ? std::string(n) : lapor::mask_msisdn(n);
}

// The body must be one JSON object with only these string members.
std::variant<object, bad_request> json_object(std::string_view body,
                                              std::initializer_list<std::string_view> known) {
  boost::system::error_code ec;
  value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return bad_request{"bad_body", "the body must be one JSON object"};
  object o = std::move(v.as_object());
  for (const auto& m : o) {
    if (std::find(known.begin(), known.end(), std::string_view(m.key())) == known.end()) {
      std::string names;
      for (auto k : known)
        names += names.empty() ? std::string(k) : ", " + std::string(k);
      return bad_request{"bad_body",
                         "unknown member '" + shown(m.key()) + "' (known: " + names + ")"};
    }
    if (!m.value().is_string())
      return bad_request{"bad_body", std::string(m.key()) + ": must be a string"};
  }
  return o;
}

std::optional<std::string> member(const object& o, std::string_view name) {
  if (const value* v = o.if_contains(name)) return std::string(v->as_string());
  return std::nullopt;
}

}  // namespace

std::variant<std::vector<std::pair<std::string, std::string>>, bad_request> parse_query(
    std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq));
    auto val =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!name || !val) return bad_request{"bad_query", "malformed percent-encoding in the query"};
    if (name->empty()) return bad_request{"bad_query", "a query parameter without a name"};
    for (const auto& [k, v] : out) {
      if (k == *name)
        return bad_request{"bad_query", "query parameter '" + shown(k) + "' given twice"};
    }
    out.emplace_back(std::move(*name), std::move(*val));
  }
  return out;
}

std::variant<list_request, bad_request> parse_list_query(std::string_view query, int max_limit) {
  auto parsed = parse_query(query);
  if (auto* e = std::get_if<bad_request>(&parsed)) return *e;
  const auto& params = std::get<0>(parsed);
  if (auto e = only(params, "status", "institution", "forwarding", "since", "limit", "unmask"))
    return *e;
  list_request r;
  for (const auto& [k, v] : params) {
    if (k == "status") {
      if (!one_of(v, statuses))
        return bad_parameter("status", "must be one of " + list_of(statuses));
      r.filter.status = v;
    } else if (k == "forwarding") {
      if (!one_of(v, forwardings))
        return bad_parameter("forwarding", "must be one of " + list_of(forwardings));
      r.filter.forwarding = v;
    } else if (k == "institution") {
      if (!institution_ok(v))
        return bad_parameter("institution", "must be an institution code, a keyword or 'national'");
      r.filter.institution = v;
    } else if (k == "since") {
      auto t = net::http::parse_rfc3339(v);
      if (!t)
        return bad_parameter("since", "must be an RFC 3339 time such as 2026-12-04T01:00:00Z");
      r.filter.since = *t;
    } else if (k == "limit") {
      auto n = limit_of(v, max_limit);
      if (auto* e = std::get_if<bad_request>(&n)) return *e;
      r.filter.limit = std::get<int>(n);
    } else {
      auto f = flag(v);
      if (!f) return bad_parameter("unmask", "must be 1, 0, true or false");
      r.unmask = *f;
    }
  }
  return r;
}

std::variant<bool, bad_request> parse_unmask_query(std::string_view query) {
  auto parsed = parse_query(query);
  if (auto* e = std::get_if<bad_request>(&parsed)) return *e;
  const auto& params = std::get<0>(parsed);
  if (auto e = only(params, "unmask")) return *e;
  if (params.empty()) return false;
  auto f = flag(params.front().second);
  if (!f) return bad_parameter("unmask", "must be 1, 0, true or false");
  return *f;
}

std::variant<int, bad_request> parse_parked_query(std::string_view query, int max_limit) {
  auto parsed = parse_query(query);
  if (auto* e = std::get_if<bad_request>(&parsed)) return *e;
  const auto& params = std::get<0>(parsed);
  if (auto e = only(params, "limit")) return *e;
  if (params.empty()) return std::min(100, max_limit);
  return limit_of(params.front().second, max_limit);
}

std::variant<std::string, bad_request> parse_drop_body(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::string();
  auto o = json_object(body, {"reason"});
  if (auto* e = std::get_if<bad_request>(&o)) return *e;
  std::string reason = member(std::get<object>(o), "reason").value_or("");
  if (reason.size() > 200) return bad_request{"bad_body", "reason: at most 200 bytes"};
  if (std::any_of(reason.begin(), reason.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    return bad_request{"bad_body", "reason: no control characters"};
  return reason;
}

std::variant<send_request, bad_request> parse_send_body(std::string_view body) {
  auto parsed = json_object(body, {"carrier", "to", "text", "from"});
  if (auto* e = std::get_if<bad_request>(&parsed)) return *e;
  const object& o = std::get<object>(parsed);
  send_request r;
  for (std::string_view name : {"carrier", "to", "text"}) {
    if (!o.contains(name)) return bad_request{"bad_body", std::string(name) + ": missing"};
  }
  r.carrier = *member(o, "carrier");
  if (r.carrier.empty() || r.carrier.size() > 64)
    return bad_request{"bad_body", "carrier: 1 to 64 characters"};
  const std::string to = *member(o, "to");
  auto e164 = lapor::to_e164(to);
  if (!e164)
    return bad_request{"bad_body", "to: not a phone number (give +62812..., 62812... or 0812...)"};
  r.to = *e164;
  r.text = *member(o, "text");
  if (r.text.empty()) return bad_request{"bad_body", "text: must not be empty"};
  if (r.text.size() > 2000) return bad_request{"bad_body", "text: at most 2000 bytes"};
  if (auto from = member(o, "from")) {
    if (from->empty() || from->size() > 20 || !std::all_of(from->begin(), from->end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        }))
      return bad_request{"bad_body", "from: 1 to 20 letters or digits"};
    r.from = std::move(from);
  }
  return r;
}

// --- answers -------------------------------------------------------------------------------

std::string_view forwarding_name(const std::optional<store::forward_state>& s) {
  return s ? store::to_string(*s) : std::string_view("held");
}

object status_json(const status_facts& f) {
  object o;
  if (f.binds_known) {
    array binds;
    for (const auto& b : f.binds)
      binds.push_back(object{{"carrier", b.carrier}, {"bind", b.bind}, {"bound", b.bound}});
    o["binds"] = std::move(binds);
  } else {
    o["binds"] = nullptr;
  }
  const auto& q = f.queues;
  o["outbox"] = object{{"pending", q.outbox_pending},
                       {"in_flight", q.outbox_in_flight},
                       {"parked", q.outbox_parked},
                       {"dropped", q.outbox_dropped}};
  o["replies"] = object{{"queued", q.replies_queued},
                        {"in_flight", q.replies_in_flight},
                        {"failed", q.replies_failed}};
  o["long_messages_waiting"] = q.part_keys;
  o["store"] = object{{"schema_version", f.schema_version},
                      {"queued", f.writer.queued},
                      {"commits", f.writer.commits},
                      {"failed_batches", f.writer.failed_batches},
                      {"failed_items", f.writer.failed_items}};
  if (f.forwarder) {
    const auto& s = *f.forwarder;
    o["forwarder"] = object{{"circuit", net::http::to_string(s.circuit)},
                            {"in_flight", s.in_flight},
                            {"forwarded", s.forwarded},
                            {"retried", s.retried},
                            {"parked", s.parked}};
  } else {
    o["forwarder"] = nullptr;
  }
  return o;
}

object summary_json(const store::complaint_summary& s, bool unmask) {
  const store::complaint& c = s.complaint;
  object o;
  o["ref"] = c.ref;
  o["created_at"] = time_text(c.created_at);
  o["channel"] = c.channel;
  o["carrier"] = c.carrier;
  o["reporter"] = number(c.reporter, unmask);
  o["confidential"] = c.confidential;
  if (c.institution) {
    o["institution"] = object{{"code", c.institution->code},
                              {"name", c.institution->name},
                              {"keyword", c.institution->keyword},
                              {"corrected", c.institution->corrected}};
  } else {
    o["institution"] = nullptr;
  }
  o["routed_by"] = c.institution ? c.institution->routed_by : "national";
  o["text"] = c.text;
  o["segments"] = c.segments;
  o["incomplete"] = c.incomplete;
  o["status"] = c.status;
  o["status_at"] = time_text(c.status_at);
  o["forwarding"] = forwarding_name(s.forwarding);
  o["tracking_id"] = text_or_null(c.tracking_id);
  return o;
}

object complaint_json(const store::complaint_view& view,
                      const std::vector<store::reply_record>& replies, bool unmask) {
  store::complaint_summary s{view.complaint, std::nullopt};
  if (view.forwarding) s.forwarding = view.forwarding->state;
  object o = summary_json(s, unmask);
  o["updated_at"] = time_text(view.complaint.updated_at);
  array events;
  for (const auto& e : view.events) {
    events.push_back(object{{"status", e.status},
                            {"at", time_text(e.at)},
                            {"institution", text_or_null(e.institution)},
                            {"message", text_or_null(e.message)},
                            {"received_at", time_text(e.received_at)}});
  }
  o["events"] = std::move(events);
  if (view.forwarding) {
    const auto& f = *view.forwarding;
    object fw{{"state", store::to_string(f.state)},
              {"attempts", f.attempts},
              {"enqueued_at", time_text(f.enqueued_at)},
              {"next_attempt_at", time_or_null(f.next_attempt_at)},
              {"last_error", text_or_null(f.last_error)},
              {"answer", text_or_null(f.answer)},
              {"done_at", time_or_null(f.done_at)},
              {"dropped_at", time_or_null(f.dropped_at)},
              {"drop_reason", text_or_null(f.drop_reason)}};
    if (f.http_status) {
      fw["http_status"] = *f.http_status;
    } else {
      fw["http_status"] = nullptr;
    }
    o["forward"] = std::move(fw);
  } else {
    o["forward"] = nullptr;
  }
  array rs;
  for (const auto& r : replies) {
    rs.push_back(object{{"id", r.id},
                        {"kind", r.kind},
                        {"carrier", r.carrier},
                        {"destination", number(r.destination, unmask)},
                        {"text", r.text},
                        {"state", store::to_string(r.state)},
                        {"attempts", r.attempts},
                        {"created_at", time_text(r.created_at)},
                        {"submitted_at", time_or_null(r.submitted_at)},
                        {"done_at", time_or_null(r.done_at)},
                        {"receipt", text_or_null(r.receipt)},
                        {"last_error", text_or_null(r.last_error)}});
  }
  o["replies"] = std::move(rs);
  return o;
}

object parked_json(const store::parked_forward& p) {
  object o{{"ref", p.ref},
           {"parked_at", time_text(p.parked_at)},
           {"enqueued_at", time_text(p.enqueued_at)},
           {"attempts", p.attempts},
           {"answer", p.answer}};
  if (p.http_status) {
    o["http_status"] = *p.http_status;
  } else {
    o["http_status"] = nullptr;
  }
  return o;
}

}  // namespace lapord::app::admin
