// Registry behaviour: bad registrations refused, histogram buckets, the series cap, and exact
// totals when several threads increment (and create series) at once.
#include <doctest/doctest.h>

#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lapord/app/ops/lapord_metrics.hpp"
#include "lapord/app/ops/metrics.hpp"

using namespace lapord::app::ops;

TEST_CASE("metrics: registrations Prometheus would refuse are refused at start") {
  registry r;
  CHECK_THROWS_AS(r.add_counter("bad-name", "x"), std::invalid_argument);
  CHECK_THROWS_AS(r.add_counter("ok_total", "x", {"__x"}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_counter("ok_total", "x", {"a", "a"}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_histogram("h", "x", {"le"}, {1}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_histogram("h", "x", {2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_histogram("h", "x", {1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_histogram("h", "x", std::vector<double>{}), std::invalid_argument);
  r.add_counter("dup_total", "x");
  CHECK_THROWS_AS(r.add_gauge("dup_total", "x"), std::invalid_argument);
}

TEST_CASE("metrics: histogram buckets are inclusive upper bounds and cumulative") {
  registry r;
  auto h = r.add_histogram("h", "x", {1, 5, 10}).with({});
  for (const double v : {0.0, 1.0, 1.0000001, 5.0, 9.9, 10.0, 10.5, 1e9, -3.0})
    h.observe(v);
  h.observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  CHECK(h.cumulative(0) == 3);                          // 0, 1, -3
  CHECK(h.cumulative(1) == 5);                          // + 1.0000001, 5
  CHECK(h.cumulative(2) == 7);                          // + 9.9, 10
  CHECK(h.cumulative(3) == 9);                          // + 10.5, 1e9
  CHECK(h.count() == 9);
  CHECK(h.sum() == doctest::Approx(1e9 + 33.4000001));
  const auto text = r.write_text();
  CHECK(text.find("h_bucket{le=\"1\"} 3\nh_bucket{le=\"5\"} 5\nh_bucket{le=\"10\"} 7\n"
                  "h_bucket{le=\"+Inf\"} 9\n") != std::string::npos);
  CHECK(text.find("h_count 9\n") != std::string::npos);
}

TEST_CASE("metrics: gauges go up and down, counters keep their series") {
  registry r;
  auto g = r.add_gauge("g", "x", {"carrier"});
  g.set({"a"}, 5);
  g.add({"a"}, -7);
  g.with({"a"}).inc();
  CHECK(g.value({"a"}) == -1);
  auto c = r.add_counter("c_total", "x", {"carrier"});
  const auto handle = c.with({"a"});
  handle.inc();
  c.inc({"a"}, 4);
  CHECK(handle.value() == 5);
  CHECK(c.value({"b"}) == 0);  // reading creates the series at 0
  c.mirror({"b"}, 42);         // a total kept elsewhere, copied in at scrape time
  CHECK(c.value({"b"}) == 42);
  auto plain = r.add_counter("p_total", "x");
  plain.mirror(7);
  CHECK(plain.value() == 7);
}

TEST_CASE("metrics: label values past the series cap count in one overflow series") {
  registry r(3);
  auto c = r.add_counter("c_total", "x", {"status", "carrier"});
  for (int i = 0; i < 5; ++i)
    c.inc({std::to_string(i), "tsel"});
  c.inc({"0", "tsel"});  // an existing series is still found
  CHECK(c.value({"0", "tsel"}) == 2);
  CHECK(c.value({"overflow", "overflow"}) == 2);
  CHECK(r.write_text() ==
        "# HELP c_total x\n# TYPE c_total counter\n"
        "c_total{status=\"0\",carrier=\"tsel\"} 2\n"
        "c_total{status=\"1\",carrier=\"tsel\"} 1\n"
        "c_total{status=\"2\",carrier=\"tsel\"} 1\n"
        "c_total{status=\"overflow\",carrier=\"overflow\"} 2\n");
}

TEST_CASE("metrics: increments from several threads sum exactly, series created once") {
  registry r;
  auto c = r.add_counter("c_total", "x", {"k"});
  auto h = r.add_histogram("h", "x", {"k"}, {0.5, 1.5});
  constexpr int threads = 4;
  constexpr int rounds = 50000;
  constexpr int keys = 40;
  std::latch start(threads + 1);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < rounds; ++i) {
        // Every thread creates the same new series at about the same time.
        const std::string key = "k" + std::to_string(i % keys);
        c.inc({key});
        h.observe({key}, (i + t) % 2);  // 0 or 1
      }
    });
  }
  start.arrive_and_wait();
  // Scrapes while the counters move must not disturb them.
  for (int i = 0; i < 20; ++i)
    (void)r.write_text();
  for (auto& t : pool)
    t.join();

  std::int64_t total = 0;
  std::uint64_t observed = 0;
  for (int k = 0; k < keys; ++k) {
    const std::string key = "k" + std::to_string(k);
    CHECK(c.value({key}) == threads * rounds / keys);
    total += c.value({key});
    observed += h.with({key}).count();
  }
  CHECK(total == threads * rounds);
  CHECK(observed == threads * rounds);
  const auto text = r.write_text();
  // Exactly `keys` series each: one line per key in the counter's block.
  std::size_t lines = 0;
  for (std::size_t p = text.find("c_total{"); p != std::string::npos;
       p = text.find("c_total{", p + 1)) {
    ++lines;
  }
  CHECK(lines == keys);
}

TEST_CASE("metrics: on_collect runs before each scrape") {
  registry r;
  auto g = r.add_gauge("depth", "x");
  int calls = 0;
  r.on_collect([&] { g.set(++calls * 10); });
  CHECK(r.write_text().find("depth 10\n") != std::string::npos);
  CHECK(r.write_text().find("depth 20\n") != std::string::npos);
}

TEST_CASE("metrics: lapord_metrics registers every family issue 8 names") {
  lapord_metrics m;
  m.mo_received.inc({"tsel"});
  m.carrier_bind_up.set({"tsel", "trx"}, 1);
  m.complaints_created.inc({"sms", "kabupaten"});
  m.store_commit_seconds.observe(0.003);
  m.store_commit_batch_size.observe(17);
  m.forwarder_circuit_state.set(static_cast<std::int64_t>(circuit_state_value::open));
  const auto text = m.registry.write_text();
  for (const char* name : {"lapord_carrier_bind_up",
                           "lapord_carrier_reconnects_total",
                           "lapord_smpp_pdus_received_total",
                           "lapord_smpp_pdus_sent_total",
                           "lapord_smpp_window_in_use",
                           "lapord_smpp_throttle_events_total",
                           "lapord_mo_received_total",
                           "lapord_complaints_created_total",
                           "lapord_mo_duplicates_total",
                           "lapord_mo_rejected_total",
                           "lapord_store_commit_batch_size",
                           "lapord_store_commit_seconds",
                           "lapord_store_commits_total",
                           "lapord_outbox_depth",
                           "lapord_outbox_forwarded_total",
                           "lapord_outbox_retried_total",
                           "lapord_outbox_parked_total",
                           "lapord_forwarder_circuit_state",
                           "lapord_replies_sent_total",
                           "lapord_replies_delivered_total",
                           "lapord_replies_failed_total",
                           "lapord_ussd_dialogues_open",
                           "lapord_ready"}) {
    CAPTURE(name);
    CHECK(text.find(std::string("# TYPE ") + name + " ") != std::string::npos);
  }
  CHECK(text.find("lapord_mo_received_total{carrier=\"tsel\"} 1\n") != std::string::npos);
  CHECK(text.find("lapord_carrier_bind_up{carrier=\"tsel\",bind=\"trx\"} 1\n") !=
        std::string::npos);
  CHECK(
      text.find(
          "lapord_complaints_created_total{channel=\"sms\",institution_class=\"kabupaten\"} 1\n") !=
      std::string::npos);
  CHECK(text.find("lapord_store_commit_seconds_bucket{le=\"0.0025\"} 0\n"
                  "lapord_store_commit_seconds_bucket{le=\"0.005\"} 1\n") != std::string::npos);
  CHECK(text.find("lapord_store_commit_batch_size_bucket{le=\"32\"} 1\n") != std::string::npos);
  CHECK(text.find("lapord_forwarder_circuit_state 2\n") != std::string::npos);
  CHECK(text.find("lapord_outbox_forwarded_total 0\n") != std::string::npos);
}

TEST_CASE("metrics: the untyped family refuses a wrong number of label values") {
  family f(metric_type::counter, "f_total", "x", {"carrier", "bind"}, {}, 10);
  const std::string_view one[] = {"tsel"};
  const std::string_view two[] = {"tsel", "trx"};
  CHECK_THROWS_AS(f.find(one), std::invalid_argument);
  CHECK(f.series_count() == 0);  // nothing created by the refused call
  counter(f.find(two)).inc();
  CHECK(counter(f.find(two)).value() == 1);
  CHECK(f.series_count() == 1);
  CHECK_THROWS_AS(family(metric_type::gauge, "g", "x", {}, {1.0}, 10), std::invalid_argument);
}
