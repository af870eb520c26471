#pragma once
// The MO handler of the running daemon: every deliver_sm / data_sm becomes one work item of the
// store's group commit, and its deliver_sm_resp goes out only after that commit. ESME_ROK when
// the MO is durably kept (or was kept before: a redelivery); a temporary error when the store
// could not commit (disk full, I/O error, read-only), so that the SMSC keeps it and retries.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "lapord/app/mo/carrier_profiles.hpp"
#include "lapord/app/mo/incoming_mo.hpp"
#include "lapord/app/mo/mo_ingest.hpp"
#include "lapord/app/mo/service_holder.hpp"
#include "lapord/net/mo_handler.hpp"
#include "lapord/net/repeat_limiter.hpp"
#include "lapord/smpp/command_status.hpp"
#include "lapord/store/database.hpp"

namespace spdlog {
class logger;
}

namespace lapord::app {

class pipeline_metrics;
namespace ops {
class access_log;
}

struct mo_path_options {
  mo_reading_options reading{};
  // The answer when the store could not keep the MO (the SMSC redelivers it later).
  smpp::command_status temporary_error = smpp::command_status::esme_rsyserr;
  // Each carrier's receipt id form ([[carrier]] receipt_id); null: "auto" for every carrier.
  const carrier_profiles* carriers = nullptr;
  // A receipt that matches no reply is logged once, then once per this with the count since.
  std::chrono::milliseconds unmatched_receipt_log_every{std::chrono::seconds(60)};
};

// Where an MO's reply goes straight from its commit (the reply sender), stored taken
// (ingest_context::reply_lease) rather than due. A place is reserved as the MO arrives, before
// its item is queued: reserve() true is followed by exactly one send() (committed with a reply)
// or unreserve() (failed, or no reply); false stores the reply due, and refusal_done() follows
// once the MO's item is done. All but `reserve` are called on the store's writer thread.
struct reply_handoff {
  // Whether this instance sends to the MO's carrier now (a bind up); empty: every carrier.
  // False: stored due for whichever instance can, no place asked.
  std::function<bool(std::string_view carrier)> can_send;
  std::function<bool()> reserve;
  std::function<void()> unreserve;
  std::function<void()> refusal_done;
  // By rvalue reference: the reply is moved once, into the sender, not at every call level.
  std::function<void(store::reply&&)> send;  // empty: no handoff, every reply stored due
};

// The same for a new complaint's forward (the forwarder): stored taken
// (ingest_context::forward_lease) and its fields handed over, or stored due for the pump.
struct forward_handoff {
  std::function<bool()> reserve;
  std::function<void()> unreserve;
  std::function<void(net::http::complaint_record&&)> send;  // empty: no handoff
};

// What happened after a commit, for the reply sender and the forwarder to look now rather than
// at their next poll. Called on the store's writer thread: must not block.
struct mo_path_hooks {
  // Something was stored due (not handed over): wake the forwarder's / the sender's poll.
  std::function<void()> forward_queued;
  std::function<void()> reply_queued;
  reply_handoff replies;
  forward_handoff forwards;
  pipeline_metrics* metrics = nullptr;  // counts each committed outcome; may be null
  ops::access_log* access = nullptr;    // a line per MO once answered; may be null
};

// The access log's kind and outcome words for a committed MO (docs/operations.md, "Access
// log"): complaint/created, duplicate/answered_first_ref, status/found, receipt/DELIVRD, ...
struct access_words {
  std::string_view kind;
  std::string_view outcome;
};
[[nodiscard]] access_words access_words_of(const ingest_outcome& outcome);

struct mo_path_stats {
  std::uint64_t acked = 0;         // answered ESME_ROK after a commit
  std::uint64_t redeliveries = 0;  // of which recognised as received before
  std::uint64_t temporary_errors = 0;
  std::uint64_t kept_raw = 0;  // the service failed on it: kept as received only, for operators
  std::uint64_t complaints = 0;
};

class mo_path final : public net::mo_handler {
 public:
  // `services`, when given, is where each MO takes its service when it arrives (kept until
  // its work item is done; a reload swaps it); else `context.service` serves every MO.
  mo_path(store::database& db, ingest_context context, mo_path_options options, mo_path_hooks hooks,
          std::shared_ptr<spdlog::logger> log, const service_holder* services = nullptr);

  void on_mo(net::mo_message&& message, net::mo_completion done) override;

  [[nodiscard]] mo_path_stats stats() const;

 private:
  class item;
  class raw_item;
  void finished(ingest_outcome& outcome, const incoming_mo& mo,
                std::chrono::steady_clock::time_point arrived);
  void access(const incoming_mo& mo, std::string_view kind, std::string_view outcome,
              const ingest_outcome* committed, std::chrono::steady_clock::time_point arrived);
  void failed(std::error_code ec, std::string_view detail);
  void unmatched_receipt(const incoming_mo& mo, const ingest_outcome& outcome) noexcept;
  void* take_block(std::size_t size);
  void give_block(void* block) noexcept;

  // Finished items' memory, kept for the next MO's (mo_path.cpp, item's operator new).
  struct item_blocks {
    item_blocks();
    ~item_blocks();
    item_blocks(const item_blocks&) = delete;
    item_blocks& operator=(const item_blocks&) = delete;
    std::mutex mutex;
    std::vector<void*> free;  // reserved once: never grows past its capacity
  };

  store::database& db_;
  ingest_context context_;
  mo_path_options options_;
  mo_path_hooks hooks_;
  std::shared_ptr<spdlog::logger> log_;
  const service_holder* services_;
  std::atomic<std::uint64_t> acked_{0};
  std::atomic<std::uint64_t> redeliveries_{0};
  std::atomic<std::uint64_t> temporary_errors_{0};
  std::atomic<std::uint64_t> kept_raw_{0};
  std::atomic<std::uint64_t> complaints_{0};
  std::mutex unmatched_mutex_;
  net::repeat_limiter unmatched_receipts_;  // per carrier
  item_blocks blocks_;
};

}  // namespace lapord::app
