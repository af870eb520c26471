#pragma once
// The client side of TLS to an SMSC, apart from the socket: what to ask OpenSSL to check
// before the handshake, and how to tell the operator which check failed after it.
#include <string>
#include <string_view>

#include <openssl/ssl.h>
#include <boost/system/error_code.hpp>

namespace lapord::net {

// SNI (not for an IP address, RFC 6066) and the name or address the certificate must carry,
// checked by OpenSSL itself so that a mismatch is its own verify result, not "verify failed".
void prepare_tls_client(SSL* ssl, const std::string& server_name);

// Why the handshake failed, in the operator's words: `verify_result` is
// SSL_get_verify_result() after it (X509_V_OK when no certificate check failed), `error` the
// handshake's error. Names the check (host name mismatch, unknown CA, expired, not yet valid),
// a peer that does not speak TLS, or a refused client certificate, and the key to look at.
std::string describe_tls_failure(long verify_result, const boost::system::error_code& error,
                                 std::string_view server_name);

}  // namespace lapord::net
