#include "lapord/net/http/store_url.hpp"

#include <stdexcept>

#include <doctest/doctest.h>

using namespace lapord::net::http;

TEST_CASE("store url: schemes, ports and prefixes") {
  auto u = parse_store_url("https://lapor.go.id/api/v1/");
  CHECK(u.tls);
  CHECK(u.host == "lapor.go.id");
  CHECK(u.port == "443");
  CHECK(u.host_header == "lapor.go.id");
  CHECK(u.target == "/api/v1/complaints");
  u = parse_store_url("http://127.0.0.1:8080");
  CHECK_FALSE(u.tls);
  CHECK(u.host == "127.0.0.1");
  CHECK(u.port == "8080");
  CHECK(u.host_header == "127.0.0.1:8080");
  CHECK(u.target == "/complaints");
  u = parse_store_url("http://[::1]:9000/x");
  CHECK(u.host == "::1");
  CHECK(u.port == "9000");
  CHECK(u.host_header == "[::1]:9000");
  CHECK(u.target == "/x/complaints");
}

TEST_CASE("store url: what is refused, with the reason") {
  CHECK_THROWS_WITH_AS(static_cast<void>(parse_store_url("ftp://x")),
                       doctest::Contains("http:// or https://"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(static_cast<void>(parse_store_url("")),
                       doctest::Contains("http:// or https://"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(static_cast<void>(parse_store_url("http://")), doctest::Contains("no host"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(static_cast<void>(parse_store_url("http://x:0")),
                       doctest::Contains("1-65535"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(static_cast<void>(parse_store_url("http://x:99999")),
                       doctest::Contains("1-65535"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(static_cast<void>(parse_store_url("http://x:")),
                       doctest::Contains("empty port"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(static_cast<void>(parse_store_url("http://u:p@x/")),
                       doctest::Contains("user info"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(static_cast<void>(parse_store_url("http://x/?a=1")),
                       doctest::Contains("query"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(static_cast<void>(parse_store_url("http://[::1:80/")),
                       doctest::Contains("unclosed"), std::invalid_argument);
}
