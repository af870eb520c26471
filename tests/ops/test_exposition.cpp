// The text format 0.0.4, byte for byte, with the expected text written by hand from the
// format's description (HELP/TYPE lines, label escaping, cumulative buckets with +Inf).
#include <doctest/doctest.h>

#include <limits>
#include <string>

#include "app/ops/exposition.hpp"
#include "lapord/app/ops/metrics.hpp"

using namespace lapord::app::ops;

TEST_CASE("exposition: a small registry, byte for byte") {
  registry r;
  auto requests = r.add_counter("http_requests_total", "Requests handled.", {"method", "code"});
  requests.inc({"post", "200"}, 1027);
  requests.inc({"get", "400"}, 3);
  auto depth = r.add_gauge("queue_depth", "Items waiting.");
  depth.set(-4);
  auto latency = r.add_histogram("latency_seconds", "Request latency.", {0.25, 0.5, 1});
  for (const double v : {0.125, 0.25, 0.5, 3.0})
    latency.observe(v);
  auto by_carrier = r.add_histogram("batch", "Per carrier.", {"carrier"}, {2});
  by_carrier.observe({"tsel"}, 1);
  by_carrier.observe({"tsel"}, 2);
  by_carrier.observe({"tsel"}, 7);

  const std::string expected =
      "# HELP http_requests_total Requests handled.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"get\",code=\"400\"} 3\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027\n"
      "# HELP queue_depth Items waiting.\n"
      "# TYPE queue_depth gauge\n"
      "queue_depth -4\n"
      "# HELP latency_seconds Request latency.\n"
      "# TYPE latency_seconds histogram\n"
      "latency_seconds_bucket{le=\"0.25\"} 2\n"
      "latency_seconds_bucket{le=\"0.5\"} 3\n"
      "latency_seconds_bucket{le=\"1\"} 3\n"
      "latency_seconds_bucket{le=\"+Inf\"} 4\n"
      "latency_seconds_sum 3.875\n"
      "latency_seconds_count 4\n"
      "# HELP batch Per carrier.\n"
      "# TYPE batch histogram\n"
      "batch_bucket{carrier=\"tsel\",le=\"2\"} 2\n"
      "batch_bucket{carrier=\"tsel\",le=\"+Inf\"} 3\n"
      "batch_sum{carrier=\"tsel\"} 10\n"
      "batch_count{carrier=\"tsel\"} 3\n";
  CHECK(r.write_text() == expected);
  CHECK(registry::content_type == "text/plain; version=0.0.4; charset=utf-8");
}

TEST_CASE("exposition: a labelled family with no series yet has only HELP and TYPE") {
  registry r;
  auto c = r.add_counter("lapord_x_total", "X.", {"carrier"});
  CHECK(r.write_text() == "# HELP lapord_x_total X.\n# TYPE lapord_x_total counter\n");
  c.inc({"a"});
  CHECK(
      r.write_text() ==
      "# HELP lapord_x_total X.\n# TYPE lapord_x_total counter\nlapord_x_total{carrier=\"a\"} 1\n");
}

TEST_CASE("exposition: label values are escaped") {
  registry r;
  auto c = r.add_counter("e_total", "Escapes.", {"v"});
  c.inc({"a\\b\"c\nd"});
  CHECK(r.write_text() ==
        "# HELP e_total Escapes.\n# TYPE e_total counter\n"
        "e_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST_CASE("exposition: HELP escapes backslash and line feed only") {
  std::string out;
  exposition::append_help(out, "one\ntwo C:\\dir \"quoted\"");
  CHECK(out == "one\\ntwo C:\\\\dir \"quoted\"");
}

TEST_CASE("exposition: label values that are not UTF-8 become U+FFFD, valid UTF-8 is kept") {
  const auto esc = [](std::string_view v) {
    std::string out;
    exposition::append_label_value(out, v);
    return out;
  };
  CHECK(esc("Jawa Barat \xC3\xA9 \xF0\x9F\x98\x80") == "Jawa Barat \xC3\xA9 \xF0\x9F\x98\x80");
  CHECK(esc("a\xFF"
            "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(esc("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  CHECK(esc("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(esc("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // cut short
}

TEST_CASE("exposition: numbers read back exactly, special values spelled as the format says") {
  const auto fmt = [](double v) {
    std::string out;
    exposition::append_double(out, v);
    return out;
  };
  CHECK(fmt(1) == "1");
  CHECK(fmt(0.005) == "0.005");
  CHECK(fmt(2.5) == "2.5");
  CHECK(fmt(1e-7) == "1e-07");
  CHECK(fmt(0.1 + 0.2) == "0.30000000000000004");
  // Go's strconv.FormatFloat(v, 'g', -1, 64), as Prometheus's own clients write numbers.
  CHECK(fmt(0.0005) == "0.0005");
  CHECK(fmt(0.00005) == "5e-05");
  CHECK(fmt(0) == "0");
  CHECK(fmt(-2.5) == "-2.5");
  CHECK(fmt(100000) == "100000");
  CHECK(fmt(123456.75) == "123456.75");
  CHECK(fmt(1e6) == "1e+06");
  CHECK(fmt(1234567) == "1.234567e+06");
  CHECK(fmt(1.5e300) == "1.5e+300");
  CHECK(fmt(-1.25e-10) == "-1.25e-10");
  CHECK(fmt(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(fmt(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(fmt(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE("exposition: names") {
  CHECK(exposition::valid_metric_name("lapord_mo_received_total"));
  CHECK(exposition::valid_metric_name("ns:sub_total"));
  CHECK_FALSE(exposition::valid_metric_name("1abc"));
  CHECK_FALSE(exposition::valid_metric_name("a-b"));
  CHECK_FALSE(exposition::valid_metric_name(""));
  CHECK(exposition::valid_label_name("institution_class"));
  CHECK_FALSE(exposition::valid_label_name("__reserved"));
  CHECK_FALSE(exposition::valid_label_name("a:b"));
}
