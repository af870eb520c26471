#include "store/postgresql/libpq_api.hpp"

#include <dlfcn.h>

#include <atomic>
#include <mutex>
#include <string>

#include "lapord/store/error.hpp"

namespace lapord::store::postgresql {
namespace {

std::string dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown error";
}

}  // namespace

libpq_functions load_libpq(const char* file) {
  // RTLD_LOCAL: libpq's symbols serve only this table. The handle is never closed: the
  // functions are called until the process ends.
  void* handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr)
    throw store_error(errc::unavailable,
                      std::string("store: backend \"postgresql\" needs libpq (") + file +
                          ", Debian package libpq5): " + dl_error());
  libpq_functions f;
#define LAPORD_LIBPQ_LOAD(name)                                                          \
  f.name = reinterpret_cast<decltype(f.name)>(dlsym(handle, #name)); /* NOLINT: dlsym */ \
  if (f.name == nullptr)                                                                 \
    throw store_error(errc::unavailable,                                                 \
                      std::string("store: ") + file +                                    \
                          " has no " #name " (libpq 14 or newer is needed): " + dl_error());
  LAPORD_LIBPQ_FUNCTIONS(LAPORD_LIBPQ_LOAD)
#undef LAPORD_LIBPQ_LOAD
  return f;
}

const libpq_functions& libpq() {
  // Set once under the mutex, read without it afterwards: the MO path calls through here for
  // every result, so the fast path is one acquire load.
  static libpq_functions table;
  static std::atomic<bool> loaded{false};
  static std::mutex m;
  if (loaded.load(std::memory_order_acquire)) return table;
  std::lock_guard lock(m);
  if (!loaded.load(std::memory_order_relaxed)) {
    table = load_libpq("libpq.so.5");
    loaded.store(true, std::memory_order_release);
  }
  return table;
}

}  // namespace lapord::store::postgresql
