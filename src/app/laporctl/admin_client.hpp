#pragma once
// laporctl's side of the admin API: where the daemon listens and with which token (from the
// command line, the environment or the daemon's own configuration file), and one HTTP request
// to it. Boost.Beast lives only in admin_client.cpp: it compiles slowly.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace lapord::app::laporctl {

struct admin_endpoint {
  std::string host = "127.0.0.1";
  std::string port = "8471";
  std::string token;   // "" when none was found: the daemon then answers 401
  std::string origin;  // "http://127.0.0.1:8471", for messages
};

// What the operator gave; unset fields are looked up in this order: --admin / --token, then
// LAPORD_ADMIN_URL / LAPORD_ADMIN_TOKEN, then the daemon's config file ([admin] listen, token
// or token_env; the file is read only if it exists or was named), then 127.0.0.1:8471.
struct admin_options {
  std::optional<std::string> url;
  std::optional<std::string> token;
  std::optional<std::string> config;  // named with --config (must then exist)
  std::string default_config;         // read when it exists
};

// A problem before any request (bad URL, config file unreadable, admin listener off): exit 2.
class admin_setup_error : public std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The daemon could not be reached or did not answer (connection refused, timeout): exit 3.
class admin_unreachable : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[nodiscard]] admin_endpoint resolve_endpoint(const admin_options& options);

struct admin_response {
  unsigned status = 0;
  std::string body;
};

// One request (Connection: close). Throws admin_unreachable.
[[nodiscard]] admin_response admin_call(const admin_endpoint& endpoint, const std::string& method,
                                        const std::string& target, const std::string& body = "",
                                        std::chrono::seconds timeout = std::chrono::seconds(20));

}  // namespace lapord::app::laporctl
