#pragma once
// What one read brought, handed to the session a slice at a time (bind_link::reader): the
// reader gives the session the next slice only while its read gate is open, so the session's
// framer holds at most one slice of frames it cannot take yet (input paused at
// max_mo_in_flight); the rest of the read waits in the reader's buffer.
//
// Why: every frame becomes an action holding a whole PDU (sizeof(smpp::session_action), ~430
// bytes), and bind_link::apply()'s two action vectors keep their capacity for the bind's life.
// With a whole read in the framer, the answer that made room for one MO (session::respond)
// took every frame held back at once, and a flood grew the vectors to 512 entries, 221 KiB
// each, two per bind: 1.2 MB of the peak at four binds (docs/benchmarks.md, session `rss4`).
// A slice of 256 bytes holds at most 16 frames (16 octets is the smallest PDU); the MO
// answers are given to the session a few at a time for the same reason (send_answers).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lapord/smpp/session.hpp"

namespace lapord::net::bind_detail {

inline constexpr std::size_t feed_slice_bytes = 256;
// The most actions one slice can leave: two per frame (pdu_seen and what it carried), the
// timer's arm or cancel.
inline constexpr std::size_t max_actions_per_slice = 2 * (feed_slice_bytes / 16) + 2;
// MO answers given to the session between two apply(): each leaves its pdu_seen and may move
// the timer, and the one that makes room lets the session take the frames of the slice it
// held back.
inline constexpr std::size_t answers_per_apply = 8;
// At most this many actions at one apply() of the reader or of send_answers (both bounds:
// tests/net/carrier/test_feed_slices.cpp): the action vectors stay at 64 entries (28 KiB).
inline constexpr std::size_t max_actions_per_apply = 2 * answers_per_apply + max_actions_per_slice;
static_assert(max_actions_per_apply <= 64);

class read_slices {
 public:
  // After a read: `bytes` (in the reader's buffer, which outlives them) are to be fed.
  void got(std::span<const std::uint8_t> bytes) noexcept { rest_ = bytes; }
  [[nodiscard]] bool empty() const noexcept { return rest_.empty(); }
  // The next slice to the session.
  void feed(smpp::session& session, smpp::time_point now) {
    const auto slice = rest_.first(std::min(feed_slice_bytes, rest_.size()));
    rest_ = rest_.subspan(slice.size());
    session.on_bytes(slice, now);
  }

 private:
  std::span<const std::uint8_t> rest_;
};

}  // namespace lapord::net::bind_detail
