#include "store/sqlite/checkpointer.hpp"

#include <pthread.h>

#include "lapord/store/error.hpp"
#include "store/sqlite/wal_file_sync.hpp"

namespace lapord::store::sqlite {
namespace {

int on_wal_commit(void* self, sqlite3*, const char*, int frames) {
  // SQLite's wal hook: after each COMMIT of the writer, with the WAL's length in frames.
  auto* c = static_cast<checkpointer*>(self);
  c->committed_from_hook(frames < 0 ? 0u : static_cast<std::uint32_t>(frames));
  return SQLITE_OK;
}

}  // namespace

checkpointer::checkpointer(const std::string& path, const char* vfs, std::uint32_t pages)
    : policy_(pages) {
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs);
  // A pass copies pages from the WAL to the file without the page cache: keep it small. The
  // first read opens the WAL on this connection (a connection that never read the file would
  // not know it is in WAL mode, and its checkpoint would do nothing).
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db_, "PRAGMA cache_size=-64; SELECT count(*) FROM sqlite_schema", nullptr,
                      nullptr, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "store: checkpoint connection to " + path + ": " +
                      (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
    throw store_error(errc::io_error, msg);
  }
  try {
    file_sync_ = open_wal_file_sync(path);  // any file: an fdatasync on a descriptor of our own
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "lapord-ckpt");  // as database.cpp's writer
    run();
  });
}

checkpointer::~checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close_v2(db_);
}

void checkpointer::attach(sqlite3* writer) noexcept {
  sqlite3_wal_hook(writer, on_wal_commit, this);
}

void checkpointer::committed_from_hook(std::uint32_t frames) {
  bool start = false;
  {
    std::lock_guard lock(mutex_);
    start = policy_.committed(frames);
    if (start) due_ = true;
  }
  if (start) wake_.notify_one();
}

void checkpointer::before_begin(sqlite3* writer) {
  std::unique_lock lock(mutex_);
  auto a = policy_.before_begin();
  if (a == checkpoint_policy::action::wait_for_pass) {
    settled_.wait(lock, [&] { return !policy_.running() || stopping_; });
    a = policy_.before_begin();
  }
  if (a != checkpoint_policy::action::writer_copies) return;
  lock.unlock();
  int log = -1;
  int copied = -1;
  // Errors are SQLite's autocheckpoint's to ignore too: nothing committed depends on a
  // checkpoint, and the next one tries again.
  const int rc =
      sqlite3_wal_checkpoint_v2(writer, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  lock.lock();
  if (rc == SQLITE_OK && copied >= 0) policy_.writer_copied(static_cast<std::uint32_t>(copied));
}

void checkpointer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return due_ || stopping_; });
    if (stopping_) return;
    const auto generation = policy_.generation();
    lock.unlock();
    int log = -1;
    int copied = -1;
    const int rc = sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    // Its result is not ours to act on: SQLite's own descriptors of the file see a writeback
    // error too, at the fsync of the checkpoint that completes the WAL, which then fails and
    // leaves the WAL whole.
    if (rc == SQLITE_OK && copied >= 0 && copied < log) (void)file_sync_->sync();
    lock.lock();
    due_ = policy_.pass_done(
        generation, rc == SQLITE_OK && copied >= 0 ? static_cast<std::uint32_t>(copied) : 0);
    settled_.notify_all();
  }
}

}  // namespace lapord::store::sqlite
