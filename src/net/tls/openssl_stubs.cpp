// Written by scripts/openssl-stubs from openssl_functions.txt and the OpenSSL headers:
// do not edit. Each OpenSSL function lapord calls, loading libssl on its first call
// (openssl_loader.hpp says why).
// clang-format off
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/tls/openssl_loader.hpp"

extern "C" {

long BIO_ctrl(BIO * a0, int a1, long a2, void * a3) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&BIO_ctrl)>("BIO_ctrl");
  return real(a0, a1, a2, a3);
}

size_t BIO_ctrl_pending(BIO * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&BIO_ctrl_pending)>("BIO_ctrl_pending");
  return real(a0);
}

int BIO_free(BIO * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&BIO_free)>("BIO_free");
  return real(a0);
}

int BIO_new_bio_pair(BIO ** a0, size_t a1, BIO ** a2, size_t a3) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&BIO_new_bio_pair)>("BIO_new_bio_pair");
  return real(a0, a1, a2, a3);
}

int BIO_read(BIO * a0, void * a1, int a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&BIO_read)>("BIO_read");
  return real(a0, a1, a2);
}

int BIO_write(BIO * a0, const void * a1, int a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&BIO_write)>("BIO_write");
  return real(a0, a1, a2);
}

void CRYPTO_free(void * a0, const char * a1, int a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&CRYPTO_free)>("CRYPTO_free");
  real(a0, a1, a2);
}

void ERR_clear_error() {
  static const auto real = lapord::net::tls::openssl_function<decltype(&ERR_clear_error)>("ERR_clear_error");
  real();
}

unsigned long ERR_get_error() {
  static const auto real = lapord::net::tls::openssl_function<decltype(&ERR_get_error)>("ERR_get_error");
  return real();
}

const char * ERR_lib_error_string(unsigned long a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&ERR_lib_error_string)>("ERR_lib_error_string");
  return real(a0);
}

const char * ERR_reason_error_string(unsigned long a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&ERR_reason_error_string)>("ERR_reason_error_string");
  return real(a0);
}

long SSL_CTX_ctrl(SSL_CTX * a0, int a1, long a2, void * a3) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_ctrl)>("SSL_CTX_ctrl");
  return real(a0, a1, a2, a3);
}

void SSL_CTX_free(SSL_CTX * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_free)>("SSL_CTX_free");
  real(a0);
}

void * SSL_CTX_get_default_passwd_cb_userdata(SSL_CTX * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_get_default_passwd_cb_userdata)>("SSL_CTX_get_default_passwd_cb_userdata");
  return real(a0);
}

void * SSL_CTX_get_ex_data(const SSL_CTX * a0, int a1) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_get_ex_data)>("SSL_CTX_get_ex_data");
  return real(a0, a1);
}

SSL_verify_cb SSL_CTX_get_verify_callback(const SSL_CTX * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_get_verify_callback)>("SSL_CTX_get_verify_callback");
  return real(a0);
}

int SSL_CTX_load_verify_locations(SSL_CTX * a0, const char * a1, const char * a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_load_verify_locations)>("SSL_CTX_load_verify_locations");
  return real(a0, a1, a2);
}

SSL_CTX * SSL_CTX_new(const SSL_METHOD * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_new)>("SSL_CTX_new");
  return real(a0);
}

void SSL_CTX_set_default_passwd_cb_userdata(SSL_CTX * a0, void * a1) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_set_default_passwd_cb_userdata)>("SSL_CTX_set_default_passwd_cb_userdata");
  real(a0, a1);
}

int SSL_CTX_set_default_verify_paths(SSL_CTX * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_set_default_verify_paths)>("SSL_CTX_set_default_verify_paths");
  return real(a0);
}

int SSL_CTX_set_ex_data(SSL_CTX * a0, int a1, void * a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_set_ex_data)>("SSL_CTX_set_ex_data");
  return real(a0, a1, a2);
}

uint64_t SSL_CTX_set_options(SSL_CTX * a0, uint64_t a1) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_set_options)>("SSL_CTX_set_options");
  return real(a0, a1);
}

void SSL_CTX_set_verify(SSL_CTX * a0, int a1, SSL_verify_cb a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_set_verify)>("SSL_CTX_set_verify");
  real(a0, a1, a2);
}

int SSL_CTX_use_PrivateKey_file(SSL_CTX * a0, const char * a1, int a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_use_PrivateKey_file)>("SSL_CTX_use_PrivateKey_file");
  return real(a0, a1, a2);
}

int SSL_CTX_use_certificate_chain_file(SSL_CTX * a0, const char * a1) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_CTX_use_certificate_chain_file)>("SSL_CTX_use_certificate_chain_file");
  return real(a0, a1);
}

int SSL_accept(SSL * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_accept)>("SSL_accept");
  return real(a0);
}

int SSL_connect(SSL * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_connect)>("SSL_connect");
  return real(a0);
}

long SSL_ctrl(SSL * a0, int a1, long a2, void * a3) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_ctrl)>("SSL_ctrl");
  return real(a0, a1, a2, a3);
}

void SSL_free(SSL * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_free)>("SSL_free");
  real(a0);
}

X509_VERIFY_PARAM * SSL_get0_param(SSL * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_get0_param)>("SSL_get0_param");
  return real(a0);
}

int SSL_get_error(const SSL * a0, int a1) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_get_error)>("SSL_get_error");
  return real(a0, a1);
}

void * SSL_get_ex_data(const SSL * a0, int a1) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_get_ex_data)>("SSL_get_ex_data");
  return real(a0, a1);
}

int SSL_get_ex_data_X509_STORE_CTX_idx() {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_get_ex_data_X509_STORE_CTX_idx)>("SSL_get_ex_data_X509_STORE_CTX_idx");
  return real();
}

int SSL_get_shutdown(const SSL * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_get_shutdown)>("SSL_get_shutdown");
  return real(a0);
}

SSL_verify_cb SSL_get_verify_callback(const SSL * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_get_verify_callback)>("SSL_get_verify_callback");
  return real(a0);
}

int SSL_get_verify_mode(const SSL * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_get_verify_mode)>("SSL_get_verify_mode");
  return real(a0);
}

long SSL_get_verify_result(const SSL * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_get_verify_result)>("SSL_get_verify_result");
  return real(a0);
}

SSL * SSL_new(SSL_CTX * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_new)>("SSL_new");
  return real(a0);
}

int SSL_read(SSL * a0, void * a1, int a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_read)>("SSL_read");
  return real(a0, a1, a2);
}

void SSL_set_bio(SSL * a0, BIO * a1, BIO * a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_set_bio)>("SSL_set_bio");
  real(a0, a1, a2);
}

int SSL_set_ex_data(SSL * a0, int a1, void * a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_set_ex_data)>("SSL_set_ex_data");
  return real(a0, a1, a2);
}

void SSL_set_verify(SSL * a0, int a1, SSL_verify_cb a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_set_verify)>("SSL_set_verify");
  real(a0, a1, a2);
}

int SSL_write(SSL * a0, const void * a1, int a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&SSL_write)>("SSL_write");
  return real(a0, a1, a2);
}

const SSL_METHOD * TLS_client_method() {
  static const auto real = lapord::net::tls::openssl_function<decltype(&TLS_client_method)>("TLS_client_method");
  return real();
}

const SSL_METHOD * TLS_method() {
  static const auto real = lapord::net::tls::openssl_function<decltype(&TLS_method)>("TLS_method");
  return real();
}

const SSL_METHOD * TLS_server_method() {
  static const auto real = lapord::net::tls::openssl_function<decltype(&TLS_server_method)>("TLS_server_method");
  return real();
}

X509 * X509_STORE_CTX_get_current_cert(const X509_STORE_CTX * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&X509_STORE_CTX_get_current_cert)>("X509_STORE_CTX_get_current_cert");
  return real(a0);
}

int X509_STORE_CTX_get_error_depth(const X509_STORE_CTX * a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&X509_STORE_CTX_get_error_depth)>("X509_STORE_CTX_get_error_depth");
  return real(a0);
}

void * X509_STORE_CTX_get_ex_data(const X509_STORE_CTX * a0, int a1) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&X509_STORE_CTX_get_ex_data)>("X509_STORE_CTX_get_ex_data");
  return real(a0, a1);
}

int X509_VERIFY_PARAM_set1_host(X509_VERIFY_PARAM * a0, const char * a1, size_t a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&X509_VERIFY_PARAM_set1_host)>("X509_VERIFY_PARAM_set1_host");
  return real(a0, a1, a2);
}

int X509_VERIFY_PARAM_set1_ip_asc(X509_VERIFY_PARAM * a0, const char * a1) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&X509_VERIFY_PARAM_set1_ip_asc)>("X509_VERIFY_PARAM_set1_ip_asc");
  return real(a0, a1);
}

void X509_VERIFY_PARAM_set_hostflags(X509_VERIFY_PARAM * a0, unsigned int a1) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&X509_VERIFY_PARAM_set_hostflags)>("X509_VERIFY_PARAM_set_hostflags");
  real(a0, a1);
}

int X509_check_host(X509 * a0, const char * a1, size_t a2, unsigned int a3, char ** a4) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&X509_check_host)>("X509_check_host");
  return real(a0, a1, a2, a3, a4);
}

int X509_check_ip_asc(X509 * a0, const char * a1, unsigned int a2) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&X509_check_ip_asc)>("X509_check_ip_asc");
  return real(a0, a1, a2);
}

const char * X509_verify_cert_error_string(long a0) {
  static const auto real = lapord::net::tls::openssl_function<decltype(&X509_verify_cert_error_string)>("X509_verify_cert_error_string");
  return real(a0);
}

}  // extern "C"
