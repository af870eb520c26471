// The table of realistic messages (tests/lapor/messages.tsv) through the real service.
#include <doctest/doctest.h>

#include <vector>

#include "lapor/fixture.hpp"

using namespace lapord::lapor;
using lapord::lapor::testing::real_service;

namespace {

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      out += n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : n;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t p = line.find('\t', start);
    out.push_back(line.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

}  // namespace

TEST_CASE("messages.tsv: every realistic message gets the expected decision, institution, text") {
  std::string data = lapord::lapor::testing::read_file(
      lapord::lapor::testing::source_path("tests/lapor/messages.tsv"));
  std::size_t start = 0;
  int line_number = 0;
  int cases = 0;
  while (start < data.size()) {
    std::size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    std::string line = data.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    auto f = split_tabs(line);
    INFO("messages.tsv:" << line_number << ": " << line);
    REQUIRE(f.size() == 6);
    inbound in;
    in.from = "081234567890";
    in.to = "1708";
    in.text = unescape(f[0]);
    decision d = real_service().decide(in);
    ++cases;
    CHECK(to_string(d.kind) == f[1]);
    if (f[2] == "-") {
      CHECK_FALSE(d.institution.has_value());
    } else {
      REQUIRE(d.institution.has_value());
      CHECK(d.institution->code == f[2]);
      CHECK(d.institution->corrected == (f[3].find('~') != std::string::npos));
    }
    CHECK(d.confidential == (f[3].find('c') != std::string::npos));
    if (d.kind == decision_kind::status) {
      CHECK(d.ref == unescape(f[4]));
    } else {
      CHECK(d.text == unescape(f[4]));
    }
    CHECK(d.reply_template == f[5]);
    if (d.kind == decision_kind::complaint) {
      // The complaint text is always cut out of the message, never rewritten.
      CHECK(in.text.find(d.text) != std::string::npos);
      CHECK(long_enough_for_complaint(d.text));
      CHECK(d.create_complaint);
      CHECK(d.forward);
    }
  }
  CHECK(cases >= 150);
}
