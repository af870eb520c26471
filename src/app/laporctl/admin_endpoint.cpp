// Where laporctl finds the daemon's admin API and its token.
#include <cstdlib>
#include <filesystem>

#include <toml++/toml.h>

#include "app/laporctl/admin_client.hpp"

namespace lapord::app::laporctl {
namespace {

struct host_port {
  std::string host, port;
};

// "host:port" or "[v6]:port"; nullopt when malformed.
std::optional<host_port> split_host_port(std::string_view s) {
  std::string host, port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return std::nullopt;
    host = std::string(s.substr(1, close - 1));
    port = std::string(s.substr(close + 2));
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = std::string(s.substr(0, colon));
    port = std::string(s.substr(colon + 1));
  }
  if (host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return host_port{host, port};
}

host_port from_url(const std::string& url) {
  std::string_view s = url;
  constexpr std::string_view http = "http://";
  if (s.substr(0, http.size()) == http) {
    s.remove_prefix(http.size());
  } else if (s.find("://") != std::string_view::npos) {
    throw admin_setup_error("--admin " + url +
                            ": only http:// (the admin API listens on loopback, without TLS)");
  }
  while (!s.empty() && s.back() == '/')
    s.remove_suffix(1);
  auto hp = split_host_port(s);
  if (!hp) throw admin_setup_error("--admin " + url + ": expected http://HOST:PORT");
  return *hp;
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

struct from_config {
  std::optional<host_port> listen;
  std::string no_listener;  // why the file names no listener (its daemon has none)
  std::optional<std::string> token;
};

from_config read_config(const std::string& path) {
  from_config out;
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw admin_setup_error(path + ": " + std::string(e.description()));
  }
  const toml::table* admin = doc["admin"].as_table();
  if (!admin) {
    out.no_listener = path +
                      ": no [admin] table: the daemon runs no admin listener (add [admin] "
                      "to its config, or give --admin)";
    return out;
  }
  std::string listen = "127.0.0.1:8471";  // the daemon's default within the table
  {
    if (auto v = (*admin)["listen"].value<std::string>()) listen = *v;
    if (auto v = (*admin)["token"].value<std::string>(); v && !v->empty()) out.token = *v;
    if (auto v = (*admin)["token_env"].value<std::string>(); v && !v->empty()) {
      const char* value = env(v->c_str());
      if (!value)
        throw admin_setup_error(path + ": [admin] token_env names " + *v +
                                ", which is not set here: export it or give --token");
      out.token = value;
    }
  }
  if (listen.empty())
    throw admin_setup_error(path + ": the admin listener is off ([admin] listen = \"\")");
  auto hp = split_host_port(listen);
  if (!hp) throw admin_setup_error(path + ": [admin] listen '" + listen + "' is not HOST:PORT");
  if (hp->port == "0")
    throw admin_setup_error(path + ": [admin] listen has port 0 (chosen at start): give --admin");
  // A listener on every address is reached on loopback.
  if (hp->host == "0.0.0.0") hp->host = "127.0.0.1";
  if (hp->host == "::") hp->host = "::1";
  out.listen = hp;
  return out;
}

}  // namespace

admin_endpoint resolve_endpoint(const admin_options& o) {
  std::optional<host_port> where;
  std::optional<std::string> token = o.token;
  if (o.url) {
    where = from_url(*o.url);
  } else if (const char* url = env("LAPORD_ADMIN_URL")) {
    where = from_url(url);
  }
  if (!token) {
    if (const char* t = env("LAPORD_ADMIN_TOKEN")) token = t;
  }
  if (!where || !token) {
    std::optional<std::string> file = o.config;
    if (!file && !o.default_config.empty() && std::filesystem::exists(o.default_config))
      file = o.default_config;
    if (file) {
      from_config c = read_config(*file);
      if (!where && !c.no_listener.empty()) throw admin_setup_error(c.no_listener);
      if (!where) where = c.listen;
      if (!token) token = c.token;
    }
  }
  admin_endpoint e;
  if (where) {
    e.host = where->host;
    e.port = where->port;
  }
  e.token = token.value_or("");
  const bool v6 = e.host.find(':') != std::string::npos;
  e.origin = "http://" + (v6 ? "[" + e.host + "]" : e.host) + ":" + e.port;
  return e;
}

}  // namespace lapord::app::laporctl
