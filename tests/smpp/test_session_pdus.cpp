// The session reports every PDU it frames or encodes (pdu_seen: direction, command, status,
// length) so that metrics need not scan the bytes again. Checked against the bytes themselves:
// the headers of what the peer sent and of all the session's output, in order, whatever the
// chunking; a PDU that cannot be decoded, or whose command_length breaks framing, still counts.
#include <ostream>  // doctest prints std::error_code through operator<<

#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <span>
#include <tuple>
#include <vector>

#include "lapord/smpp/session.hpp"
#include "smpp/bytes.hpp"
#include "smpp/session_script.hpp"

using namespace lapord::smpp;
using namespace lapord::smpp::test;
using namespace std::chrono_literals;

namespace {

using seen = std::tuple<pdu_direction, command_id, command_status, std::uint32_t>;

// The headers in a stream of whole PDUs, read by hand (not by the codec under test).
std::vector<seen> headers_of(const bytes& stream, pdu_direction d) {
  std::vector<seen> out;
  const auto word = [&](std::size_t at) {
    return std::uint32_t{stream[at]} << 24 | std::uint32_t{stream[at + 1]} << 16 |
           std::uint32_t{stream[at + 2]} << 8 | std::uint32_t{stream[at + 3]};
  };
  for (std::size_t at = 0; at + 16 <= stream.size();) {
    const auto length = word(at);
    out.emplace_back(d, static_cast<command_id>(word(at + 4)),
                     static_cast<command_status>(word(at + 8)), length);
    if (length < 16) break;
    at += length;
  }
  return out;
}

struct conversation {
  session s;
  std::vector<seen> received, sent;  // from pdu_seen
  bytes wire_out;                    // every output, in order

  void take() {
    s.take_output(wire_out);
    for (auto& a : s.take_actions()) {
      if (const auto* p = std::get_if<pdu_seen>(&a)) {
        auto& list = p->direction == pdu_direction::received ? received : sent;
        list.emplace_back(p->direction, p->command, p->status, p->length);
      }
    }
    // One pdu_seen per PDU in the output, no more, no fewer.
    CHECK(headers_of(wire_out, pdu_direction::sent).size() == sent.size());
  }
  // Feeds `stream` cut every `chunk` octets (0: whole).
  void peer(const bytes& stream, std::size_t chunk, time_point now) {
    if (chunk == 0) chunk = stream.size();
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      const auto n = std::min(chunk, stream.size() - at);
      s.on_bytes(std::span(stream).subspan(at, n), now);
      take();
    }
  }
};

const bytes bind_resp = hex("00000015 80000009 00000000 00000001") + text("SMSC") + z;
const bytes deliver = hex("00000037 00000005 00000000 00000010") + z + hex("01 01") +
                      text("6281234567890") + z + hex("00 00") + text("1717") + z +
                      hex("00 00 00") + z + z + hex("00 00 00 00") + hex("05") + text("LAPOR");
// A deliver_sm whose TLV announces more octets than it has: framed, but not decodable.
const bytes broken =
    hex("00000027 00000005 00000000 00000021") + bytes(17, 0) + hex("0424 00FF 4142");
const bytes enquire = hex("00000010 00000015 00000000 00000011");
const bytes unknown = hex("00000010 00000099 0000000A 00000012");
const bytes submit_resp = hex("00000011 80000004 00000058 00000002") + z;  // ESME_RTHROTTLED

void run(conversation& c, std::size_t chunk) {
  bind_fields f;
  f.system_id = "lapord";
  f.password = "secret";
  REQUIRE(c.s.bind(bind_mode::transceiver, f, t0) == std::error_code{});
  c.take();
  c.peer(bind_resp, chunk, t0);
  REQUIRE(c.s.state() == session_state::bound_trx);
  submit_sm m;
  m.destination_addr = "6281234567890";
  m.short_message = "Hi";
  std::uint32_t seq = 0;
  REQUIRE(c.s.send(m, t0, seq) == std::error_code{});
  REQUIRE(seq == 2);
  c.take();
  c.peer(deliver + broken + enquire + unknown + submit_resp, chunk, t0 + 1s);
  REQUIRE(c.s.respond(0x10, command_status::esme_rok, t0 + 2s) == std::error_code{});
  c.take();
}

}  // namespace

TEST_CASE("session pdu_seen: every PDU framed or encoded, as on the wire, in any chunking") {
  const bytes from_peer = bind_resp + deliver + broken + enquire + unknown + submit_resp;
  for (const std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
    CAPTURE(chunk);
    conversation c;
    run(c, chunk);
    CHECK(c.received == headers_of(from_peer, pdu_direction::received));
    CHECK(c.sent == headers_of(c.wire_out, pdu_direction::sent));
    // bind, submit_sm, the broken one's deliver_sm_resp, enquire_link_resp, generic_nack,
    // and the owner's deliver_sm_resp.
    REQUIRE(c.sent.size() == 6);
    CHECK(c.sent[0] ==
          seen{pdu_direction::sent, command_id::bind_transceiver, command_status::esme_rok, 0x23});
    CHECK(c.sent[2] == seen{pdu_direction::sent, command_id::deliver_sm_resp,
                            command_status::esme_rinvoptparstream, 0x11});
    CHECK(c.sent[4] == seen{pdu_direction::sent, command_id::generic_nack,
                            command_status::esme_rinvcmdid, 0x10});
  }
}

TEST_CASE("session pdu_seen: a PDU that breaks framing is counted once, then the nack") {
  conversation c;
  run(c, 0);
  c.received.clear();
  c.sent.clear();
  c.wire_out.clear();
  c.peer(hex("7FFFFFFF 00000005 00000000 00000044 0000"), 0, t0 + 3s);
  CHECK(c.received == std::vector<seen>{{pdu_direction::received, command_id::deliver_sm,
                                         command_status::esme_rok, 0x7FFFFFFF}});
  CHECK(c.sent == std::vector<seen>{{pdu_direction::sent, command_id::generic_nack,
                                     command_status::esme_rinvcmdlen, 0x10}});
  CHECK(c.s.state() == session_state::closed);
  // Nothing more is framed or counted after the close.
  c.peer(enquire, 0, t0 + 4s);
  CHECK(c.received.size() == 1);
}

TEST_CASE("session pdu_seen: a length under 16 counts if its header came with it") {
  const bytes bad = hex("00000008 00000015 00000000 00000045");
  conversation whole;
  run(whole, 0);
  whole.received.clear();
  whole.peer(bad, 0, t0 + 3s);
  CHECK(whole.received == std::vector<seen>{{pdu_direction::received, command_id::enquire_link,
                                             command_status::esme_rok, 8}});
  // Byte by byte, framing fails at the 4 length octets and the session closes then: no header
  // to count (the nack goes out with sequence_number 0).
  conversation bytewise;
  run(bytewise, 0);
  bytewise.received.clear();
  bytewise.peer(bad, 1, t0 + 3s);
  CHECK(bytewise.received.empty());
  CHECK(bytewise.s.state() == session_state::closed);
}
