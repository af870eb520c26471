// The session machine against a peer that makes mistakes: requests in the wrong state, an
// unknown command_id, broken bodies, a lying command_length, stray generic_nacks and answers of
// the wrong type. Hand-written bytes, scripted time.
#include <ostream>  // doctest prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <chrono>

#include "lapord/smpp/codec_error.hpp"
#include "lapord/smpp/session.hpp"
#include "smpp/bytes.hpp"
#include "smpp/session_script.hpp"

using namespace lapord::smpp;
using namespace lapord::smpp::test;
using namespace std::chrono_literals;

TEST_CASE("session: PDUs in the wrong state get ESME_RINVBNDSTS") {
  SUBCASE("submit before bind is refused locally") {
    script sc;
    sc.submit(t0, session_error::wrong_state);
  }
  SUBCASE("deliver_sm on a transmitter bind") {
    script sc;
    REQUIRE(sc.s.bind(bind_mode::transmitter, bind_fields{}, t0) == std::error_code{});
    sc.step();
    sc.peer(hex("00000015 80000002 00000000 00000001") + text("SMSC") + z, t0);
    REQUIRE(sc.s.state() == session_state::bound_tx);
    sc.peer(hex("00000021 00000005 00000000 00000009") + empty_sm_body, t0 + 1s);
    CHECK(sc.sent() == hex("00000011 80000005 00000004 00000009 00"));
    CHECK(sc.one<protocol_warning>().what == session_error::request_in_wrong_state);
    CHECK_FALSE(sc.has<request_received>());
  }
  SUBCASE("deliver_sm before bind") {
    script sc;
    sc.peer(hex("00000021 00000005 00000000 00000009") + empty_sm_body, t0);
    CHECK(sc.sent() == hex("00000011 80000005 00000004 00000009 00"));
  }
  SUBCASE("submit_sm sent to an ESME") {
    script sc;
    sc.bind_trx(t0);
    sc.peer(hex("00000021 00000004 00000000 0000000A") + empty_sm_body, t0 + 1s);
    CHECK(sc.sent() == hex("00000010 80000004 00000004 0000000A"));  // no body on error
  }
  SUBCASE("deliver_sm sent by an ESME is refused locally") {
    script sc;
    sc.bind_trx(t0);
    std::uint32_t seq = 0;
    CHECK(sc.s.send(deliver_sm{}, t0, seq) == session_error::wrong_state);
    CHECK(sc.s.send(submit_sm_resp{}, t0, seq) == session_error::not_a_request);
  }
}

TEST_CASE("session: unknown command_id gets generic_nack ESME_RINVCMDID, session goes on") {
  script sc;
  sc.bind_trx(t0);
  sc.peer(hex("00000010 00000099 00000000 00000033"), t0 + 1s);
  CHECK(sc.sent() == hex("00000010 80000000 00000003 00000033"));
  CHECK(sc.s.state() == session_state::bound_trx);
  // query_sm is real SMPP but not ours
  sc.peer(hex("00000010 00000003 00000000 00000034"), t0 + 1s);
  CHECK(sc.sent() == hex("00000010 80000000 00000003 00000034"));
}

TEST_CASE("session: a broken deliver_sm is answered with the matching error status") {
  script sc;
  sc.bind_trx(t0);
  // TLV announcing 0xFF octets with 2 left
  sc.peer(hex("00000027 00000005 00000000 00000021") + empty_sm_body + hex("0424 00FF 4142"),
          t0 + 1s);
  CHECK(sc.sent() == hex("00000011 80000005 000000C0 00000021 00"));
  CHECK(sc.one<protocol_warning>().what == codec_error::truncated_tlv);
  CHECK(sc.s.state() == session_state::bound_trx);
}

TEST_CASE("session: a lying command_length: generic_nack ESME_RINVCMDLEN, then close") {
  script sc;
  sc.bind_trx(t0);
  const auto a = sc.submit(t0);
  sc.peer(hex("7FFFFFFF 00000005 00000000 00000044 0000"), t0 + 1s);
  CHECK(sc.sent() == hex("00000010 80000000 00000002 00000044"));
  CHECK(sc.one<close_connection>().reason == codec_error::command_length_too_large);
  CHECK(sc.one<request_failed>().sequence == a);
  CHECK(sc.first_sent() < sc.first<close_connection>());  // the nack, then the close
}

TEST_CASE("session: generic_nack with sequence 0 is a warning, a matching one is a response") {
  script sc;
  sc.bind_trx(t0);
  const auto a = sc.submit(t0);
  sc.peer(hex("00000010 80000000 00000003 00000000"), t0 + 1s);
  CHECK(sc.one<protocol_warning>().what == session_error::peer_generic_nack);
  CHECK(sc.s.outstanding() == 1);
  sc.peer(hex("00000010 80000000 00000008 00000002"), t0 + 1s);
  const auto r = sc.one<response_received>();
  CHECK(r.request == command_id::submit_sm);
  CHECK(r.response.sequence_number == a);
  CHECK(r.response.command() == command_id::generic_nack);
  CHECK(r.response.status == command_status::esme_rsyserr);
}

TEST_CASE("session: a response of the wrong type fails its request") {
  script sc;
  sc.bind_trx(t0);
  const auto a = sc.submit(t0);
  sc.peer(hex("00000011 80000005 00000000 00000002 00"), t0 + 1s);
  CHECK(sc.one<request_failed>().sequence == a);
  CHECK(sc.one<request_failed>().reason == session_error::mismatched_response);
}
