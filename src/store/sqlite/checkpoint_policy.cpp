#include "store/sqlite/checkpoint_policy.hpp"

#include <algorithm>

namespace lapord::store::sqlite {

checkpoint_policy::checkpoint_policy(std::uint32_t pages) noexcept
    : start_(pages),
      tail_(std::max<std::uint32_t>(1, pages / 8)),
      limit_(pages > UINT32_MAX / 4 ? UINT32_MAX : pages * 4) {}

bool checkpoint_policy::committed(std::uint32_t frames) noexcept {
  // Fewer frames than before: the writer's transaction wrote the WAL again from its start, which
  // SQLite does only once every frame was copied. Nothing of the new WAL is copied yet.
  if (frames < frames_) {
    ++generation_;
    copied_ = 0;
    writer_turn_ = false;
  }
  frames_ = frames;
  if (start_ == 0 || running_ || writer_turn_ || frames_ < start_ || rest() <= tail_) return false;
  running_ = true;
  pass_rest_ = rest();
  return true;
}

bool checkpoint_policy::pass_done(std::uint64_t generation, std::uint32_t copied) noexcept {
  running_ = false;
  // A pass of a WAL since restarted copied nothing of this one. A pass held back (a reader's
  // snapshot, a busy lock) is not repeated at once, or it would spin: the next COMMIT tries
  // again (as SQLite's autocheckpoint would, once per commit).
  if (generation != generation_ || copied <= copied_) return false;
  copied_ = copied;
  if (frames_ < start_ || rest() == 0) return false;
  // Another pass while the rest is large and still shrinking: a pass lasts about as long as
  // what it copies, so the rest shrinks until it is what the writer commits during a pass's
  // fixed costs (its fsyncs, its wait for a core). Then it is the writer's turn: what a pass
  // copies costs the writer nothing, what it copies itself holds up every MO behind it.
  if (rest() > tail_ && rest() <= pass_rest_ - pass_rest_ / 8) {
    running_ = true;
    pass_rest_ = rest();
    return true;
  }
  writer_turn_ = true;
  return false;
}

checkpoint_policy::action checkpoint_policy::before_begin() const noexcept {
  if (start_ == 0 || frames_ < start_) return action::none;
  if (running_) return frames_ >= limit_ ? action::wait_for_pass : action::none;
  if (rest() == 0) return action::none;
  if (writer_turn_ || rest() <= tail_ || frames_ >= limit_) return action::writer_copies;
  return action::none;  // the next COMMIT starts a pass
}

void checkpoint_policy::writer_copied(std::uint32_t copied) noexcept {
  writer_turn_ = false;
  copied_ = std::max(copied_, copied);
}

}  // namespace lapord::store::sqlite
