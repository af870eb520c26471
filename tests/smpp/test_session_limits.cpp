// The session machine against a peer that does not play fair: a sequence_number reused while
// the first request is unanswered, and more requests than the owner lets in at once (the cap
// that keeps memory flat whatever the peer sends). Hand-written bytes, scripted time.
#include <ostream>  // doctest prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

#include "lapord/smpp/session.hpp"
#include "smpp/bytes.hpp"
#include "smpp/session_script.hpp"

using namespace lapord::smpp;
using namespace lapord::smpp::test;
using namespace std::chrono_literals;

namespace {

// A deliver_sm "LAPOR" with sequence_number `seq` (one octet is enough here).
bytes mo(std::uint8_t seq) {
  return hex("00000037 00000005 00000000 000000") + bytes{seq} + z + hex("01 01") +
         text("6281234567890") + z + hex("00 00") + text("1717") + z + hex("00 00 00") + z + z +
         hex("00 00 00 00") + hex("05") + text("LAPOR");
}

bytes el(std::uint8_t seq) {
  return hex("00000010 00000015 00000000 000000") + bytes{seq};
}

bytes mo_resp(std::uint8_t seq) {
  return hex("00000011 80000005 00000000 000000") + bytes{seq} + z;
}

bytes el_resp(std::uint8_t seq) {
  return hex("00000010 80000015 00000000 000000") + bytes{seq};
}

struct peer_script {
  session s;
  std::vector<session_action> last;
  bytes last_output;

  explicit peer_script(session_config c) : s(c) {
    bind_fields f;
    f.system_id = "lapord";
    f.password = "secret";
    REQUIRE(s.bind(bind_mode::transceiver, f, t0) == std::error_code{});
    peer(hex("00000015 80000009 00000000 00000001") + text("SMSC") + z, t0);
    REQUIRE(s.state() == session_state::bound_trx);
  }
  void peer(const bytes& b, time_point now) {
    s.on_bytes(b, now);
    take();
  }
  void answer(std::uint32_t seq, time_point now) {
    REQUIRE(s.respond(seq, command_status::esme_rok, now) == std::error_code{});
    take();
  }
  void take() {
    last_output.clear();
    s.take_output(last_output);
    last = s.take_actions();
  }
  bytes sent() const { return last_output; }
  std::size_t handed_up() const {
    std::size_t n = 0;
    for (const auto& a : last)
      n += std::holds_alternative<request_received>(a) ? 1 : 0;
    return n;
  }
  bool closed() const {
    for (const auto& a : last) {
      if (std::holds_alternative<close_connection>(a)) return true;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("session limits: two MO with one sequence_number get one deliver_sm_resp each") {
  peer_script sc{session_config{}};
  sc.peer(mo(7) + mo(7), t0 + 1s);
  CHECK(sc.handed_up() == 2);
  CHECK(sc.s.awaiting_response() == 2);
  sc.answer(7, t0 + 2s);
  CHECK(sc.sent() == mo_resp(7));
  sc.answer(7, t0 + 2s);
  CHECK(sc.sent() == mo_resp(7));
  CHECK(sc.s.awaiting_response() == 0);
  CHECK(sc.s.respond(7, command_status::esme_rok, t0 + 3s) == session_error::no_such_request);
}

TEST_CASE("session limits: a reused number is answered with the response its request takes") {
  peer_script sc{session_config{}};
  // data_sm then deliver_sm, both sequence_number 9: each gets its own response type.
  const bytes data_sm =
      hex("0000001A 00000103 00000000 00000009") + hex("00 00 00 00 00 00 00 00 00 00");
  sc.peer(data_sm + mo(9), t0 + 1s);
  REQUIRE(sc.handed_up() == 2);
  REQUIRE(sc.s.respond(9, command_status::esme_rok, pdu_body(deliver_sm_resp{}), t0 + 2s) ==
          std::error_code{});
  sc.take();
  CHECK(sc.sent() == mo_resp(9));
  sc.answer(9, t0 + 2s);  // the default body of what is left: data_sm_resp
  CHECK(sc.sent() == hex("00000011 80000103 00000000 00000009 00"));
}

TEST_CASE("session limits: at the cap, frames wait in order until an answer makes room") {
  session_config c;
  c.max_requests_in = 2;
  c.enquire_link_interval = 30s;
  peer_script sc{c};
  CHECK_FALSE(sc.s.input_paused());
  // Three MO and an enquire_link in one read: two are let in, the rest waits unparsed.
  sc.peer(mo(1) + mo(2) + mo(3) + el(4), t0 + 1s);
  CHECK(sc.handed_up() == 2);
  CHECK(sc.sent().empty());
  CHECK(sc.s.input_paused());
  CHECK(sc.s.awaiting_response() == 2);

  // Not reading is our doing: no "peer dead" however long the answers take.
  sc.s.on_timer(t0 + 5min);
  sc.take();
  CHECK_FALSE(sc.closed());
  CHECK(sc.s.is_bound());

  // One answer: the third MO comes in, and the cap holds again (enquire_link still waits).
  sc.answer(1, t0 + 5min);
  CHECK(sc.sent() == mo_resp(1));
  CHECK(sc.handed_up() == 1);
  CHECK(sc.s.input_paused());
  // The next answer lets the enquire_link through: it is answered at once.
  sc.answer(2, t0 + 5min);
  CHECK(sc.sent() == mo_resp(2) + el_resp(4));
  CHECK_FALSE(sc.s.input_paused());
  sc.answer(3, t0 + 5min);
  CHECK(sc.s.awaiting_response() == 0);
}

TEST_CASE("session limits: no response timeout while a response may wait unread at the cap") {
  session_config c;
  c.max_requests_in = 1;
  c.response_timeout = 10s;
  c.enquire_link_interval = 30s;
  peer_script sc{c};
  submit_sm m;
  m.destination_addr = "6281234567890";
  m.short_message = "Hi";
  std::uint32_t seq = 0;
  REQUIRE(sc.s.send(m, t0 + 1s, seq) == std::error_code{});
  REQUIRE(seq == 2);
  sc.take();
  // Two MO, then the submit_sm_resp, in one read: the response waits behind the second MO.
  const bytes resp = hex("00000012 80000004 00000000 00000002") + text("A") + z;
  sc.peer(mo(1) + mo(3) + resp, t0 + 2s);
  REQUIRE(sc.s.input_paused());
  CHECK_FALSE(sc.s.next_deadline());  // no timer while paused
  sc.s.on_timer(t0 + 5min);           // long past every deadline
  sc.take();
  CHECK(sc.last.empty());   // no request_failed, no enquire_link, no close
  sc.answer(1, t0 + 5min);  // MO 3 comes in: still paused
  CHECK(sc.handed_up() == 1);
  sc.answer(3, t0 + 5min);  // now the response is read: the submit_sm succeeded
  bool got = false;
  for (const auto& a : sc.last) {
    if (const auto* r = std::get_if<response_received>(&a)) {
      got = r->response.sequence_number == 2;
    }
    CHECK_FALSE(std::holds_alternative<request_failed>(a));
  }
  CHECK(got);
  CHECK(sc.s.next_deadline());  // keepalive again
}

TEST_CASE("session limits: an enquire_link flood is answered without a cap on MO") {
  session_config c;
  c.max_requests_in = 1;
  peer_script sc{c};
  bytes flood;
  for (std::uint8_t i = 1; i <= 100; ++i)
    flood = flood + el(i);
  sc.peer(flood, t0 + 1s);
  CHECK(sc.sent().size() == 100 * 16);  // answered by the machine: nothing awaits the owner
  CHECK_FALSE(sc.s.input_paused());
}

namespace {

// submit_sm_resp to `seq` with message_id "m".
bytes submit_resp(std::uint32_t seq) {
  bytes b = hex("00000012 80000004 00000000");
  for (int i = 3; i >= 0; --i)
    b.push_back(static_cast<std::uint8_t>(seq >> (8 * i)));
  return b + text("m") + z;
}

}  // namespace

TEST_CASE("session: the earliest unanswered request times out, whatever was answered around it") {
  session_config c;
  c.window = 64;
  c.response_timeout = 10s;
  script sc(c);
  sc.bind_trx(t0);
  std::vector<std::uint32_t> seqs;
  for (int i = 0; i < 60; ++i)
    seqs.push_back(sc.submit(t0 + std::chrono::milliseconds(i)));
  for (int i = 59; i >= 0; --i) {  // newest first: the deadlines' front is answered last
    if (i != 30 && i != 45) sc.peer(submit_resp(seqs[i]), t0 + 1s);
  }
  CHECK(sc.s.outstanding() == 2);
  CHECK(sc.s.next_deadline() == t0 + 10s + 30ms);
  sc.timer(t0 + 10s + 29ms);
  CHECK(sc.all<request_failed>().empty());
  sc.timer(t0 + 10s + 30ms);
  CHECK(sc.one<request_failed>().sequence == seqs[30]);
  CHECK(sc.s.next_deadline() == t0 + 10s + 45ms);
  // A clock that went back (scripted time): the earlier deadline still comes first.
  const auto early = sc.submit(t0 + 5ms);
  CHECK(sc.s.next_deadline() == t0 + 10s + 5ms);
  sc.timer(t0 + 10s + 45ms);
  const auto failed = sc.all<request_failed>();
  REQUIRE(failed.size() == 2);
  CHECK(sc.s.outstanding() == 0);
  CHECK((failed[0].sequence == early || failed[1].sequence == early));
}

TEST_CASE("session: one slow request behind ten thousand answered ones still times out on time") {
  session_config c;
  c.window = 4;
  c.response_timeout = 10s;
  script sc(c);
  sc.bind_trx(t0);
  const auto slow = sc.submit(t0);
  for (int i = 1; i <= 10'000; ++i) {
    const auto seq = sc.submit(t0 + std::chrono::microseconds(i));
    sc.peer(submit_resp(seq), t0 + std::chrono::microseconds(i));
  }
  CHECK(sc.s.outstanding() == 1);
  CHECK(sc.s.next_deadline() == t0 + 10s);
  sc.timer(t0 + 10s);
  CHECK(sc.one<request_failed>().sequence == slow);
}
