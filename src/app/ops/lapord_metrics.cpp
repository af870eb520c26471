#include "lapord/app/ops/lapord_metrics.hpp"

namespace lapord::app::ops {

lapord_metrics::lapord_metrics(std::size_t max_series_per_family)
    : registry(max_series_per_family),
      carrier_bind_up(registry.add_gauge("lapord_carrier_bind_up",
                                         "1 while the bind to the carrier's SMSC is up, else 0.",
                                         {"carrier", "bind"})),
      carrier_reconnects(registry.add_counter("lapord_carrier_reconnects_total",
                                              "Connection attempts after a bind was lost or "
                                              "failed (each scheduled reconnect).",
                                              {"carrier"})),
      smpp_pdus_received(
          registry.add_counter("lapord_smpp_pdus_received_total",
                               "SMPP PDUs received from the SMSC by command and command_status.",
                               {"carrier", "command", "status"})),
      smpp_pdus_sent(
          registry.add_counter("lapord_smpp_pdus_sent_total",
                               "SMPP PDUs sent to the SMSC by command and command_status.",
                               {"carrier", "command", "status"})),
      smpp_window_in_use(registry.add_gauge(
          "lapord_smpp_window_in_use",
          "Requests sent to the SMSC and not yet answered (the SMPP window in use).", {"carrier"})),
      smpp_throttled(registry.add_counter(
          "lapord_smpp_throttle_events_total",
          "submit_sm answered ESME_RTHROTTLED or ESME_RMSGQFUL (submits held, then sent again).",
          {"carrier"})),
      mo_received(registry.add_counter(
          "lapord_mo_received_total",
          "MO (deliver_sm, data_sm) handed to the MO path, receipts and redeliveries included.",
          {"carrier"})),
      complaints_created(registry.add_counter(
          "lapord_complaints_created_total",
          "Complaints created (a ref given), by channel and class of the institution addressed.",
          {"channel", "institution_class"})),
      mo_duplicates(registry.add_counter(
          "lapord_mo_duplicates_total",
          "MO recognised as a redelivery of one stored before, or as a complaint repeated by "
          "its reporter (answered with the first ref).",
          {"kind"})),
      mo_rejected(registry.add_counter(
          "lapord_mo_rejected_total",
          "MO not turned into a complaint because of a policy (rate limit, opt-out, sender).",
          {"reason"})),
      store_commit_batch_size(registry.add_histogram(
          "lapord_store_commit_batch_size", "Work items in each batch the store committed.",
          {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})),
      store_commit_seconds(registry.add_histogram(
          "lapord_store_commit_seconds",
          "Time each batch's COMMIT took (the WAL fsync), as the store reports it.",
          {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5})),
      store_commits(registry.add_counter("lapord_store_commits_total",
                                         "Store batches by result (ok, failed: rolled back).",
                                         {"result"})),
      store_connected(registry.add_gauge(
          "lapord_store_connected",
          "1 while the store's connection is up (PostgreSQL; SQLite: while open), 0 while "
          "lost and reconnecting.")),
      store_reconnects(
          registry.add_counter("lapord_store_reconnects_total",
                               "Times the store's connection was made again after it was lost.")),
      store_failovers(registry.add_counter(
          "lapord_store_failovers_total",
          "Reconnects that reached another PostgreSQL server than before (a failover).")),
      lease_takeovers(registry.add_counter(
          "lapord_lease_takeovers_total",
          "Leased replies and forwards this instance took over: other_instance (their lease "
          "ran out), earlier_epoch (this instance's name before a restart, at start).",
          {"from"})),
      store_waiting(registry.add_gauge(
          "lapord_store_waiting_seconds",
          "Seconds the store's writer has been on its current batch, 0 while idle: grows while "
          "a COMMIT waits for a synchronous standby that is gone (/readyz: [store] "
          "stalled_after_s).")),
      outbox_depth(registry.add_gauge(
          "lapord_outbox_depth",
          "Complaints in the outbox to the national store, by state (sampled).", {"state"})),
      outbox_forwarded(registry.add_counter(
          "lapord_outbox_forwarded_total",
          "Complaints the national store took (HTTP 200/201, or 409: taken before).")),
      outbox_retried(registry.add_counter(
          "lapord_outbox_retried_total",
          "Forward attempts that failed and were scheduled again (5xx, timeout, connection).")),
      outbox_parked(registry.add_counter(
          "lapord_outbox_parked_total",
          "Complaints parked for an operator (the national store answered 4xx).")),
      forwarder_circuit_state(registry.add_gauge(
          "lapord_forwarder_circuit_state",
          "Circuit breaker to the national store: 0 closed, 1 half-open, 2 open.")),
      replies_sent(registry.add_counter(
          "lapord_replies_sent_total",
          "Replies to citizens whose every segment the SMSC accepted (submit_sm_resp ESME_ROK).",
          {"carrier"})),
      replies_delivered(registry.add_counter(
          "lapord_replies_delivered_total",
          "Replies whose every segment has a DELIVRD delivery receipt.", {"carrier"})),
      replies_failed(registry.add_counter(
          "lapord_replies_failed_total",
          "Replies failed for good (refused by the SMSC, attempts used up, or an UNDELIV/"
          "EXPIRED/REJECTD receipt).",
          {"carrier"})),
      ussd_dialogues_open(registry.add_gauge("lapord_ussd_dialogues_open",
                                             "USSD dialogues in progress.", {"carrier"})),
      ready(registry.add_gauge("lapord_ready",
                               "1 when /readyz answers 200 (a carrier bound, the store open, its "
                               "last commit ok, not stopping), else 0.")) {}

}  // namespace lapord::app::ops
