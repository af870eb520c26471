// The bind's decisions with scripted time and no socket: submit order and pacing, the window,
// ESME_RTHROTTLED pauses, requeue when a connection is lost, the reconnect back-off, draining
// at a stop, and which MO answers still have their connection. The window test runs the
// machine against a real smpp::session fed hand-made PDUs, as bind_link does over a socket.
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include "lapord/smpp/codec.hpp"
#include "lapord/smpp/session_error.hpp"
#include "net/carrier/bind_machine.hpp"

using namespace lapord;
using namespace lapord::net;
using namespace std::chrono_literals;
using smpp::command_status;

namespace {

const smpp::time_point t0 = smpp::time_point{} + 1000s;

struct outcome {
  std::string text;  // the short_message, naming the MT
  std::error_code status;
  std::string message_id;
};

// A machine with a capturing log, plain settings (1 s throttle pause, 1..60 s reconnect,
// 100 submits/s, burst 10) and MTs named by their text.
struct rig {
  std::ostringstream log_text;
  carrier_settings settings;
  std::unique_ptr<bind_machine> m;
  std::vector<outcome> done;
  std::uint32_t next_sequence = 1;

  explicit rig(carrier_settings s = defaults()) : settings(std::move(s)) {
    auto log = std::make_shared<spdlog::logger>(
        "bind", std::make_shared<spdlog::sinks::ostream_sink_st>(log_text));
    log->set_pattern("%v");
    m = std::make_unique<bind_machine>(settings, log, nullptr, t0, 42);
  }

  static carrier_settings defaults() {
    carrier_settings s;
    s.submit_rate = 100;
    s.submit_burst = 10;
    s.throttle_pause = 1s;
    s.reconnect_min = 1s;
    s.reconnect_max = 60s;
    return s;
  }

  void submit(const std::string& text, const std::string& to = "6281234567890") {
    smpp::submit_sm sm;
    sm.destination_addr = to;
    sm.short_message.assign(text.begin(), text.end());
    m->submit(std::move(sm), [this, text](std::error_code status, std::string id) {
      done.push_back({text, status, std::move(id)});
    });
  }

  // Runs the pump at `now` with a window of `window` slots, as bind_link does: sends what it
  // may, numbering the submit_sm; returns the texts sent, in order.
  std::vector<std::string> pump(smpp::time_point now, std::size_t window = 10) {
    std::vector<std::string> sent;
    for (;;) {
      auto step = m->pump(now, view(window));
      if (!step.submit) return sent;
      sent.emplace_back(step.submit->message.short_message.begin(),
                        step.submit->message.short_message.end());
      m->sent(next_sequence++, std::move(*step.submit));
    }
  }
  link_view view(std::size_t window) const { return {true, m->in_flight() < window, 0}; }
  smpp::time_point wake(smpp::time_point now) { return m->pump(now, view(10)).wake_at; }
};

std::vector<std::string> texts(const std::vector<outcome>& v) {
  std::vector<std::string> out;
  for (const auto& o : v)
    out.push_back(o.text);
  return out;
}

using names = std::vector<std::string>;

}  // namespace

TEST_CASE("bind_machine: submits go in order, paced by the carrier's rate") {
  auto s = rig::defaults();
  s.submit_rate = 10;  // one token per 100 ms
  s.submit_burst = 2;
  rig r(s);
  for (const char* t : {"a", "b", "c", "d"})
    r.submit(t);
  CHECK(r.pump(t0) == names{"a", "b"});  // the burst
  CHECK(r.wake(t0) == t0 + 100ms);
  CHECK(r.pump(t0 + 99ms).empty());
  CHECK(r.pump(t0 + 100ms) == names{"c"});
  CHECK(r.pump(t0 + 200ms) == names{"d"});
  CHECK(r.wake(t0 + 200ms) == smpp::time_point::max());  // nothing queued: woken by a submit
  CHECK(r.m->in_flight() == 4);
  r.m->on_submit_response(1, command_status::esme_rok, "m-1", t0 + 250ms);
  REQUIRE(r.done.size() == 1);
  CHECK(r.done[0].text == "a");
  CHECK(r.done[0].status == std::error_code{});
  CHECK(r.done[0].message_id == "m-1");
  // A response for a sequence that is not ours (or answered already) changes nothing.
  r.m->on_submit_response(1, command_status::esme_rok, "m-1", t0 + 260ms);
  r.m->on_submit_response(77, command_status::esme_rok, "x", t0 + 260ms);
  CHECK(r.done.size() == 1);
  CHECK(r.m->in_flight() == 3);
}

TEST_CASE("bind_machine: the window limits what is in flight, a response makes room") {
  rig r;
  for (const char* t : {"a", "b", "c", "d", "e"})
    r.submit(t);
  CHECK(r.pump(t0, 2) == names{"a", "b"});
  CHECK(r.m->pump(t0, r.view(2)).wake_at == smpp::time_point::max());  // full: wait for room
  r.m->on_submit_response(2, command_status::esme_rok, "", t0 + 10ms);
  CHECK(r.pump(t0 + 10ms, 2) == names{"c"});
  r.m->on_submit_response(1, command_status::esme_rok, "", t0 + 20ms);
  r.m->on_submit_response(3, command_status::esme_rok, "", t0 + 20ms);
  CHECK(r.pump(t0 + 20ms, 2) == names{"d", "e"});
  CHECK(texts(r.done) == names{"b", "a", "c"});
}

TEST_CASE("bind_machine: with a real session, the session's window holds the pump") {
  rig r;
  smpp::session_config config;
  config.window = 2;
  smpp::session session(config);
  REQUIRE(session.bind(smpp::bind_mode::transceiver, smpp::bind_fields{}, t0) == std::error_code{});
  auto peer = [&](smpp::pdu p) {
    std::vector<std::uint8_t> bytes;
    REQUIRE(smpp::encode(p, bytes) == std::error_code{});
    session.on_bytes(bytes, t0);
  };
  smpp::bind_transceiver_resp bound;
  bound.system_id = "SMSC";
  peer({command_status::esme_rok, 1, bound});
  REQUIRE(session.is_bound());
  (void)session.take_actions();
  for (const char* t : {"a", "b", "c"})
    r.submit(t);
  std::vector<std::uint32_t> sequences;
  auto fill = [&] {
    for (;;) {
      const link_view v{session.is_bound(), session.can_submit(), session.awaiting_response()};
      auto step = r.m->pump(t0, v);
      if (!step.submit) return;
      std::uint32_t seq = 0;
      REQUIRE(session.send(smpp::pdu_body(step.submit->message), t0, seq) == std::error_code{});
      sequences.push_back(seq);
      r.m->sent(seq, std::move(*step.submit));
    }
  };
  fill();
  CHECK(sequences.size() == 2);
  CHECK(r.m->queued() == 1);
  smpp::submit_sm_resp resp;
  resp.message_id = "id-a";
  peer({command_status::esme_rok, sequences[0], resp});
  for (auto& action : session.take_actions()) {
    if (auto* got = std::get_if<smpp::response_received>(&action)) {
      const auto* body = std::get_if<smpp::submit_sm_resp>(&got->response.body);
      r.m->on_submit_response(got->response.sequence_number, got->response.status,
                              body != nullptr ? body->message_id : "", t0);
    }
  }
  REQUIRE(r.done.size() == 1);
  CHECK(r.done[0].message_id == "id-a");
  fill();
  CHECK(sequences.size() == 3);
  CHECK(r.m->queued() == 0);
}

TEST_CASE("bind_machine: the window closing under the pump puts the message back first") {
  rig r;
  r.submit("a");
  r.submit("b");
  auto step = r.m->pump(t0, r.view(10));
  REQUIRE(step.submit);
  CHECK(r.m->not_sent(std::move(*step.submit), smpp::session_error::window_full));
  CHECK(r.pump(t0) == names{"a", "b"});
  CHECK(r.done.empty());
}

TEST_CASE("bind_machine: a message the codec refuses fails as invalid_message, masked in the log") {
  rig r;
  r.submit("a", "6281234567890");
  auto step = r.m->pump(t0, r.view(10));
  REQUIRE(step.submit);
  CHECK_FALSE(r.m->not_sent(std::move(*step.submit),
                            make_error_code(std::errc::message_size)));  // not the session's
  REQUIRE(r.done.size() == 1);
  CHECK(r.done[0].status == make_error_code(carrier_error::invalid_message));
  CHECK(r.log_text.str().find("not sent") != std::string::npos);
  CHECK(r.log_text.str().find("6281234567890") == std::string::npos);
}

TEST_CASE("bind_machine: ESME_RTHROTTLED pauses every submit, then resends in order") {
  rig r;
  for (const char* t : {"a", "b", "c", "d"})
    r.submit(t);
  CHECK(r.pump(t0, 3) == names{"a", "b", "c"});
  // Two of the window are throttled at once: one pause (1 s) for both, both sent again first.
  r.m->on_submit_response(1, command_status::esme_rthrottled, "", t0 + 10ms);
  r.m->on_submit_response(2, command_status::esme_rmsgqful, "", t0 + 20ms);
  CHECK(r.m->paused_until() == t0 + 1010ms);
  CHECK(r.done.empty());  // throttling is never reported to the sender
  CHECK(r.pump(t0 + 500ms).empty());
  CHECK(r.wake(t0 + 500ms) == t0 + 1010ms);
  r.m->on_submit_response(3, command_status::esme_rok, "", t0 + 600ms);  // ends the streak
  CHECK(r.pump(t0 + 1010ms) == names{"a", "b", "d"});
  // A throttle after the pause starts a new one (1 s: the success of "c" ended the streak);
  // a second in a row doubles it.
  r.m->on_submit_response(4, command_status::esme_rthrottled, "", t0 + 1100ms);
  CHECK(r.m->paused_until() == t0 + 2100ms);
  CHECK(r.pump(t0 + 2100ms) == names{"a"});
  r.m->on_submit_response(7, command_status::esme_rthrottled, "", t0 + 2200ms);
  CHECK(r.m->paused_until() == t0 + 4200ms);  // 2 s: the second in a row
  CHECK(r.pump(t0 + 4200ms) == names{"a"});
  r.m->on_submit_response(8, command_status::esme_rok, "", t0 + 4300ms);
  r.m->on_submit_response(5, command_status::esme_rok, "", t0 + 4300ms);
  r.m->on_submit_response(6, command_status::esme_rok, "", t0 + 4300ms);
  CHECK(texts(r.done) == names{"c", "a", "b", "d"});
  r.submit("e");
  CHECK(r.pump(t0 + 4400ms) == names{"e"});
  r.m->on_submit_response(9, command_status::esme_rthrottled, "", t0 + 4500ms);
  CHECK(r.m->paused_until() == t0 + 5500ms);  // the success reset the streak: 1 s again
}

TEST_CASE("bind_machine: a refusal is final, a timeout resends, three timeouts give up") {
  rig r;
  r.submit("bad");
  r.submit("slow");
  CHECK(r.pump(t0) == names{"bad", "slow"});
  r.m->on_submit_response(1, command_status::esme_rinvdstadr, "", t0);
  REQUIRE(r.done.size() == 1);
  CHECK(r.done[0].status == smpp::make_error_code(command_status::esme_rinvdstadr));
  const auto timeout = make_error_code(smpp::session_error::response_timeout);
  std::uint32_t seq = 2;
  for (int attempt = 1; attempt < max_submit_timeouts; ++attempt) {
    CHECK_FALSE(r.m->on_request_failed(seq, smpp::command_id::submit_sm, timeout));
    CHECK(r.pump(t0) == names{"slow"});
    seq = r.next_sequence - 1;
  }
  CHECK_FALSE(r.m->on_request_failed(seq, smpp::command_id::submit_sm, timeout));
  REQUIRE(r.done.size() == 2);
  CHECK(r.done[1].status == make_error_code(carrier_error::no_response));
  CHECK(r.m->queued() == 0);
  CHECK(r.log_text.str().find("given up") != std::string::npos);
}

TEST_CASE("bind_machine: an unanswered enquire_link closes the connection") {
  rig r;
  const auto timeout = make_error_code(smpp::session_error::response_timeout);
  const auto close = r.m->on_request_failed(9, smpp::command_id::enquire_link, timeout);
  REQUIRE(close);
  CHECK(*close == make_link_error(link_error::enquire_link_unanswered));
  CHECK_FALSE(r.m->on_request_failed(9, smpp::command_id::enquire_link,
                                     make_error_code(smpp::session_error::connection_closed)));
}

TEST_CASE("bind_machine: a lost connection requeues what was in flight, in order, ahead") {
  rig r;
  const auto first = r.m->connecting();
  r.m->on_bound();
  for (const char* t : {"a", "b", "c", "d"})
    r.submit(t);
  CHECK(r.pump(t0, 3) == names{"a", "b", "c"});
  r.m->on_submit_response(2, command_status::esme_rok, "", t0);
  // The session fails what it had outstanding; the machine requeues "c" then "a" in place.
  const auto closed = make_error_code(smpp::session_error::connection_closed);
  CHECK_FALSE(r.m->on_request_failed(3, smpp::command_id::submit_sm, closed));
  CHECK_FALSE(r.m->on_request_failed(1, smpp::command_id::submit_sm, closed));
  const auto plan = r.m->on_connection_ended(make_link_error(link_error::peer_closed));
  CHECK(plan.was_bound);
  CHECK_FALSE(r.m->is_current(first));  // an MO answer made for it is dropped
  CHECK(r.m->queued() == 3);
  r.submit("e");
  const auto second = r.m->connecting();
  CHECK(second == first + 1);
  CHECK(r.m->is_current(second));
  CHECK_FALSE(r.m->is_current(first));
  CHECK(r.pump(t0 + 5s) == names{"a", "c", "d", "e"});
  CHECK(texts(r.done) == names{"b"});
}

TEST_CASE("bind_machine: a connection that ends with submits unanswered requeues them too") {
  rig r;
  (void)r.m->connecting();
  r.submit("a");
  r.submit("b");
  CHECK(r.pump(t0) == names{"a", "b"});
  (void)r.m->on_connection_ended(make_link_error(link_error::output_stalled));
  CHECK(r.m->in_flight() == 0);
  CHECK(r.pump(t0 + 1s) == names{"a", "b"});
}

TEST_CASE("bind_machine: reconnect waits are jittered under a doubling ceiling, reset by a bind") {
  rig r;
  std::vector<std::chrono::milliseconds> ceilings;
  for (int i = 0; i < 8; ++i) {
    (void)r.m->connecting();
    const auto plan = r.m->on_connection_ended(make_error_code(std::errc::connection_refused));
    CHECK_FALSE(plan.was_bound);
    CHECK_FALSE(plan.rejected_credentials);
    CHECK(plan.wait >= 0ms);
    CHECK(plan.wait <= plan.ceiling);
    ceilings.push_back(plan.ceiling);
  }
  CHECK(ceilings == std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s});
  (void)r.m->connecting();
  r.m->on_bound();
  const auto after = r.m->on_connection_ended(make_link_error(link_error::peer_closed));
  CHECK(after.was_bound);
  CHECK(after.ceiling == 1s);
}

TEST_CASE("bind_machine: rejected credentials wait the maximum at once") {
  rig r;
  for (auto status : {command_status::esme_rinvpaswd, command_status::esme_rinvsysid}) {
    (void)r.m->connecting();
    const auto plan = r.m->on_connection_ended(smpp::make_error_code(status));
    CHECK(plan.rejected_credentials);
    CHECK(plan.wait == 60s);
  }
  // Any other bind refusal is an ordinary failure.
  (void)r.m->connecting();
  const auto plan = r.m->on_connection_ended(smpp::make_error_code(command_status::esme_rbindfail));
  CHECK_FALSE(plan.rejected_credentials);
  CHECK(plan.wait <= 60s);
}

TEST_CASE("bind_machine: a stop fails the queue, drains what was sent, then unbinds once") {
  rig r;
  (void)r.m->connecting();
  r.m->on_bound();
  for (const char* t : {"a", "b", "c"})
    r.submit(t);
  CHECK(r.pump(t0, 1) == names{"a"});
  CHECK(r.m->accepts_mo());
  CHECK(r.m->stop(true, true) == stop_step::drain);
  CHECK_FALSE(r.m->accepts_mo());  // MO refused now: the SMSC delivers them again later
  CHECK(texts(r.done) == names{"b", "c"});
  CHECK(r.done[0].status == make_error_code(carrier_error::shutting_down));
  CHECK(r.log_text.str().find("2 queued submit_sm not sent") != std::string::npos);
  r.submit("late");
  CHECK(r.done.back().status == make_error_code(carrier_error::shutting_down));
  // "a" still awaits its response and one MO its answer: no unbind yet.
  link_view v{true, true, 1};
  CHECK_FALSE(r.m->pump(t0, v).unbind);
  r.m->on_submit_response(1, command_status::esme_rok, "m", t0 + 1s);
  CHECK_FALSE(r.m->pump(t0 + 1s, v).unbind);
  v.mo_unanswered = 0;
  const auto step = r.m->pump(t0 + 2s, v);
  CHECK(step.unbind);
  CHECK_FALSE(step.submit);
  CHECK(step.wake_at == smpp::time_point::max());
  CHECK_FALSE(r.m->pump(t0 + 2s, v).unbind);        // once
  CHECK(r.m->stop(true, true) == stop_step::none);  // a second stop changes nothing
}

TEST_CASE("bind_machine: a stop while connecting closes, with no connection does nothing") {
  rig a;
  (void)a.m->connecting();
  CHECK(a.m->stop(true, false) == stop_step::close);
  rig b;
  b.submit("x");
  CHECK(b.m->stop(false, false) == stop_step::none);
  CHECK(b.done.size() == 1);
  rig c;
  c.submit("y");
  c.m->stop_now();
  CHECK(c.m->stopping());
  c.m->finished();
  REQUIRE(c.done.size() == 1);
  CHECK(c.done[0].status == make_error_code(carrier_error::shutting_down));
}
