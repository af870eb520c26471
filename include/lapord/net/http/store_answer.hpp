#pragma once
// What the national store's answer to one POST /complaints means for the outbox (the contract
// in shared/spec/store-api.md). Pure: status, headers and body in, a verdict out.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lapord::net::http {

enum class forward_verdict {
  taken,   // 200/201 (tracking_id kept when the body has one) or 409 (already taken)
  parked,  // any other 4xx: never going to be taken, kept for an operator with the answer
  retry,   // 5xx, 1xx/3xx, timeout, broken connection: try again after a back-off
};

struct forward_outcome {
  forward_verdict verdict = forward_verdict::retry;
  unsigned http_status = 0;                         // 0 when no answer came (timeout, reset)
  std::optional<std::string> tracking_id;           // only for taken
  std::string detail;                               // for parked: the store's answer; retry: why
  std::optional<std::chrono::seconds> retry_after;  // the store's Retry-After, when given
};

// At most this much of a store's answer body is kept for an operator (a parked complaint).
inline constexpr std::size_t kept_answer_limit = 4096;

// `retry_after` is the raw Retry-After header value, if the answer had one.
[[nodiscard]] forward_outcome classify_store_answer(unsigned http_status, std::string_view body,
                                                    std::optional<std::string_view> retry_after,
                                                    std::chrono::system_clock::time_point now);

// No answer at all: `what` says why ("timeout", "connection reset: ...").
[[nodiscard]] forward_outcome classify_transport_failure(std::string_view what);

// The store's "tracking_id" from a JSON answer body: a string, or a number rendered as text.
// nullopt when the body is not JSON, not an object, or has none.
[[nodiscard]] std::optional<std::string> tracking_id_of(std::string_view body);
// The same read by boost::json alone, for any body: what tracking_id_of does for every body its
// fast path (exactly {"tracking_id":"..."}) does not take; the tests compare the two.
[[nodiscard]] std::optional<std::string> tracking_id_by_json(std::string_view body);

// Does this outcome count as the store failing, for the circuit breaker? A 4xx is the store
// working correctly (it refused one complaint), so only retry verdicts count.
[[nodiscard]] inline bool is_store_failure(const forward_outcome& o) {
  return o.verdict == forward_verdict::retry;
}

}  // namespace lapord::net::http
