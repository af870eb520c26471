#pragma once
// SQLite's memory allocator for lapord (installed by sqlite3_config(SQLITE_CONFIG_MALLOC)
// before SQLite initialises). Debian's libsqlite3 is built with SQLITE_OMIT_LOOKASIDE, so
// every cursor, register string and record a statement uses is a malloc and a free: ~90 of
// each per MO on the writer, most of them in bursts of one size freed together at the end of
// a statement, which overflow glibc's per-thread cache into its slower bins. Blocks up to
// small_blocks::largest bytes are kept on a free list per size class and per thread (bounded:
// at most small_blocks::kept_per_class each), the rest go to malloc as before.
#include <sqlite3.h>

#include <cstddef>

namespace lapord::store::sqlite::small_blocks {

inline constexpr std::size_t granule = 64;  // size classes 64, 128, ... largest
inline constexpr std::size_t largest = 1024;
inline constexpr std::size_t kept_per_class = 32;

// The methods SQLite calls (xMalloc, xFree, xRealloc, xSize, xRoundup, xInit, xShutdown).
[[nodiscard]] const sqlite3_mem_methods& methods() noexcept;

// Blocks on this thread's free lists (for tests).
[[nodiscard]] std::size_t kept_on_this_thread() noexcept;

}  // namespace lapord::store::sqlite::small_blocks
