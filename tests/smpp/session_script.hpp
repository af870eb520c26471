#pragma once
// A session machine driven step by step for the tests: the peer's bytes and the timer go in,
// the actions of each step are kept for the checks. No socket, no clock.
#include <ostream>  // doctest prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <chrono>

#include "lapord/smpp/session.hpp"
#include "smpp/bytes.hpp"

namespace lapord::smpp::test {

using namespace std::chrono_literals;

inline const time_point t0 = time_point{} + 1000s;
inline const bytes z = hex("00");
// submit_sm/deliver_sm body with every field empty or zero: service_type, source (ton, npi,
// addr), destination (ton, npi, addr), esm_class, protocol_id, priority_flag,
// schedule_delivery_time, validity_period, registered_delivery, replace_if_present_flag,
// data_coding, sm_default_msg_id, sm_length: 17 octets.
inline const bytes empty_sm_body = bytes(17, 0);

struct script {
  session s;
  std::vector<session_action> last;
  bytes last_output;

  explicit script(session_config c = {}) : s(c) {}

  // The output and the actions of the last step.
  void step() {
    last_output.clear();
    s.take_output(last_output);
    last = s.take_actions();
  }

  void peer(const bytes& b, time_point now) {
    s.on_bytes(b, now);
    step();
  }
  void timer(time_point now) {
    s.on_timer(now);
    step();
  }

  bytes sent() const { return last_output; }
  template <typename T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& a : last) {
      if (const auto* x = std::get_if<T>(&a)) out.push_back(*x);
    }
    return out;
  }
  template <typename T>
  T one() const {
    const auto v = all<T>();
    REQUIRE(v.size() == 1);
    return v.front();
  }
  // The position of the first action of type T in the last step (size() if none).
  template <typename T>
  std::size_t first() const {
    std::size_t i = 0;
    while (i < last.size() && !std::holds_alternative<T>(last[i]))
      ++i;
    return i;
  }
  // The position of the first PDU sent (its pdu_seen) in the last step (size() if none).
  std::size_t first_sent() const {
    std::size_t i = 0;
    while (i < last.size()) {
      const auto* p = std::get_if<pdu_seen>(&last[i]);
      if (p != nullptr && p->direction == pdu_direction::sent) break;
      ++i;
    }
    return i;
  }
  template <typename T>
  bool has() const {
    return !all<T>().empty();
  }

  // esme: bind_transceiver "lapord"/"secret" and the SMSC's OK; bound at `now`.
  void bind_trx(time_point now) {
    bind_fields f;
    f.system_id = "lapord";
    f.password = "secret";
    REQUIRE(s.bind(bind_mode::transceiver, f, now) == std::error_code{});
    step();
    peer(hex("00000015 80000009 00000000 00000001") + text("SMSC") + z, now);
    REQUIRE(s.state() == session_state::bound_trx);
  }

  std::uint32_t submit(time_point now, std::error_code expect = {}) {
    submit_sm m;
    m.destination_addr = "6281234567890";
    m.short_message = "Hi";
    std::uint32_t seq = 0;
    CHECK(s.send(m, now, seq) == expect);
    step();
    return seq;
  }
};

// submit_sm as our session encodes the one in script::submit (all defaults, "Hi").
inline bytes submit_bytes(std::uint32_t seq) {
  bytes h = hex("00000030 00000004 00000000");
  for (int i = 3; i >= 0; --i)
    h.push_back(static_cast<std::uint8_t>(seq >> (8 * i)));
  // service_type, ton, npi, source_addr, ton, npi, destination_addr
  return h + hex("00 00 00 00 00 00") + text("6281234567890") + z +
         hex("00 00 00 00 00 00 00 00 00") + hex("02") + text("Hi");
}

}  // namespace lapord::smpp::test
