#pragma once
// Back-pressure on a bind (issue 12, item 7): whether the link reads from its socket. It does
// not while the bytes waiting to be written are over a bound (an SMSC that floods enquire_link
// and never reads the answers would otherwise grow lapord without end), nor while the session
// holds the SMSC's requests at the MO-in-flight cap (smpp::session::input_paused). Output that
// stays over the bound for longer than the stall timeout means the SMSC has stopped reading:
// the link closes the connection. Plain rules with the time passed in, no socket.
#include <chrono>
#include <cstddef>
#include <optional>

namespace lapord::net {

class read_gate {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // Reading stops above `max_output` bytes waiting and resumes at half of it (so a peer
  // reading slowly does not flip it for every PDU).
  read_gate(std::size_t max_output, std::chrono::milliseconds stall_timeout)
      : max_output_(max_output), stall_timeout_(stall_timeout) {}

  // The bytes queued or being written, after every change.
  void on_output(std::size_t pending, time_point now) {
    if (!over_since_ && pending > max_output_) {
      over_since_ = now;
    } else if (over_since_ && pending <= max_output_ / 2) {
      over_since_.reset();
    }
  }

  [[nodiscard]] bool output_over() const { return over_since_.has_value(); }
  [[nodiscard]] bool may_read(bool session_paused) const {
    return !session_paused && !output_over();
  }
  // When the output, over the bound, becomes a stall; none while it is under.
  [[nodiscard]] std::optional<time_point> stall_deadline() const {
    if (!over_since_) return std::nullopt;
    return *over_since_ + stall_timeout_;
  }
  [[nodiscard]] bool stalled(time_point now) const {
    const auto at = stall_deadline();
    return at && now >= *at;
  }

 private:
  std::size_t max_output_;
  std::chrono::milliseconds stall_timeout_;
  std::optional<time_point> over_since_;
};

}  // namespace lapord::net
