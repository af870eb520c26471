// libFuzzer target http_request: the bytes a client sends to the [api] or [admin] listener.
// They go through what the server runs: Beast's request parser with the server's limits (header
// 8 KiB, body 16 KiB, several requests in a row as on a keep-alive connection, the input cut
// into pieces at points taken from its first octet), to_api_request, the router (the store's
// callback routes with and without the token, 404/405/401), and the admin API's strict readers
// of query strings and bodies. Nothing may crash, read out of bounds, or answer a status
// outside 200..599; every route must answer exactly once.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/parser.hpp>

#include "app/admin/admin_views.hpp"
#include "lapord/net/http/api_request_reader.hpp"
#include "lapord/net/http/complaint_api.hpp"
#include "net/http/fake_complaint_events.hpp"

namespace bhttp = boost::beast::http;
using namespace lapord::net::http;

namespace {

struct fixture {
  test::fake_complaint_events events;
  api_router router{bearer_token("fuzz-token")};
  fixture() {
    events.add_complaint("12345678");
    add_complaint_routes(router, events);
    router.add("GET", "/healthz", route_access::public_route,
               [](const api_request&, const api_reply& reply) {
                 reply(api_answer{200, "text/plain", "ok", {}});
               });
  }
};

void route(fixture& f, api_request r) {
  // The admin API reads these from every request it routes; each must refuse or accept
  // without crashing, whatever the bytes.
  (void)lapord::app::admin::parse_query(r.query);
  (void)lapord::app::admin::parse_list_query(r.query, 1000);
  (void)lapord::app::admin::parse_unmask_query(r.query);
  (void)lapord::app::admin::parse_parked_query(r.query, 1000);
  (void)lapord::app::admin::parse_drop_body(r.body);
  (void)lapord::app::admin::parse_send_body(r.body);
  int answers = 0;
  f.router.handle(std::move(r), [&answers](api_answer a) {
    ++answers;
    if (a.status < 200 || a.status > 599) std::abort();
  });
  if (answers != 1) std::abort();  // the fake store answers at once: exactly one answer
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fixture f;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t step = size == 0 ? 1 : 1 + data[0] % 64;  // how the bytes arrive
  std::size_t at = 0;
  for (int requests = 0; requests < 8 && at < input.size(); ++requests) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(16 * 1024);
    parser.eager(true);
    boost::beast::error_code ec;
    std::string pending;  // what the parser has not consumed yet, as the server's buffer
    while (!parser.is_done() && !ec) {
      if (at < input.size()) {
        const std::size_t n = std::min(step, input.size() - at);
        pending.append(input.substr(at, n));
        at += n;
      } else if (pending.empty()) {
        parser.put_eof(ec);
        break;
      }
      const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
      if (ec == bhttp::error::need_more) ec = {};
      if (ec) break;
      pending.erase(0, used);
      if (used == 0 && at >= input.size()) {  // the client closed: what Beast makes of it
        parser.put_eof(ec);
        break;
      }
      if (pending.size() > 16 * 1024) return 0;  // the server's read buffer is bounded too
    }
    if (ec || !parser.is_done()) return 0;  // the server answers 400/413 and closes
    auto req = parser.release();
    route(f, to_api_request(req));
    at -= std::min(at, pending.size());  // unconsumed bytes start the next request
  }
  return 0;
}
