// Not a test: the cost of an update on the hot path, and a sample exposition of every lapord
// family (`ops_bench --dump`, for checking with an independent parser). See docs/operations.md.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "lapord/app/ops/lapord_metrics.hpp"

using namespace lapord::app::ops;
using bench_clock = std::chrono::steady_clock;

namespace {

template <typename F>
double ns_per_op(int threads, long ops_per_thread, F op) {
  std::latch start(threads + 1);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      for (long i = 0; i < ops_per_thread; ++i)
        op(t, i);
    });
  }
  const auto t0 = bench_clock::now();
  start.arrive_and_wait();
  for (auto& th : pool)
    th.join();
  const std::chrono::duration<double, std::nano> took = bench_clock::now() - t0;
  return took.count() / static_cast<double>(ops_per_thread);
}

void dump() {
  lapord_metrics m;
  for (const char* carrier : {"tsel", "xl", "isat \"main\"\\1"}) {
    m.carrier_bind_up.set({carrier, "trx"}, 1);
    m.carrier_reconnects.inc({carrier}, 2);
    m.smpp_pdus_received.inc({carrier, "deliver_sm", "ESME_ROK"}, 40);
    m.smpp_pdus_sent.inc({carrier, "deliver_sm_resp", "ESME_ROK"}, 39);
    m.smpp_pdus_sent.inc({carrier, "deliver_sm_resp", "ESME_RSYSERR"}, 1);
    m.smpp_window_in_use.set({carrier}, 3);
    m.smpp_throttled.inc({carrier});
    m.mo_received.inc({carrier}, 40);
    m.replies_sent.inc({carrier}, 30);
    m.replies_delivered.inc({carrier}, 28);
    m.replies_failed.inc({carrier}, 1);
    m.ussd_dialogues_open.set({carrier}, 5);
  }
  m.complaints_created.inc({"sms", "kabupaten"}, 20);
  m.complaints_created.inc({"ussd", "national_desk"}, 4);
  m.mo_duplicates.inc({"redelivery"}, 2);
  m.mo_rejected.inc({"rate_limited"});
  for (int i = 1; i <= 50; ++i) {
    m.store_commit_batch_size.observe(i);
    m.store_commit_seconds.observe(0.0003 * i);
  }
  m.store_commits.inc({"ok"}, 50);
  m.outbox_depth.set({"pending"}, 7);
  m.outbox_forwarded.inc(20);
  m.outbox_retried.inc(3);
  m.outbox_parked.inc(1);
  m.forwarder_circuit_state.set(static_cast<std::int64_t>(circuit_state_value::closed));
  std::fputs(m.registry.write_text().c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--dump") == 0) {
    dump();
    return 0;
  }
  const long n = 5'000'000;
  lapord_metrics m;
  const std::string carriers[] = {"tsel", "xl", "isat", "smartfren"};
  const auto handle = m.mo_received.with({"tsel"});
  for (int threads : {1, 2}) {
    std::printf("%d thread(s), %ld updates each:\n", threads, n);
    std::printf("  counter via a kept handle        %6.1f ns/update\n",
                ns_per_op(threads, n, [&](int, long) { handle.inc(); }));
    std::printf("  counter, 1 label looked up       %6.1f ns/update\n",
                ns_per_op(threads, n, [&](int, long i) { m.mo_received.inc({carriers[i & 3]}); }));
    std::printf("  counter, 3 labels looked up      %6.1f ns/update\n",
                ns_per_op(threads, n, [&](int, long i) {
                  m.smpp_pdus_received.inc({carriers[i & 3], "deliver_sm", "ESME_ROK"});
                }));
    std::printf("  histogram observe (13 buckets)   %6.1f ns/update\n",
                ns_per_op(threads, n, [&](int, long i) {
                  m.store_commit_seconds.observe(static_cast<double>(i & 1023) * 1e-5);
                }));
  }
  const auto t0 = bench_clock::now();
  std::size_t bytes = 0;
  for (int i = 0; i < 1000; ++i)
    bytes += m.registry.write_text().size();
  const std::chrono::duration<double, std::micro> took = bench_clock::now() - t0;
  std::printf("write_text: %.1f us per scrape (%zu bytes)\n", took.count() / 1000, bytes / 1000);
  return 0;
}
