#include <doctest/doctest.h>

#include "fault.hpp"
#include "lapord/smpp/command_id.hpp"

using namespace lapord::smsc_sim;

namespace {
fault parse_ok(const char* spec) {
  std::string error;
  auto f = parse_fault(spec, error);
  INFO(spec << ": " << error);
  REQUIRE(f.has_value());
  return *f;
}
std::string parse_error(const char* spec) {
  std::string error;
  auto f = parse_fault(spec, error);
  CHECK_FALSE(f.has_value());
  return error;
}
}  // namespace

TEST_CASE("fault specs parse") {
  auto d = parse_ok("drop-after=5,conn=2,times=1");
  CHECK(d.kind == fault_kind::drop_after);
  CHECK(d.n == 5);
  CHECK(d.conn == 2U);
  CHECK(d.times == 1U);
  CHECK(d.applies_to(2));
  CHECK_FALSE(d.applies_to(1));

  auto t = parse_ok("throttle=every:3,status=ESME_RMSGQFUL");
  CHECK(t.kind == fault_kind::throttle);
  CHECK(t.throttle == throttle_mode::every);
  CHECK(t.n == 3);
  CHECK(t.status == 0x14);
  CHECK(parse_ok("throttle").status == 0x58);
  CHECK(parse_ok("throttle=first:10").throttle == throttle_mode::first);

  auto r = parse_ok("refuse-bind=0x0E");
  CHECK(r.status == 0x0E);
  CHECK(parse_ok("refuse-bind").status == 0x0D);
  CHECK(parse_ok("refuse-bind=esme_rinvsysid").status == 0x0F);

  auto dl = parse_ok("delay=250,pdu=enquire_link");
  CHECK(dl.n == 250);
  CHECK(dl.pdu == request_class::enquire_link);

  CHECK(parse_ok("withhold").pdu == request_class::submit_sm);
  CHECK(parse_ok("withhold=all").pdu == request_class::all);

  auto m = parse_ok("malformed=truncated,after=3");
  CHECK(m.malformed == malformed_kind::truncated);
  CHECK(m.n == 3);
  CHECK(parse_ok("silent").n == 1);
  CHECK(parse_ok("silent,after=0").n == 0);
}

TEST_CASE("bad fault specs say what is wrong") {
  CHECK(parse_error("explode") == "unknown fault explode");
  CHECK(parse_error("drop-after") == "drop-after needs =N");
  CHECK(parse_error("drop-after=x") == "drop-after: not a number: x");
  CHECK(parse_error("drop-after=0") == "drop-after: N must be at least 1");
  CHECK(parse_error("throttle=every:0") == "throttle: every:N needs N >= 1");
  CHECK(parse_error("refuse-bind=ESME_ROK") == "refuse-bind: not an error status: ESME_ROK");
  CHECK(parse_error("refuse-bind=NOPE") == "refuse-bind: not an error status: NOPE");
  CHECK(parse_error("malformed=weird").find("unknown kind weird") != std::string::npos);
  CHECK(parse_error("delay=5,after=2") == "unknown key after for this fault");
  CHECK(parse_error("delay=5,conn=0") == "conn: needs a number >= 1, got 0");
  CHECK(parse_error("silent=1") == "silent takes no value (use silent,after=N)");
  CHECK(parse_error("withhold=deliver_sm") == "withhold: unknown request deliver_sm");
}

TEST_CASE("request classes") {
  using lapord::smpp::command_id;
  CHECK(matches(request_class::bind, static_cast<std::uint32_t>(command_id::bind_receiver)));
  CHECK_FALSE(matches(request_class::bind, static_cast<std::uint32_t>(command_id::submit_sm)));
  CHECK(matches(request_class::all, static_cast<std::uint32_t>(command_id::unbind)));
  CHECK(matches(request_class::data_sm, static_cast<std::uint32_t>(command_id::data_sm)));
}

TEST_CASE("statuses by name or number") {
  CHECK(parse_status("ESME_RTHROTTLED") == 0x58U);
  CHECK(parse_status("88") == 88U);
  CHECK(parse_status("0x400") == 0x400U);
  CHECK_FALSE(parse_status("ESME_NOTHING").has_value());
  CHECK_FALSE(parse_status("0x1FFFFFFFF").has_value());
}
