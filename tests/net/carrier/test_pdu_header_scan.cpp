// Counting PDUs by command and status from a byte stream cut anywhere: every header of real
// encoded PDUs is found exactly once, whatever the chunking.
#include <doctest/doctest.h>

#include <random>
#include <utility>
#include <vector>

#include "lapord/smpp/codec.hpp"
#include "net/carrier/pdu_header_scan.hpp"

using namespace lapord;
using header = std::pair<smpp::command_id, smpp::command_status>;

namespace {

std::vector<std::uint8_t> stream_of(std::vector<header>& expected) {
  std::vector<std::uint8_t> out;
  const auto add = [&](smpp::pdu p) {
    const bool encoded = !smpp::encode(p, out);
    REQUIRE(encoded);
    expected.emplace_back(p.command(), p.status);
  };
  smpp::submit_sm s;
  s.source_addr = "1708";
  s.destination_addr = "6281234567001";
  s.short_message = std::string(140, 'x');
  add({smpp::command_status::esme_rok, 1, s});
  add({smpp::command_status::esme_rok, 2, smpp::enquire_link{}});
  add({smpp::command_status::esme_rthrottled, 3, smpp::submit_sm_resp{}});
  smpp::deliver_sm d;
  d.source_addr = "6281234567001";
  d.short_message = "LAPOR jalan rusak";
  add({smpp::command_status::esme_rok, 4, d});
  add({smpp::command_status::esme_rsyserr, 5, smpp::deliver_sm_resp{}});
  add({static_cast<smpp::command_status>(0x401), 6, smpp::generic_nack{}});
  return out;
}

std::vector<header> scan_in_chunks(const std::vector<std::uint8_t>& bytes,
                                   const std::vector<std::size_t>& cuts) {
  net::pdu_header_scan scan;
  std::vector<header> got;
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    scan.feed(std::span(bytes).subspan(at, cut - at),
              [&](smpp::command_id c, smpp::command_status s) { got.emplace_back(c, s); });
    at = cut;
  }
  scan.feed(std::span(bytes).subspan(at),
            [&](smpp::command_id c, smpp::command_status s) { got.emplace_back(c, s); });
  return got;
}

}  // namespace

TEST_CASE("pdu header scan: whole stream, byte by byte, and random cuts") {
  std::vector<header> expected;
  const auto bytes = stream_of(expected);
  REQUIRE(expected.size() == 6);
  CHECK(scan_in_chunks(bytes, {}) == expected);
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < bytes.size(); ++i)
    every.push_back(i);
  CHECK(scan_in_chunks(bytes, every) == expected);
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> cuts;
    std::size_t at = 0;
    while (true) {
      at += 1 + random() % 40;
      if (at >= bytes.size()) break;
      cuts.push_back(at);
    }
    CHECK(scan_in_chunks(bytes, cuts) == expected);
  }
}

TEST_CASE("pdu header scan: an incomplete header reports nothing until it completes") {
  std::vector<header> expected;
  const auto bytes = stream_of(expected);
  net::pdu_header_scan scan;
  int seen = 0;
  scan.feed(std::span(bytes).first(15), [&](auto, auto) { ++seen; });
  CHECK(seen == 0);
  scan.feed(std::span(bytes).subspan(15, 1), [&](auto, auto) { ++seen; });
  CHECK(seen == 1);
}
