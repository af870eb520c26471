// Why fdatasync on a descriptor of our own covers the commits (docs/store.md, "Overlapped
// fsync"): fsync works on the file, not on the descriptor, so it writes back every page any
// write() left dirty before it began, whoever wrote it. The file SQLite writes is the one its
// connection opened, for the connection's whole life (it never reopens the WAL, and deletes it
// only when the last connection closes, after a complete checkpoint); ours was opened by name
// right after it, so it is the same file. Should it be unlinked all the same (rm, a rename over
// it), SQLite goes on writing a file that no name leads to and that a restart would not read:
// the link count check before each sync fails the sync then (and with it the store), without a
// look-up of the name.
#include "store/sqlite/wal_file_sync.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lapord/store/error.hpp"

namespace lapord::store::sqlite {
namespace {

std::string errno_text(const char* what, const std::string& path, int err) {
  return std::string("store: ") + what + " " + path + ": " + std::strerror(err);
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

int fsync_retrying(int fd, bool data_only) {
  for (;;) {
    const int rc = data_only ? ::fdatasync(fd) : ::fsync(fd);
    if (rc == 0 || errno != EINTR) return rc;
  }
}

class wal_file_sync final : public wal_sync {
 public:
  explicit wal_file_sync(std::string path) : path_(std::move(path)) {
    if (std::string why = open_and_sync_name(); !why.empty())
      throw store_error(errc::io_error, why);
  }
  ~wal_file_sync() override {
    if (fd_ >= 0) ::close(fd_);
  }

  std::string sync() noexcept override {
    try {
      struct stat ours {};
      if (::fstat(fd_, &ours) != 0) return errno_text("fstat of", path_, errno);
      if (ours.st_nlink == 0)
        return "store: " + path_ + " was deleted or replaced while lapord had it open";
      if (fsync_retrying(fd_, true) != 0) return errno_text("fdatasync of", path_, errno);
      return {};
    } catch (...) {  // std::string's allocation
      return "store: fdatasync of the WAL: out of memory";
    }
  }

 private:
  std::string open_and_sync_name() {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno_text("cannot open the WAL", path_, errno);
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    const std::string dir = directory_of(path_);
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return errno_text("cannot open the directory", dir, errno);
    const int rc = fsync_retrying(dfd, false);
    const int err = errno;
    ::close(dfd);
    if (rc != 0) return errno_text("fsync of the directory", dir, err);
    return {};
  }

  std::string path_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<wal_sync> open_wal_file_sync(std::string wal_path) {
  return std::make_unique<wal_file_sync>(std::move(wal_path));
}

}  // namespace lapord::store::sqlite
