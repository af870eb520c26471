#pragma once
// What the forwarder needs from the durable outbox, in the domain's words. The store layer owns
// the real thing (SQLite, one writer thread); the integration adapts it to this interface in a
// few lines. The forwarder holds nothing that is not in the outbox: after a restart, whatever
// was not reported as forwarded or parked is simply due again.
//
// Threads: the forwarder calls these from its own executor; each `done` may be called from any
// thread (e.g. the store's writer thread), exactly once. The forwarder posts back to itself.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lapord::net::http {

struct outbox_item {
  std::string ref;        // the Idempotency-Key
  std::string body;       // the exact JSON bytes to POST (built by complaint_body at creation)
  unsigned attempts = 0;  // failed attempts before this one (0 for a fresh complaint)
};

class outbox {
 public:
  using clock = std::chrono::system_clock;

  virtual ~outbox() = default;

  // Up to `limit` items whose next attempt is due at `now`, leased to the caller so that a
  // second take does not return them again until they are reported (or the lease runs out,
  // which must be longer than the forwarder's request timeout). An error may be reported as an
  // empty batch: the forwarder polls again later.
  virtual void take_due(clock::time_point now, std::size_t limit,
                        std::function<void(std::vector<outbox_item>)> done) = 0;

  // The store took it: `http_status` 200/201, or 409 (taken before under this key).
  // `tracking_id` is the store's, if it gave one.
  virtual void forwarded(std::string ref, unsigned http_status,
                         std::optional<std::string> tracking_id, std::function<void()> done) = 0;

  // The store refused it for good (4xx other than 409): kept for an operator with the answer.
  virtual void parked(std::string ref, unsigned http_status, std::string answer,
                      std::function<void()> done) = 0;

  // Try again at `next_at` (one more failed attempt). `error` says why, for operators;
  // `http_status` is the store's answer, 0 when there was none (timeout, refused, reset).
  virtual void retry_later(std::string ref, clock::time_point next_at, std::string error,
                           unsigned http_status, std::function<void()> done) = 0;
};

}  // namespace lapord::net::http
