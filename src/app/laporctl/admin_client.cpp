// One HTTP/1.1 request to the admin API with a deadline (Boost.Beast; the only file of laporctl
// that includes it, because it compiles slowly).
#include "app/laporctl/admin_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace lapord::app::laporctl {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string why(const boost::system::error_code& ec) {
  if (ec == asio::error::connection_refused)
    return "connection refused (is lapord running, with its [admin] listener there?)";
  if (ec == beast::error::timeout) return "no answer in time";
  return ec.message();
}

}  // namespace

admin_response admin_call(const admin_endpoint& endpoint, const std::string& method,
                          const std::string& target, const std::string& body,
                          std::chrono::seconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, endpoint.host + ":" + endpoint.port);
  request.set(http::field::user_agent, "laporctl");
  request.set(http::field::connection, "close");
  if (!endpoint.token.empty()) request.set(http::field::authorization, "Bearer " + endpoint.token);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();

  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  boost::system::error_code failure;
  std::string step = "connect to";

  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(endpoint.host, endpoint.port, ec);
  if (ec) {
    throw admin_unreachable("cannot reach lapord's admin API at " + endpoint.origin + ": " +
                            ec.message());
  }
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](boost::system::error_code e, const tcp::endpoint&) {
    if (e) {
      failure = e;
      return;
    }
    step = "send to";
    http::async_write(stream, request, [&](boost::system::error_code w, std::size_t) {
      if (w) {
        failure = w;
        return;
      }
      step = "read the answer of";
      http::async_read(stream, buffer, response,
                       [&](boost::system::error_code r, std::size_t) { failure = r; });
    });
  });
  io.run();
  if (failure) {
    throw admin_unreachable("cannot " + step + " lapord's admin API at " + endpoint.origin + ": " +
                            why(failure));
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return admin_response{response.result_int(), std::move(response.body())};
}

}  // namespace lapord::app::laporctl
