// The control channel (--control), the flood report, the stats line and --exit-when-done.

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "smsc_server.hpp"

namespace lapord::smsc_sim {

void smsc::report_flood() {
  double secs = std::chrono::duration<double>(flood_last_ok_ - flood_started_at_).count();
  auto lat = summarise(flood_latencies_);
  json::object o{{"messages", flood_total_},
                 {"acked_ok", flood_ok_},
                 {"failed", flood_failed_},
                 {"deliver_sm_sent", deliver_sm_sent_},
                 {"redelivered", redelivered_},
                 {"seconds", secs},
                 {"rate", secs > 0 ? std::llround(static_cast<double>(flood_ok_) / secs) : 0},
                 {"cpu_seconds", cpu_seconds()},
                 {"window", opt_.window},
                 {"latency_us", latency_json(lat)},
                 {"binds", flood_shares()}};
  records_.write("flood_done", o);
  json::object line{{"event", "flood_done"}};
  for (const auto& kv : o)
    line[kv.key()] = kv.value();
  std::printf("%s\n", json::serialize(line).c_str());
  std::fflush(stdout);
}

// How the flood was spread: each receiving bind that was sent flood MO, in bind order.
json::array smsc::flood_shares() const {
  json::array binds;
  for (const auto& b : shares_) {
    if (b.deliver_sm == 0) continue;
    binds.push_back(json::object{{"conn", b.conn},
                                 {"system_id", b.system_id},
                                 {"deliver_sm", b.deliver_sm},
                                 {"acked_ok", b.acked_ok}});
  }
  return binds;
}

// User + system CPU time of this process so far, to show the flood's own cost.
double smsc::cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto tv = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

json::object smsc::latency_json(const latency_summary& l) {
  return {{"count", l.count}, {"p50", l.p50}, {"p90", l.p90}, {"p99", l.p99}, {"max", l.max}};
}

json::object smsc::stats() {
  std::uint64_t outstanding = mos_.size() - acked_ok_ - failed_;
  auto copy = latencies_;
  auto lat = summarise(copy);
  return {{"connections", connection_count_},
          {"binds", binds_},
          {"binds_refused", binds_refused_},
          {"submit_sm", submits_},
          {"data_sm", data_sms_},
          {"mo", json::object{{"total", mos_.size()},
                              {"deliver_sm_sent", deliver_sm_sent_},
                              {"acked_ok", acked_ok_},
                              {"rejected", rejected_},
                              {"redelivered", redelivered_},
                              {"outstanding", outstanding},
                              {"failed", failed_}}},
          {"latency_us", latency_json(lat)}};
}

void smsc::write_stats() {
  auto o = stats();
  records_.write("stats", o);
  records_.flush();
  json::object line{{"event", "stats"}};
  for (const auto& kv : o)
    line[kv.key()] = kv.value();
  std::printf("%s\n", json::serialize(line).c_str());
  std::fflush(stdout);
}

void smsc::check_done() {
  if (!opt_.exit_when_done || stopping_ || !sources_started_) return;
  if (scripts_running_ > 0 || pending_receipts_ > 0) return;
  if (acked_ok_ + failed_ < mos_.size()) return;
  begin_shutdown();
}

bool smsc::open_control() {
  int fd = -1;
  if (opt_.control_path == "-") {
    fd = ::dup(0);
  } else {
    // O_RDWR keeps the FIFO open when a writer closes, so we never read a spurious EOF.
    fd = ::open(opt_.control_path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  }
  if (fd < 0) {
    std::cerr << "smsc-sim: cannot open --control " << opt_.control_path << "\n";
    return false;
  }
  control_.assign(fd);
  asio::co_spawn(io_, control_loop(), asio::detached);
  return true;
}

awaitable<void> smsc::control_loop() {
  std::string buf;
  for (;;) {
    auto [ec, n] =
        co_await asio::async_read_until(control_, asio::dynamic_buffer(buf), '\n', use_tuple);
    if (ec) co_return;
    std::string line = buf.substr(0, n);
    buf.erase(0, n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
      line.pop_back();
    on_control(line);
  }
}

void smsc::on_control(const std::string& line) {
  auto sp = line.find(' ');
  std::string cmd = line.substr(0, sp);
  std::string arg = sp == std::string::npos ? "" : line.substr(sp + 1);
  std::string error;
  if (cmd == "script") {
    auto s = load_script(arg, error);
    if (!s) {
      records_.write("control_error", {{"command", line}, {"error", error}});
      log(2, error);
      return;
    }
    control_scripts_.push_back(std::move(*s));
    start_script(control_scripts_.back());
    pump();
  } else if (cmd == "flood") {
    std::uint64_t n = 0;
    try {
      n = std::stoull(arg);
    } catch (const std::exception&) {
      records_.write("control_error", {{"command", line}, {"error", "flood needs a number"}});
      return;
    }
    reserve_flood(n);
    sources_started_ = sources_started_ || std::any_of(connections_.begin(), connections_.end(),
                                                       [](auto& c) { return c->receives(); });
    pump();
  } else if (cmd == "fault") {
    if (arg == "clear") {
      faults_.clear();
    } else if (auto f = parse_fault(arg, error)) {
      f->serial = ++fault_serial_;
      faults_.push_back(std::move(*f));
    } else {
      records_.write("control_error", {{"command", line}, {"error", error}});
      return;
    }
  } else if (cmd == "drop") {
    auto all = connections_;
    for (auto& c : all)
      close(c, "control drop");
  } else if (cmd == "stats") {
    write_stats();
    return;
  } else if (cmd == "quit") {
    begin_shutdown();
  } else if (!cmd.empty()) {
    records_.write("control_error", {{"command", line}, {"error", "unknown command"}});
    return;
  }
  if (!cmd.empty()) records_.write("control", {{"command", line}});
}

}  // namespace lapord::smsc_sim
