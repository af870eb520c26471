#include "net/http/store_connection.hpp"

#include <charconv>

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

}  // namespace

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

void write_store_request(std::string& out, std::string_view prefix, std::string_view ref,
                         std::string_view user_agent, std::string_view body) {
  char length[24];
  const auto digits = std::to_chars(length, length + sizeof length, body.size());
  out.clear();
  out.append(prefix);
  append_field(out, "Idempotency-Key", ref);
  append_field(out, "User-Agent", user_agent);
  out.append("Content-Length: ").append(length, digits.ptr).append("\r\n\r\n");
  out.append(body);
}

}  // namespace lapord::net::http
