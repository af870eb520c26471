#include <ostream>  // doctest prints std::error_code through operator<<

#include <doctest/doctest.h>

#include "lapord/smpp/codec_error.hpp"
#include "lapord/smpp/framer.hpp"
#include "smpp/bytes.hpp"

using namespace lapord::smpp;
using namespace lapord::smpp::test;

namespace {

const bytes enquire = hex("00000010 00000015 00000000 00000001");
const bytes resp = hex("00000017 80000004 00000000 00000002") + text("abc123") + hex("00");

// Every whole frame available now.
std::vector<bytes> drain(framer& f) {
  std::vector<bytes> frames;
  for (;;) {
    std::span<const std::uint8_t> frame;
    REQUIRE(f.next(frame) == std::error_code{});
    if (frame.empty()) return frames;
    frames.emplace_back(frame.begin(), frame.end());
  }
}

}  // namespace

TEST_CASE("framer: two PDUs in one chunk") {
  framer f;
  f.feed(enquire + resp);
  const auto frames = drain(f);
  REQUIRE(frames.size() == 2);
  CHECK(frames[0] == enquire);
  CHECK(frames[1] == resp);
  CHECK(f.buffered() == 0);
}

TEST_CASE("framer: one byte at a time") {
  framer f;
  const bytes stream = resp + enquire + resp;
  std::vector<bytes> frames;
  for (auto b : stream) {
    f.feed(std::span(&b, 1));
    for (auto& fr : drain(f))
      frames.push_back(fr);
  }
  REQUIRE(frames.size() == 3);
  CHECK(frames[0] == resp);
  CHECK(frames[1] == enquire);
  CHECK(frames[2] == resp);
}

TEST_CASE("framer: every split point of two PDUs") {
  const bytes stream = enquire + resp;
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    framer f;
    std::vector<bytes> frames;
    f.feed(std::span(stream).first(cut));
    for (auto& fr : drain(f))
      frames.push_back(fr);
    f.feed(std::span(stream).subspan(cut));
    for (auto& fr : drain(f))
      frames.push_back(fr);
    REQUIRE(frames.size() == 2);
    CHECK(frames[0] == enquire);
    CHECK(frames[1] == resp);
  }
}

TEST_CASE("framer: prepare/commit reads straight into the buffer") {
  framer f;
  auto area = f.prepare(64);
  REQUIRE(area.size() == 64);
  std::copy(enquire.begin(), enquire.end(), area.begin());
  std::copy(resp.begin(), resp.begin() + 5, area.begin() + 16);
  f.commit(21);
  auto frames = drain(f);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0] == enquire);
  area = f.prepare(64);
  std::copy(resp.begin() + 5, resp.end(), area.begin());
  f.commit(resp.size() - 5);
  frames = drain(f);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0] == resp);
}

TEST_CASE("framer: command_length under 16 is a framing error with the sequence for the nack") {
  framer f;
  f.feed(hex("0000000F 00000015"));
  std::span<const std::uint8_t> frame;
  CHECK(f.next(frame) == codec_error::command_length_too_small);
  CHECK(frame.empty());
  CHECK_FALSE(f.error_sequence());
  f.feed(hex("00000000 0000002A"));
  CHECK(f.next(frame) == codec_error::command_length_too_small);  // sticky
  CHECK(f.error_sequence() == 0x2A);
}

TEST_CASE("framer: a lying command_length is refused at once, without allocating for it") {
  framer f;
  f.feed(hex("FFFFFFFF 00000004 00000000 00000009 41 42"));
  std::span<const std::uint8_t> frame;
  CHECK(f.next(frame) == codec_error::command_length_too_large);
  CHECK(f.error_sequence() == 9);
  CHECK(f.buffered() == 18);
  // Nothing more is framed after the error, even valid PDUs.
  f.feed(enquire);
  CHECK(f.next(frame) == codec_error::command_length_too_large);
  CHECK(frame.empty());
}

TEST_CASE("framer: the configured maximum, exactly and one over") {
  framer f(100);
  const bytes at_max = hex("00000064 00000015 00000000 00000001") + bytes(84, 0);
  f.feed(at_max);
  const auto frames = drain(f);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].size() == 100);
  f.feed(hex("00000065 00000015 00000000 00000002"));
  std::span<const std::uint8_t> frame;
  CHECK(f.next(frame) == codec_error::command_length_too_large);
  CHECK(framer().max_pdu_size() == 65536);
}

TEST_CASE("framer: a truncated PDU waits for the rest") {
  framer f;
  f.feed(std::span(resp).first(resp.size() - 1));
  CHECK(drain(f).empty());
  CHECK(f.buffered() == resp.size() - 1);
}
