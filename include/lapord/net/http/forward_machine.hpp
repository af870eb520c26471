#pragma once
// The forwarder's decisions, with no socket and no clock: when the pump takes the next batch
// from the outbox (and how long it sleeps), which complaint a worker sends next, what the
// store's answer means for the outbox (forwarded, parked, retry after a jittered back-off or
// the store's Retry-After), and the circuit breaker (open after a run of failures, one probe,
// everything queued handed back to the outbox while open). The forwarder (the Asio shell)
// feeds it what happened and the steady time and carries out what it returns: the HTTP, the
// outbox calls, the timers. Tested with scripted time in tests/net/http/forward_machine_test.
// States and events: docs/forwarding.md.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "lapord/net/http/circuit_breaker.hpp"
#include "lapord/net/http/outbox.hpp"
#include "lapord/net/http/retry_timing.hpp"
#include "lapord/net/http/store_answer.hpp"

namespace lapord::net::http {

struct forward_machine_settings {
  unsigned in_flight = 16;  // workers; the queue is refilled below this
  std::size_t batch = 256;  // items taken from the outbox at once
  std::chrono::milliseconds poll_interval{1000};
  backoff_bounds backoff{};
  std::chrono::milliseconds retry_after_max{3600000};
  breaker_settings breaker{};
};

// What to tell the outbox about one complaint (then call on_reported(ref) when it confirms).
struct outbox_report {
  forward_verdict verdict = forward_verdict::retry;
  std::string ref;
  unsigned http_status = 0;
  std::optional<std::string> tracking_id;  // taken
  std::string detail;                      // parked: the store's answer; retry: why
  std::chrono::milliseconds retry_in{};    // retry: due again this long from now
};

// The pump's next step: take up to `take` items from the outbox, or sleep until `sleep_until`
// (a notify, or room in the queue, may wake it earlier).
struct take_step {
  std::size_t take = 0;
  std::optional<std::chrono::steady_clock::time_point> sleep_until;
  bool circuit_open = false;  // the sleep waits for the probe time: the circuit may change
};

// After a take: wake the idle workers (fresh items), and sleep before the next take or not.
struct after_take {
  bool wake_workers = false;
  std::optional<std::chrono::steady_clock::time_point> sleep_until;
};

// A worker's next step.
struct worker_step {
  enum class kind {
    stop,     // the forwarder is stopping
    wait,     // nothing to send (or the half-open probe is out): sleep until woken
    send,     // POST `item`
    release,  // the circuit is open: hand `released` back to the outbox, then ask again
  };
  kind what = kind::wait;
  std::optional<outbox_item> item;
  bool wake_pump = false;  // the queue fell below in_flight: the pump may take more
  std::vector<outbox_report> released;
};

// After an outcome: report it; when the circuit changed, wake the workers and the pump.
struct outcome_step {
  outbox_report report;
  bool circuit_changed = false;
};

class forward_machine {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  forward_machine(forward_machine_settings settings, std::uint64_t seed);

  // --- the pump ------------------------------------------------------------------------------
  take_step next_take(time_point now);
  // The outbox answered a take. A ref still in flight (its lease ran out) is not queued twice.
  after_take on_taken(std::vector<outbox_item> items, time_point now);
  // New complaints were committed: the pump does not sleep after its current take.
  void notify() { notified_ = true; }
  // A complaint handed over straight from its commit, already leased to this process (no
  // take): queued for the workers like a taken one. False (dropped: its lease brings it back)
  // when stopping or when the ref is already here.
  bool on_handed(outbox_item item);

  // --- the workers ---------------------------------------------------------------------------
  worker_step next_send(time_point now);
  // The store's answer (or the transport's failure) for `item`, sent at next_send's word.
  outcome_step on_outcome(outbox_item item, const forward_outcome& outcome, time_point now);
  // The outbox confirmed the report for `ref`: it may be taken again.
  void on_reported(const std::string& ref);

  // --- stopping ------------------------------------------------------------------------------
  // Stops taking work; queued items stay leased in the outbox and are due again after the lease.
  void stop();
  [[nodiscard]] bool stopping() const { return stopping_; }
  // Reports the outbox has not confirmed yet.
  [[nodiscard]] std::size_t reports_pending() const { return reports_pending_; }

  // --- the circuit, for metrics and the log --------------------------------------------------
  [[nodiscard]] circuit_state circuit(time_point now) const { return breaker_.state(now); }
  [[nodiscard]] std::uint64_t times_opened() const { return breaker_.times_opened(); }
  [[nodiscard]] unsigned failures_in_a_row() const { return breaker_.failures_in_a_row(); }
  [[nodiscard]] std::size_t queued() const { return queue_.size(); }

 private:
  std::vector<outbox_report> release_queue(time_point now);

  forward_machine_settings settings_;
  circuit_breaker breaker_;
  std::mt19937_64 random_;
  std::deque<outbox_item> queue_;         // taken from the outbox, not yet sent
  std::unordered_set<std::string> busy_;  // refs taken and not yet reported back
  std::size_t reports_pending_ = 0;
  bool notified_ = false;
  bool stopping_ = false;
};

}  // namespace lapord::net::http
