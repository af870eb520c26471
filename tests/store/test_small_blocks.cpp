// SQLite's small blocks (src/store/sqlite/small_blocks.cpp): recycled per size class, bounded,
// sizes as SQLite is told them, and installed before the first store opens.
#include <doctest/doctest.h>

#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "store/sqlite/small_blocks.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
namespace blocks = lapord::store::sqlite::small_blocks;

TEST_CASE("small blocks: a freed block is the next one of its size class") {
  // On a thread of its own, so the free lists start empty whatever ran before.
  std::thread([] {
    const auto& m = blocks::methods();
    void* a = m.xMalloc(100);
    REQUIRE(a != nullptr);
    CHECK(m.xSize(a) == 128);
    CHECK(m.xRoundup(100) == 128);
    CHECK(reinterpret_cast<std::uintptr_t>(a) % 16 == 0);
    m.xFree(a);
    CHECK(blocks::kept_on_this_thread() == 1);
    CHECK(m.xMalloc(65) == a);  // same class (65..128)
    CHECK(blocks::kept_on_this_thread() == 0);
    void* other = m.xMalloc(64);  // the class below: not a
    CHECK(other != a);
    m.xFree(other);
    m.xFree(a);
  }).join();
}

TEST_CASE("small blocks: at most kept_per_class per class, large blocks never kept") {
  std::thread([] {
    const auto& m = blocks::methods();
    std::vector<void*> v;
    for (std::size_t i = 0; i < blocks::kept_per_class + 10; ++i)
      v.push_back(m.xMalloc(300));
    for (void* p : v)
      m.xFree(p);
    CHECK(blocks::kept_on_this_thread() == blocks::kept_per_class);
    void* big = m.xMalloc(blocks::largest + 1);
    CHECK(m.xSize(big) >= static_cast<int>(blocks::largest + 1));
    m.xFree(big);
    CHECK(blocks::kept_on_this_thread() == blocks::kept_per_class);
  }).join();
}

TEST_CASE("small blocks: realloc keeps the bytes and the block while they fit") {
  std::thread([] {
    const auto& m = blocks::methods();
    auto* p = static_cast<char*>(m.xMalloc(10));
    std::memcpy(p, "0123456789", 10);
    CHECK(m.xRealloc(p, 60) == p);  // still within its 64 bytes
    auto* q = static_cast<char*>(m.xRealloc(p, 2000));
    REQUIRE(q != nullptr);
    CHECK(std::memcmp(q, "0123456789", 10) == 0);
    CHECK(m.xSize(q) >= 2000);
    m.xFree(q);
  }).join();
}

TEST_CASE("small blocks: SQLite allocates through them once a store is open") {
  LAPORD_SQLITE_ONLY();
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  void* p = sqlite3_malloc(100);
  REQUIRE(p != nullptr);
  CHECK(sqlite3_msize(p) == 128);  // SQLite's own allocator says 100
  sqlite3_free(p);
}
