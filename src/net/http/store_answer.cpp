#include "lapord/net/http/store_answer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "lapord/net/http/retry_timing.hpp"

namespace lapord::net::http {

namespace {

// The answer a store writes most: exactly {"tracking_id":"…"} with a non-empty id of printable
// ASCII other than '"' and '\\'. Its result is what boost::json gives for it (the id needs no
// unescaping and is valid UTF-8); every other body, however close, goes to boost::json, which
// also allocates its object tree (~1.4k instructions per forward against ~100 here).
std::optional<std::string> plain_tracking_id(std::string_view body) {
  constexpr std::string_view head = R"({"tracking_id":")";
  constexpr std::string_view tail = R"("})";
  if (body.size() <= head.size() + tail.size() || !body.starts_with(head) ||
      !body.ends_with(tail)) {
    return std::nullopt;
  }
  const std::string_view id = body.substr(head.size(), body.size() - head.size() - tail.size());
  for (const char c : id) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return std::nullopt;
  }
  return std::string(id);
}

}  // namespace

std::optional<std::string> tracking_id_by_json(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* id = v.as_object().if_contains("tracking_id");
  if (id == nullptr) return std::nullopt;
  if (id->is_string() && !id->as_string().empty()) return std::string(id->as_string());
  if (id->is_int64()) return std::to_string(id->as_int64());
  if (id->is_uint64()) return std::to_string(id->as_uint64());
  return std::nullopt;
}

std::optional<std::string> tracking_id_of(std::string_view body) {
  if (auto id = plain_tracking_id(body)) return id;
  return tracking_id_by_json(body);
}

forward_outcome classify_store_answer(unsigned http_status, std::string_view body,
                                      std::optional<std::string_view> retry_after,
                                      std::chrono::system_clock::time_point now) {
  forward_outcome o;
  o.http_status = http_status;
  if (http_status == 200 || http_status == 201) {
    o.verdict = forward_verdict::taken;
    o.tracking_id = tracking_id_of(body);
    return o;
  }
  if (http_status == 409) {
    o.verdict = forward_verdict::taken;  // taken before under this Idempotency-Key
    return o;
  }
  if (http_status >= 400 && http_status < 500) {
    o.verdict = forward_verdict::parked;
    o.detail = std::string(body.substr(0, kept_answer_limit));
    return o;
  }
  // 5xx, and anything the contract does not name (other 2xx, 1xx, 3xx): try again; an
  // operator sees the status in the outbox's last error.
  o.verdict = forward_verdict::retry;
  o.detail = "HTTP " + std::to_string(http_status);
  if (!body.empty()) o.detail += ": " + std::string(body.substr(0, 200));
  if (retry_after) o.retry_after = parse_retry_after(*retry_after, now);
  return o;
}

forward_outcome classify_transport_failure(std::string_view what) {
  forward_outcome o;
  o.verdict = forward_verdict::retry;
  o.detail = std::string(what);
  return o;
}

}  // namespace lapord::net::http
