// A dialogue between two screens as text for the shared store (dialogue_state.hpp), and two
// gateways (two instances) passing one dialogue between them through it.
#include <doctest/doctest.h>

#include "lapord/lapor/ussd/dialogue_state.hpp"
#include "lapord/lapor/ussd/gateway.hpp"
#include "lapord/text/gsm7.hpp"
#include "ussd/fixture.hpp"

namespace lapord::lapor::ussd {
namespace {

using testing::at;
using testing::real_engine;

bool printable(std::string_view s) {
  for (const char c : s) {
    if (c < ' ' || c > '~') return false;
  }
  return true;
}

dialogue_state sample() {
  dialogue_state s;
  s.state.reporter = "+6281234567890";
  s.state.service_number = "*1708#";
  s.state.input = "Jalan  rusak 100%\nparah, \xE2\x80\x9Csegera\xE2\x80\x9D";
  s.state.institution = 17;
  s.state.keyword = 2;
  s.state.at = stage::confirm;
  s.state.wrong = 1;
  s.state.corrected = true;
  s.context.its_session_info = 0x0704;
  s.context.has_its_session_info = true;
  s.context.user_message_reference = 9;
  s.context.source_ton = 1;
  s.context.source_npi = 1;
  s.context.destination_ton = 3;
  s.context.destination_npi = 0;
  s.heard_at_ms = 1'765'000'000'123;
  return s;
}

message_in mo(std::string_view text, std::uint8_t op, unsigned seq) {
  message_in d;
  d.service_type = "USSD";
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  d.source_addr = "6281234567890";
  d.destination_addr = "1708";
  for (char c : text)  // ASCII texts: one GSM septet per octet
    d.short_message += static_cast<char>(text::gsm_code_of(static_cast<unsigned char>(c))->septet);
  d.ussd_service_op = op;
  d.its_session_info = static_cast<std::uint16_t>(7 << 8 | seq << 1);
  return d;
}

}  // namespace

TEST_CASE("dialogue state: every field back as it was, in printable ASCII") {
  const dialogue_state s = sample();
  const std::string text = encode(s);
  CHECK(printable(text));
  auto back = decode_state(text);
  REQUIRE(back);
  CHECK(back->state.reporter == s.state.reporter);
  CHECK(back->state.service_number == s.state.service_number);
  CHECK(back->state.input == s.state.input);
  CHECK(back->state.institution == 17);
  CHECK(back->state.keyword == 2);
  CHECK(back->state.at == stage::confirm);
  CHECK(back->state.wrong == 1);
  CHECK(back->state.corrected);
  CHECK(back->context.its_session_info == 0x0704);
  CHECK(back->context.has_its_session_info);
  CHECK(back->context.user_message_reference == 9);
  CHECK_FALSE(back->context.has_user_message_reference);
  CHECK(back->context.destination_ton == 3);
  CHECK(back->heard_at_ms == s.heard_at_ms);
  dialogue_state empty;  // empty texts, the national desk
  auto e = decode_state(encode(empty));
  REQUIRE(e);
  CHECK(e->state.input.empty());
  CHECK(e->state.institution == -1);
}

TEST_CASE("dialogue state: what it did not write is refused") {
  const std::string good = encode(sample());
  CHECK_FALSE(decode_state(""));
  CHECK_FALSE(decode_state("u2" + good.substr(2)));
  CHECK_FALSE(decode_state(good.substr(0, good.size() / 2)));
  CHECK_FALSE(decode_state(good + " extra"));
  CHECK_FALSE(decode_state(good.substr(0, good.size() - 1) + "%G"));
  CHECK_FALSE(decode_state(good.substr(0, good.size() - 1) + "%"));
  std::string bad_stage = good;
  bad_stage.replace(bad_stage.find(" 4 17 "), 6, " 99 17 ");  // stage 4 = confirm
  CHECK_FALSE(decode_state(bad_stage));
}

TEST_CASE("dialogue state: the store key names the carrier and the session, printable") {
  const std::string a = store_key("tsel", {"6281234567890", 0x10007});
  CHECK(printable(a));
  CHECK(a != store_key("xl", {"6281234567890", 0x10007}));
  CHECK(a != store_key("tsel", {"6281234567890", 0x10008}));
  CHECK(printable(store_key("tsel", {"62 81\n\xFF", 0})));
}

TEST_CASE("two instances: a dialogue begun on one goes on on the other through its state") {
  gateway first(real_engine(), profile{}, 100);
  gateway second(real_engine(), profile{}, 100);
  const message_in dial = mo("*1708#", op::pssr_indication, 1);
  const session_key key = first.key_of(dial);
  CHECK(first.on_deliver(dial, at(0)).kind == action_kind::reply);
  CHECK(first.on_deliver(mo("1", op::ussr_confirm, 2), at(5)).kind == action_kind::reply);
  const dialogue_table::entry* e = first.peek(key, at(5));
  REQUIRE(e);
  dialogue_state s{e->state, e->context, 0};
  auto moved = decode_state(encode(s));
  REQUIRE(moved);
  // The next answer reaches the second instance, which holds what the store held.
  moved->state.last_input = at(5);
  CHECK(second.adopt(key, moved->state, moved->context, at(6)));
  action a = second.on_deliver(mo("TANGKAB", op::ussr_confirm, 3), at(6));
  REQUIRE(a.reply);
  CHECK(a.reply->its_session_info == static_cast<std::uint16_t>(7 << 8 | 3 << 1));
  a = second.on_deliver(mo("Jalan berlubang di depan pasar Cikupa", op::ussr_confirm, 4), at(7));
  a = second.on_deliver(mo("1", op::ussr_confirm, 5), at(8));
  REQUIRE(a.kind == action_kind::file);
  REQUIRE(a.decision.institution);
  CHECK(a.decision.institution->code == "36.03");
  // The first instance hears it ended elsewhere: forgotten, nothing sent.
  first.forget(key, at(9));
  CHECK(first.open_dialogues() == 0);
  CHECK_FALSE(first.peek(key, at(9)));
}

TEST_CASE("two instances: the state's own last_input decides expiry, not the adoption") {
  gateway g(real_engine(), profile{}, 1);
  dialogue d;
  d.reporter = "+6281234567890";
  d.service_number = "1708";
  d.at = stage::keyword;
  d.last_input = at(0);
  const session_key key{"6281234567890", 0x10007};
  CHECK(g.adopt(key, d, reply_context{}, at(200)));  // heard 200 s ago: past the 180 s
  const action a = g.on_deliver(mo("TANGKAB", op::ussr_confirm, 3), at(200));
  CHECK(a.ended);
  CHECK(a.reason == "expired");
  // A full table refuses an adoption.
  gateway full(real_engine(), profile{}, 1);
  CHECK(full.on_deliver(mo("*1708#", op::pssr_indication, 1), at(0)).kind == action_kind::reply);
  CHECK_FALSE(full.adopt({"6289999999999", 0}, d, reply_context{}, at(1)));
}

}  // namespace lapord::lapor::ussd
