#pragma once
// What laporctl's admin subcommands share: the main app's options, one call to the admin API
// with the line an operator reads when the daemon refuses, and the answer's JSON fields as the
// cells of a table.
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "app/laporctl/admin_client.hpp"

namespace lapord::app::laporctl {

namespace json = boost::json;

// What every admin subcommand shares (the main app's options).
struct admin_cli {
  std::string url, token, config;
  bool json_out = false;
  bool unmask = false;
};

// The daemon said no (or the answer made no sense): exit 1 with this line.
struct refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct api_answer {
  unsigned status = 0;
  json::value body;
};

admin_endpoint endpoint_of(const admin_cli& cli);
std::string percent_encode(std::string_view s);
std::string text_of(const json::value& v, std::string_view key);
api_answer call(const admin_endpoint& e, const std::string& method, const std::string& target,
                const std::string& body = "");
// The line an operator reads for a refusal.
std::string refusal(const admin_endpoint& e, const api_answer& a);
// Calls and returns the body of a 2xx answer; else prints the refusal and throws.
json::value expect_ok(const admin_cli& cli, const admin_endpoint& e, const std::string& method,
                      const std::string& target, const std::string& body = "");
// Runs a command, turning each kind of failure into its exit status and one line on stderr.
int guarded(const std::function<int()>& run);

void print_json(const json::value& v);
std::string str(const json::value& v);
std::string field(const json::value& o, std::string_view key);
// Named by an addressee (`Yth Bupati Sleman, ...`) rather than a keyword.
bool addressee(const json::value& complaint);
// "2027-01-15T08:01:40.123Z" -> "2027-01-15 08:01:40" (the headers say UTC).
std::string when(const json::value& o, std::string_view key);
std::string institution_of(const json::value& c);
std::string iso_utc(std::chrono::system_clock::time_point t);
// "90m", "2h", "7d" back from now; "2026-12-04" (midnight UTC); or an RFC 3339 time as is.
std::string since_value(const std::string& s);

}  // namespace lapord::app::laporctl
