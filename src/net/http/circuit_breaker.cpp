#include "lapord/net/http/circuit_breaker.hpp"

namespace lapord::net::http {

std::string_view to_string(circuit_state s) {
  switch (s) {
    case circuit_state::closed:
      return "closed";
    case circuit_state::open:
      return "open";
    case circuit_state::half_open:
      return "half_open";
  }
  return "unknown";
}

bool circuit_breaker::allow(time_point now) {
  switch (state_) {
    case circuit_state::closed:
      return true;
    case circuit_state::open:
      if (now < reopens_at_) return false;
      state_ = circuit_state::half_open;
      probe_out_ = true;
      return true;
    case circuit_state::half_open:
      if (probe_out_) return false;
      probe_out_ = true;
      return true;
  }
  return false;
}

void circuit_breaker::on_success() {
  // Any success, even a late one from before the circuit opened, shows the store is answering.
  state_ = circuit_state::closed;
  failures_ = 0;
  probe_out_ = false;
}

void circuit_breaker::on_failure(time_point now) {
  ++failures_;
  switch (state_) {
    case circuit_state::closed:
      if (failures_ < settings_.failure_threshold) return;
      break;
    case circuit_state::open:
      return;  // a late failure from before it opened: already waiting
    case circuit_state::half_open:
      break;  // the probe failed
  }
  state_ = circuit_state::open;
  probe_out_ = false;
  reopens_at_ = now + settings_.open_for;
  ++times_opened_;
}

circuit_state circuit_breaker::state(time_point now) const {
  if (state_ == circuit_state::open && now >= reopens_at_) return circuit_state::half_open;
  return state_;
}

}  // namespace lapord::net::http
