#pragma once
// Who copies the WAL into the database file, and when, with [store] sqlite_sync = "overlap"
// (docs/store.md, "The checkpoint off the writer"). SQLite's own autocheckpoint runs on the
// writer, inside the COMMIT that crossed wal_autocheckpoint pages, with two fsyncs: the longest
// commits of a four-bind flood (30-97 ms). Here a checkpoint thread with a connection of its own
// copies the bulk (PASSIVE: it never blocks the writer) while the writer goes on. That alone
// would not bound the WAL: SQLite writes the WAL again from its start only when a write
// transaction begins with every frame copied, and under a flood the writer commits while a pass
// runs, so a pass never catches up by itself. So passes repeat while the rest left behind
// shrinks, and then the writer copies the last frames itself before its next BEGIN (a PASSIVE
// checkpoint on its own connection: what it committed during the last pass, a batch or two),
// after which its transaction restarts the WAL.
// A pass that cannot keep up (a slow disk) is caught by a hard limit: the writer waits for the
// running pass and copies the rest itself, as SQLite's autocheckpoint would have, so the WAL
// never passes `limit` frames by more than one batch's.
//
// A plain class fed events (no thread, no SQLite): checkpointer.cpp is the thread around it,
// tests/store/test_checkpoint_policy.cpp scripts it. Frames are counted as SQLite counts them:
// `frames` is the WAL's length in frames since it was last restarted (its wal hook's nFrame),
// `copied` the frames of it already in the database file (sqlite3_wal_checkpoint_v2's pnCkpt).
#include <cstdint>

namespace lapord::store::sqlite {

class checkpoint_policy {
 public:
  // A pass starts at `pages` frames (wal_autocheckpoint_pages); passes repeat while each leaves
  // more than pages / 8 and at most 7/8 of the rest the one before began with; the writer
  // copies what is left (and any rest of at most pages / 8); the hard limit is 4 * pages.
  explicit checkpoint_policy(std::uint32_t pages) noexcept;

  // Writer, after each COMMIT: the WAL's frames now. True: start a pass (the caller wakes the
  // checkpoint thread; the policy counts it as running from now on).
  bool committed(std::uint32_t frames) noexcept;

  // Checkpoint thread, after a pass that began while the WAL was in generation `generation`:
  // `copied` frames of it are in the database file. True: run another pass at once (the rest is
  // still more than the writer should copy itself).
  bool pass_done(std::uint64_t generation, std::uint32_t copied) noexcept;

  enum class action {
    none,
    writer_copies,  // the writer runs a PASSIVE checkpoint itself now, then writer_copied()
    wait_for_pass,  // the hard limit: wait until the running pass ends, then ask again
  };
  // Writer, before each BEGIN.
  action before_begin() const noexcept;
  // Writer, after its own checkpoint: `copied` frames of the WAL are in the database file.
  void writer_copied(std::uint32_t copied) noexcept;

  bool running() const noexcept { return running_; }
  // Bumped each time the WAL was seen restarted (its frame count went down).
  std::uint64_t generation() const noexcept { return generation_; }
  std::uint32_t frames() const noexcept { return frames_; }
  std::uint32_t copied() const noexcept { return copied_; }
  std::uint32_t limit() const noexcept { return limit_; }

 private:
  std::uint32_t rest() const noexcept { return frames_ > copied_ ? frames_ - copied_ : 0; }

  std::uint32_t start_;  // frames that start a pass
  std::uint32_t tail_;   // at most this many left: the writer copies them
  std::uint32_t limit_;  // the WAL's length the writer does not go past
  std::uint32_t frames_ = 0;
  std::uint32_t copied_ = 0;
  std::uint32_t pass_rest_ = 0;  // the rest when the running (or last) pass began
  std::uint64_t generation_ = 0;
  bool running_ = false;
  bool writer_turn_ = false;  // the passes are done with this WAL: the writer copies the rest
};

}  // namespace lapord::store::sqlite
