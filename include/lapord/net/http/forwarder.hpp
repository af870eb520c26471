#pragma once
// The outbox worker: takes due complaints from the outbox and POSTs each to the national store
// (`{url}/complaints`, Idempotency-Key = ref) over a small pool of keep-alive HTTP(S)
// connections, then reports each outcome back to the outbox: forwarded, parked or retry later.
// A circuit breaker stops it hammering a store that is down. It holds nothing that is not in
// the outbox, so a restart loses nothing (a complaint in flight at a crash is sent again and the
// store's Idempotency-Key handling makes that harmless).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "lapord/net/http/circuit_breaker.hpp"
#include "lapord/net/http/complaint_body.hpp"
#include "lapord/net/http/outbox.hpp"
#include "lapord/net/http/retry_timing.hpp"

namespace lapord::net::http {

// The [store_api] section of the configuration.
struct store_api_settings {
  std::string url;  // "https://host[:port][/prefix]" or "http://..."; POSTs go to url + /complaints
  std::string token;        // the bearer token for the store ...
  std::string token_env;    // ... or the environment variable holding it
  unsigned in_flight = 16;  // keep-alive connections in the pool
  unsigned pipeline = 1;    // requests unanswered on one connection at most (HTTP/1.1 pipelining)
  std::chrono::milliseconds timeout{10000};            // per request: connect + TLS + send + answer
  backoff_bounds backoff{};                            // retry delays: full jitter, capped
  std::chrono::milliseconds retry_after_max{3600000};  // cap on the store's Retry-After
  breaker_settings breaker{};
  std::string ca_file;      // PEM bundle to verify the store; empty: the system's CAs
  bool tls_verify = true;   // false only for tests against a self-signed store
  std::size_t batch = 256;  // items taken from the outbox at once
  std::chrono::milliseconds poll_interval{1000};  // idle: how often to look for due items
  std::string user_agent;                         // empty: "lapord/<version>"
};

// How long a forward stays leased once taken (or stored taken by the MO path): longer than a
// complaint can spend queued plus sent under `s`, so that no instance sharing the store, nor
// this one, takes it again while it is still in this forwarder (docs/forwarding.md,
// "Idempotency and \"nothing twice\""). Derived from the settings, never below 120 s.
[[nodiscard]] std::chrono::milliseconds forward_lease(const store_api_settings& s);

// A snapshot of what the forwarder has done, for /metrics and laporctl. Thread-safe to read.
struct forwarder_stats {
  std::uint64_t forwarded = 0;   // taken by the store (2xx/409)
  std::uint64_t duplicates = 0;  // of which answered 409 (taken before)
  std::uint64_t parked = 0;
  std::uint64_t retried = 0;    // failed attempts scheduled again
  std::uint64_t requests = 0;   // HTTP requests sent (probes and retries included)
  std::uint64_t connects = 0;   // connections opened
  std::uint64_t in_flight = 0;  // requests now
  std::uint64_t breaker_opened = 0;
  circuit_state circuit = circuit_state::closed;
  std::uint64_t handed = 0;  // queued straight from their commit (send_now), not taken
};

class forwarder {
 public:
  // Throws std::invalid_argument for a bad url (scheme, host) or settings (in_flight 0, ...),
  // and when token_env names an unset variable. `box` must outlive the forwarder and the
  // executor's run.
  forwarder(boost::asio::any_io_executor executor, store_api_settings settings, outbox& box);
  ~forwarder();
  forwarder(const forwarder&) = delete;
  forwarder& operator=(const forwarder&) = delete;

  // Starts the workers on the executor. Call once.
  void start();
  // New complaints were committed: look at the outbox now instead of at the next poll.
  // Thread-safe.
  void notify();

  // A complaint straight from its commit (docs/forwarding.md, "Straight from the commit").
  // reserve() takes one of max(batch, in_flight) places for it, counted with the complaints
  // queued for the workers; false when there is none, the circuit is not closed or the
  // forwarder is not running: then the complaint is stored due for the pump, as before. Call
  // it before the complaint's transaction; every true is followed by exactly one send_now() or
  // unreserve(). Thread-safe.
  [[nodiscard]] bool reserve();
  // The transaction failed or made no complaint: the place is free again. Thread-safe.
  void unreserve();
  // The complaint was committed leased to this process (its place reserved): its body is
  // rendered on the forwarder's strand and it is queued for the workers, without a take.
  // Thread-safe.
  // By rvalue reference: moved once, into the queue (not into a parameter first).
  void send_now(complaint_record&& complaint);
  // Stops taking work; requests in flight finish (or time out) and are reported; then `done`
  // runs on the executor. Thread-safe; call once.
  void stop(std::function<void()> done);

  [[nodiscard]] forwarder_stats stats() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace lapord::net::http
