#pragma once
// OpenSSL (libssl and its libcrypto), loaded with dlopen when TLS is first used, not linked
// into lapord: a daemon whose carriers and store URL have no TLS never maps it. Linked, it was
// mapped and relocated at start (~1.7 MB resident); its first SSL_CTX initialises it (~3 MB
// more; docs/benchmarks.md). The code keeps calling OpenSSL by name (Boost.Asio's SSL stream
// does): openssl_stubs.cpp defines each function lapord calls, and each one looks the real
// function up here on its first call (the pattern of store/postgresql/libpq_api.hpp).
#include <string>

namespace lapord::net::tls {

// The library loaded, e.g. "libssl.so.3" (OpenSSL's shared-library version at build time).
[[nodiscard]] const char* openssl_file() noexcept;

// Loads libssl once (thread-safe; the handle is never closed). Throws std::runtime_error
// naming the library and its Debian package when it cannot be loaded. Called before the first
// TLS context is made, so that a missing libssl is a clear error, not an abort.
void load_openssl();

// OpenSSL's function `name` (loading the library first). A missing library or function here
// aborts with a message on stderr: load_openssl() has already reported a missing library, and
// every listed function exists in the OpenSSL lapord was built against.
[[nodiscard]] void* openssl_symbol(const char* name) noexcept;

template <typename Function>
[[nodiscard]] Function openssl_function(const char* name) noexcept {
  return reinterpret_cast<Function>(openssl_symbol(name));  // NOLINT: dlsym's result
}

}  // namespace lapord::net::tls
