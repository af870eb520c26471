// The outbox lease of a forward, from the [store_api] settings (docs/forwarding.md,
// "Idempotency and \"nothing twice\"").
#include <algorithm>
#include <cstdint>

#include "lapord/net/http/forwarder.hpp"

namespace lapord::net::http {

using std::chrono::milliseconds;

// Derived, not checked: an operator who raises `pipeline` or `timeout_s` (or lowers
// `in_flight`) for the store's sake gets a longer lease, not a refused start over a value
// they cannot set. Its only cost is that a complaint held by an instance that died for good
// (a restart takes its own back at once, by its new epoch) waits the lease for another.
//
// The bound it covers, in rounds of `timeout`: the queue holds at most in_flight + batch items
// drained by in_flight connections (ceil(batch / in_flight) + 1 rounds), the item's own pipe
// holds `pipeline` requests answered one at a time, and a queue taken while the circuit is
// half-open first waits for the probe (+1). The documented rule `timeout × (batch / in_flight
// + pipeline)` counts one `timeout` a request; a request can cost three (connect + TLS, the
// write and the answer each have their own deadline), and a connection broken by a timeout
// sends the rest of its pipe again on a fresh one, hence × 3. The 60 s is for what no
// `timeout` bounds: the store's writer taking and recording under load, and the clocks of
// instances that share one PostgreSQL store (a lease is a wall-clock time another compares).
milliseconds forward_lease(const store_api_settings& s) {
  const std::int64_t in_flight = std::max(1U, s.in_flight);  // the forwarder refuses 0 later
  const auto batch = static_cast<std::int64_t>(s.batch);
  const std::int64_t rounds = (batch + in_flight - 1) / in_flight + 1 + s.pipeline + 1;
  const milliseconds bound = 3 * s.timeout * rounds + milliseconds{60000};
  return std::max(bound, milliseconds{120000});
}

}  // namespace lapord::net::http
