// The forwarder over HTTPS on loopback: a throwaway certificate made here with OpenSSL, a small
// blocking TLS server on a thread, and the three cases that matter: the store verified with
// ca_file, a store whose certificate we do not trust (nothing sent), and tls_verify = false.
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <doctest/doctest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "lapord/net/http/forwarder.hpp"
#include "net/http/memory_outbox.hpp"

using namespace lapord::net::http;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// Only 127.0.0.1 is used (never "localhost", which may resolve to another address), so SNI for
// host names is not seen on the wire here.
std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// A self-signed P-256 certificate for 127.0.0.1 / localhost, valid for an hour.
struct throwaway_cert {
  std::string cert_pem;
  std::string key_pem;
  throwaway_cert() {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    REQUIRE(key != nullptr);
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    const std::string cn = "lapord test store";
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx{};
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      REQUIRE(ext != nullptr);
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    }
    REQUIRE(X509_sign(x, key, EVP_sha256()) > 0);
    BIO* cb = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(cb, x);
    cert_pem = bio_text(cb);
    BIO_free(cb);
    BIO* kb = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
    key_pem = bio_text(kb);
    BIO_free(kb);
    X509_free(x);
    EVP_PKEY_free(key);
  }
};

// A blocking HTTPS server answering every request 201; counts the requests it read whole.
struct tls_store {
  asio::io_context io;
  ssl::context ctx{ssl::context::tls_server};
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::atomic<int> requests{0};
  std::atomic<int> handshakes_failed{0};
  std::atomic<bool> stopping{false};
  std::string sni;
  std::thread thread;

  explicit tls_store(const throwaway_cert& c) {
    ctx.use_certificate_chain(asio::buffer(c.cert_pem));
    ctx.use_private_key(asio::buffer(c.key_pem), ssl::context::pem);
    thread = std::thread([this] { run(); });
  }
  ~tls_store() {
    stopping = true;
    boost::system::error_code ec;
    tcp::socket poke(io);
    poke.connect(acceptor.local_endpoint(), ec);  // wakes the blocking accept
    thread.join();
  }
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }

  void run() {
    while (!stopping) {
      ssl::stream<tcp::socket> s(io, ctx);
      boost::system::error_code ec;
      acceptor.accept(s.next_layer(), ec);
      if (ec || stopping) continue;
      s.handshake(ssl::stream_base::server, ec);
      if (ec) {
        ++handshakes_failed;
        continue;
      }
      if (const char* name = SSL_get_servername(s.native_handle(), TLSEXT_NAMETYPE_host_name)) {
        sni = name;
      }
      std::string buf;
      while (true) {
        const auto head_end = asio::read_until(s, asio::dynamic_buffer(buf), "\r\n\r\n", ec);
        if (ec) break;
        const auto head = buf.substr(0, head_end);
        const auto cl = head.find("Content-Length: ");
        const std::size_t length = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
        if (buf.size() < head_end + length) {
          asio::read(s, asio::dynamic_buffer(buf),
                     asio::transfer_exactly(head_end + length - buf.size()), ec);
          if (ec) break;
        }
        buf.erase(0, head_end + length);
        ++requests;
        const std::string body = R"({"tracking_id":"TLS-1"})";
        const std::string res =
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
        asio::write(s, asio::buffer(res), ec);
        if (ec) break;
      }
    }
  }
};

struct tls_rig {
  asio::io_context io;
  test::memory_outbox box;
  std::optional<forwarder> fwd;
  std::thread runner;
  void start(const store_api_settings& s) {
    fwd.emplace(io.get_executor(), s, box);
    fwd->start();
    runner = std::thread([this] { io.run(); });
  }
  ~tls_rig() {
    std::promise<void> stopped;
    fwd->stop([&] { stopped.set_value(); });
    CHECK(stopped.get_future().wait_for(10s) == std::future_status::ready);
    fwd.reset();
    runner.join();
  }
};

store_api_settings https_settings(std::uint16_t port, const std::string& host = "127.0.0.1") {
  store_api_settings s;
  s.url = "https://" + host + ":" + std::to_string(port);
  s.token = "t";
  s.in_flight = 1;  // the test server takes one connection at a time
  s.timeout = 2s;
  s.backoff = {1ms, 5ms};
  s.poll_interval = 10ms;
  s.breaker = {1000, 1s};
  return s;
}

std::string write_temp(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("lapord-test-ca-" + std::to_string(::getpid()) + ".pem");
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("https: the store's certificate verified against ca_file, its IP address checked") {
  const throwaway_cert cert;
  tls_store store(cert);
  const auto ca = write_temp(cert.cert_pem);
  {
    tls_rig r;
    for (int i = 0; i < 20; ++i)
      r.box.add("tls" + std::to_string(i), R"({"ref":"x"})");
    auto s = https_settings(store.port());
    s.ca_file = ca;
    r.start(s);
    REQUIRE(r.box.wait_closed(20, 10s));
    CHECK(r.box.get("tls3").tracking_id == "TLS-1");
    CHECK(r.fwd->stats().connects == 1);  // keep-alive over TLS too
  }
  CHECK(store.requests == 20);
  CHECK(store.sni.empty());  // no SNI for an IP address (RFC 6066); names get it
  std::filesystem::remove(ca);
}

TEST_CASE("https: an untrusted certificate sends nothing, the complaint waits in the outbox") {
  const throwaway_cert cert;
  const throwaway_cert other;  // a CA that did not sign the store's certificate
  tls_store store(cert);
  const auto ca = write_temp(other.cert_pem);
  {
    tls_rig r;
    r.box.add("untrusted", R"({"ref":"untrusted"})");
    auto s = https_settings(store.port());
    s.ca_file = ca;
    r.start(s);
    REQUIRE(r.box.wait_retries(2, 10s));
    CHECK(r.box.get("untrusted").last_error.find("cannot connect") != std::string::npos);
    CHECK(r.box.closed() == 0);
  }
  CHECK(store.requests == 0);
  CHECK(store.handshakes_failed >= 1);
  std::filesystem::remove(ca);
}

TEST_CASE("https: tls_verify = false talks to a self-signed store (tests only)") {
  const throwaway_cert cert;
  tls_store store(cert);
  {
    tls_rig r;
    r.box.add("noverify", R"({"ref":"noverify"})");
    auto s = https_settings(store.port());
    s.tls_verify = false;
    r.start(s);
    REQUIRE(r.box.wait_closed(1, 10s));
  }
  CHECK(store.requests == 1);
}

TEST_CASE("https: a missing ca_file is refused at construction") {
  asio::io_context io;
  test::memory_outbox box;
  auto s = https_settings(1);
  s.ca_file = "/nonexistent/ca.pem";
  CHECK_THROWS(forwarder(io.get_executor(), s, box));
}

TEST_CASE("https: pipelined requests over one TLS connection, answered in order") {
  const throwaway_cert cert;
  tls_store store(cert);
  {
    tls_rig r;
    for (int i = 0; i < 40; ++i)
      r.box.add("tlsp" + std::to_string(i), R"({"ref":"x"})");
    auto s = https_settings(store.port());
    s.tls_verify = false;
    s.pipeline = 8;
    r.start(s);
    REQUIRE(r.box.wait_closed(40, 10s));
    for (int i = 0; i < 40; ++i)
      CHECK(r.box.get("tlsp" + std::to_string(i)).reports == 1);
    CHECK(r.fwd->stats().connects == 1);
    CHECK(r.box.retries() == 0);
  }
  CHECK(store.requests == 40);
}
