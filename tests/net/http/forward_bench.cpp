// forward_bench: forwards N complaints from an in-memory outbox to a store-sim and prints the
// rate. Not a test: a measurement (docs/forwarding.md, docs/benchmarks.md).
//   forward_bench --count 100000 [--in-flight 16] [--batch 256] [--url http://127.0.0.1:PORT]
// Without --url, store-sim's server runs in this process on its own thread.
#include <sys/resource.h>

#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "lapord/net/http/complaint_body.hpp"
#include "lapord/net/http/forwarder.hpp"
#include "net/http/memory_outbox.hpp"
#include "store_sim.hpp"

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lapord::net::http;
  CLI::App app{"forward_bench: forwarding rate from an in-memory outbox to store-sim"};
  std::size_t count = 100000;
  unsigned in_flight = 16;
  unsigned pipeline = 1;
  std::size_t batch = 256;
  std::string url;
  long backoff_initial_ms = 1000;
  long backoff_max_ms = 300000;
  long open_ms = 30000;
  long timeout_ms = 10000;
  app.add_option("--count", count, "complaints to forward");
  app.add_option("--backoff-initial-ms", backoff_initial_ms, "first retry delay ceiling");
  app.add_option("--backoff-max-ms", backoff_max_ms, "retry delay cap");
  app.add_option("--open-ms", open_ms, "how long the circuit stays open");
  app.add_option("--timeout-ms", timeout_ms, "per request timeout");
  app.add_option("--in-flight", in_flight, "keep-alive connections");
  app.add_option("--pipeline", pipeline, "requests unanswered per connection at most");
  app.add_option("--batch", batch, "items taken from the outbox at once");
  app.add_option("--url", url, "an external store (store-sim); default: in-process store-sim");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  boost::asio::io_context store_io(1);
  std::optional<lapord::tools::store_sim> sim;
  std::thread store_thread;
  auto store_guard = boost::asio::make_work_guard(store_io);
  if (url.empty()) {
    sim.emplace(store_io.get_executor(), lapord::tools::store_sim_faults{}, "", false);
    sim->start(0);
    url = "http://127.0.0.1:" + std::to_string(sim->port());
    store_thread = std::thread([&] { store_io.run(); });
  }

  test::memory_outbox box;
  for (std::size_t i = 0; i < count; ++i) {
    complaint_record c;
    c.ref = std::to_string(10000000 + i);
    c.received_at =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    c.carrier = "telkomsel";
    c.service_number = "1708";
    c.reporter_msisdn = "081234567890";
    c.institution = complaint_institution{"TANGKAB", "36.03", "Kabupaten Tangerang", false};
    c.text = "Jalan rusak di Desa Suka Maju sudah 3 bulan, mohon segera diperbaiki.";
    box.add(c.ref, complaint_body(c));
  }

  boost::asio::io_context io(1);
  store_api_settings s;
  s.url = url;
  s.token = "bench";
  s.in_flight = in_flight;
  s.pipeline = pipeline;
  s.batch = batch;
  s.backoff = {std::chrono::milliseconds(backoff_initial_ms),
               std::chrono::milliseconds(backoff_max_ms)};
  s.breaker.open_for = std::chrono::milliseconds(open_ms);
  s.timeout = std::chrono::milliseconds(timeout_ms);
  s.poll_interval = std::chrono::milliseconds(std::min<long>(backoff_initial_ms, 1000));
  forwarder fwd(io.get_executor(), s, box);
  double forwarder_cpu = 0;
  const auto t0 = std::chrono::steady_clock::now();
  fwd.start();
  std::thread watcher([&] {
    box.wait_closed(count, std::chrono::minutes(10));
    fwd.stop([&] { io.stop(); });
  });
  const double cpu0 = cpu_seconds();
  io.run();
  forwarder_cpu = cpu_seconds() - cpu0;
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  watcher.join();
  if (sim) sim->stop();
  store_guard.reset();
  if (store_thread.joinable()) store_thread.join();

  const auto st = fwd.stats();
  std::cout << "forwarded " << st.forwarded << " of " << count << " complaints in " << elapsed
            << " s: " << static_cast<long>(static_cast<double>(st.forwarded) / elapsed)
            << " complaints/s; requests " << st.requests << ", connections " << st.connects
            << ", in flight " << in_flight << " x pipeline " << pipeline
            << ", forwarder thread CPU " << (forwarder_cpu * 1e6 / static_cast<double>(count))
            << " us/complaint; retried " << st.retried << ", parked " << st.parked
            << ", circuit opened " << st.breaker_opened << std::endl;
  return st.forwarded == count ? 0 : 1;
}
