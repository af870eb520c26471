#pragma once
// Fault injection specs (`--fault KIND[=VALUE][,key=value...]`, see docs/smsc-sim.md): parsed
// here, acted on by the server. Pure: no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lapord::smsc_sim {

enum class fault_kind {
  drop_after,     // close after the connection received N PDUs
  drop_after_mo,  // close after the connection was sent its N-th deliver_sm
  delay,          // delay responses by N ms
  withhold,       // never answer
  throttle,       // answer submits with ESME_RTHROTTLED (or `status`)
  refuse_bind,    // answer binds with `status`
  malformed,      // send one malformed PDU after N PDUs received
  silent,         // after N PDUs received, send nothing at all
};

// Which requests a delay / withhold fault applies to.
enum class request_class { all, submit_sm, data_sm, enquire_link, bind, unbind };

enum class throttle_mode { all, first, every };

enum class malformed_kind { bad_length, huge_length, unknown_command, truncated };

struct fault {
  fault_kind kind = fault_kind::drop_after;
  std::string spec;     // as given, for the records
  std::uint64_t n = 0;  // PDU count, ms, or the N / K of throttle
  request_class pdu = request_class::all;
  throttle_mode throttle = throttle_mode::all;
  std::uint32_t status = 0;
  malformed_kind malformed = malformed_kind::bad_length;
  std::optional<std::uint64_t> conn;   // only on the conn-th accepted connection
  std::optional<std::uint64_t> times;  // acts at most this many times in total
  std::uint64_t used = 0;              // times it acted (kept by the server)
  std::uint64_t seen = 0;              // submits seen, for throttle first/every
  std::uint64_t serial = 0;            // set by the server: tells faults apart

  bool applies_to(std::uint64_t connection) const { return !conn || *conn == connection; }
  bool spent() const { return times && used >= *times; }
};

// Parses one spec; nullopt with `error` set (a one-line reason) when it is not valid.
std::optional<fault> parse_fault(std::string_view spec, std::string& error);

// A command_status given as a name (ESME_RTHROTTLED, case-insensitive) or a number (decimal or
// 0x hex); nullopt when neither.
std::optional<std::uint32_t> parse_status(std::string_view text);

bool matches(request_class c, std::uint32_t command_id);

}  // namespace lapord::smsc_sim
