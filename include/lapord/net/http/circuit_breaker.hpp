#pragma once
// Stops the forwarder from hammering a store that is down: after `failure_threshold` failures in
// a row the circuit opens and nothing is sent for `open_for`; then one probe request is let
// through (half-open). Its success closes the circuit, its failure opens it again. Pure: the
// time is passed in, so tests never sleep.
#include <chrono>
#include <cstdint>
#include <string_view>

namespace lapord::net::http {

struct breaker_settings {
  unsigned failure_threshold = 5;             // failures in a row that open the circuit
  std::chrono::milliseconds open_for{30000};  // how long it stays open before one probe
};

enum class circuit_state { closed, open, half_open };

[[nodiscard]] std::string_view to_string(circuit_state s);

class circuit_breaker {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit circuit_breaker(breaker_settings settings) : settings_(settings) {}

  // May a request go out now? Closed: yes. Open: no until open_for has passed, then the circuit
  // turns half-open and exactly one caller gets yes (the probe); everyone else gets no until
  // the probe's outcome is reported.
  [[nodiscard]] bool allow(time_point now);

  // Report the outcome of a request that allow() let through.
  void on_success();
  void on_failure(time_point now);

  // The state as seen at `now` (an open circuit whose time is up reads as half-open).
  [[nodiscard]] circuit_state state(time_point now) const;
  // While open: when the probe will be allowed.
  [[nodiscard]] time_point reopens_at() const { return reopens_at_; }
  [[nodiscard]] unsigned failures_in_a_row() const { return failures_; }
  [[nodiscard]] std::uint64_t times_opened() const { return times_opened_; }

 private:
  breaker_settings settings_;
  circuit_state state_ = circuit_state::closed;
  unsigned failures_ = 0;
  bool probe_out_ = false;
  time_point reopens_at_{};
  std::uint64_t times_opened_ = 0;
};

}  // namespace lapord::net::http
