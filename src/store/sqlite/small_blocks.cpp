#include "store/sqlite/small_blocks.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace lapord::store::sqlite::small_blocks {
namespace {

// Each block starts with a header holding its usable size; 16 bytes keep the block 16-aligned
// as malloc's are (SQLite needs 8).
constexpr std::size_t header = 16;
constexpr std::size_t classes = largest / granule;

struct free_block {
  free_block* next;
};

// Trivially destructible on purpose: its storage stays valid for the whole life of the
// thread, so a free after the thread's `reaper` ran (SQLite closing a connection in a
// static destructor) finds `closed` set and goes to free() instead of touching a dead object.
struct lists {
  std::array<free_block*, classes> head;
  std::array<std::uint32_t, classes> count;
  bool closed;
};
thread_local constinit lists tl{};

struct reaper {
  ~reaper() {
    tl.closed = true;
    for (std::size_t c = 0; c < classes; ++c) {
      while (free_block* b = tl.head[c]) {
        tl.head[c] = b->next;
        std::free(reinterpret_cast<char*>(b) - header);
      }
      tl.count[c] = 0;
    }
  }
};

void watch_thread_exit() noexcept {
  thread_local reaper r;
  (void)r;
}

std::size_t& size_of_block(void* p) noexcept {
  return *reinterpret_cast<std::size_t*>(static_cast<char*>(p) - header);
}

std::size_t rounded(std::size_t n) noexcept {
  return n <= largest ? (n + granule - 1) / granule * granule : (n + 7) / 8 * 8;
}

void* allocate(int n) noexcept {
  if (n <= 0) return nullptr;
  const std::size_t size = rounded(static_cast<std::size_t>(n));
  if (size <= largest) {
    const std::size_t c = size / granule - 1;
    if (free_block* b = tl.head[c]) {
      tl.head[c] = b->next;
      --tl.count[c];
      return b;
    }
  }
  auto* raw = static_cast<char*>(std::malloc(header + size));
  if (raw == nullptr) return nullptr;
  void* p = raw + header;
  size_of_block(p) = size;
  return p;
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  const std::size_t size = size_of_block(p);
  if (size <= largest && !tl.closed) {
    const std::size_t c = size / granule - 1;
    if (tl.count[c] < kept_per_class) {
      if (tl.count[c] == 0) watch_thread_exit();
      tl.head[c] = new (p) free_block{tl.head[c]};
      ++tl.count[c];
      return;
    }
  }
  std::free(static_cast<char*>(p) - header);
}

void* reallocate(void* p, int n) noexcept {
  if (n <= 0) return nullptr;  // SQLite never asks for 0 here (sqlite3Realloc frees instead)
  if (static_cast<std::size_t>(n) <= size_of_block(p)) return p;
  void* q = allocate(n);
  if (q == nullptr) return nullptr;  // the old block stays valid, as realloc's does
  std::memcpy(q, p, size_of_block(p));
  release(p);
  return q;
}

int size_of(void* p) noexcept {
  return p == nullptr ? 0 : static_cast<int>(size_of_block(p));
}

int round_up(int n) noexcept {
  return static_cast<int>(rounded(static_cast<std::size_t>(n)));
}

int init(void*) noexcept {
  return SQLITE_OK;
}

void shutdown(void*) noexcept {}

constexpr sqlite3_mem_methods the_methods{allocate, release, reallocate, size_of,
                                          round_up, init,    shutdown,   nullptr};

}  // namespace

const sqlite3_mem_methods& methods() noexcept {
  return the_methods;
}

std::size_t kept_on_this_thread() noexcept {
  std::size_t n = 0;
  for (auto k : tl.count)
    n += k;
  return n;
}

}  // namespace lapord::store::sqlite::small_blocks
