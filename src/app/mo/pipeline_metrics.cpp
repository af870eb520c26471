#include "lapord/app/mo/pipeline_metrics.hpp"

#include "lapord/store/records.hpp"

namespace lapord::app {
namespace {

constexpr std::array<std::string_view, 5> class_names{"provinsi", "kabupaten", "kota", "lembaga",
                                                      "national_desk"};

std::size_t class_index(const std::optional<lapor::institution_kind>& kind) {
  if (!kind) return 4;
  switch (*kind) {
    case lapor::institution_kind::provinsi:
      return 0;
    case lapor::institution_kind::kabupaten:
      return 1;
    case lapor::institution_kind::kota:
      return 2;
    case lapor::institution_kind::lembaga:
      return 3;
  }
  return 3;
}

}  // namespace

carrier_counters::~carrier_counters() {
  node* n = head_.load();
  while (n != nullptr) {
    node* next = n->next;
    delete n;
    n = next;
  }
}

ops::counter carrier_counters::of(std::string_view carrier) {
  node* seen = head_.load(std::memory_order_acquire);
  for (node* n = seen; n != nullptr; n = n->next) {
    if (n->carrier == carrier) return n->counter;
  }
  // First use of this carrier: two threads may both add it, which is harmless (both nodes
  // hold the same series of the family).
  auto* fresh = new node{std::string(carrier), family_.with({carrier}), seen};
  while (!head_.compare_exchange_weak(fresh->next, fresh, std::memory_order_release,
                                      std::memory_order_acquire)) {
  }
  return fresh->counter;
}

std::optional<std::string_view> rejection_of(const ingest_outcome& outcome) {
  if (outcome.effect != ingest_effect::decided || !outcome.decision) return std::nullopt;
  const std::string_view why = outcome.reason;
  // Over the hourly limit: stored with a ref, not forwarded (told once, then silent).
  if (*outcome.decision == lapor::decision_kind::complaint &&
      (why == "rate_limited" || why == "rate_limited_told"))
    return "rate_limited";
  if (*outcome.decision != lapor::decision_kind::ignore) return std::nullopt;
  // lapor::to_string(sender_verdict): nobody to answer, our own number, not a number.
  if (why == "alphanumeric_sender") return "alphanumeric_sender";
  if (why == "service_number") return "own_number";
  if (why == "invalid_sender") return "invalid_sender";
  return std::nullopt;
}

pipeline_metrics::pipeline_metrics(ops::lapord_metrics* metrics) : m_(metrics) {
  if (m_ == nullptr) return;
  constexpr std::array<std::string_view, 2> channels{"sms", "ussd"};
  for (std::size_t c = 0; c < channels.size(); ++c) {
    for (std::size_t k = 0; k < classes; ++k)
      complaints_[c].created[k] = m_->complaints_created.with({channels[c], class_names[k]});
  }
  redelivery_ = m_->mo_duplicates.with({"redelivery"});
  duplicate_complaint_ = m_->mo_duplicates.with({"complaint"});
  rate_limited_ = m_->mo_rejected.with({"rate_limited"});
  alphanumeric_ = m_->mo_rejected.with({"alphanumeric_sender"});
  own_number_ = m_->mo_rejected.with({"own_number"});
  invalid_sender_ = m_->mo_rejected.with({"invalid_sender"});
  pending_ = m_->outbox_depth.with({"pending"});
  in_flight_ = m_->outbox_depth.with({"in_flight"});
  parked_ = m_->outbox_depth.with({"parked"});
  received_.emplace(m_->mo_received);
  sent_.emplace(m_->replies_sent);
  delivered_.emplace(m_->replies_delivered);
  failed_.emplace(m_->replies_failed);
}

void pipeline_metrics::mo_received(std::string_view carrier) {
  if (m_ != nullptr) received_->of(carrier).inc();
}

void pipeline_metrics::committed(lapor::channel channel, std::string_view carrier,
                                 const ingest_outcome& outcome) {
  if (m_ == nullptr) return;
  switch (outcome.effect) {
    case ingest_effect::redelivery:
      redelivery_->inc();
      return;
    case ingest_effect::receipt:
      // Counted as the store filed it (store::receipt_effect_of).
      switch (store::receipt_effect_of(outcome.receipt_stat)) {
        case store::receipt_effect::deliver:
          delivered_->of(carrier).inc();
          break;
        case store::receipt_effect::fail:
          failed_->of(carrier).inc();
          break;
        case store::receipt_effect::none:
          break;
      }
      return;
    case ingest_effect::receipt_unknown:
    case ingest_effect::part_kept:
      return;
    case ingest_effect::decided:
      break;
  }
  const std::size_t ch = channel == lapor::channel::ussd ? 1 : 0;
  if (outcome.complaint_created) {
    complaints_[ch].created[class_index(outcome.institution_kind)]->inc();
  } else if (outcome.decision == lapor::decision_kind::complaint && !outcome.ref.empty()) {
    duplicate_complaint_->inc();  // the same text within the window: the first one's ref
  }
  if (const auto why = rejection_of(outcome)) {
    if (*why == "rate_limited") {
      rate_limited_->inc();
    } else if (*why == "alphanumeric_sender") {
      alphanumeric_->inc();
    } else if (*why == "own_number") {
      own_number_->inc();
    } else {
      invalid_sender_->inc();
    }
  }
}

void pipeline_metrics::replies_sent(std::string_view carrier, std::uint64_t segments) {
  if (m_ != nullptr && segments > 0) sent_->of(carrier).inc(segments);
}

void pipeline_metrics::reply_failed(std::string_view carrier) {
  if (m_ != nullptr) failed_->of(carrier).inc();
}

void pipeline_metrics::outbox_depth(const store::queue_counts& counts) {
  if (m_ == nullptr) return;
  pending_->set(counts.outbox_pending);
  in_flight_->set(counts.outbox_in_flight);
  parked_->set(counts.outbox_parked);
}

std::function<void(const store::backend_event&)> backend_event_hook(
    ops::lapord_metrics* metrics, ops::health_state* health,
    std::function<void(const store::backend_event&)> chained) {
  return [metrics, health, chained = std::move(chained)](const store::backend_event& e) {
    using kind = store::backend_event::kind;
    const bool up = e.what != kind::connection_lost;
    if (e.what != kind::leases_taken_over && health != nullptr) health->store_connection(up);
    if (metrics != nullptr) {
      switch (e.what) {
        case kind::connection_lost:
          metrics->store_connected.set(0);
          break;
        case kind::reconnected:
          metrics->store_connected.set(1);
          metrics->store_reconnects.inc();
          if (e.failover) metrics->store_failovers.inc();
          break;
        case kind::leases_taken_over:
          metrics->lease_takeovers.inc({"other_instance"}, e.leases);
          break;
      }
    }
    if (chained) chained(e);
  };
}

std::function<void(std::size_t, std::chrono::nanoseconds, bool)> commit_hook(
    ops::lapord_metrics* metrics, ops::health_state* health,
    std::function<void(std::size_t, std::chrono::nanoseconds, bool)> chained) {
  return [metrics, health, chained = std::move(chained)](std::size_t items,
                                                         std::chrono::nanoseconds t, bool ok) {
    if (metrics != nullptr) {
      metrics->store_commit_batch_size.observe(static_cast<double>(items));
      metrics->store_commit_seconds.observe(std::chrono::duration<double>(t).count());
      metrics->store_commits.inc({ok ? "ok" : "failed"});
    }
    if (health != nullptr) health->commit_finished(ok, ok ? "" : "see the log");
    if (chained) chained(items, t, ok);
  };
}

}  // namespace lapord::app
