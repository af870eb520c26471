#include "store/sqlite/wal_gather.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <type_traits>

namespace lapord::store::sqlite {

int wal_gather::write(const void* data, int n, std::int64_t offset) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  const auto size = static_cast<std::size_t>(n);
  // Bytes 4-7 of a frame header: the database size after the commit, 0 but in a commit frame.
  const bool commit_header =
      n == frame_header_size && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
  const auto end = start_ + static_cast<std::int64_t>(length_);
  if (length_ > 0 && offset >= start_ && offset + n <= end) {
    std::memcpy(buffer_.get() + (offset - start_), bytes, size);
  } else if (length_ > 0 && offset == end && length_ + size <= capacity_) {
    std::memcpy(buffer_.get() + length_, bytes, size);
    length_ += size;
  } else {
    if (const int rc = flush(); rc != 0) return rc;
    if (!buffer_ && size <= capacity_) buffer_.reset(new (std::nothrow) unsigned char[capacity_]);
    if (!buffer_ || size > capacity_) {
      commit_page_at_ = -1;  // nothing is held after this write
      return sink_(context_, data, n, offset);
    }
    std::memcpy(buffer_.get(), bytes, size);
    start_ = offset;
    length_ = size;
  }
  // A commit frame's header goes out at once: SQLite also writes one after the frame's page,
  // as the last write of a commit that rewrote frames' checksums (walRewriteChecksums), and
  // nothing of a commit may stay held. Its page, when it follows, goes out too.
  if (commit_header) {
    commit_page_at_ = offset + frame_header_size;
    return flush();
  }
  if (commit_page_at_ >= 0) {
    const bool page = offset == commit_page_at_;
    commit_page_at_ = -1;
    if (page) return flush();
  }
  return 0;
}

int wal_gather::flush() {
  if (length_ == 0) return 0;
  const auto n = length_;
  // Dropped whatever the outcome: after a failed write SQLite rolls the transaction back, and
  // those frames (never committed) must not reach the file later over newer ones.
  length_ = 0;
  return sink_(context_, buffer_.get(), static_cast<int>(n), start_);
}

namespace {

// 64 KiB: 15 frames of a 4 KiB page per write, and little memory for the one writer's WAL.
constexpr std::size_t gather_capacity = 64 * 1024;

struct wal_file {
  sqlite3_file base;  // first: SQLite sees a sqlite3_file
  sqlite3_file* inner;
  wal_gather* gather;
};
static_assert(std::is_standard_layout_v<wal_file>);

// The default VFS's file lives after ours in the block SQLite allocates (szOsFile).
constexpr std::size_t inner_offset = (sizeof(wal_file) + 15) / 16 * 16;

sqlite3_vfs* base_vfs = nullptr;
sqlite3_vfs gather_vfs;
sqlite3_io_methods gather_methods;

wal_file& of(sqlite3_file* f) {
  return *reinterpret_cast<wal_file*>(f);
}
sqlite3_file* inner_of(sqlite3_file* f) {
  return of(f).inner;
}

int to_inner(void* context, const void* data, int n, std::int64_t offset) {
  auto* inner = static_cast<sqlite3_file*>(context);
  return inner->pMethods->xWrite(inner, data, n, offset);
}

int x_close(sqlite3_file* f) {
  wal_file& w = of(f);
  // What is held here was never committed (a commit leaves nothing held): not written.
  delete w.gather;
  w.gather = nullptr;
  return w.inner->pMethods->xClose(w.inner);
}
int x_read(sqlite3_file* f, void* out, int n, sqlite3_int64 offset) {
  if (const int rc = of(f).gather->flush(); rc != SQLITE_OK) return rc;
  return inner_of(f)->pMethods->xRead(inner_of(f), out, n, offset);
}
int x_write(sqlite3_file* f, const void* data, int n, sqlite3_int64 offset) {
  return of(f).gather->write(data, n, offset);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (const int rc = of(f).gather->flush(); rc != SQLITE_OK) return rc;
  return inner_of(f)->pMethods->xTruncate(inner_of(f), size);
}
int x_sync(sqlite3_file* f, int flags) {
  if (const int rc = of(f).gather->flush(); rc != SQLITE_OK) return rc;
  return inner_of(f)->pMethods->xSync(inner_of(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  if (const int rc = of(f).gather->flush(); rc != SQLITE_OK) return rc;
  return inner_of(f)->pMethods->xFileSize(inner_of(f), size);
}
int x_lock(sqlite3_file* f, int level) {
  return inner_of(f)->pMethods->xLock(inner_of(f), level);
}
int x_unlock(sqlite3_file* f, int level) {
  return inner_of(f)->pMethods->xUnlock(inner_of(f), level);
}
int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return inner_of(f)->pMethods->xCheckReservedLock(inner_of(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  if (const int rc = of(f).gather->flush(); rc != SQLITE_OK) return rc;
  return inner_of(f)->pMethods->xFileControl(inner_of(f), op, arg);
}
int x_sector_size(sqlite3_file* f) {
  return inner_of(f)->pMethods->xSectorSize(inner_of(f));
}
int x_device_characteristics(sqlite3_file* f) {
  return inner_of(f)->pMethods->xDeviceCharacteristics(inner_of(f));
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  // Only the WAL is gathered: every other file is the default VFS's, in place.
  if ((flags & SQLITE_OPEN_WAL) == 0) return base_vfs->xOpen(base_vfs, name, f, flags, out_flags);
  auto* inner = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + inner_offset);
  wal_file& w = of(f);
  w.base.pMethods = nullptr;  // SQLite calls xClose only when this is set
  auto* gather = new (std::nothrow) wal_gather(to_inner, inner, gather_capacity);
  if (gather == nullptr) return SQLITE_NOMEM;
  const int rc = base_vfs->xOpen(base_vfs, name, inner, flags, out_flags);
  if (rc != SQLITE_OK) {
    delete gather;
    if (inner->pMethods != nullptr) inner->pMethods->xClose(inner);
    return rc;
  }
  w.inner = inner;
  w.gather = gather;
  w.base.pMethods = &gather_methods;
  return SQLITE_OK;
}

bool register_vfs() noexcept {
  base_vfs = sqlite3_vfs_find(nullptr);
  if (base_vfs == nullptr) return false;
  gather_methods = {};
  gather_methods.iVersion = 1;  // no shared memory nor mmap: SQLite uses neither on a WAL
  gather_methods.xClose = x_close;
  gather_methods.xRead = x_read;
  gather_methods.xWrite = x_write;
  gather_methods.xTruncate = x_truncate;
  gather_methods.xSync = x_sync;
  gather_methods.xFileSize = x_file_size;
  gather_methods.xLock = x_lock;
  gather_methods.xUnlock = x_unlock;
  gather_methods.xCheckReservedLock = x_check_reserved_lock;
  gather_methods.xFileControl = x_file_control;
  gather_methods.xSectorSize = x_sector_size;
  gather_methods.xDeviceCharacteristics = x_device_characteristics;
  // The default VFS's other methods as they are (they take the VFS only for its pAppData,
  // copied with them).
  gather_vfs = *base_vfs;
  gather_vfs.pNext = nullptr;
  gather_vfs.zName = "lapord-wal-gather";
  gather_vfs.szOsFile =
      std::max(base_vfs->szOsFile, static_cast<int>(inner_offset) + base_vfs->szOsFile);
  gather_vfs.xOpen = x_open;
  return sqlite3_vfs_register(&gather_vfs, 0) == SQLITE_OK;
}

}  // namespace

const char* gathering_vfs() noexcept {
  static std::once_flag once;
  static bool registered = false;
  std::call_once(once, [] { registered = register_vfs(); });
  return registered ? gather_vfs.zName : nullptr;
}

}  // namespace lapord::store::sqlite
