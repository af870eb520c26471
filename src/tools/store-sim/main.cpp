// store-sim: see store_sim.hpp. Prints "store-sim listening on 127.0.0.1:PORT" when ready and,
// on SIGTERM or SIGINT, one JSON line of totals before exiting 0.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "store_sim.hpp"

int main(int argc, char** argv) {
  CLI::App app{"store-sim: a loopback stand-in for the national complaint store"};
  std::uint16_t port = 0;
  std::string records;
  double hang_for = 0;
  std::uint64_t seed = 1;
  unsigned retry_after = 0;
  std::string token;
  std::vector<std::string> reject;
  lapord::tools::store_sim_faults faults;
  app.add_option("--port", port, "port on 127.0.0.1 (0: pick a free one)");
  app.add_option("--records", records, "append one JSON line per request to this file");
  app.add_option("--fail-first", faults.fail_first, "answer the first N POSTs with --fail-status");
  app.add_option("--fail-rate", faults.fail_rate, "then fail each POST with this probability")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fail-status", faults.fail_status, "status of a failure (default 500)")
      ->check(CLI::Range(100U, 599U));
  app.add_option("--retry-after", retry_after, "send Retry-After: S with every failure");
  app.add_option("--hang-first", faults.hang_first, "never answer the first N POSTs");
  app.add_option("--hang-for", hang_for, "never answer POSTs in the first S seconds")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--reject-ref", reject, "answer 400 for this ref (repeatable)");
  app.add_option("--require-token", token, "answer 401 unless Authorization: Bearer T");
  app.add_flag("--close", faults.close_after_answer, "close the connection after every answer");
  app.add_option("--answers-per-connection", faults.answers_per_connection,
                 "answer N requests on a connection, then close it without answering the rest");
  app.add_flag("--take-unanswered", faults.take_unanswered,
               "with --answers-per-connection: take the first unanswered one all the same");
  app.add_option("--seed", seed, "seed of --fail-rate's random choices");
  CLI11_PARSE(app, argc, argv);
  if (app.count("--retry-after") != 0) faults.retry_after = retry_after;
  if (!token.empty()) faults.require_token = token;
  faults.reject_refs.insert(reject.begin(), reject.end());
  faults.hang_for = std::chrono::milliseconds(static_cast<long long>(hang_for * 1000));

  try {
    boost::asio::io_context io(1);
    lapord::tools::store_sim sim(io.get_executor(), faults, records, false, seed);
    sim.start(port);
    boost::asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      sim.stop();
      std::cout << sim.stats_json() << std::endl;
      io.stop();
    });
    std::cout << "store-sim listening on 127.0.0.1:" << sim.port() << std::endl;
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "store-sim: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
