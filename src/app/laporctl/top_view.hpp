#pragma once
// laporctl top's computing, apart from the terminal and the network so it can be tested: read
// a /metrics scrape, sum what the view shows, rates between two scrapes, the last complaints
// from the admin API's JSON, and the 80x24 layout as plain lines.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lapord::app::laporctl {

struct metric_sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  [[nodiscard]] std::string_view label(std::string_view key) const;
};

// The samples of a Prometheus text exposition (0.0.4); comments and malformed lines skipped.
[[nodiscard]] std::vector<metric_sample> parse_metrics(std::string_view text);

struct top_bind {
  std::string carrier;
  std::string bind;
  bool up = false;
};

// Counter totals: the rates are their differences.
struct top_totals {
  double mo = 0;          // lapord_mo_received_total
  double complaints = 0;  // lapord_complaints_created_total
  double replies = 0;     // lapord_replies_sent_total
  double forwarded = 0;   // lapord_outbox_forwarded_total
};

struct top_snapshot {
  std::chrono::steady_clock::time_point at{};
  std::vector<top_bind> binds;  // in the order of the scrape
  top_totals totals;
  double pending = 0, in_flight = 0, parked = 0;  // lapord_outbox_depth
  double ussd_open = 0;                           // lapord_ussd_dialogues_open, summed
  int ready = -1;                                 // lapord_ready: 1, 0, -1 absent
};

[[nodiscard]] top_snapshot snapshot_of(const std::vector<metric_sample>& samples,
                                       std::chrono::steady_clock::time_point at);

struct top_rates {
  bool known = false;  // two scrapes seen
  top_totals per_second;
};

// Per second from `before` to `after`. A total that went down (lapord restarted) counts from 0,
// as Prometheus's rate() does.
[[nodiscard]] top_rates rates_between(const top_snapshot& before, const top_snapshot& after);

struct top_complaint {
  std::string ref, created, carrier, reporter, institution, status, forwarding;
};

// The "complaints" of GET /admin/v1/complaints (masked numbers as the API gives them).
// Throws std::runtime_error on a body that is not that JSON.
[[nodiscard]] std::vector<top_complaint> complaints_of(std::string_view json_body);

struct top_frame {
  std::string origin;   // http://127.0.0.1:8471
  std::string clock;    // "21:15:03 UTC"
  std::string problem;  // empty, or why the scrape failed (shown instead of stale numbers)
  top_snapshot now;
  top_rates rates;
  std::vector<top_complaint> complaints;
  std::string complaints_note;  // why there are none (no token, refused, ...)
};

// The screen as lines of at most `width` characters, at most `height` lines (80x24 fits all).
[[nodiscard]] std::vector<std::string> render_top(const top_frame& f, std::size_t width = 80,
                                                  std::size_t height = 24);

}  // namespace lapord::app::laporctl
