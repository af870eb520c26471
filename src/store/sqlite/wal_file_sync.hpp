#pragma once
// The sync stage of the SQLite backend with synchronous=NORMAL: fdatasync() of the WAL file on
// a descriptor of its own, so the sync thread never touches the connection the writer is using.
#include <memory>
#include <string>

#include "lapord/store/backend.hpp"

namespace lapord::store::sqlite {

// Opens `wal_path` (it must exist: the connection creates it when it opens in WAL mode) and
// fsyncs its directory once, so the file's name is durable too (SQLite would do that at its
// first sync of the file, which with synchronous=NORMAL is only at a checkpoint). Throws
// store_error when it cannot.
std::unique_ptr<wal_sync> open_wal_file_sync(std::string wal_path);

}  // namespace lapord::store::sqlite
