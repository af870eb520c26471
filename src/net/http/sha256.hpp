#pragma once
// SHA-256 (FIPS 180-4), our own: the bearer token's digests were OpenSSL's SHA256(), whose
// first call initialises OpenSSL 3's providers and configuration (~2 MB resident) in a daemon
// that may have no TLS at all. Private to lapord_http; checked against OpenSSL in the tests.
#include <array>
#include <cstdint>
#include <string_view>

namespace lapord::net::http {

[[nodiscard]] std::array<unsigned char, 32> sha256(std::string_view data);

}  // namespace lapord::net::http
