// The sync stage's fdatasync of the WAL on a descriptor of its own (wal_file_sync): it syncs the
// file it opened, and fails once that file has no name left (deleted, or a rename over it),
// since SQLite would go on writing a file a restart does not read. Real files in /tmp.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "store/sqlite/wal_file_sync.hpp"
#include "store/temp_dir.hpp"

using namespace lapord::store;
using lapord::store::test::temp_dir;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("wal_file_sync: syncs the file it opened while the file keeps its name") {
  temp_dir dir;
  const auto wal = dir.file("lapord.db-wal");
  write_file(wal, "frames");
  auto sync = sqlite::open_wal_file_sync(wal);
  CHECK(sync->sync().empty());
  write_file(wal, "more frames");  // written through another descriptor: still our file
  CHECK(sync->sync().empty());
}

TEST_CASE("wal_file_sync: a WAL deleted while open fails the sync") {
  temp_dir dir;
  const auto wal = dir.file("lapord.db-wal");
  write_file(wal, "frames");
  auto sync = sqlite::open_wal_file_sync(wal);
  REQUIRE(std::remove(wal.c_str()) == 0);
  const auto why = sync->sync();
  CHECK(why.find("deleted or replaced") != std::string::npos);
  CHECK(why.find(wal) != std::string::npos);
  // A new file of that name is not the one SQLite writes: still failed, never synced instead.
  write_file(wal, "another file");
  CHECK_FALSE(sync->sync().empty());
}

TEST_CASE("wal_file_sync: another file renamed over the WAL fails the sync") {
  temp_dir dir;
  const auto wal = dir.file("lapord.db-wal");
  const auto other = dir.file("other");
  write_file(wal, "frames");
  write_file(other, "someone else's file");
  auto sync = sqlite::open_wal_file_sync(wal);
  REQUIRE(std::rename(other.c_str(), wal.c_str()) == 0);
  CHECK(sync->sync().find("deleted or replaced") != std::string::npos);
}

TEST_CASE("wal_file_sync: a missing WAL is refused at open") {
  temp_dir dir;
  CHECK_THROWS(sqlite::open_wal_file_sync(dir.file("lapord.db-wal")));
}
