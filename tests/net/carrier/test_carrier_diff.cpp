// The carrier list of a reload against the running one: which carriers start, stop, restart,
// and which are left alone (their binds must stay up).
#include <doctest/doctest.h>

#include "lapord/net/carrier_diff.hpp"

using lapord::net::carrier_settings;
using lapord::net::changed_keys;
using lapord::net::diff_carriers;
using names = std::vector<std::string>;

namespace {

carrier_settings carrier(const std::string& name, std::uint16_t port = 2775) {
  carrier_settings c;
  c.name = name;
  c.host = "127.0.0.1";
  c.port = port;
  c.system_id = "lapord";
  c.password = "secret";
  c.service_numbers = {"1708"};
  return c;
}

}  // namespace

TEST_CASE("the same list changes nothing and leaves every carrier untouched") {
  const std::vector<carrier_settings> list{carrier("tsel"), carrier("isat")};
  const auto d = diff_carriers(list, list);
  CHECK(d.empty());
  CHECK(d.added.empty());
  CHECK(d.removed.empty());
  CHECK(d.changed.empty());
  CHECK(d.untouched == names{"tsel", "isat"});
}

TEST_CASE("a carrier only in the new list is added, one only in the running list removed") {
  const auto d =
      diff_carriers({carrier("tsel"), carrier("xl")}, {carrier("tsel"), carrier("isat")});
  CHECK_FALSE(d.empty());
  CHECK(d.added == names{"isat"});
  CHECK(d.removed == names{"xl"});
  CHECK(d.changed.empty());
  CHECK(d.untouched == names{"tsel"});
}

TEST_CASE("any setting that differs makes the carrier changed, matched by name not position") {
  auto moved = carrier("isat", 2776);
  auto windowed = carrier("tsel");
  windowed.window = 3;
  const auto d = diff_carriers({carrier("tsel"), carrier("isat"), carrier("xl")},
                               {carrier("xl"), moved, windowed});
  CHECK(d.changed == names{"isat", "tsel"});
  CHECK(d.untouched == names{"xl"});
  CHECK(d.added.empty());
  CHECK(d.removed.empty());
}

TEST_CASE("secrets and numbers count as settings: a new password or short code restarts") {
  auto password = carrier("tsel");
  password.password = "rotated";
  CHECK(diff_carriers({carrier("tsel")}, {password}).changed == names{"tsel"});
  auto numbers = carrier("tsel");
  numbers.service_numbers = {"1708", "17080"};
  CHECK(diff_carriers({carrier("tsel")}, {numbers}).changed == names{"tsel"});
  auto tls = carrier("tsel");
  tls.tls.enabled = true;
  CHECK(diff_carriers({carrier("tsel")}, {tls}).changed == names{"tsel"});
}

TEST_CASE("a rename is a removal plus an addition") {
  const auto d = diff_carriers({carrier("tsel")}, {carrier("telkomsel")});
  CHECK(d.removed == names{"tsel"});
  CHECK(d.added == names{"telkomsel"});
  CHECK(d.untouched.empty());
}

TEST_CASE("the changed keys are named for the log, in the configuration's words") {
  CHECK(changed_keys(carrier("tsel"), carrier("tsel")).empty());
  auto b = carrier("tsel", 2776);
  b.window = 3;
  b.password = "rotated";
  b.enquire_link_interval = std::chrono::seconds(5);
  b.tls.server_name = "smsc.example";
  CHECK(changed_keys(carrier("tsel"), b) ==
        names{"port", "password", "enquire_link_interval_s", "window", "tls_server_name"});
}

TEST_CASE("every setting a carrier compares on is named when it alone differs") {
  // diff_carriers uses operator== (every field); a field changed_keys forgot would be a carrier
  // reported changed with no key named.
  using lapord::net::bind_mode;
  std::vector<void (*)(carrier_settings&)> edits = {
      [](carrier_settings& c) { c.host = "10.0.0.1"; },
      [](carrier_settings& c) { c.port = 1; },
      [](carrier_settings& c) { c.system_id = "x"; },
      [](carrier_settings& c) { c.password = "x"; },
      [](carrier_settings& c) { c.system_type = "x"; },
      [](carrier_settings& c) { c.mode = bind_mode::transmitter_receiver; },
      [](carrier_settings& c) { c.addr_ton = 1; },
      [](carrier_settings& c) { c.addr_npi = 1; },
      [](carrier_settings& c) { c.address_range = "x"; },
      [](carrier_settings& c) { c.connect_timeout = std::chrono::milliseconds(1); },
      [](carrier_settings& c) { c.enquire_link_interval = std::chrono::milliseconds(1); },
      [](carrier_settings& c) { c.response_timeout = std::chrono::milliseconds(1); },
      [](carrier_settings& c) { c.window = 1; },
      [](carrier_settings& c) { c.submit_rate = 1; },
      [](carrier_settings& c) { c.submit_burst = 9; },
      [](carrier_settings& c) { c.throttle_pause = std::chrono::milliseconds(1); },
      [](carrier_settings& c) { c.reconnect_min = std::chrono::milliseconds(1); },
      [](carrier_settings& c) { c.reconnect_max = std::chrono::milliseconds(1); },
      [](carrier_settings& c) { c.tls.enabled = true; },
      [](carrier_settings& c) { c.tls.ca_file = "x"; },
      [](carrier_settings& c) { c.tls.cert_file = "x"; },
      [](carrier_settings& c) { c.tls.key_file = "x"; },
      [](carrier_settings& c) { c.tls.server_name = "x"; },
      [](carrier_settings& c) { c.service_numbers = {"1"}; },
      [](carrier_settings& c) { c.bind_written = "transmitter+receiver"; },
      [](carrier_settings& c) { c.receipt_id = lapord::text::receipt_id_form::decimal; },
      [](carrier_settings& c) { c.source_addr = "1708"; },
      [](carrier_settings& c) { c.source_ton = 3; },
      [](carrier_settings& c) { c.source_npi = 0; },
  };
  for (std::size_t i = 0; i < edits.size(); ++i) {
    CAPTURE(i);
    auto b = carrier("tsel");
    edits[i](b);
    REQUIRE_FALSE(b == carrier("tsel"));
    CHECK(changed_keys(carrier("tsel"), b).size() == 1);
  }
}
