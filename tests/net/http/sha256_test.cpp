#include "net/http/sha256.hpp"

#include <cstdio>
#include <string>

#include <doctest/doctest.h>
#include <openssl/sha.h>

using lapord::net::http::sha256;

namespace {

std::string hex(const std::array<unsigned char, 32>& d) {
  std::string out;
  char two[3];
  for (unsigned char b : d) {
    std::snprintf(two, sizeof two, "%02x", b);
    out += two;
  }
  return out;
}

}  // namespace

TEST_CASE("sha256: the FIPS 180-4 examples") {
  CHECK(hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex(sha256(std::string(1'000'000, 'a'))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Every tail length around the block and padding edges (55, 56, 63, 64 bytes...), against
// OpenSSL's SHA256 (what the bearer token used before).
TEST_CASE("sha256: the same digest as OpenSSL for every length up to 300 bytes") {
  std::string data;
  for (std::size_t n = 0; n <= 300; ++n) {
    std::array<unsigned char, 32> want{};
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), want.data());
    CHECK_MESSAGE(sha256(data) == want, "length " << n);
    data.push_back(static_cast<char>(n * 131 + 7));
  }
}
