#include "lapord/net/http/store_url.hpp"

#include <algorithm>
#include <stdexcept>

namespace lapord::net::http {

store_url parse_store_url(std::string_view url) {
  const auto fail = [&](const std::string& why) {
    throw std::invalid_argument("store_api url \"" + std::string(url) + "\": " + why);
  };
  store_url u;
  std::string_view rest = url;
  if (rest.rfind("https://", 0) == 0) {
    u.tls = true;
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else {
    fail("must start with http:// or https://");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) fail("must not have a query or fragment");
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) fail("must not carry user info");
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) fail("unclosed [ in the host");
    u.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail("unexpected text after ]");
      port = after.substr(1);
      if (port.empty()) fail("empty port");
    }
  } else {
    const auto colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) fail("empty port");
    }
  }
  if (u.host.empty()) fail("has no host");
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
      fail("port must be 1-65535");
    }
    u.port = std::string(port);
  } else {
    u.port = u.tls ? "443" : "80";
  }
  u.host_header = std::string(authority);
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  u.target = std::string(path) + "/complaints";
  return u;
}

}  // namespace lapord::net::http
