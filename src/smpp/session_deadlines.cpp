// The session's next deadline, and its response deadlines in their order (deadline_order_):
// what next_deadline needs after every PDU without looking at every request in the window.
#include <algorithm>

#include "lapord/smpp/session.hpp"

namespace lapord::smpp {
namespace {

bool earlier(const std::pair<time_point, std::uint32_t>& a,
             const std::pair<time_point, std::uint32_t>& b) {
  return a.first < b.first;
}

}  // namespace

std::optional<time_point> session::next_deadline() const {
  // Input paused: the responses and the peer's traffic wait unread (ours to read), so no
  // deadline runs until respond() takes them; see run_deadlines.
  if (input_paused()) return std::nullopt;
  std::optional<time_point> next;
  auto consider = [&](std::optional<time_point> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  consider(earliest_response_deadline());
  consider(keepalive_at());
  consider(dead_at());
  return next;
}

void session::note_deadline(std::uint32_t seq, time_point deadline) {
  const std::pair entry{deadline, seq};
  if (deadline_order_.empty() || deadline_order_.back().first <= deadline) {
    deadline_order_.push_back(entry);
  } else {  // a clock that went back (scripted time): keep the order
    deadline_order_.insert(
        std::upper_bound(deadline_order_.begin(), deadline_order_.end(), entry, earlier), entry);
  }
  if (deadline_order_.size() > 2 * outstanding_.size() + 16) {
    deadline_order_.clear();
    for (const auto& [s, req] : outstanding_)
      deadline_order_.emplace_back(req.deadline, s);
    std::stable_sort(deadline_order_.begin(), deadline_order_.end(), earlier);
  }
}

bool session::deadline_live(const std::pair<time_point, std::uint32_t>& entry) const {
  const auto it = outstanding_.find(entry.second);
  return it != outstanding_.end() && it->second.deadline == entry.first;
}

std::optional<time_point> session::earliest_response_deadline() const {
  for (const auto& entry : deadline_order_) {
    if (deadline_live(entry)) return entry.first;
  }
  return std::nullopt;
}

void session::prune_deadlines() {
  // Answered requests at the front are done with: the next look starts at a live one.
  while (!deadline_order_.empty() && !deadline_live(deadline_order_.front())) {
    deadline_order_.pop_front();
  }
}

}  // namespace lapord::smpp
