// The forwarder writes its requests to the store by hand (store_connection.hpp): the bytes
// must be those boost::beast::http wrote before, field for field and in the same order.
#include <doctest/doctest.h>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <sstream>

#include "net/http/store_connection.hpp"

namespace bhttp = boost::beast::http;
using lapord::net::http::append_store_request;
using lapord::net::http::store_request_prefix;

namespace {

std::string beast_bytes(const std::string& target, const std::string& host,
                        const std::string& token, const std::string& ref, const std::string& agent,
                        const std::string& body) {
  bhttp::request<bhttp::string_body> request{bhttp::verb::post, target, 11};
  request.set(bhttp::field::host, host);
  request.set(bhttp::field::content_type, "application/json");
  request.set(bhttp::field::authorization, "Bearer " + token);
  request.set("Idempotency-Key", ref);
  request.set(bhttp::field::user_agent, agent);
  request.keep_alive(true);
  request.body() = body;
  request.prepare_payload();
  std::ostringstream out;
  out << request;
  return out.str();
}

}  // namespace

TEST_CASE("store request: the bytes beast::http wrote, header for header") {
  const std::string prefix =
      store_request_prefix("/api/v1/complaints", "store.example:8443", "t0ken");
  // Appended after what the pipe already holds: the request before it stays as it was.
  std::string out = "the request before";
  const std::string body = R"({"ref":"48219375","text":"jalan rusak"})";
  append_store_request(out, prefix, "48219375", "lapord/0.1.0", body);
  CHECK(out == "the request before" + beast_bytes("/api/v1/complaints", "store.example:8443",
                                                  "t0ken", "48219375", "lapord/0.1.0", body));
}

TEST_CASE("store request: an empty body still says Content-Length 0") {
  const std::string prefix = store_request_prefix("/complaints", "127.0.0.1:80", "");
  std::string out;
  append_store_request(out, prefix, "r1", "ua", "");
  CHECK(out == beast_bytes("/complaints", "127.0.0.1:80", "", "r1", "ua", ""));
  CHECK(out.find("Content-Length: 0\r\n\r\n") != std::string::npos);
}

TEST_CASE("store request: values lose their outer spaces and tabs as beast::http's did") {
  const std::string prefix = store_request_prefix("/c", " store:80\t", "tok ");
  std::string out;
  append_store_request(out, prefix, " r2 ", "\tlapord ", "{}");
  CHECK(out == beast_bytes("/c", " store:80\t", "tok ", " r2 ", "\tlapord ", "{}"));
}
