#pragma once
// The checkpoint thread of the SQLite backend with [store] sqlite_sync = "overlap": copies the
// WAL into the database file on a connection of its own, off the writer (checkpoint_policy.hpp
// says when, and what the writer still does itself; docs/store.md, "The checkpoint off the
// writer"). Crash safety is SQLite's whoever checkpoints: a checkpoint fsyncs the WAL before it
// copies a frame, and SQLite writes the WAL again from its start only after a checkpoint copied
// every frame and fsync'd the database file; the acks wait for the sync stage as before.
#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "lapord/store/backend.hpp"
#include "store/sqlite/checkpoint_policy.hpp"

namespace lapord::store::sqlite {

class checkpointer {
 public:
  // Opens a second connection to `path` through `vfs` and starts the thread (lapord-ckpt).
  // `pages`: wal_autocheckpoint_pages (0: never checkpoint, as SQLite's own 0). Throws
  // store_error when the file cannot be opened.
  checkpointer(const std::string& path, const char* vfs, std::uint32_t pages);
  // Lets a running pass end, then stops the thread and closes its connection.
  ~checkpointer();
  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;

  // Installs itself as `writer`'s wal hook (which turns SQLite's autocheckpoint off there).
  void attach(sqlite3* writer) noexcept;
  // Writer thread, before each BEGIN, with its connection out of any transaction: copies the
  // last few frames itself when the policy says so (or, at the hard limit, waits for the
  // running pass first).
  void before_begin(sqlite3* writer);
  // The writer's wal hook (after each COMMIT): the WAL's length in frames.
  void committed_from_hook(std::uint32_t frames);

 private:
  void run();

  sqlite3* db_ = nullptr;
  // The database file, fdatasync'd after a pass that stopped short of the WAL's end: SQLite
  // fsyncs it only after a pass that copied every frame, and otherwise the writer's own
  // checkpoint would wait for the writeback of the whole pass.
  std::unique_ptr<wal_sync> file_sync_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;     // the thread: a pass is due, or stopping
  std::condition_variable settled_;  // the writer: a pass ended
  checkpoint_policy policy_;         // under mutex_
  bool due_ = false;                 // under mutex_
  bool stopping_ = false;            // under mutex_
  std::thread thread_;
};

}  // namespace lapord::store::sqlite
