// The session machine driven through whole conversations: the peer's PDUs are hand-written
// bytes, the time is a number we advance; no socket, no clock.
#include <ostream>  // doctest prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <chrono>

#include "lapord/smpp/session.hpp"
#include "smpp/bytes.hpp"
#include "smpp/session_script.hpp"

using namespace lapord::smpp;
using namespace lapord::smpp::test;
using namespace std::chrono_literals;

TEST_CASE("session: bind ok, with the bytes on the wire and the timers") {
  script sc;
  bind_fields f;
  f.system_id = "lapord";
  f.password = "secret";
  REQUIRE(sc.s.bind(bind_mode::transceiver, f, t0) == std::error_code{});
  sc.step();
  CHECK(sc.sent() == hex("00000023 00000009 00000000 00000001") + text("lapord") + z +
                         text("secret") + z + z + hex("34 00 00") + z);
  CHECK(sc.s.state() == session_state::binding);
  CHECK(sc.one<arm_timer>().at == t0 + 10s);  // the bind's response timeout

  sc.peer(hex("0000001A 80000009 00000000 00000001") + text("SMSC") + z + hex("0210 0001 34"),
          t0 + 1s);
  const auto b = sc.one<bound>();
  CHECK(b.state == session_state::bound_trx);
  CHECK(b.peer_system_id == "SMSC");
  CHECK(sc.s.is_bound());
  CHECK(sc.s.can_submit());
  CHECK(sc.one<arm_timer>().at == t0 + 1s + 30s);  // keepalive after an idle interval
}

TEST_CASE("session: bind refused with a wrong password closes with ESME_RINVPASWD") {
  script sc;
  bind_fields f;
  f.system_id = "lapord";
  f.password = "wrong";
  REQUIRE(sc.s.bind(bind_mode::transmitter, f, t0) == std::error_code{});
  sc.step();
  // The SMSC answers with the error and no body (allowed by SMPP 3.4).
  sc.peer(hex("00000010 80000002 0000000E 00000001"), t0 + 1s);
  const auto c = sc.one<close_connection>();
  CHECK(c.reason == command_status::esme_rinvpaswd);
  CHECK(c.reason.message() == "ESME_RINVPASWD (invalid password)");
  CHECK(sc.s.state() == session_state::closed);
  CHECK_FALSE(sc.has<bound>());
  CHECK(sc.has<cancel_timer>());
}

TEST_CASE("session: no bind_resp within the response timeout") {
  script sc;
  REQUIRE(sc.s.bind(bind_mode::receiver, bind_fields{}, t0) == std::error_code{});
  sc.step();
  sc.timer(t0 + 9s);
  CHECK(sc.last.empty());
  sc.timer(t0 + 10s);
  CHECK(sc.one<close_connection>().reason == session_error::bind_timeout);
}

TEST_CASE("session: enquire_link only when the link has been idle for the interval") {
  script sc;
  sc.bind_trx(t0);
  sc.timer(t0 + 29s);
  CHECK(sc.sent().empty());
  // Traffic moves the idle point: a submit at +20s pushes the keepalive to +50s.
  const auto seq = sc.submit(t0 + 20s);
  sc.peer(
      hex("00000010 80000004 00000000") + bytes{0, 0, 0, static_cast<std::uint8_t>(seq)} + hex(""),
      t0 + 21s);
  sc.timer(t0 + 30s);
  CHECK(sc.sent().empty());
  sc.timer(t0 + 51s);
  CHECK(sc.sent() == hex("00000010 00000015 00000000 00000003"));
  // The answer proves the peer alive; the next keepalive is an interval after it.
  sc.peer(hex("00000010 80000015 00000000 00000003"), t0 + 52s);
  CHECK(sc.all<response_received>().empty());
  CHECK(sc.one<arm_timer>().at == t0 + 82s);
}

TEST_CASE("session: the peer's enquire_link is answered, with its sequence number") {
  script sc;
  sc.bind_trx(t0);
  sc.peer(hex("00000010 00000015 00000000 0000BEEF"), t0 + 5s);
  CHECK(sc.sent() == hex("00000010 80000015 00000000 0000BEEF"));
}

TEST_CASE("session: a silent peer is dead after twice the interval") {
  script sc;
  sc.bind_trx(t0);
  const auto seq = sc.submit(t0 + 1s);
  sc.timer(t0 + 31s);  // idle since +1s: enquire_link
  CHECK(sc.sent() == hex("00000010 00000015 00000000 00000003"));
  sc.timer(t0 + 59s);
  CHECK_FALSE(sc.has<close_connection>());
  // (the submit timed out at +11s; here we only look at the death)
  sc.timer(t0 + 60s);
  CHECK(sc.one<close_connection>().reason == session_error::peer_dead);
  CHECK(sc.s.state() == session_state::closed);
  (void)seq;
}

TEST_CASE("session: response timeout per request, and a late response is only a warning") {
  script sc;
  sc.bind_trx(t0);
  const auto a = sc.submit(t0);
  CHECK(sc.sent() == submit_bytes(a));
  const auto b = sc.submit(t0 + 3s);
  sc.timer(t0 + 10s);
  const auto failed = sc.one<request_failed>();
  CHECK(failed.sequence == a);
  CHECK(failed.request == command_id::submit_sm);
  CHECK(failed.reason == session_error::response_timeout);
  CHECK(sc.s.outstanding() == 1);
  CHECK(sc.one<arm_timer>().at == t0 + 13s);
  // a's response after its timeout
  sc.peer(hex("00000012 80000004 00000000 00000002") + text("x") + z, t0 + 11s);
  CHECK(sc.one<protocol_warning>().what == session_error::unexpected_response);
  CHECK(sc.all<response_received>().empty());
  // b's in time
  sc.peer(hex("00000013 80000004 00000000 00000003") + text("m2") + z, t0 + 12s);
  const auto r = sc.one<response_received>();
  CHECK(r.request == command_id::submit_sm);
  CHECK(r.response.sequence_number == b);
  CHECK(std::get<submit_sm_resp>(r.response.body).message_id == "m2");
  CHECK(sc.s.outstanding() == 0);
}

TEST_CASE("session: a full window refuses, a response makes room") {
  session_config c;
  c.window = 2;
  script sc(c);
  sc.bind_trx(t0);
  const auto a = sc.submit(t0);
  sc.submit(t0);
  CHECK_FALSE(sc.s.can_submit());
  sc.submit(t0, session_error::window_full);
  CHECK(sc.sent().empty());
  sc.peer(hex("00000011 80000004 00000000") + bytes{0, 0, 0, static_cast<std::uint8_t>(a)} + z,
          t0 + 1s);
  CHECK(sc.s.can_submit());
  const auto d = sc.submit(t0 + 1s);
  CHECK(d == 4);
}

TEST_CASE("session: ESME_RTHROTTLED and ESME_RMSGQFUL give back_off") {
  script sc;
  sc.bind_trx(t0);
  const auto a = sc.submit(t0);
  const auto b = sc.submit(t0);
  sc.peer(hex("00000010 80000004 00000058 00000002"), t0 + 1s);
  CHECK(sc.one<response_received>().response.status == command_status::esme_rthrottled);
  CHECK(sc.one<back_off>().sequence == a);
  CHECK(sc.one<back_off>().status == command_status::esme_rthrottled);
  sc.peer(hex("00000010 80000004 00000014 00000003"), t0 + 1s);
  CHECK(sc.one<back_off>().sequence == b);
  CHECK(sc.one<back_off>().status == command_status::esme_rmsgqful);
  // any other error: no back-off
  const auto c2 = sc.submit(t0 + 2s);
  sc.peer(hex("00000010 80000004 0000000B 00000004"), t0 + 3s);
  CHECK(sc.one<response_received>().response.sequence_number == c2);
  CHECK_FALSE(sc.has<back_off>());
}

TEST_CASE("session: deliver_sm is handed up and acknowledged later by the owner") {
  script sc;
  sc.bind_trx(t0);
  const bytes mo = hex("00000037 00000005 00000000 00000010") + z + hex("01 01") +
                   text("6281234567890") + z + hex("00 00") + text("1717") + z + hex("00 00 00") +
                   z + z + hex("00 00 00 00") + hex("05") + text("LAPOR");
  sc.peer(mo, t0 + 1s);
  const auto req = sc.one<request_received>().request;
  CHECK(req.sequence_number == 0x10);
  CHECK(std::get<deliver_sm>(req.body).short_message == "LAPOR");
  CHECK(std::get<deliver_sm>(req.body).source_addr == "6281234567890");
  CHECK(sc.sent().empty());  // nothing until the message is stored
  CHECK(sc.s.awaiting_response() == 1);

  CHECK(sc.s.respond(0x10, command_status::esme_rok, submit_sm_resp{}, t0 + 2s) ==
        session_error::wrong_response_type);
  REQUIRE(sc.s.respond(0x10, command_status::esme_rok, t0 + 2s) == std::error_code{});
  sc.step();
  CHECK(sc.sent() == hex("00000011 80000005 00000000 00000010 00"));
  CHECK(sc.s.respond(0x10, command_status::esme_rok, t0 + 2s) == session_error::no_such_request);
  // A temporary failure to store: the carrier will retry.
  sc.peer(mo, t0 + 3s);
  REQUIRE(sc.s.respond(0x10, command_status::esme_rx_t_appn, t0 + 3s) == std::error_code{});
  sc.step();
  CHECK(sc.sent() == hex("00000011 80000005 00000064 00000010 00"));
}

TEST_CASE("session: a 64 KiB message_payload is accepted with a raised max_pdu_size") {
  session_config c;
  c.max_pdu_size = 70000;
  script sc(c);
  sc.bind_trx(t0);
  // data_sm: header 16 + body 10 + TLV 4 + 65535 = 65565 = 0x1001D
  const bytes big = hex("0001001D 00000103 00000000 00000005") +
                    hex("00 00 00 00 00 00 00 00 00 00") + hex("0424 FFFF") + bytes(65535, 0x41);
  sc.peer(big, t0 + 1s);
  const auto req = sc.one<request_received>().request;
  CHECK(std::get<data_sm>(req.body).tlvs.message_payload->size() == 65535);
}

TEST_CASE("session: unbind by us, answered") {
  script sc;
  sc.bind_trx(t0);
  sc.s.unbind(t0 + 1s);
  sc.step();
  CHECK(sc.sent() == hex("00000010 00000006 00000000 00000002"));
  CHECK(sc.s.state() == session_state::unbinding);
  sc.submit(t0 + 1s, session_error::wrong_state);
  sc.peer(hex("00000010 80000006 00000000 00000002"), t0 + 2s);
  CHECK(sc.one<close_connection>().reason == session_error::unbound);
  CHECK(sc.s.state() == session_state::closed);
}

TEST_CASE("session: unbind by us, never answered") {
  script sc;
  sc.bind_trx(t0);
  sc.s.unbind(t0);
  sc.step();
  sc.timer(t0 + 10s);
  CHECK(sc.one<close_connection>().reason == session_error::unbound);
}

TEST_CASE("session: unbind by the peer: unbind_resp, pending requests fail, close") {
  script sc;
  sc.bind_trx(t0);
  const auto a = sc.submit(t0);
  sc.peer(hex("00000010 00000006 00000000 00000007"), t0 + 1s);
  CHECK(sc.sent() == hex("00000010 80000006 00000000 00000007"));
  const auto failed = sc.one<request_failed>();
  CHECK(failed.sequence == a);
  CHECK(failed.reason == session_error::connection_closed);
  CHECK(sc.one<close_connection>().reason == session_error::peer_unbound);
  // The order matters to the shell: send the unbind_resp, then close.
  CHECK(sc.first_sent() < sc.first<close_connection>());
  CHECK(sc.s.state() == session_state::closed);
  CHECK(sc.s.respond(7, command_status::esme_rok, t0) == session_error::wrong_state);
}

TEST_CASE("session: one byte at a time") {
  script sc;
  sc.bind_trx(t0);
  const bytes two =
      hex("00000010 00000015 00000000 00000005") + hex("00000010 00000015 00000000 00000006");
  bytes out;
  for (auto b : two) {
    sc.s.on_bytes(std::span(&b, 1), t0 + 1s);
    sc.step();
    out = out + sc.sent();
  }
  CHECK(out ==
        hex("00000010 80000015 00000000 00000005") + hex("00000010 80000015 00000000 00000006"));
}

TEST_CASE("session: sequence numbers wrap from 0x7FFFFFFF to 1") {
  session_config c;
  c.first_sequence = 0x7FFFFFFE;
  script sc(c);
  bind_fields f;
  REQUIRE(sc.s.bind(bind_mode::transceiver, f, t0) == std::error_code{});
  sc.step();
  sc.peer(hex("00000011 80000009 00000000 7FFFFFFE 00"), t0);
  REQUIRE(sc.s.is_bound());
  CHECK(sc.submit(t0) == 0x7FFFFFFF);
  CHECK(sc.sent() == submit_bytes(0x7FFFFFFF));
  CHECK(sc.submit(t0) == 1);
  CHECK(sc.sent() == submit_bytes(1));
  CHECK(sc.submit(t0) == 2);
}

TEST_CASE("session: the transport closing fails every outstanding request") {
  script sc;
  sc.bind_trx(t0);
  sc.submit(t0);
  sc.submit(t0);
  sc.s.on_transport_closed(t0 + 1s);
  sc.step();
  CHECK(sc.all<request_failed>().size() == 2);
  CHECK(sc.one<close_connection>().reason == session_error::connection_closed);
  CHECK(sc.s.state() == session_state::closed);
  sc.submit(t0 + 2s, session_error::wrong_state);
}

TEST_CASE("session: outbind hands up, then the ESME binds") {
  script sc;
  sc.peer(hex("00000018 0000000B 00000000 00000001") + text("SMSC") + z + text("pw") + z, t0);
  CHECK(std::get<outbind>(sc.one<request_received>().request.body).system_id == "SMSC");
  CHECK(sc.sent().empty());
  CHECK(sc.s.awaiting_response() == 0);
  REQUIRE(sc.s.bind(bind_mode::receiver, bind_fields{}, t0) == std::error_code{});
}

TEST_CASE("session as SMSC: bind checked by the owner, then submit_sm and deliver_sm") {
  session_config c;
  c.role = session_role::smsc;
  script sc(c);
  const bytes bind = hex("00000023 00000009 00000000 00000001") + text("lapord") + z +
                     text("secret") + z + z + hex("34 00 00") + z;
  SUBCASE("wrong password: back to open") {
    sc.peer(bind, t0);
    CHECK(sc.s.state() == session_state::binding);
    REQUIRE(sc.s.respond(1, command_status::esme_rinvpaswd, t0) == std::error_code{});
    sc.step();
    CHECK(sc.sent() == hex("00000011 80000009 0000000E 00000001 00"));
    CHECK(sc.s.state() == session_state::open);
  }
  SUBCASE("accepted") {
    sc.peer(bind, t0);
    const auto req = sc.one<request_received>().request;
    CHECK(std::get<bind_transceiver>(req.body).password == "secret");
    bind_transceiver_resp r;
    r.system_id = "SIM";
    REQUIRE(sc.s.respond(1, command_status::esme_rok, r, t0) == std::error_code{});
    sc.step();
    CHECK(sc.sent() == hex("00000014 80000009 00000000 00000001") + text("SIM") + z);
    CHECK(sc.one<bound>().peer_system_id == "lapord");
    CHECK(sc.s.state() == session_state::bound_trx);
    // a second bind on a bound session
    sc.peer(bind, t0 + 1s);
    CHECK(sc.sent() == hex("00000011 80000009 00000005 00000001 00"));

    sc.peer(submit_bytes(2), t0 + 1s);
    CHECK(std::get<submit_sm>(sc.one<request_received>().request.body).short_message == "Hi");
    submit_sm_resp sr;
    sr.message_id = "id1";
    REQUIRE(sc.s.respond(2, command_status::esme_rok, sr, t0 + 1s) == std::error_code{});
    sc.step();
    CHECK(sc.sent() == hex("00000014 80000004 00000000 00000002") + text("id1") + z);

    deliver_sm mo;
    mo.short_message = "x";
    std::uint32_t seq = 0;
    REQUIRE(sc.s.send(mo, t0 + 2s, seq) == std::error_code{});
    CHECK(seq == 1);
    CHECK(sc.s.can_submit());
  }
}
