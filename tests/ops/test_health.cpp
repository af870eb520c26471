// Readiness as a truth table over its five conditions, the bodies an operator reads, and the
// facts collected by health_state.
#include <doctest/doctest.h>

#include "lapord/app/ops/health.hpp"

using namespace lapord::app::ops;

TEST_CASE(
    "health: ready exactly when a carrier is bound, the store is open and connected, its last "
    "commit ok and lapord is not stopping") {
  for (int bits = 0; bits < 32; ++bits) {
    health_facts f;
    f.carriers_configured = 2;
    f.carriers_bound = (bits & 1) ? 1 : 0;
    f.store_open = (bits & 2) != 0;
    f.last_commit_ok = (bits & 4) != 0;
    f.stopping = (bits & 8) != 0;
    f.store_connected = (bits & 16) != 0;
    const bool expected = bits == 23;
    CAPTURE(bits);
    CHECK(is_ready(f) == expected);
    const auto a = readiness(f);
    CHECK(a.status == (expected ? 200U : 503U));
    CHECK(a.body.starts_with(expected ? "ready\n" : "not ready\n"));
    const auto live = liveness(f);
    CHECK(live.status == 200U);  // alive whatever readiness says
  }
}

TEST_CASE("health: the bodies name what is wrong, one line each") {
  health_facts f;
  f.carriers_configured = 2;
  f.carriers_bound = 2;
  f.store_open = true;
  CHECK(readiness(f).body == "ready\ncarriers: 2 of 2 bound\nstore: ok\n");

  f.carriers_bound = 0;
  f.last_commit_ok = false;
  f.last_commit_error = "disk_full\nsecond line";
  CHECK(readiness(f).body ==
        "not ready\ncarriers: 0 of 2 bound (none: no MO can arrive)\n"
        "store: last commit failed: disk_full second line\n");

  f.last_commit_ok = true;
  f.store_connected = false;
  CHECK(readiness(f).body ==
        "not ready\ncarriers: 0 of 2 bound (none: no MO can arrive)\n"
        "store: connection lost (reconnecting)\n");

  f.store_open = false;
  f.stopping = true;
  CHECK(readiness(f).body ==
        "not ready\ncarriers: 0 of 2 bound (none: no MO can arrive)\nstore: not open\nstopping\n");
  CHECK(liveness(f).body == "ok stopping\n");
  CHECK(liveness(health_facts{}).body == "ok\n");
}

TEST_CASE("health: health_state follows binds, commits and the stop") {
  health_state s;
  s.set_carriers_configured(2);
  CHECK_FALSE(is_ready(s.facts()));  // nothing open yet
  s.store_opened(true);
  s.bind_changed("tsel", true);
  s.bind_changed("xl", true);
  CHECK(s.facts().carriers_bound == 2);
  CHECK(is_ready(s.facts()));
  s.bind_changed("tsel", false);
  s.bind_changed("xl", false);
  CHECK(s.facts().carriers_bound == 0);
  CHECK_FALSE(is_ready(s.facts()));
  s.bind_changed("xl", true);
  CHECK(is_ready(s.facts()));

  s.commit_finished(false, "disk_full");
  auto f = s.facts();
  CHECK_FALSE(f.last_commit_ok);
  CHECK(f.last_commit_error == "disk_full");
  CHECK_FALSE(is_ready(f));
  s.commit_finished(true);
  CHECK(is_ready(s.facts()));
  CHECK(s.facts().last_commit_error.empty());

  s.set_stopping();
  CHECK_FALSE(is_ready(s.facts()));
  CHECK(readiness(s.facts()).status == 503U);
}

TEST_CASE("health: health_state follows the store's connection and the binds MT go out on") {
  health_state s;
  s.set_carriers_configured(2);
  s.store_opened(true);
  s.bind_changed("tsel", true);
  CHECK(is_ready(s.facts()));
  s.store_connection(false);
  CHECK_FALSE(is_ready(s.facts()));
  CHECK_FALSE(s.facts().store_connected);
  s.store_connection(true);
  CHECK(is_ready(s.facts()));

  CHECK(s.sending_carriers().empty());  // a receiving bind is not one to send on
  CHECK_FALSE(s.can_send("tsel"));
  s.sending_bind_changed("xl", true);
  s.sending_bind_changed("tsel", true);
  CHECK(s.sending_carriers() == std::vector<std::string>{"tsel", "xl"});
  CHECK(s.can_send("tsel"));
  s.sending_bind_changed("tsel", false);
  CHECK(s.sending_carriers() == std::vector<std::string>{"xl"});
  // The MO path asks this per MO before storing a reply taken for this instance's sender.
  CHECK_FALSE(s.can_send("tsel"));
  CHECK(s.can_send("xl"));
  CHECK_FALSE(s.can_send("isat"));
}

TEST_CASE(
    "health: a store batch waiting past [store] stalled_after_s is not ready - a lost "
    "synchronous standby makes COMMIT wait, not fail") {
  using namespace std::chrono_literals;
  health_facts f;
  f.carriers_configured = 1;
  f.carriers_bound = 1;
  f.store_open = true;
  f.store_stalled_after = 10s;
  f.store_waiting = 10s;
  CHECK(is_ready(f));  // at the bound, still ready
  f.store_waiting = 12'345ms;
  CHECK_FALSE(is_ready(f));
  CHECK(readiness(f).body ==
        "not ready\ncarriers: 1 of 1 bound\nstore: a batch has waited 12.3 s for the store (over "
        "[store] stalled_after_s = 10.0 s): a COMMIT waiting for a lost synchronous standby, or a "
        "server not answering\n");
  f.store_stalled_after = 0s;  // the check turned off
  CHECK(is_ready(f));

  health_state s;
  s.set_carriers_configured(1);
  s.store_opened(true);
  s.bind_changed("tsel", true);
  std::chrono::nanoseconds busy{0};
  s.watch_store([&busy] { return busy; }, 2s);
  CHECK(is_ready(s.facts()));
  busy = 2001ms;
  CHECK(s.facts().store_waiting == 2001ms);
  CHECK_FALSE(is_ready(s.facts()));
  busy = 0ns;  // the COMMIT returned
  CHECK(is_ready(s.facts()));
  busy = 5s;
  s.watch_store({}, {});  // the store closed: nothing to ask
  CHECK(s.facts().store_waiting == 0ms);
  CHECK(is_ready(s.facts()));
}
