// bind_link's reader hands a read to the session a slice at a time, and only while the session
// takes input, and send_answers gives it a few answers at a time (feed_slices.hpp): the
// session's framer never holds more than a slice, so neither a slice nor the answers that make
// room for more MO (session::respond) leave more than max_actions_per_apply actions, whatever
// one read brought; and every frame is still taken, in order. The reader's loop is played here
// with scripted time, no socket.
#include <algorithm>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "lapord/smpp/codec.hpp"
#include "net/carrier/feed_slices.hpp"

using namespace lapord;
using namespace std::chrono_literals;

namespace {

const smpp::time_point t0 = smpp::time_point{} + 1000s;

void put(const smpp::pdu& p, std::vector<std::uint8_t>& bytes) {
  REQUIRE(smpp::encode(p, bytes) == std::error_code{});
}

smpp::session bound_session(std::size_t max_requests_in) {
  smpp::session_config config;
  config.max_requests_in = max_requests_in;
  smpp::session session(config);
  REQUIRE(session.bind(smpp::bind_mode::transceiver, smpp::bind_fields{}, t0) == std::error_code{});
  smpp::bind_transceiver_resp resp;
  resp.system_id = "SMSC";
  std::vector<std::uint8_t> bytes;
  put(smpp::pdu{smpp::command_status::esme_rok, 1, resp}, bytes);
  session.on_bytes(bytes, t0);
  REQUIRE(session.is_bound());
  (void)session.take_actions();
  std::vector<std::uint8_t> sent;
  session.take_output(sent);
  return session;
}

// One read as a flood brings it: MO, each followed by many small frames (enquire_link, 16
// octets, the smallest PDU; a carrier's submit_sm_resp are hardly larger), ~64 KiB in all.
std::vector<std::uint8_t> flood_read(std::uint32_t mo, std::uint32_t small_per_mo) {
  std::vector<std::uint8_t> bytes;
  std::uint32_t seq = 100;
  for (std::uint32_t i = 0; i < mo; ++i) {
    smpp::deliver_sm d;
    d.source_addr = "6281200000" + std::to_string(i);
    d.destination_addr = "1708";
    d.short_message = "LAPOR SLEMAN keluhan nomor " + std::to_string(i);
    put(smpp::pdu{smpp::command_status::esme_rok, seq++, d}, bytes);
    for (std::uint32_t k = 0; k < small_per_mo; ++k)
      put(smpp::pdu{smpp::command_status::esme_rok, seq++, smpp::enquire_link{}}, bytes);
  }
  return bytes;
}

struct tally {
  std::size_t most = 0;           // actions at one take, at most
  std::size_t enquire_links = 0;  // enquire_link seen (the session answers them itself)
  std::vector<std::uint32_t> mo;  // MO sequence numbers, in the order taken
  std::vector<smpp::session_action> actions;
  std::vector<std::uint8_t> output;

  void take(smpp::session& session) {
    session.take_actions(actions);
    output.clear();
    session.take_output(output);
    most = std::max(most, actions.size());
    for (auto& a : actions) {
      if (auto* r = std::get_if<smpp::request_received>(&a)) {
        mo.push_back(r->request.sequence_number);
      } else if (auto* s = std::get_if<smpp::pdu_seen>(&a)) {
        enquire_links += s->direction == smpp::pdu_direction::received &&
                         s->command == smpp::command_id::enquire_link;
      }
    }
  }
};

// The reader's loop: the next slice while the read gate is open (here: the session takes
// input), else the oldest MO answered, as the store's commit would; `whole` gives the session
// the whole read at once instead, as the reader did before.
tally play(const std::vector<std::uint8_t>& bytes, bool whole, std::size_t max_mo_in_flight,
           std::size_t answers_at_once = net::bind_detail::answers_per_apply) {
  smpp::session session = bound_session(max_mo_in_flight);
  net::bind_detail::read_slices unfed;
  tally t;
  if (whole) {
    session.on_bytes(bytes, t0);
    t.take(session);
  } else {
    unfed.got(bytes);
  }
  std::size_t answered = 0;
  for (;;) {
    if (!session.input_paused() && !unfed.empty()) {
      unfed.feed(session, t0);
    } else if (answered < t.mo.size()) {
      // send_answers: the answers there are, answers_per_apply at a time.
      for (std::size_t k = 0; k < answers_at_once && answered < t.mo.size(); ++k) {
        REQUIRE(session.respond(t.mo[answered++], smpp::command_status::esme_rok, t0) ==
                std::error_code{});
      }
    } else {
      break;
    }
    t.take(session);
  }
  CHECK(answered == t.mo.size());
  return t;
}

}  // namespace

TEST_CASE("read_slices: no take of the session's actions exceeds a slice's bound") {
  constexpr std::uint32_t mo = 40, small = 100;
  const auto bytes = flood_read(mo, small);
  REQUIRE(bytes.size() >= 64 * 1000);
  const tally t = play(bytes, false, 4);  // max_mo_in_flight 4: paused after 4 MO
  // A slice's frames, or the answers' own pdu_seen and the frames they let the session take.
  CHECK(t.most <= net::bind_detail::max_actions_per_apply);
  // Every frame taken, in order: each MO (its sequence number is 101 past the one before),
  // every enquire_link.
  REQUIRE(t.mo.size() == mo);
  for (std::uint32_t i = 0; i < mo; ++i)
    CHECK(t.mo[i] == 100 + i * (small + 1));
  CHECK(t.enquire_links == mo * small);
}

TEST_CASE("read_slices: the same read given at once, the answer that makes room takes it all") {
  // Why the slices: frames held back at max_mo_in_flight all came out of the framer as actions
  // at the first answer, before the owner took any.
  const tally t = play(flood_read(40, 100), true, 4);
  CHECK(t.most > 4 * net::bind_detail::max_actions_per_apply);
  CHECK(t.enquire_links == 40 * 100);
}

TEST_CASE("read_slices: a window of MO answered a few at a time, none at once") {
  // 100 MO in flight (the bench's window) answered together: one action each at least.
  const auto bytes = flood_read(100, 40);
  const tally few = play(bytes, false, 100);
  CHECK(few.most <= net::bind_detail::max_actions_per_apply);
  CHECK(few.mo.size() == 100);
  CHECK(few.enquire_links == 100 * 40);
  const tally all = play(bytes, false, 100, 100);
  CHECK(all.most > net::bind_detail::max_actions_per_apply);
}
