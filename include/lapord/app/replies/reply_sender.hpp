#pragma once
// Sends the replies and notifications the store holds: takes due ones (leased) or is handed
// an MO's reply straight from its commit (leased at insert), encodes each
// (GSM 03.38 or UCS-2, concatenated segments when long) and submits every segment through the
// carrier's bind; records the SMSC's message ids (for receipts) once every segment is
// accepted, or schedules the reply again when it could not be sent now. Nothing is held only
// in memory: a crash leaves the lease to run out and the reply is due again.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "lapord/app/mo/carrier_profiles.hpp"
#include "lapord/net/mt_sender.hpp"
#include "lapord/store/database.hpp"
#include "lapord/text/receipt.hpp"
#include "lapord/text/segmentation.hpp"

namespace spdlog {
class logger;
}

namespace lapord::app {

class pipeline_metrics;
namespace ops {
class access_log;
}

struct reply_sender_options {
  std::size_t batch = 64;           // replies taken from the store at once
  std::size_t max_in_flight = 256;  // replies with segments waiting for submit_sm_resp
  std::chrono::milliseconds lease{std::chrono::minutes(5)};
  std::chrono::milliseconds poll_interval{std::chrono::seconds(1)};
  std::chrono::milliseconds retry{std::chrono::seconds(30)};      // doubled per attempt ...
  std::chrono::milliseconds retry_max{std::chrono::minutes(30)};  // ... up to this
  int max_attempts = 20;
  text::concat_method concat = text::concat_method::udh;
  std::uint8_t registered_delivery = 1;  // ask for a receipt
  // Counts the segments accepted and the replies failed for good once that is committed.
  pipeline_metrics* metrics = nullptr;
  // A line per reply once its outcome is recorded (sent, retry, failed); may be null.
  ops::access_log* access = nullptr;
  // Each carrier's reply sender (source_addr, source_ton, source_npi); null: today's rule.
  const carrier_profiles* carriers = nullptr;
  // The carriers this instance has a bind up to send on (trx or tx), asked at every poll from
  // the sender's executor; only their replies are taken, the others are left to an instance
  // bound to them (issue 13). Empty function: every carrier (tests, one instance of old).
  std::function<std::vector<std::string>()> sending_carriers;
  // The wall time replies are taken (leases) and their outcomes recorded at, asked on the
  // store's writer thread; empty: the system clock. Tests script it (a lease running out).
  std::function<store::wall_time()> clock;
};

// The submit_sm for each segment of a reply (exposed for tests), sent from `source` (its
// carrier's settings). Empty when the text cannot be sent at all (over 255 segments).
[[nodiscard]] std::vector<smpp::submit_sm> reply_segments(const store::reply& reply,
                                                          const reply_sender_options& options,
                                                          const reply_source& source = {});

// What to do with a reply once every segment got its answer (exposed for tests).
enum class reply_verdict { submitted, retry, failed };
[[nodiscard]] reply_verdict judge_reply(std::error_code first_error, int attempts,
                                        int max_attempts);

struct reply_sender_stats {
  std::uint64_t submitted = 0;
  std::uint64_t retried = 0;
  std::uint64_t failed = 0;
  // Taken again after their lease ran out while still on their way (not sent twice).
  std::uint64_t taken_while_sending = 0;
  // Stored due instead of handed over: reserve() found no place, or the sender was still
  // catching up on replies stored due (their order kept).
  std::uint64_t deferred = 0;
};

class reply_sender {
 public:
  reply_sender(boost::asio::any_io_executor executor, store::database& db, net::mt_sender& mt,
               reply_sender_options options, std::shared_ptr<spdlog::logger> log);
  ~reply_sender();
  reply_sender(const reply_sender&) = delete;
  reply_sender& operator=(const reply_sender&) = delete;

  void start();
  // New replies were committed: look now. Thread-safe, cheap (coalesced).
  void notify();
  // A place for an MO's reply straight from its commit, asked before the MO's item is queued:
  // false when max(max_in_flight, 64) replies are handed over and not yet sent (memory stays
  // bounded), or while replies stored due for want of a place are not all taken yet (a later
  // reply must not overtake them); then the reply is stored due, for the poll. Every true is
  // followed by exactly one send_now() or unreserve(). Thread-safe.
  [[nodiscard]] bool reserve();
  // The MO's item failed or queued no reply: its place is free again. Thread-safe.
  void unreserve();
  // The item of an MO whose reserve() was refused is done (committed or not): its reply, if
  // any, is in the store for a take to find. Call exactly once per refusal, from its done()
  // (on the store's writer thread). Thread-safe.
  void refusal_done();
  // A reply committed already taken for this process (store::new_reply::lease), its place
  // reserved: sent as soon as a slot is free, before the store's due ones, without asking the
  // store. Thread-safe.
  // By rvalue reference: the reply is moved once, into the queue (not into a parameter first).
  void send_now(store::reply&& reply);
  // How long a reply it takes stays leased (reply_sender_options::lease).
  [[nodiscard]] std::chrono::milliseconds lease() const;
  // Takes no more replies; those in flight still get recorded. Thread-safe.
  void stop();

  [[nodiscard]] reply_sender_stats stats() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace lapord::app
