#include "app/laporctl/admin_requests.hpp"

#include <ctime>
#include <iostream>
#include <regex>

#include "app/laporctl/commands.hpp"

namespace lapord::app::laporctl {

admin_endpoint endpoint_of(const admin_cli& cli) {
  admin_options o;
  if (!cli.url.empty()) o.url = cli.url;
  if (!cli.token.empty()) o.token = cli.token;
  if (!cli.config.empty()) o.config = cli.config;
  o.default_config = default_config_path;
  return resolve_endpoint(o);
}

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string text_of(const json::value& v, std::string_view key) {
  if (const auto* o = v.if_object()) {
    if (const auto* m = o->if_contains(key); m && m->is_string())
      return std::string(m->as_string());
  }
  return "";
}

api_answer call(const admin_endpoint& e, const std::string& method, const std::string& target,
                const std::string& body) {
  admin_response r = admin_call(e, method, target, body);
  api_answer a;
  a.status = r.status;
  boost::system::error_code ec;
  a.body = json::parse(r.body, ec);
  if (ec) {
    throw refused("lapord's admin API at " + e.origin + " answered HTTP " +
                  std::to_string(r.status) + " with a body that is not JSON");
  }
  return a;
}

std::string refusal(const admin_endpoint& e, const api_answer& a) {
  const std::string code = text_of(a.body, "error");
  const std::string message = text_of(a.body, "message");
  if (a.status == 401) {
    return "the admin API at " + e.origin +
           " refused the token (401): give the operator's token with --token, "
           "LAPORD_ADMIN_TOKEN or the daemon's [admin] token_env" +
           (e.token.empty() ? " (none was given)" : "");
  }
  if (a.status == 403) {
    return message + " (403): set [admin] token_env in lapord's configuration and restart it";
  }
  return (message.empty() ? "failed" : message) + " (HTTP " + std::to_string(a.status) +
         (code.empty() ? "" : " " + code) + ")";
}

json::value expect_ok(const admin_cli& cli, const admin_endpoint& e, const std::string& method,
                      const std::string& target, const std::string& body) {
  api_answer a = call(e, method, target, body);
  if (a.status / 100 == 2) return a.body;
  if (cli.json_out) std::cout << json::serialize(a.body) << "\n";
  throw refused(refusal(e, a));
}

void print_json(const json::value& v) {
  std::cout << json::serialize(v) << "\n";
}

std::string str(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "-";
  if (v.is_bool()) return v.as_bool() ? "yes" : "no";
  return json::serialize(v);
}

std::string field(const json::value& o, std::string_view key) {
  if (const auto* obj = o.if_object()) {
    if (const auto* v = obj->if_contains(key)) return str(*v);
  }
  return "-";
}

bool addressee(const json::value& complaint) {
  return field(complaint, "routed_by") == "addressee";
}

std::string when(const json::value& o, std::string_view key) {
  std::string t = field(o, key);
  if (t.size() >= 19 && t[10] == 'T') return t.substr(0, 10) + " " + t.substr(11, 8);
  return t;
}

std::string institution_of(const json::value& c) {
  const json::value* i = c.as_object().if_contains("institution");
  if (!i || i->is_null()) return "national desk";
  return field(*i, "code") + " " + field(*i, "keyword");
}

std::string iso_utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string since_value(const std::string& s) {
  static const std::regex relative(R"(([0-9]{1,6})([smhd]))");
  static const std::regex date(R"([0-9]{4}-[0-9]{2}-[0-9]{2})");
  std::smatch m;
  if (std::regex_match(s, m, relative)) {
    const long n = std::stol(m[1].str());
    const char unit = m[2].str()[0];
    const long seconds = unit == 's'   ? n
                         : unit == 'm' ? n * 60
                         : unit == 'h' ? n * 3600
                                       : n * 86400;
    return iso_utc(std::chrono::system_clock::now() - std::chrono::seconds(seconds));
  }
  if (std::regex_match(s, date)) return s + "T00:00:00Z";
  return s;  // the daemon checks it
}

int guarded(const std::function<int()>& run) {
  try {
    return run();
  } catch (const refused& e) {
    std::cerr << "laporctl: " << e.what() << "\n";
    return 1;
  } catch (const admin_setup_error& e) {
    std::cerr << "laporctl: " << e.what() << "\n";
    return 2;
  } catch (const admin_unreachable& e) {
    std::cerr << "laporctl: " << e.what() << "\n";
    return 3;
  }
}

}  // namespace lapord::app::laporctl
