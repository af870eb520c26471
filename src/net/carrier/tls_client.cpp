#include "net/carrier/tls_client.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

namespace lapord::net {
namespace {

bool is_ip_address(const std::string& name) {
  boost::system::error_code error;
  (void)boost::asio::ip::make_address(name, error);
  return !error;
}

// OpenSSL's reason for an error of the handshake (0 when it is not an OpenSSL SSL error).
int ssl_reason(const boost::system::error_code& error) {
  if (error.category() != boost::asio::error::get_ssl_category()) return 0;
  const auto code = static_cast<unsigned long>(error.value());
  return ERR_GET_LIB(code) == ERR_LIB_SSL ? ERR_GET_REASON(code) : 0;
}

std::string describe_verify(long result, std::string_view name) {
  switch (result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return fmt::format(
          "host name mismatch: the SMSC's certificate is not for \"{}\" (check tls_server_name, "
          "else host)",
          name);
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return fmt::format(
          "unknown CA: the SMSC's certificate is not signed by a CA lapord trusts (check "
          "tls_ca_file; OpenSSL: {})",
          X509_verify_cert_error_string(result));
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "expired: the SMSC's certificate (or a CA certificate of its chain) has expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "not yet valid: the SMSC's certificate is dated in the future (check this host's "
             "clock)";
    default:
      return fmt::format("certificate verify failed: {}", X509_verify_cert_error_string(result));
  }
}

}  // namespace

void prepare_tls_client(SSL* ssl, const std::string& server_name) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (is_ip_address(server_name)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str());
    return;
  }
  // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
  SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           static_cast<void*>(const_cast<char*>(server_name.c_str())));
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), server_name.size());
}

std::string describe_tls_failure(long verify_result, const boost::system::error_code& error,
                                 std::string_view server_name) {
  if (verify_result != X509_V_OK) return describe_verify(verify_result, server_name);
  if (error == boost::asio::ssl::error::stream_truncated || error == boost::asio::error::eof) {
    return "the SMSC closed the connection during the handshake: peer not speaking TLS on this "
           "port? (a plain SMPP port closes on a TLS hello)";
  }
  switch (ssl_reason(error)) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_UNKNOWN_PROTOCOL:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_UNEXPECTED_RECORD:
      return fmt::format(
          "peer not speaking TLS: its answer is not a TLS record (a plain SMPP port? OpenSSL: "
          "{})",
          error.message());
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
      return fmt::format(
          "the SMSC refused lapord's client certificate (check tls_cert_file / tls_key_file; "
          "OpenSSL: {})",
          error.message());
    default:
      return error.message();
  }
}

}  // namespace lapord::net
