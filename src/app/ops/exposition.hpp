#pragma once
// The small pieces of the Prometheus text format 0.0.4 (escaping, numbers), separate from the
// registry so that tests check them against the format's own rules.
#include <string>
#include <string_view>

namespace lapord::app::ops::exposition {

// A label value between double quotes: backslash, double quote and line feed escaped
// (\\, \", \n); bytes that are not valid UTF-8 become U+FFFD (a scrape must stay parseable).
void append_label_value(std::string& out, std::string_view value);

// HELP text: backslash and line feed escaped (quotes are not, per the format).
void append_help(std::string& out, std::string_view help);

// A sample value or `le` bound: shortest text that reads back to the same double
// ("0.005", "1", "2.5e-07"), "+Inf", "-Inf", "NaN".
void append_double(std::string& out, double v);

// Metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* not starting "__".
[[nodiscard]] bool valid_metric_name(std::string_view name);
[[nodiscard]] bool valid_label_name(std::string_view name);

}  // namespace lapord::app::ops::exposition
