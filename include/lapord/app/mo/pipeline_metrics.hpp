#pragma once
// The pipeline's counts in /metrics: MO received per carrier, and after a successful commit the
// complaints created (channel, institution class), duplicates, rejections, replies sent /
// delivered / failed. Every series is found once and kept (fixed handles, or a small per-carrier
// list), so an MO costs relaxed atomic adds and a short scan, no label string built. With no
// metrics (tests) every call does nothing. Thread-safe: called from the network, writer and
// pipeline threads.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "lapord/app/mo/mo_ingest.hpp"
#include "lapord/app/ops/health.hpp"
#include "lapord/app/ops/lapord_metrics.hpp"
#include "lapord/net/http/complaint_body.hpp"
#include "lapord/store/database.hpp"
#include "lapord/store/records.hpp"

namespace lapord::app {

// The store's backend events (its connection, lease takeovers) into lapord_store_connected,
// lapord_store_reconnects_total, lapord_store_failovers_total, lapord_lease_takeovers_total
// and /readyz; then `chained`. Either pointer may be null. Runs on the writer thread.
std::function<void(const store::backend_event&)> backend_event_hook(
    ops::lapord_metrics* metrics, ops::health_state* health,
    std::function<void(const store::backend_event&)> chained);

// Every COMMIT attempt (items, how long, whether it succeeded) into the store's commit metrics
// and /readyz; then `chained`. Either pointer may be null. Runs on the writer thread.
std::function<void(std::size_t, std::chrono::nanoseconds, bool)> commit_hook(
    ops::lapord_metrics* metrics, ops::health_state* health,
    std::function<void(std::size_t, std::chrono::nanoseconds, bool)> chained);

// One counter per carrier, found in the family on first use and kept in an append-only,
// lock-free list (carriers are few: a scan of a handful of short strings).
class carrier_counters {
 public:
  explicit carrier_counters(ops::counter_family<1> family) : family_(family) {}
  ~carrier_counters();
  carrier_counters(const carrier_counters&) = delete;
  carrier_counters& operator=(const carrier_counters&) = delete;

  [[nodiscard]] ops::counter of(std::string_view carrier);

 private:
  struct node {
    std::string carrier;
    ops::counter counter;
    node* next;
  };
  ops::counter_family<1> family_;
  std::atomic<node*> head_{nullptr};
};

// The policy rejections the complaint service really makes (docs/operations.md): mapped from
// its reasons; nullopt for anything that is not a rejection.
[[nodiscard]] std::optional<std::string_view> rejection_of(const ingest_outcome& outcome);

class pipeline_metrics {
 public:
  explicit pipeline_metrics(ops::lapord_metrics* metrics);  // null: count nothing

  // pipeline::on_mo, before anything else looks at the MO.
  void mo_received(std::string_view carrier);
  // After the commit that recorded `outcome` (never for a rolled-back batch).
  void committed(lapor::channel channel, std::string_view carrier, const ingest_outcome& outcome);
  // After the commit that recorded a reply's outcome: `segments` submit_sm accepted.
  void replies_sent(std::string_view carrier, std::uint64_t segments);
  void reply_failed(std::string_view carrier);
  // The store's queue counts, sampled.
  void outbox_depth(const store::queue_counts& counts);

 private:
  // Institution classes: provinsi, kabupaten, kota, lembaga, national_desk.
  static constexpr std::size_t classes = 5;
  struct by_channel {
    std::array<std::optional<ops::counter>, classes> created;
  };

  ops::lapord_metrics* m_;
  std::array<by_channel, 2> complaints_;  // sms, ussd
  std::optional<ops::counter> redelivery_, duplicate_complaint_;
  std::optional<ops::counter> rate_limited_, alphanumeric_, own_number_, invalid_sender_;
  std::optional<ops::gauge> pending_, in_flight_, parked_;
  std::optional<carrier_counters> received_, sent_, delivered_, failed_;
};

}  // namespace lapord::app
