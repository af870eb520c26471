#pragma once
// Which receiving bind gets the next MO. A carrier spreads its MO over every bind it granted, so
// the simulator does too: round robin over the binds with window room, one MO at a time, each
// round starting after the bind served last. Thus N binds of one lapord, or binds of several
// lapord instances, share a flood, and a rate-limited flood (never enough MO to fill a window)
// alternates over the binds instead of going to the first bind with room. Pure: the caller says
// what each bind can take and sends the MO itself.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lapord::smsc_sim {

// What the caller did with a bind it was offered.
enum class offer_result {
  none,      // nothing (more) for this bind now: it sits out the rest of this fill
  sent,      // one MO sent
  sent_last  // one MO sent and the bind takes no more now (it is closing)
};

struct bind_room {
  std::uint64_t id = 0;  // the connection number: binds are given in ascending id
  std::size_t room = 0;  // window minus outstanding MO
};

class round_robin {
 public:
  // Offers binds[i] (ascending id) one MO at a time in rotation until every bind is full or
  // had nothing; `offer(i)` returns an offer_result. Returns the number of MO sent.
  template <class Offer>
  std::size_t fill(std::vector<bind_room>& binds, Offer&& offer) {
    const std::size_t n = binds.size();
    std::size_t open = 0;
    for (const auto& b : binds)
      open += b.room > 0 ? 1 : 0;
    std::size_t i = 0;  // the first bind after the one served last (ids grow, so wrap to 0)
    while (i < n && binds[i].id <= last_)
      ++i;
    if (i == n) i = 0;
    std::size_t sent = 0;
    while (open > 0) {
      auto& b = binds[i];
      if (b.room > 0) {
        auto r = offer(i);
        if (r != offer_result::none) {
          ++sent;
          last_ = b.id;
        }
        b.room = r == offer_result::sent ? b.room - 1 : 0;
        if (b.room == 0) --open;
      }
      i = i + 1 == n ? 0 : i + 1;
    }
    return sent;
  }

 private:
  std::uint64_t last_ = 0;  // id of the bind served last
};

}  // namespace lapord::smsc_sim
