#include "net/tls/openssl_loader.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <openssl/opensslv.h>

namespace lapord::net::tls {
namespace {

#define LAPORD_STRING(x) #x
#define LAPORD_EXPAND_STRING(x) LAPORD_STRING(x)

struct loaded {
  void* handle = nullptr;
  std::string error;
};

const loaded& library() {
  // RTLD_LOCAL: OpenSSL's symbols serve only the stubs (dlsym on this handle also searches
  // libcrypto, a dependency of libssl).
  static const loaded lib = [] {
    loaded l;
    l.handle = dlopen(openssl_file(), RTLD_NOW | RTLD_LOCAL);
    if (l.handle == nullptr) {
      const char* e = dlerror();
      l.error = e != nullptr ? e : "unknown error";
    }
    return l;
  }();
  return lib;
}

}  // namespace

const char* openssl_file() noexcept {
  return "libssl.so." LAPORD_EXPAND_STRING(OPENSSL_SHLIB_VERSION);
}

void load_openssl() {
  const loaded& lib = library();
  if (lib.handle == nullptr) {
    throw std::runtime_error(std::string("TLS needs OpenSSL (") + openssl_file() +
                             ", Debian package libssl3): " + lib.error);
  }
}

void* openssl_symbol(const char* name) noexcept {
  const loaded& lib = library();
  void* f = lib.handle != nullptr ? dlsym(lib.handle, name) : nullptr;
  if (f == nullptr) {
    std::fprintf(stderr, "lapord: OpenSSL function %s not found in %s: %s\n", name, openssl_file(),
                 lib.handle == nullptr ? lib.error.c_str() : "no such symbol");
    std::abort();
  }
  return f;
}

}  // namespace lapord::net::tls
