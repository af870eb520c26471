// smsc-sim's command line (docs/smsc-sim.md): an SMSC simulator, or with --esme-sink a tiny ESME
// that acknowledges everything.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "fault.hpp"
#include "script.hpp"
#include "smsc.hpp"

namespace sim = lapord::smsc_sim;

namespace {

bool split_host_port(const std::string& s, std::string& host, std::uint16_t& port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  host = s.substr(0, colon);
  try {
    auto p = std::stoul(s.substr(colon + 1));
    if (p == 0 || p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
  } catch (const std::exception&) {
    return false;
  }
  return !host.empty();
}

// What the command line gives besides smsc_options / sink_options, checked after parsing.
struct cli {
  std::vector<std::string> accounts, scripts, faults;
  bool receipts = false, receipts_requested = false, no_flood_records = false, sink = false;
  bool no_receipt_id_tlv = false, no_submit_records = false;
  std::string log_level = "info", connect, sink_status = "ESME_ROK";
};

void add_smsc_options(CLI::App& app, sim::smsc_options& o, cli& c) {
  app.add_option("--host", o.host, "listen address")->capture_default_str();
  app.add_option("--port", o.port, "listen port (0 = pick a free one)")->capture_default_str();
  app.add_option("--port-file", o.port_file, "write the chosen port to this file");
  app.add_option("--account", c.accounts, "ID:PASSWORD that may bind (repeatable; none = any)");
  app.add_option("--records", o.records_path, "JSON lines of events (- = stdout)");
  app.add_flag("--no-flood-records", c.no_flood_records, "no per-PDU records for flood MO");
  app.add_flag("--no-submit-records", c.no_submit_records,
               "no record per submit_sm / data_sm (waits, receipts and stats still see them)");
  app.add_flag("--receipts", c.receipts, "a delivery receipt for every accepted submit");
  app.add_flag("--receipts-requested", c.receipts_requested,
               "a delivery receipt when registered_delivery asks");
  app.add_option("--receipt-stat", o.receipt_stat, "stat: of receipts")->capture_default_str();
  app.add_option("--receipt-delay", o.receipt_delay_ms, "ms before a receipt");
  app.add_option("--message-id-start", o.message_id_start, "first message_id")
      ->capture_default_str();
  app.add_flag("--message-id-hex", o.message_id_hex,
               "message_ids in upper-case hex (8 digits at least), not decimal");
  app.add_option("--receipt-text-id", o.receipt_text_id,
                 "how the receipt text's id: writes the message_id: same, decimal, hex")
      ->capture_default_str()
      ->check(CLI::IsMember({"same", "decimal", "hex"}));
  app.add_flag("--no-receipt-id-tlv", c.no_receipt_id_tlv,
               "receipts carry no receipted_message_id TLV (the text's id: only)");
  app.add_option("--script", c.scripts, "MO script (JSON lines), repeatable");
  app.add_option("--flood", o.flood, "send N generated MO");
  app.add_option("--rate", o.rate, "flood messages/s (0 = window-limited)")->capture_default_str();
  app.add_option("--window", o.window, "MO outstanding per bind")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  app.add_option("--start-binds", o.start_binds,
                 "start scripts and the flood once N receiver-capable binds are up")
      ->capture_default_str()
      ->check(CLI::Range(1u, 10000u));
  app.add_option("--flood-source", o.flood_source, "first flood source MSISDN")
      ->capture_default_str();
  app.add_option("--flood-sources", o.flood_sources, "distinct flood sources")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000000}));
  app.add_option("--flood-source-stride", o.flood_source_stride,
                 "the i-th flood source is the first + i * stride (spread over the numbers)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000000}));
  app.add_option("--flood-dest", o.flood_dest, "flood destination")->capture_default_str();
  app.add_option("--flood-text", o.flood_text, "flood text, {n} = message number")
      ->capture_default_str();
  app.add_option("--retry-delay", o.retry_delay_ms, "ms before redelivering a rejected MO")
      ->capture_default_str();
  app.add_option("--max-attempts", o.max_attempts, "give up after N deliveries (0 = never)");
  app.add_option("--mo-timeout", o.mo_timeout_ms, "ms without resp before redelivery (0 = off)");
  app.add_option("--enquire-link", o.enquire_link_ms, "send enquire_link every MS ms (0 = never)");
  app.add_flag("--exit-when-done", o.exit_when_done, "exit when scripts and MO are done");
  app.add_option("--control", o.control_path, "control commands from a FIFO or - (stdin)");
  app.add_option("--fault", c.faults, "fault injection spec, repeatable");
  app.add_option("--log-level", c.log_level, "debug, info, warn")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn"}));
}

void add_sink_options(CLI::App& app, sim::sink_options& so, cli& c) {
  app.add_flag("--esme-sink", c.sink, "run as an ESME that acks everything");
  app.add_option("--connect", c.connect, "esme-sink: HOST:PORT of the SMSC");
  app.add_option("--system-id", so.system_id, "esme-sink: system_id");
  app.add_option("--password", so.password, "esme-sink: password");
  app.add_option("--bind", so.bind, "esme-sink: transceiver, receiver, transmitter")
      ->capture_default_str()
      ->check(CLI::IsMember({"transceiver", "receiver", "transmitter"}));
  app.add_option("--sink-status", c.sink_status, "esme-sink: status of every resp")
      ->capture_default_str();
}

int run_sink(sim::sink_options& so, const cli& c) {
  if (!split_host_port(c.connect, so.host, so.port)) {
    std::cerr << "smsc-sim: --esme-sink needs --connect HOST:PORT\n";
    return 2;
  }
  auto st = sim::parse_status(c.sink_status);
  if (!st) {
    std::cerr << "smsc-sim: --sink-status: unknown status " << c.sink_status << "\n";
    return 2;
  }
  so.status = *st;
  return sim::run_esme_sink(so);
}

// The options that need more than CLI11 checks (accounts, scripts, faults, ...); 0 or exit code 2.
int finish_smsc_options(sim::smsc_options& o, const cli& c) {
  for (const auto& a : c.accounts) {
    auto colon = a.find(':');
    if (colon == std::string::npos || colon == 0) {
      std::cerr << "smsc-sim: --account expects ID:PASSWORD, got '" << a << "'\n";
      return 2;
    }
    o.accounts.emplace_back(a.substr(0, colon), a.substr(colon + 1));
  }
  o.receipts = c.receipts             ? sim::receipts_mode::all
               : c.receipts_requested ? sim::receipts_mode::requested
                                      : sim::receipts_mode::none;
  o.flood_records = !c.no_flood_records;
  o.submit_records = !c.no_submit_records;
  o.receipt_id_tlv = !c.no_receipt_id_tlv;
  o.log_level = c.log_level == "debug" ? 0 : c.log_level == "info" ? 1 : 2;
  if (o.flood_source.empty() || o.flood_source.size() > 20 ||
      o.flood_source.find_first_not_of("0123456789") != std::string::npos) {
    std::cerr << "smsc-sim: --flood-source must be 1-20 digits\n";
    return 2;
  }
  if (o.flood_text.size() + 20 > 254) {
    std::cerr << "smsc-sim: --flood-text is too long for one short_message\n";
    return 2;
  }
  for (const auto& path : c.scripts) {
    std::string error;
    auto s = sim::load_script(path, error);
    if (!s) {
      std::cerr << "smsc-sim: " << error << "\n";
      return 2;
    }
    o.scripts.push_back(std::move(*s));
  }
  for (const auto& spec : c.faults) {
    std::string error;
    auto f = sim::parse_fault(spec, error);
    if (!f) {
      std::cerr << "smsc-sim: --fault " << spec << ": " << error << "\n";
      return 2;
    }
    o.faults.push_back(std::move(*f));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"smsc-sim: an SMSC simulator and MO load generator (see docs/smsc-sim.md)"};
  sim::smsc_options o;
  sim::sink_options so;
  cli c;
  add_smsc_options(app, o, c);
  add_sink_options(app, so, c);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (c.sink) return run_sink(so, c);
  if (int rc = finish_smsc_options(o, c); rc != 0) return rc;
  return sim::run_smsc(std::move(o));
}
