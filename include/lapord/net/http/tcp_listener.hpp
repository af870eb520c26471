#pragma once
// Opening a listening socket, and closing it with its sessions: the same for lapord's HTTP
// listeners (api_server) and the store simulator's server.
#include <cstdint>

#include <boost/asio/ip/tcp.hpp>

namespace lapord::net::http {

// Binds and listens (throws std::system_error, e.g. the address in use); the port bound.
inline std::uint16_t listen_on(boost::asio::ip::tcp::acceptor& acceptor,
                               const boost::asio::ip::tcp::endpoint& endpoint) {
  acceptor.open(endpoint.protocol());
  acceptor.set_option(boost::asio::ip::tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(boost::asio::socket_base::max_listen_connections);
  return acceptor.local_endpoint().port();
}

// Accepts no more and closes every open session's socket: each session's loop then ends.
template <class Sessions>
void close_listener(boost::asio::ip::tcp::acceptor& acceptor, const Sessions& sessions) {
  boost::system::error_code ignored;
  acceptor.close(ignored);
  for (auto* s : sessions)
    s->socket().close(ignored);
}

}  // namespace lapord::net::http
