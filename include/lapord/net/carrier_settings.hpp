#pragma once
// What one [[carrier]] table of the configuration says: plain data, read by app/config and
// handed to the carrier link. No defaults are applied here; the config reader fills every field.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/text/receipt.hpp"

namespace lapord::net {

enum class bind_mode {
  transceiver,           // one bind_transceiver carries MO and MT
  transmitter_receiver,  // a bind_transmitter (MT) plus a bind_receiver (MO), two connections
};

struct tls_settings {
  bool enabled = false;
  std::string ca_file;    // empty: the system's default trust store
  std::string cert_file;  // optional client certificate (PEM); key_file is then required
  std::string key_file;
  std::string server_name;  // SNI and the name checked in the certificate; empty: host
  bool operator==(const tls_settings&) const = default;
};

struct carrier_settings {
  std::string name;  // the operator's name for the carrier, on every log line
  std::string host;
  std::uint16_t port = 0;
  std::string system_id;
  std::string password;  // never logged; already resolved from password_env if that was used
  std::string system_type;
  bind_mode mode = bind_mode::transceiver;
  // `bind` as the operator wrote it ("transmitter_receiver" or "transmitter+receiver"), so log
  // lines say what the file says; empty: the canonical spelling (bind_name()).
  std::string bind_written;
  std::uint8_t addr_ton = 0;
  std::uint8_t addr_npi = 0;
  std::string address_range;

  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds enquire_link_interval{30'000};
  std::chrono::milliseconds response_timeout{10'000};
  std::uint32_t window = 10;  // outstanding requests on one bind
  // MO (deliver_sm/data_sm) handed up and not yet answered, per bind; at the cap the bind stops
  // reading until an answer makes room (the SMSC's window is its promise, this is ours).
  std::uint32_t max_mo_in_flight = 200;
  double submit_rate = 50.0;       // submit_sm per second, per carrier
  std::uint32_t submit_burst = 1;  // token bucket depth
  // Hold submits this long after ESME_RTHROTTLED/ESME_RMSGQFUL (doubling while it goes on).
  std::chrono::milliseconds throttle_pause{1'000};
  std::chrono::milliseconds reconnect_min{1'000};
  std::chrono::milliseconds reconnect_max{60'000};

  tls_settings tls;
  std::vector<std::string> service_numbers;  // short codes this carrier delivers to us

  // For the MO path (app/mo), not the bind: how this carrier's receipts write the message
  // id its submit_sm_resp gave, and how replies name their sender (submit_sm source_addr).
  text::receipt_id_form receipt_id = text::receipt_id_form::automatic;
  std::string source_addr;                 // empty: the service number the citizen wrote to
  std::optional<std::uint8_t> source_ton;  // nullopt: 3 for an address of up to 6 digits, else 1
  std::optional<std::uint8_t> source_npi;  // nullopt: 0 for an address of up to 6 digits, else 1
  bool operator==(const carrier_settings&) const = default;
};

// The `bind` value for log lines: as written, else the canonical spelling.
inline std::string_view bind_name(const carrier_settings& c) {
  if (!c.bind_written.empty()) return c.bind_written;
  return c.mode == bind_mode::transceiver ? "transceiver" : "transmitter_receiver";
}

}  // namespace lapord::net
