// The forwarder against store-sim's server on real loopback sockets: every outcome of the store
// contract, the circuit breaker and "nothing sent twice". Waits are on events with deadlines;
// nothing here asserts how long anything took (the delays themselves are forward_machine's,
// tested with scripted time in forward_machine_test.cpp).
#include <algorithm>
#include <future>
#include <map>
#include <thread>

#include <doctest/doctest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "lapord/net/http/forwarder.hpp"
#include "net/http/memory_outbox.hpp"
#include "net/http/wait.hpp"
#include "store_sim.hpp"

using namespace lapord::net::http;
using namespace std::chrono_literals;
using lapord::tools::store_sim;
using lapord::tools::store_sim_faults;
using test::memory_outbox;
using test::wait_for_condition;

namespace {

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

std::string body_of(const std::string& ref) {
  return R"({"ref":")" + ref + R"(","channel":"sms","text":"Jalan rusak"})";
}

// One io_context on a thread, store-sim (optional: started late for "store down"), an
// in-memory outbox and a forwarder.
struct rig {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
  memory_outbox box;
  std::optional<store_sim> sim;
  std::optional<forwarder> fwd;
  store_api_settings settings;
  std::thread runner;

  explicit rig(std::optional<store_sim_faults> faults, std::uint16_t port = 0) {
    if (faults) start_sim(*faults, port);
    settings.url = "http://127.0.0.1:" + std::to_string(port != 0 ? port : sim->port()) + "/v1";
    settings.token = "store-token";
    settings.in_flight = 4;
    settings.timeout = 2s;
    settings.backoff = {1ms, 20ms};
    settings.poll_interval = 20ms;
    settings.breaker = {1000, 1s};
  }

  void start_sim(store_sim_faults faults, std::uint16_t port = 0) {
    sim.emplace(io.get_executor(), std::move(faults));
    sim->start(port);
  }

  void start(bool run = true) {
    fwd.emplace(io.get_executor(), settings, box);
    fwd->start();
    if (run) this->run();
  }
  void run() {
    runner = std::thread([this] { io.run(); });
  }

  // Puts `prefix`0 ... `prefix`(n - 1) in the outbox.
  void add_numbered(const std::string& prefix, int n) {
    for (int i = 0; i < n; ++i)
      box.add(prefix + std::to_string(i), body_of(prefix + std::to_string(i)));
  }

  // The forwarder started with `ref` alone in the outbox: its entry once its outcome is in.
  memory_outbox::entry forward_one(const std::string& ref) {
    box.add(ref, body_of(ref));
    start();
    REQUIRE(box.wait_closed(1, 10s));
    return box.get(ref);
  }

  std::vector<lapord::tools::store_sim_record> records_of(const std::string& ref) const {
    std::vector<lapord::tools::store_sim_record> out;
    for (auto& r : sim->records()) {
      if (r.ref == ref) out.push_back(r);
    }
    return out;
  }

  ~rig() {
    std::promise<void> stopped;
    if (fwd) {
      fwd->stop([&] { stopped.set_value(); });
      CHECK(stopped.get_future().wait_for(10s) == std::future_status::ready);
    }
    if (sim) sim->stop();
    fwd.reset();
    guard.reset();
    if (runner.joinable()) runner.join();
  }
};

}  // namespace

TEST_CASE("forwarder: every complaint taken once, with the store API's headers, keep-alive") {
  store_sim_faults f;
  f.require_token = "store-token";
  rig r(f);
  constexpr int n = 200;
  r.add_numbered("ref", n);
  r.start();
  REQUIRE(r.box.wait_closed(n, 20s));
  std::map<std::string, int> seen;
  for (const auto& rec : r.sim->records()) {
    ++seen[rec.ref];
    CHECK(rec.auth_ok);
    CHECK(rec.status == 201);
    CHECK(rec.content_type == "application/json");
    CHECK(rec.user_agent.rfind("lapord/", 0) == 0);
    CHECK(rec.body == body_of(rec.ref));
  }
  CHECK(seen.size() == n);
  for (const auto& [ref, count] : seen)
    CHECK(count == 1);
  const auto e = r.box.get("ref7");
  CHECK(e.st == memory_outbox::state::forwarded);
  REQUIRE(e.tracking_id.has_value());
  CHECK(e.tracking_id->rfind("SIM-", 0) == 0);
  CHECK(e.reports == 1);
  const auto s = r.fwd->stats();
  CHECK(s.forwarded == n);
  CHECK(s.requests == n);
  CHECK(s.connects <= r.settings.in_flight);  // keep-alive: one connection per worker at most

  // Nothing is sent again after success, however often the forwarder looks.
  r.fwd->notify();
  r.box.add("late", body_of("late"));
  r.fwd->notify();
  REQUIRE(r.box.wait_closed(n + 1, 10s));
  CHECK(r.sim->records().size() == n + 1);
}

TEST_CASE("forwarder: 500s are retried with back-off until the store takes it") {
  store_sim_faults f;
  f.fail_first = 3;
  rig r(f);
  const auto e = r.forward_one("48219375");
  CHECK(e.st == memory_outbox::state::forwarded);
  CHECK(e.attempts == 3);
  CHECK(e.http_status == 201);
  CHECK(e.last_error.find("HTTP 500") != std::string::npos);
  const auto recs = r.records_of("48219375");
  REQUIRE(recs.size() == 4);
  CHECK(recs[0].status == 500);
  CHECK(recs[2].status == 500);
  CHECK(recs[3].status == 201);
  CHECK(r.fwd->stats().retried == 3);
}

TEST_CASE("forwarder: a store that hangs is timed out and tried again on a new connection") {
  store_sim_faults f;
  f.hang_first = 1;
  rig r(f);
  r.settings.timeout = 300ms;
  r.settings.in_flight = 1;
  const auto e = r.forward_one("hang1");
  CHECK(e.st == memory_outbox::state::forwarded);
  CHECK(e.attempts == 1);
  CHECK(e.last_error == "timeout");
  const auto recs = r.records_of("hang1");
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].status == 0);
  CHECK(recs[1].status == 201);
  CHECK(r.fwd->stats().connects == 2);
}

TEST_CASE("forwarder: 409 means taken before, the same as success") {
  rig r(store_sim_faults{});
  r.sim->take("dup1");
  const auto e = r.forward_one("dup1");
  CHECK(e.st == memory_outbox::state::forwarded);
  CHECK(e.http_status == 409);
  CHECK_FALSE(e.tracking_id.has_value());
  CHECK(e.attempts == 0);
  CHECK(r.fwd->stats().duplicates == 1);
  CHECK(r.records_of("dup1").size() == 1);
}

TEST_CASE("forwarder: a 4xx parks the complaint with the store's answer, never retried") {
  store_sim_faults f;
  f.reject_refs = {"bad1"};
  rig r(f);
  r.box.add("bad1", body_of("bad1"));
  r.box.add("good1", body_of("good1"));
  r.start();
  REQUIRE(r.box.wait_closed(2, 10s));
  const auto bad = r.box.get("bad1");
  CHECK(bad.st == memory_outbox::state::parked);
  CHECK(bad.http_status == 400);
  CHECK(bad.answer.find("rejected") != std::string::npos);
  CHECK(r.box.get("good1").st == memory_outbox::state::forwarded);
  CHECK(r.box.retries() == 0);
  CHECK(r.records_of("bad1").size() == 1);
  CHECK(r.fwd->stats().parked == 1);
}

TEST_CASE("forwarder: a wrong token is a 401 from the store: parked, not hammered") {
  store_sim_faults f;
  f.require_token = "the-right-one";
  rig r(f);
  CHECK(r.forward_one("tok1").http_status == 401);
  CHECK_FALSE(r.records_of("tok1").at(0).auth_ok);
}

TEST_CASE("forwarder: Retry-After is honoured over a shorter back-off") {
  // The store asks for an hour; the rig's back-off is at most 20 ms. The margin is orders of
  // magnitude, so this checks the header reached the outbox, not how fast anything ran.
  store_sim_faults f;
  f.fail_first = 1;
  f.fail_status = 503;
  f.retry_after = 3600;
  rig r(f);
  r.box.add("ra1", body_of("ra1"));
  r.start();
  REQUIRE(r.box.wait_retries(1, 10s));
  const auto e = r.box.get("ra1");
  REQUIRE(e.retry_next_at.size() == 1);
  CHECK(e.retry_next_at[0] - e.retry_reported_at[0] > 30min);
  CHECK(e.http_status == 503);
  const auto recs = r.records_of("ra1");
  REQUIRE(recs.size() == 1);  // not due again for an hour
  CHECK(recs[0].status == 503);
}

TEST_CASE("forwarder: the circuit opens after a run of failures, probes once, then closes") {
  store_sim_faults down;
  down.fail_rate = 1.0;
  rig r(down);
  r.settings.in_flight = 1;  // one request at a time, so the counts are exact
  r.settings.breaker = {3, 400ms};
  r.add_numbered("cb", 20);
  r.start();
  // Three failures open it; after open_for one probe goes out and fails: open again.
  REQUIRE(wait_for_condition([&] { return r.fwd->stats().breaker_opened >= 2; }, 10s));
  CHECK(r.sim->stats().requests == 4);  // nothing sent while open but the probe
  // The store comes back: the next probe succeeds, the circuit closes and everything flows.
  r.sim->set_faults({});
  REQUIRE(r.box.wait_closed(20, 15s));
  CHECK(r.fwd->stats().circuit == circuit_state::closed);
  std::map<std::string, int> taken;
  for (const auto& rec : r.sim->records()) {
    if (rec.status == 201) ++taken[rec.ref];
  }
  CHECK(taken.size() == 20);
  for (const auto& [ref, count] : taken)
    CHECK(count == 1);
}

TEST_CASE("forwarder: store down (connection refused), then up: everything arrives once") {
  const auto port = free_port();
  rig r(std::nullopt, port);
  r.add_numbered("dn", 10);
  r.start();
  REQUIRE(r.box.wait_retries(10, 10s));
  CHECK(r.box.get("dn0").last_error.find("cannot connect") != std::string::npos);
  CHECK(r.box.closed() == 0);
  boost::asio::post(r.io, [&] { r.start_sim({}, port); });
  REQUIRE(r.box.wait_closed(10, 10s));
  std::map<std::string, int> seen;
  for (const auto& rec : r.sim->records())
    ++seen[rec.ref];
  CHECK(seen.size() == 10);
  for (const auto& [ref, count] : seen)
    CHECK(count == 1);
}

TEST_CASE("forwarder: the store closing connections after each answer costs reconnects only") {
  store_sim_faults f;
  f.close_after_answer = true;
  rig r(f);
  r.settings.in_flight = 2;
  r.add_numbered("cl", 30);
  r.start();
  REQUIRE(r.box.wait_closed(30, 10s));
  CHECK(r.sim->records().size() == 30);
  CHECK(r.box.retries() == 0);
  CHECK(r.fwd->stats().connects == 30);
}

TEST_CASE("forwarder: bad settings are refused at construction with a reason") {
  boost::asio::io_context io;
  memory_outbox box;
  store_api_settings s;
  s.url = "ftp://store";
  CHECK_THROWS_AS(forwarder(io.get_executor(), s, box), std::invalid_argument);
  s.url = "http://127.0.0.1:1";
  s.in_flight = 0;
  CHECK_THROWS_AS(forwarder(io.get_executor(), s, box), std::invalid_argument);
  s.in_flight = 1;
  s.token_env = "LAPORD_TEST_SURELY_UNSET_TOKEN";
  CHECK_THROWS_WITH_AS(forwarder(io.get_executor(), s, box),
                       doctest::Contains("LAPORD_TEST_SURELY_UNSET_TOKEN"), std::invalid_argument);
}

TEST_CASE(
    "forwarder: complaints handed over from their commit go without a take - past its places "
    "the MO stores them due and the pump finds them") {
  rig r(store_sim_faults{});
  r.settings.in_flight = 2;
  r.settings.batch = 8;  // max(batch, in_flight) places
  const auto record = [](int i) {
    complaint_record c;
    c.ref = "hand" + std::to_string(i);
    c.received_at = std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::time_point{} + 1'800'000'000s);
    c.carrier = "tsel";
    c.service_number = "1708";
    c.reporter_msisdn = "+6281234567890";
    c.text = "Jalan rusak " + std::to_string(i);
    return c;
  };
  // Nothing runs yet (the executor is not running): every place stays taken.
  r.start(false);
  for (int i = 0; i < 8; ++i)
    REQUIRE(r.fwd->reserve());
  // The ninth MO finds no place: its forward is stored due, for the pump.
  CHECK_FALSE(r.fwd->reserve());
  r.box.add(record(8).ref, complaint_body(record(8)));
  // A place given back (its MO's item failed) is a place again: the SMSC's redelivery takes it.
  r.fwd->unreserve();
  REQUIRE(r.fwd->reserve());
  for (int i = 0; i < 8; ++i) {
    r.box.add_leased(record(i).ref, complaint_body(record(i)), std::chrono::system_clock::now());
    r.fwd->send_now(record(i));
  }
  r.run();
  REQUIRE(r.box.wait_closed(9, 20s));
  for (int i = 0; i < 9; ++i) {
    const auto recs = r.records_of(record(i).ref);
    REQUIRE(recs.size() == 1);
    CHECK(recs[0].body == complaint_body(record(i)));
    CHECK(r.box.get(record(i).ref).reports == 1);
  }
  const auto st = r.fwd->stats();
  CHECK(st.handed == 8);
  CHECK(st.forwarded == 9);
  // All sent: the places are free again.
  REQUIRE(wait_for_condition([&] { return r.fwd->reserve(); }, 10s));
  r.fwd->unreserve();
}

TEST_CASE("forwarder: pipelined requests on one keep-alive connection, answered in order") {
  rig r(store_sim_faults{});
  r.settings.in_flight = 1;
  r.settings.pipeline = 8;
  r.add_numbered("pl", 64);
  r.start();
  REQUIRE(r.box.wait_closed(64, 10s));
  for (int i = 0; i < 64; ++i) {
    const auto ref = "pl" + std::to_string(i);
    REQUIRE(r.records_of(ref).size() == 1);
    CHECK(r.box.get(ref).reports == 1);
  }
  const auto sim = r.sim->stats();
  CHECK(sim.unique_refs == 64);
  CHECK(sim.pipelined > 0);  // the store read requests before it had sent earlier answers
  CHECK(r.fwd->stats().connects == 1);
  CHECK(r.box.retries() == 0);
}

TEST_CASE("forwarder: a store answering k of n pipelined requests then closing loses nothing") {
  for (const bool taken_unanswered : {false, true}) {
    CAPTURE(taken_unanswered);
    store_sim_faults f;
    f.answers_per_connection = 3;
    f.take_unanswered = taken_unanswered;
    rig r(f);
    r.settings.in_flight = 2;
    r.settings.pipeline = 8;
    r.add_numbered("kn", 40);
    r.start();
    REQUIRE(r.box.wait_closed(40, 20s));
    const auto sim = r.sim->stats();
    CHECK(sim.unique_refs == 40);  // each complaint stored once, by its key
    for (int i = 0; i < 40; ++i) {
      const auto ref = "kn" + std::to_string(i);
      const auto recs = r.records_of(ref);
      REQUIRE_FALSE(recs.empty());
      CHECK(std::count_if(recs.begin(), recs.end(), [](auto& x) { return x.status == 201; }) == 1);
      CHECK(r.box.get(ref).st == memory_outbox::state::forwarded);
      CHECK(r.box.get(ref).reports == 1);
    }
    CHECK(sim.pipelined > 0);
    // Every connection but the last carried 3 answers and broke: at least 40 / 3 connections.
    CHECK(r.fwd->stats().connects >= 14);
    // One failed attempt per broken connection at most (its oldest unanswered request): the
    // others went again at once, with no back-off.
    CHECK(r.box.retries() <= r.fwd->stats().connects);
    CHECK(r.fwd->stats().in_flight == 0);
  }
}
