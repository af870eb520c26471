#pragma once
// Every configured carrier's binds, kept up on one io_context (lapord's network thread): the
// transceiver, or the transmitter + receiver pair, of each [[carrier]]. MO go to the mo_handler;
// MT come in through mt_sender::submit. A reload applies a new carrier list without touching
// the carriers it leaves as they were. Asio stays behind this header (pimpl).
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "lapord/net/carrier_diff.hpp"
#include "lapord/net/carrier_settings.hpp"
#include "lapord/net/link_observer.hpp"
#include "lapord/net/mo_handler.hpp"
#include "lapord/net/mt_sender.hpp"

namespace boost::asio {
class io_context;
}
namespace spdlog {
class logger;
}

namespace lapord::net {

// Gives the logger for a bind; the name is the carrier's ("tsel") or, for a pair, "tsel:tx" /
// "tsel:rx", and is on every line that bind logs.
using logger_factory = std::function<std::shared_ptr<spdlog::logger>(const std::string& name)>;

struct bind_state {
  std::string carrier;
  std::string bind;  // "trx", "tx", "rx"
  bool bound = false;
};

// A [[carrier]] TLS file OpenSSL does not take (a CA file with no certificate in it, a key that
// is not a key or does not match the certificate): `key` names the setting, what() says why.
class tls_file_error : public std::runtime_error {
 public:
  tls_file_error(std::string key, const std::string& what)
      : std::runtime_error(what), key_(std::move(key)) {}
  [[nodiscard]] const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// Loads the TLS files of `carrier` exactly as its binds will (nothing when tls is off), so a
// configuration check finds what would stop the start. Throws tls_file_error.
void load_tls_files(const carrier_settings& carrier);

class carrier_links final : public mt_sender {
 public:
  // Builds the TLS contexts (throws std::runtime_error naming the carrier and file when a
  // certificate or key cannot be loaded). Nothing connects before start(). `observer` (may be
  // null) hears every bind's events on the io_context and must outlive the links.
  carrier_links(boost::asio::io_context& io, std::vector<carrier_settings> carriers,
                std::size_t max_pdu_size, mo_handler& handler, const logger_factory& loggers,
                link_observer* observer = nullptr);
  ~carrier_links() override;
  carrier_links(const carrier_links&) = delete;
  carrier_links& operator=(const carrier_links&) = delete;

  // Starts every bind's run loop on the io_context. Call once.
  void start();

  // mt_sender; thread-safe. Unknown carrier or after stop(): the completion is called at once
  // (on the caller's thread) with carrier_error::unknown_carrier / shutting_down.
  void submit(const std::string& carrier, smpp::submit_sm&& message, mt_completion done) override;

  // Graceful stop, thread-safe: MO arriving from now on are refused (ESME_RX_T_APPN, the SMSC
  // redelivers later), MO in flight are finished, submit_sm already sent get their response,
  // queued ones fail with shutting_down, then each bind unbinds and closes. `all_closed` runs
  // on the io_context once every bind is closed.
  void stop(std::function<void()> all_closed);

  // The shutdown deadline passed: close every connection now, without waiting. Thread-safe.
  void close_now();

  // On the io_context only (the daemon's reload runs there): makes `carriers` the running list.
  // A carrier whose settings are the same is not touched (its binds stay up). A removed one
  // drains as at stop() (MO in flight answered, sent submit_sm get their response, queued ones
  // fail with shutting_down: the reply sender tries again from the store and then finds no such
  // carrier), unbinds and is forgotten. A changed one drains the same way and binds with its new
  // settings once its old binds are closed; MT submitted meanwhile wait in the new binds' queue.
  // An added one starts. A drain still going after `drain_timeout` is closed without waiting.
  // Throws std::runtime_error (a TLS file that cannot be loaded) before changing anything.
  // After stop(): changes nothing and returns an empty diff.
  carrier_diff apply(std::vector<carrier_settings> carriers,
                     std::chrono::milliseconds drain_timeout);

  // On the io_context only: the state of each bind (for status and metrics).
  [[nodiscard]] std::vector<bind_state> states() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lapord::net
