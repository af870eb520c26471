#pragma once
// When may a committed batch be acknowledged, if its COMMIT did not fsync? With SQLite in WAL
// mode and synchronous=NORMAL a COMMIT only write()s the WAL; a sync stage behind the writer
// fdatasync()s the WAL file, and a batch is on disk once an fdatasync that BEGAN AFTER its
// COMMIT returned has succeeded (one that began earlier may have missed its pages). This class
// is that rule and nothing else: no thread, no file, no clock. The writer and the sync thread
// (database.cpp) feed it events under their shared mutex and do what it answers.
//
// Batches are numbered by the machine in commit order (1, 2, 3 ...); a sync covers a prefix
// of them, so every answer is "every held batch up to id N": the caller keeps its held batches
// in a queue in commit order and pops from the front.
//
// After a failed fdatasync the machine stays failed: the kernel may have dropped the WAL's
// dirty pages (and cleared the error), so what SQLite believes committed may not be on disk,
// and every later batch may rest on it (a redelivered MO judged a duplicate of a lost one).
// Every batch committed so far fails, and every later one fails at once. Only a restart,
// which reads the WAL back from the disk, recovers. See docs/store.md, "Overlapped fsync".
#include <cstdint>

namespace lapord::store {

class sync_order {
 public:
  using batch_id = std::uint64_t;

  // What the caller must do with its held batches.
  struct release {
    enum class action { none, complete, fail };
    action what = action::none;
    batch_id up_to = 0;  // every held batch with an id <= up_to (ids > the last release's)
  };

  struct ticket {
    batch_id id = 0;
    bool fail_now = false;  // a sync failed before: fail the batch, never hold it for an ack
  };

  // The COMMIT of the next batch returned. Hold the batch under ticket.id, or fail it now.
  ticket committed() noexcept;

  // True when a sync should begin now: a committed batch is covered by no sync yet, no sync is
  // running (one fdatasync at a time: one started later covers all the waiting ones), and no
  // sync has failed.
  bool sync_due() const noexcept;
  // An fdatasync begins now (call it right before the system call, after the commits it is to
  // cover were reported). It covers every batch committed so far and no later one. Returns the
  // last id it covers. Throws std::logic_error unless sync_due().
  batch_id sync_started();
  // The running sync ended. ok: complete (acknowledge) the batches it covered. Not ok: fail
  // every batch committed so far, covered or not, and stay failed. Throws std::logic_error
  // when no sync is running.
  release sync_done(bool ok);

  bool failed() const noexcept { return failed_; }
  bool syncing() const noexcept { return syncing_; }
  // Every committed batch has been released (completed or failed).
  bool caught_up() const noexcept { return released_ == committed_; }

  batch_id last_committed() const noexcept { return committed_; }
  batch_id last_released() const noexcept { return released_; }

 private:
  batch_id committed_ = 0;  // the last batch whose COMMIT returned
  batch_id covered_ = 0;    // the last batch the running (or last) sync covers
  batch_id released_ = 0;   // the last batch completed or failed
  bool syncing_ = false;
  bool failed_ = false;
};

}  // namespace lapord::store
