#pragma once
// The gateway's HTTP server (Boost.Beast, HTTP/1.1 keep-alive, plain TCP on loopback by
// default): reads requests within limits and hands them to an api_router. The callback API,
// /metrics, /healthz and /readyz are all routes of the same router.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "lapord/net/http/api_router.hpp"

namespace lapord::net::http {

// The [api] section of the configuration.
struct api_settings {
  std::string listen = "127.0.0.1:8470";  // "host:port" or "[v6]:port"; port 0 picks a free one
  std::string token;                      // the bearer token the store presents ...
  std::string token_env;                  // ... or the environment variable holding it
  std::size_t body_limit = 16 * 1024;     // bytes; a bigger body is answered 413
  std::chrono::milliseconds request_timeout{10000};  // to read one request / get the store's say
  std::size_t max_connections = 256;  // beyond this, new connections are closed at once
};

class api_server {
 public:
  // `router` must outlive the server. Nothing happens until start().
  api_server(boost::asio::any_io_executor executor, api_settings settings, api_router& router);
  ~api_server();
  api_server(const api_server&) = delete;
  api_server& operator=(const api_server&) = delete;

  // Binds and listens (throws boost::system::system_error when the address is taken, and
  // std::invalid_argument for a malformed `listen`), then accepts on the executor.
  void start();
  // The bound port (useful with port 0). Valid after start().
  [[nodiscard]] std::uint16_t port() const;
  // Stops accepting and closes every connection. Thread-safe; idempotent.
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace lapord::net::http
