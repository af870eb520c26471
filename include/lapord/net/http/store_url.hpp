#pragma once
// Where complaints go: the [store_api] url taken apart once at start. Pure.
#include <string>
#include <string_view>

namespace lapord::net::http {

struct store_url {
  bool tls = false;         // https
  std::string host;         // as written (a name, an IPv4 address, or an IPv6 one unbracketed)
  std::string port;         // "443"/"80" when not written
  std::string host_header;  // what goes in Host: host[:port] as written
  std::string target;       // the path prefix + "/complaints", e.g. "/api/v1/complaints"
};

// Accepts "http(s)://host[:port][/prefix]" (a trailing "/" on the prefix is dropped). Throws
// std::invalid_argument with a one-line reason for anything else (other schemes, user info,
// a query or fragment, an empty host, a bad port).
[[nodiscard]] store_url parse_store_url(std::string_view url);

}  // namespace lapord::net::http
