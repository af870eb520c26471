// WAL writes gathered into one pwrite per run of frames (wal_gather): first the rules alone,
// fed writes and reading what reaches a recorded "file"; then SQLite itself on the gathering
// VFS, where a copy of the files taken right after a COMMIT (what a crash would leave) must
// recover every committed row.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "store/sqlite/wal_gather.hpp"
#include "temp_dir.hpp"

using lapord::store::sqlite::wal_gather;

namespace {

struct recorded_file {
  std::string bytes;
  std::vector<std::pair<std::int64_t, std::size_t>> writes;  // offset, size
  int fail_with = 0;

  static int sink(void* context, const void* data, int n, std::int64_t offset) {
    auto& f = *static_cast<recorded_file*>(context);
    if (f.fail_with != 0) return f.fail_with;
    f.writes.emplace_back(offset, static_cast<std::size_t>(n));
    const auto end = static_cast<std::size_t>(offset) + static_cast<std::size_t>(n);
    if (f.bytes.size() < end) f.bytes.resize(end, '\0');
    std::memcpy(f.bytes.data() + offset, data, static_cast<std::size_t>(n));
    return 0;
  }
};

constexpr int page = 512;
constexpr std::int64_t frame = wal_gather::frame_header_size + page;

// The offset of frame i (from 0) after the 32-byte WAL header.
std::int64_t at(int i) {
  return 32 + i * frame;
}

std::string header(bool commit, char fill) {
  std::string h(wal_gather::frame_header_size, fill);
  for (int i = 4; i < 8; ++i)
    h[i] = '\0';
  if (commit) h[7] = '\x05';  // "database size after commit": 5 pages
  return h;
}

int write(wal_gather& g, const std::string& s, std::int64_t offset) {
  return g.write(s.data(), static_cast<int>(s.size()), offset);
}

// One frame: its header, then its page.
void frame_at(wal_gather& g, int i, bool commit, char fill) {
  REQUIRE(write(g, header(commit, fill), at(i)) == 0);
  REQUIRE(write(g, std::string(page, fill), at(i) + wal_gather::frame_header_size) == 0);
}

}  // namespace

TEST_CASE("wal_gather: a transaction's frames reach the file together when its commit frame is") {
  recorded_file f;
  wal_gather g(recorded_file::sink, &f, 64 * 1024);
  REQUIRE(write(g, std::string(32, 'W'), 0) == 0);  // the WAL header, before the first frame
  frame_at(g, 0, false, 'a');
  frame_at(g, 1, false, 'b');
  CHECK(f.writes.empty());  // held: no system call per write
  CHECK(g.held() == static_cast<std::size_t>(at(2)));
  REQUIRE(write(g, header(true, 'c'), at(2)) == 0);
  // The commit frame's header goes with the run at once, its page just after.
  REQUIRE(f.writes.size() == 1);
  CHECK(f.writes[0] == std::make_pair(std::int64_t{0}, static_cast<std::size_t>(at(2) + 24)));
  REQUIRE(write(g, std::string(page, 'c'), at(2) + 24) == 0);
  CHECK(f.writes.size() == 2);
  CHECK(g.held() == 0);  // nothing of a commit stays behind
  CHECK(f.bytes.size() == static_cast<std::size_t>(at(3)));
  CHECK(f.bytes.substr(static_cast<std::size_t>(at(1)) + 24, page) == std::string(page, 'b'));
}

TEST_CASE("wal_gather: a commit frame's header rewritten after its page is written at once") {
  // walRewriteChecksums: after the commit frame, the headers of the transaction's frames are
  // written again, the commit frame's last, and nothing follows until the next transaction.
  recorded_file f;
  wal_gather g(recorded_file::sink, &f, 64 * 1024);
  frame_at(g, 0, false, 'a');
  frame_at(g, 1, true, 'b');
  REQUIRE(g.held() == 0);
  REQUIRE(write(g, header(false, 'x'), at(0)) == 0);
  CHECK(g.held() == 24);
  REQUIRE(write(g, header(true, 'y'), at(1)) == 0);
  CHECK(g.held() == 0);
  CHECK(f.bytes.substr(static_cast<std::size_t>(at(0)), 24) == header(false, 'x'));
  CHECK(f.bytes.substr(static_cast<std::size_t>(at(1)), 24) == header(true, 'y'));
}

TEST_CASE("wal_gather: a page written again inside the held run is patched in place") {
  recorded_file f;
  wal_gather g(recorded_file::sink, &f, 64 * 1024);
  frame_at(g, 0, false, 'a');
  frame_at(g, 1, false, 'b');
  REQUIRE(write(g, std::string(page, 'z'), at(0) + 24) == 0);  // frame 0's page changed again
  CHECK(f.writes.empty());
  frame_at(g, 2, true, 'c');
  CHECK(f.writes.size() == 2);
  CHECK(f.bytes.substr(static_cast<std::size_t>(at(0)) + 24, page) == std::string(page, 'z'));
  CHECK(f.bytes.substr(static_cast<std::size_t>(at(1)) + 24, page) == std::string(page, 'b'));
}

TEST_CASE("wal_gather: a write elsewhere writes the held run first, in the order they came") {
  recorded_file f;
  wal_gather g(recorded_file::sink, &f, 64 * 1024);
  frame_at(g, 3, false, 'a');
  REQUIRE(write(g, std::string(page, 'b'), at(0) + 24) == 0);  // before the run
  REQUIRE(f.writes.size() == 1);
  CHECK(f.writes[0].first == at(3));
  REQUIRE(write(g, std::string(page, 'c'), at(3) + 24) == 0);  // back over the first run
  REQUIRE(f.writes.size() == 2);
  CHECK(f.writes[1].first == at(0) + 24);
  REQUIRE(g.flush() == 0);
  CHECK(f.bytes.substr(static_cast<std::size_t>(at(3)) + 24, page) == std::string(page, 'c'));
}

TEST_CASE("wal_gather: at most its capacity is held") {
  recorded_file f;
  wal_gather g(recorded_file::sink, &f, static_cast<std::size_t>(2 * frame));
  frame_at(g, 0, false, 'a');
  frame_at(g, 1, false, 'b');
  CHECK(f.writes.empty());
  frame_at(g, 2, false, 'c');  // would not fit: the two before go first
  REQUIRE(f.writes.size() == 1);
  CHECK(f.writes[0] == std::make_pair(at(0), static_cast<std::size_t>(2 * frame)));
  CHECK(g.held() == static_cast<std::size_t>(frame));
  // A write larger than the capacity goes straight through, after what was held.
  const std::string big(static_cast<std::size_t>(3 * frame), 'd');
  REQUIRE(write(g, big, at(3)) == 0);
  CHECK(f.writes.size() == 3);
  CHECK(g.held() == 0);
}

TEST_CASE("wal_gather: a failed write is reported by the call that made it, nothing stays held") {
  recorded_file f;
  wal_gather g(recorded_file::sink, &f, 64 * 1024);
  frame_at(g, 0, false, 'a');
  f.fail_with = SQLITE_FULL;
  CHECK(write(g, header(true, 'b'), at(1)) == SQLITE_FULL);
  CHECK(g.held() == 0);
  f.fail_with = 0;
  CHECK(g.flush() == 0);
  CHECK(f.writes.empty());  // the failed transaction's frames never reach the file later
}

namespace {

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  INFO(sql << ": " << (error != nullptr ? error : ""));
  sqlite3_free(error);
  REQUIRE(rc == SQLITE_OK);
}

std::int64_t scalar(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  const auto v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return v;
}

}  // namespace

TEST_CASE("wal_gather: what a crash right after each COMMIT leaves recovers every committed row") {
  const char* vfs = lapord::store::sqlite::gathering_vfs();
  REQUIRE(vfs != nullptr);
  lapord::store::test::temp_dir dir;
  const std::string path = dir.file("g.db");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) ==
          SQLITE_OK);
  exec(db, "PRAGMA page_size=1024");
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, "PRAGMA synchronous=NORMAL");  // as with sqlite_sync = overlap: no sync at COMMIT
  exec(db, "PRAGMA wal_autocheckpoint=0");
  // A cache of 8 pages: a long transaction spills pages to the WAL and writes some again, so
  // SQLite rewrites the frames' checksums after the commit frame (walRewriteChecksums).
  exec(db, "PRAGMA cache_size=8");
  exec(db, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)");
  exec(db, "CREATE INDEX t_v ON t(v)");
  int rows = 0;
  for (int round = 0; round < 6; ++round) {
    exec(db, "BEGIN");
    for (int i = 0; i < 150; ++i, ++rows) {
      const std::string sql = "INSERT INTO t VALUES(" + std::to_string(rows) + ", printf('%0" +
                              std::to_string(100 + (rows * 37) % 300) + "d', " +
                              std::to_string(rows * 7919 % 1000) + "))";
      exec(db, sql.c_str());
    }
    exec(db, "UPDATE t SET v = v || 'x' WHERE k % 5 = 0");  // pages changed again
    exec(db, "COMMIT");
    // The files as they are now, the connection still open: SQLite recovers the copy's WAL,
    // checking every frame's checksum, and must find every row committed so far.
    const auto copy = dir.path() / ("copy" + std::to_string(round));
    std::filesystem::create_directory(copy);
    for (const char* suffix : {"", "-wal"})
      std::filesystem::copy_file(path + suffix, (copy / "g.db").string() + suffix);
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open_v2((copy / "g.db").string().c_str(), &other, SQLITE_OPEN_READWRITE,
                            nullptr) == SQLITE_OK);
    CHECK(scalar(other, "SELECT count(*) FROM t") == rows);
    CHECK(scalar(other, "SELECT count(*) FROM t WHERE k % 5 = 0 AND v NOT LIKE '%x'") == 0);
    sqlite3_close(other);
  }
  sqlite3_close(db);
}
