#pragma once
// SQLite writes a WAL frame as two write() calls, its 24-byte header and then its page, so a
// batch of a few hundred MO was ~1.8 pwrite(2) per MO on the writer thread, the most frequent
// system call of lapord (docs/benchmarks.md, session `cycle`). wal_gather collects a run of
// consecutive writes and hands them to the file as one. The rules that keep it exact:
//
// - The writes of a COMMIT frame (its header's "database size after commit" field is set, only
//   in the last frame of a transaction), its header and its page, leave nothing held once they
//   return: every frame of the transaction is in the file before SQLite publishes the commit in
//   the WAL index, so a reader never looks for a frame that is not there, and an fdatasync
//   begun after the COMMIT returned covers it all (sync_order.hpp). A failed write is reported
//   by the call that made it, as SQLite expects: the transaction fails, nothing is lost.
// - Anything that reads or inspects the file (read, size, sync, truncate, close, file control)
//   first writes out what is held.
// - A write that does not continue the held run either overwrites bytes inside it (a frame
//   rewritten in the same transaction: patched in place) or writes out the run and starts
//   another. At most `capacity` bytes are held.
//
// Plain rules with the file behind a callback: tests feed writes and read what reaches it.
#include <cstddef>
#include <cstdint>
#include <memory>

namespace lapord::store::sqlite {

class wal_gather {
 public:
  // Writes `n` bytes at `offset` to the file; returns 0 (SQLITE_OK) or SQLite's error code.
  using sink = int (*)(void* context, const void* data, int n, std::int64_t offset);

  static constexpr int frame_header_size = 24;  // SQLite's WAL_FRAME_HDRSIZE

  wal_gather(sink to_file, void* context, std::size_t capacity) noexcept
      : sink_(to_file), context_(context), capacity_(capacity) {}

  // One xWrite of SQLite's: held, or written (with what was held before it) now.
  int write(const void* data, int n, std::int64_t offset);
  // Writes out what is held (before a read, sync, ... of the file). 0 or the error.
  int flush();

  std::size_t held() const noexcept { return length_; }

 private:
  sink sink_;
  void* context_;
  std::size_t capacity_;
  std::unique_ptr<unsigned char[]> buffer_;  // allocated at the first write held
  std::int64_t start_ = 0;                   // file offset of buffer_[0]
  std::size_t length_ = 0;
  std::int64_t commit_page_at_ = -1;  // where a commit frame's page goes, just after its header
};

// The name of a VFS over SQLite's default one whose WAL files write through a wal_gather
// (every other file is the default VFS's own, untouched). Registered at the first call (thread-
// safe); nullptr (open with the default VFS) if that failed.
const char* gathering_vfs() noexcept;

}  // namespace lapord::store::sqlite
