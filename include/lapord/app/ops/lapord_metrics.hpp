#pragma once
// Every metric lapord exposes, in one place (docs/operations.md lists them with their meaning).
// One object per process, owning its registry:
//   ops::lapord_metrics metrics;
//   metrics.mo_received.inc({carrier});
//   router GET /metrics -> metrics.registry.write_text()
#include "lapord/app/ops/metrics.hpp"

namespace lapord::app::ops {

// Values of lapord_forwarder_circuit_state.
enum class circuit_state_value : std::int64_t { closed = 0, half_open = 1, open = 2 };

struct lapord_metrics {
  explicit lapord_metrics(std::size_t max_series_per_family = 1000);

  ops::registry registry;  // first: every family below is registered in it

  // Carrier links. `bind` is "trx", "tx" or "rx" (as in the log lines).
  gauge_family<2> carrier_bind_up;       // {carrier, bind}: 1 bound, 0 not
  counter_family<1> carrier_reconnects;  // {carrier}
  counter_family<3> smpp_pdus_received;  // {carrier, command, status}
  counter_family<3> smpp_pdus_sent;      // {carrier, command, status}
  gauge_family<1> smpp_window_in_use;    // {carrier}
  counter_family<1> smpp_throttled;      // {carrier}

  // The MO path.
  counter_family<1> mo_received;         // {carrier}
  counter_family<2> complaints_created;  // {channel, institution_class}
  counter_family<1> mo_duplicates;       // {kind}: "redelivery", "complaint"
  counter_family<1> mo_rejected;         // {reason}: "rate_limited", "opted_out", ...

  // The store's writer.
  histogram_family<0> store_commit_batch_size;  // items per committed batch
  histogram_family<0> store_commit_seconds;     // the COMMIT (its fsync), per batch
  counter_family<1> store_commits;              // {result}: "ok", "failed"
  // The store's connection (PostgreSQL; SQLite: connected while open) and its leases, per
  // instance (issue 13).
  gauge_family<0> store_connected;     // 1 connected, 0 lost (reconnecting)
  counter_family<0> store_reconnects;  // connected again after a loss
  counter_family<0> store_failovers;   // ... to another server than before
  counter_family<1> lease_takeovers;   // {from}: "other_instance" (expired), "earlier_epoch"
  // Whole seconds the store's writer has been on its current batch (0 idle): a COMMIT waiting
  // for a lost synchronous standby (set at each scrape, from /readyz's facts).
  gauge_family<0> store_waiting;

  // Forwarding to the national store.
  gauge_family<1> outbox_depth;  // {state}: "pending", "in_flight", "parked"
  counter_family<0> outbox_forwarded;
  counter_family<0> outbox_retried;
  counter_family<0> outbox_parked;
  gauge_family<0> forwarder_circuit_state;  // circuit_state_value

  // Replies to citizens (submit_sm accepted, receipts).
  counter_family<1> replies_sent;       // {carrier}
  counter_family<1> replies_delivered;  // {carrier}
  counter_family<1> replies_failed;     // {carrier}

  // USSD.
  gauge_family<1> ussd_dialogues_open;  // {carrier}

  // 1 when /readyz answers 200, else 0 (for an alert rule; set by the daemon at each scrape).
  gauge_family<0> ready;
};

}  // namespace lapord::app::ops
