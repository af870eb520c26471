#pragma once
// The simulated SMSC: options and the entry point the command line calls. The Asio shell is the
// class in smsc_server.hpp (its members in smsc*.cpp, one file per job).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fault.hpp"
#include "script.hpp"

namespace lapord::smsc_sim {

enum class receipts_mode { none, requested, all };

struct smsc_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string port_file;
  std::vector<std::pair<std::string, std::string>> accounts;  // system_id, password
  std::string records_path;
  bool flood_records = true;
  bool submit_records = true;  // a line per submit_sm / data_sm
  receipts_mode receipts = receipts_mode::none;
  std::string receipt_stat = "DELIVRD";
  std::uint64_t receipt_delay_ms = 0;
  std::uint64_t message_id_start = 1;
  bool message_id_hex = false;           // message_ids in upper-case hex, 8 digits at least
  std::string receipt_text_id = "same";  // the receipt text's id: "same", "decimal" or "hex"
  bool receipt_id_tlv = true;            // receipts carry receipted_message_id
  std::vector<script> scripts;
  std::uint64_t flood = 0;
  double rate = 0;
  std::uint32_t window = 100;
  std::uint32_t start_binds = 1;  // scripts and the flood start once this many binds receive
  std::string flood_source = "6281200000000";
  std::uint64_t flood_sources = 1000;
  // The i-th source is flood_source + i * stride: 1 gives consecutive numbers; a large stride
  // spreads them over the number space, as citizens' numbers are (an index by reporter then
  // gets its entries at random places, as in a real store).
  std::uint64_t flood_source_stride = 1;
  std::string flood_dest = "1708";
  std::string flood_text = "LAPOR flood {n}";
  std::uint64_t retry_delay_ms = 1000;
  std::uint32_t max_attempts = 0;
  std::uint64_t mo_timeout_ms = 0;
  std::uint64_t enquire_link_ms = 0;
  bool exit_when_done = false;
  std::string control_path;
  std::vector<fault> faults;
  int log_level = 1;  // 0 debug, 1 info, 2 warn
};

// Runs until SIGTERM/SIGINT, `quit`, or --exit-when-done; returns the exit code.
int run_smsc(smsc_options options);

struct sink_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string system_id;
  std::string password;
  std::string bind = "transceiver";
  std::uint32_t status = 0;
};

// The ESME sink (--esme-sink): binds and acknowledges every MO at once.
int run_esme_sink(const sink_options& options);

}  // namespace lapord::smsc_sim
