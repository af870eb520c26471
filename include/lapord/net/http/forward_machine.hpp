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
  unsigned pipeline = 1;    // requests written on one connection and not yet answered, at most
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

// One worker's keep-alive connection: the requests written on it and not answered yet, oldest
// first (HTTP/1.1 answers come in the order of the requests, RFC 9112 section 9.3.2). Owned by
// the worker, changed only by the machine.
struct forward_pipe {
  std::deque<outbox_item> unanswered;
  bool draining = false;  // no new request on this connection until its answers are in
};

// A pipelining worker's next step.
struct pipe_step {
  enum class kind {
    stop,     // the forwarder is stopping and nothing is unanswered on the connection
    wait,     // nothing to send and nothing unanswered: sleep until woken
    send,     // write the last `added` of pipe.unanswered (one write), then read the oldest answer
    read,     // nothing (more) to send now: read the oldest unanswered request's answer
    release,  // the circuit is open: hand `released` back to the outbox, then ask again
  };
  kind what = kind::wait;
  std::size_t added = 0;
  bool wake_pump = false;  // the queue fell below in_flight: the pump may take more
  std::vector<outbox_report> released;
};

// After the oldest unanswered request's answer.
struct answer_step : outcome_step {
  // The answer said Connection: close: close it; the requests behind this one went back to the
  // queue (`requeued` of them), for this or another connection.
  bool close = false;
  std::size_t requeued = 0;
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
  // --- a pipelining worker (what the forwarder uses; the three calls above are its parts) ----
  // Up to `pipeline` requests unanswered on the connection: take as many as there is room for
  // (one while the circuit is half-open: the probe goes alone), unless the connection drains.
  pipe_step next_sends(forward_pipe& pipe, time_point now);
  // The oldest unanswered request's answer. A failure (5xx, Retry-After) or the circuit opening
  // drains the connection: what is written is still read, nothing new written until then.
  answer_step on_answer(forward_pipe& pipe, const forward_outcome& outcome, bool keep_alive,
                        time_point now);
  // The connection broke or timed out with requests unanswered. The oldest one gets `failure`
  // (one failed attempt: back-off and the breaker count the broken connection once); the rest
  // go back to the front of the queue, no attempt counted. `stale`: a kept-alive connection the
  // store had closed before it read anything of ours (no answer byte came): all go back, no
  // failure. nullopt when nothing was unanswered or `stale`.
  std::optional<outcome_step> on_broken(forward_pipe& pipe, const forward_outcome& failure,
                                        bool stale, time_point now);
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
  std::size_t requeue(forward_pipe& pipe);

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
