#pragma once
// The configuration tables of the MO path: [store] (the SQLite file, group commit, what the
// SMSC hears when it cannot commit, reassembly and reply sending), [store_api] (forwarding to
// the national store) and [api] (the callback API). Unknown keys, wrong types and bad values
// throw lapord::app::config_error naming the file and line. Durations are in seconds
// (fractions allowed), as everywhere in lapord.toml.
//
//   [store]
//   path = "/var/lib/lapord/lapord.db"   # relative paths are relative to the config file
//   max_batch = 1024                     # MO per transaction (one fsync) at most
//   busy_timeout_s = 5
//   dedup_window_hours = 48              # a redelivered part or receipt is recognised within this
//   received_retention_hours = 168       # received MO (redelivery keys, audit) kept; 0: for ever
//   instance = "gw-1"                    # names this process's leases; default: the host name
//   max_bytes = 0                        # cap on the file; 0: none
//   temporary_error = "ESME_RSYSERR"     # or "ESME_RX_T_APPN", or a number
//   part_timeout_s = 600                 # a long message missing parts is released after this
//   reply_batch = 64                     # replies taken from the store at once
//   reply_in_flight = 256                # replies waiting for submit_sm_resp at most
//   reply_retry_s = 30                   # first retry of a reply that could not be sent
//   reply_max_attempts = 20
//   reply_concat = "udh"                 # "udh", "sar" or "payload"
//
//   [store_api]                          # absent: complaints wait in the outbox
//   url = "https://store.example/api"    # POST {url}/complaints
//   token_env = "LAPORD_STORE_TOKEN"     # or token = "..."
//   in_flight = 16
//   timeout_s = 10
//   backoff_initial_s = 1
//   backoff_max_s = 300
//   retry_after_max_s = 3600
//   breaker_failures = 5
//   breaker_open_s = 30
//   ca_file = ""
//   tls_verify = true
//   batch = 256
//   poll_interval_s = 1
//   user_agent = ""
//
//   [api]                                # absent: no callback API
//   listen = "127.0.0.1:8470"
//   token_env = "LAPORD_API_TOKEN"       # or token = "..."
//   body_limit = 16384
//   request_timeout_s = 10
//   max_connections = 256
//
//   [admin]                              # absent: no listener (no metrics, no admin API)
//   listen = "127.0.0.1:8471"            # /metrics, /healthz, /readyz, the admin API; "": off
//   token_env = "LAPORD_ADMIN_TOKEN"     # or token = "..."; none: admin routes answer 403
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include <toml++/toml.h>

#include "lapord/app/config/config_error.hpp"
#include "lapord/net/http/api_server.hpp"
#include "lapord/net/http/forwarder.hpp"
#include "lapord/smpp/command_status.hpp"
#include "lapord/store/database.hpp"
#include "lapord/text/segmentation.hpp"

namespace lapord::app {

struct store_section {
  bool present = false;  // the table is in the file
  store::database_options database{};
  // Whose leases these are (with the epoch of each start): unique among the lapord processes
  // that share one store. Default: the host name.
  std::string instance;
  smpp::command_status temporary_error = smpp::command_status::esme_rsyserr;
  // /readyz says not ready while the store's writer has been on one batch longer than this (a
  // COMMIT waiting for a synchronous standby that is gone never fails: it waits); 0: no check.
  std::chrono::milliseconds stalled_after{std::chrono::seconds(10)};
  std::chrono::milliseconds part_timeout{std::chrono::minutes(10)};
  // How long a received MO (its raw PDU, the redelivery key of a part or a receipt) is kept:
  // then deleted in small steps (docs/store.md "Retention"). 0: kept for ever.
  std::chrono::hours received_retention{24 * 7};
  std::size_t reply_batch = 64;
  std::size_t reply_in_flight = 256;
  std::chrono::milliseconds reply_retry{std::chrono::seconds(30)};
  int reply_max_attempts = 20;
  text::concat_method reply_concat = text::concat_method::udh;
};

[[nodiscard]] store_section read_store_section(const toml::table& document,
                                               const std::string& file);
// nullopt when the table is absent.
[[nodiscard]] std::optional<net::http::store_api_settings> read_store_api_section(
    const toml::table& document, const std::string& file);
[[nodiscard]] std::optional<net::http::api_settings> read_api_section(const toml::table& document,
                                                                      const std::string& file);

// The operator's listener: metrics, health and the admin API (docs/operations.md).
struct admin_section {
  bool present = false;                   // the table is in the file; absent: no listener
  std::string listen = "127.0.0.1:8471";  // "host:port"; port 0 picks a free one; "": none
  std::string token;                      // the operator's bearer token for admin routes ...
  std::string token_env;                  // ... or the environment variable holding it
};
// Without the table: present false and listen "" (two instances on one host never clash).
[[nodiscard]] admin_section read_admin_section(const toml::table& document,
                                               const std::string& file);

// "ESME_RSYSERR", "ESME_RX_T_APPN", ... or a number ("0x08", "8"); nullopt if unknown.
[[nodiscard]] std::optional<smpp::command_status> command_status_from(std::string_view text);

}  // namespace lapord::app
