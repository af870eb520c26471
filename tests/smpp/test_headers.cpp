// Every public header compiles on its own and together (other layers include them directly).
#include "lapord/smpp/codec.hpp"
#include "lapord/smpp/framer.hpp"
#include "lapord/smpp/pdu.hpp"
#include "lapord/smpp/session.hpp"
#include "lapord/smpp/tlv.hpp"

#include <doctest/doctest.h>

using namespace lapord::smpp;

TEST_CASE("pdu: command() follows the body type") {
  pdu p;
  CHECK(p.command() == command_id::generic_nack);
  p.body = deliver_sm{};
  CHECK(p.command() == command_id::deliver_sm);
  p.body = data_sm_resp{};
  CHECK(p.command() == command_id::data_sm_resp);
  CHECK(tlv_set{}.empty());
  tlv_set t;
  t.other.push_back({0x1400, "x"});
  CHECK_FALSE(t.empty());
}
