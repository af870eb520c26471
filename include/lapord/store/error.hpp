#pragma once
// Errors of the durable store. A work item's completion carries one of these codes; every code
// but `item_failed` means "nothing of this batch is stored, try again later" (the daemon answers
// the SMSC with a temporary error, never ESME_ROK).
#include <string>
#include <system_error>

namespace lapord::store {

enum class errc {
  ok = 0,
  item_failed = 1,   // this work item threw or broke a constraint; only it was rolled back
  disk_full = 2,     // SQLITE_FULL: the file system or the size limit is full
  io_error = 3,      // SQLITE_IOERR: a read, write or fsync failed
  read_only = 4,     // SQLITE_READONLY / SQLITE_PERM / SQLITE_CANTOPEN: cannot write the file
  busy = 5,          // SQLITE_BUSY / SQLITE_LOCKED after the busy timeout (another process)
  corrupt = 6,       // SQLITE_CORRUPT / SQLITE_NOTADB
  closed = 7,        // the database is shutting down: the item was never run
  schema = 8,        // the file's schema is newer than this program, or a migration failed
  internal = 9,      // any other error of the backend
  unavailable = 10,  // PostgreSQL: the server cannot be reached (connection lost, failover)
};

const std::error_category& store_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// True for a code that means "the batch as a whole could not be kept" (as opposed to one
// item's own failure): the caller should answer with a temporary error and expect a retry.
bool is_temporary(std::error_code ec) noexcept;

// What every store operation throws. what() names the operation and SQLite's own message.
class store_error : public std::system_error {
 public:
  store_error(errc code, const std::string& what)
      : std::system_error(make_error_code(code), what) {}
};

}  // namespace lapord::store

template <>
struct std::is_error_code_enum<lapord::store::errc> : std::true_type {};
