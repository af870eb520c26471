// What a failed TLS handshake with an SMSC is called in the log: the certificate check that
// failed (OpenSSL's verify result), a peer that does not speak TLS, a refused client
// certificate. The handshakes themselves are in tests/system/test_carrier_tls.py.
#include <doctest/doctest.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include "net/carrier/tls_client.hpp"

using lapord::net::describe_tls_failure;

namespace {

boost::system::error_code ssl_error(int reason) {
  return {static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)),
          boost::asio::error::get_ssl_category()};
}

bool says(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const boost::system::error_code verify_failed = ssl_error(SSL_R_CERTIFICATE_VERIFY_FAILED);

}  // namespace

TEST_CASE("each failed certificate check is named, with the key to look at") {
  const auto mismatch = describe_tls_failure(X509_V_ERR_HOSTNAME_MISMATCH, verify_failed, "smsc.x");
  CHECK(says(mismatch, "host name mismatch"));
  CHECK(says(mismatch, "\"smsc.x\""));
  CHECK(says(mismatch, "tls_server_name"));
  CHECK(says(describe_tls_failure(X509_V_ERR_IP_ADDRESS_MISMATCH, verify_failed, "10.0.0.1"),
             "host name mismatch"));
  for (long unknown :
       {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
        X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE}) {
    CAPTURE(unknown);
    const auto text = describe_tls_failure(unknown, verify_failed, "smsc.x");
    CHECK(says(text, "unknown CA"));
    CHECK(says(text, "tls_ca_file"));
  }
  CHECK(
      says(describe_tls_failure(X509_V_ERR_CERT_HAS_EXPIRED, verify_failed, "smsc.x"), "expired"));
  CHECK(says(describe_tls_failure(X509_V_ERR_CERT_NOT_YET_VALID, verify_failed, "smsc.x"),
             "not yet valid"));
  // Any other check: OpenSSL's own words, never a bare "verify failed".
  CHECK(says(describe_tls_failure(X509_V_ERR_CERT_REVOKED, verify_failed, "smsc.x"),
             "certificate verify failed: certificate revoked"));
}

TEST_CASE("a peer that does not speak TLS is called so") {
  for (const auto& error :
       {ssl_error(SSL_R_WRONG_VERSION_NUMBER), ssl_error(SSL_R_PACKET_LENGTH_TOO_LONG),
        ssl_error(SSL_R_UNEXPECTED_RECORD)}) {
    CAPTURE(error.message());
    CHECK(says(describe_tls_failure(X509_V_OK, error, "smsc.x"), "peer not speaking TLS"));
  }
  const boost::system::error_code truncated = boost::asio::ssl::error::stream_truncated;
  CHECK(says(describe_tls_failure(X509_V_OK, truncated, "smsc.x"), "peer not speaking TLS"));
  const boost::system::error_code eof = boost::asio::error::eof;
  CHECK(says(describe_tls_failure(X509_V_OK, eof, "smsc.x"), "closed the connection"));
}

TEST_CASE("a refused client certificate names the client's keys") {
  for (int reason : {SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED,
                     SSL_R_TLSV1_ALERT_UNKNOWN_CA}) {
    CAPTURE(reason);
    const auto text = describe_tls_failure(X509_V_OK, ssl_error(reason), "smsc.x");
    CHECK(says(text, "refused lapord's client certificate"));
    CHECK(says(text, "tls_cert_file"));
  }
}

TEST_CASE("anything else keeps its own message") {
  const boost::system::error_code reset = boost::asio::error::connection_reset;
  CHECK(describe_tls_failure(X509_V_OK, reset, "smsc.x") == reset.message());
}
