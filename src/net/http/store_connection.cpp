#include "net/http/store_connection.hpp"

#include <charconv>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>

#include "lapord/net/log_flood.hpp"
#include "net/tls/openssl_loader.hpp"

namespace lapord::net::http {
namespace {

// beast::http::fields stores a value without its leading and trailing spaces and tabs.
std::string_view trimmed(std::string_view v) {
  const auto first = v.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return v.substr(first, v.find_last_not_of(" \t") - first + 1);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(trimmed(value)).append("\r\n");
}

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
constexpr auto no_throw = asio::as_tuple(asio::use_awaitable);

asio::awaitable<bool> tls_handshake(store_connection& c, const store_dial& d, bool name) {
  auto& low = c.secure->next_layer();
  boost::system::error_code ignored;
  low.set_option(tcp::no_delay(true), ignored);
  // SNI for a host name (RFC 6066 forbids it for an IP address); either way the certificate
  // must name the host we asked for. SSL_set_tlsext_host_name is a macro with a C cast; this
  // is what it expands to.
  if (name && SSL_ctrl(c.secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                       TLSEXT_NAMETYPE_host_name, const_cast<char*>(d.host.c_str())) != 1) {
    co_return false;
  }
  if (d.tls_verify) c.secure->set_verify_callback(ssl::host_name_verification(d.host));
  auto [hec] = co_await c.secure->async_handshake(ssl::stream_base::client, no_throw);
  if (hec || c.timed_out) {
    const std::string line =
        fmt::format("forwarder: TLS handshake with {} failed: {}", d.host, hec.message());
    if (log_flood::shared().admit(spdlog::default_logger(), spdlog::level::warn, line)) {
      spdlog::warn("{}", line);
    }
    co_return false;
  }
  co_return true;
}

}  // namespace

asio::awaitable<bool> connect_store(store_connection& c, const store_dial& d) {
  // An IP address needs no resolver; a name is resolved by the system (getaddrinfo has its
  // own timeouts), then connect and TLS share the deadline.
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code not_ip;
  const auto address = asio::ip::make_address(d.host, not_ip);
  if (!not_ip) {
    endpoints.emplace_back(address, static_cast<unsigned short>(std::stoi(d.port)));
  } else {
    tcp::resolver resolver(d.strand);
    auto [ec, results] = co_await resolver.async_resolve(d.host, d.port, no_throw);
    if (ec) co_return false;
    for (const auto& r : results)
      endpoints.push_back(r.endpoint());
  }
  if (d.connects != nullptr) ++*d.connects;
  c.begin(d.timeout);  // connect and TLS share one deadline
  if (d.tls == nullptr) {
    c.plain.emplace(d.strand);
    auto [cec, ep] = co_await asio::async_connect(*c.plain, endpoints, no_throw);
    boost::system::error_code nbec;
    if (!cec && !c.timed_out) {
      boost::system::error_code ignored;
      c.plain->set_option(tcp::no_delay(true), ignored);
      // write_to_store writes with write_some, which must not block the strand's thread.
      c.plain->non_blocking(true, nbec);
    }
    if (cec || c.timed_out || nbec) {
      c.close();
      co_return false;
    }
    co_return true;
  }
  c.secure.emplace(d.strand, *d.tls);
  auto [cec, ep] = co_await asio::async_connect(c.secure->next_layer(), endpoints, no_throw);
  bool ok = !cec && !c.timed_out;
  if (ok) ok = co_await tls_handshake(c, d, static_cast<bool>(not_ip));
  if (!ok) c.close();
  co_return ok;
}

void make_store_tls(std::optional<boost::asio::ssl::context>& made, bool verify,
                    const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  tls::load_openssl();  // a clear error if libssl is missing (it is loaded on first use)
  auto& tls = made.emplace(ssl::context::tls_client);
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (!verify) {
    tls.set_verify_mode(ssl::verify_none);
    return;
  }
  tls.set_verify_mode(ssl::verify_peer);
  if (ca_file.empty()) {
    tls.set_default_verify_paths();
  } else {
    tls.load_verify_file(ca_file);  // throws with the reason when unreadable
  }
}

std::string store_request_prefix(std::string_view target, std::string_view host_header,
                                 std::string_view token) {
  std::string out;
  out.append("POST ").append(target).append(" HTTP/1.1\r\n");
  append_field(out, "Host", host_header);
  append_field(out, "Content-Type", "application/json");
  append_field(out, "Authorization", std::string("Bearer ").append(token));
  return out;
}

void append_store_request(std::string& out, std::string_view prefix, std::string_view ref,
                          std::string_view user_agent, std::string_view body) {
  char length[24];
  const auto digits = std::to_chars(length, length + sizeof length, body.size());
  out.append(prefix);
  append_field(out, "Idempotency-Key", ref);
  append_field(out, "User-Agent", user_agent);
  out.append("Content-Length: ").append(length, digits.ptr).append("\r\n\r\n");
  out.append(body);
}

forward_outcome transport_failure(const store_connection& c, const boost::system::error_code& ec) {
  return classify_transport_failure(c.timed_out ? std::string("timeout")
                                                : "connection: " + ec.message());
}

bool quiet_close(const boost::system::error_code& ec) {
  return ec == boost::beast::http::error::end_of_stream || ec == boost::asio::error::eof ||
         ec == boost::asio::error::connection_reset || ec == boost::asio::error::broken_pipe;
}

}  // namespace lapord::net::http
