// The pipeline's counts: each committed outcome lands in the series docs/operations.md names.
#include <doctest/doctest.h>

#include "lapord/app/mo/pipeline_metrics.hpp"
#include "lapord/app/ops/lapord_metrics.hpp"

using namespace lapord;
using namespace lapord::app;

namespace {

ingest_outcome decided(lapor::decision_kind kind, std::string reason) {
  ingest_outcome o;
  o.effect = ingest_effect::decided;
  o.decision = kind;
  o.reason = std::move(reason);
  return o;
}

ingest_outcome created(std::optional<lapor::institution_kind> kind) {
  ingest_outcome o = decided(lapor::decision_kind::complaint, "keyword");
  o.complaint_created = true;
  o.ref = "12345678";
  o.institution_kind = kind;
  return o;
}

}  // namespace

TEST_CASE("pipeline metrics: complaints by channel and institution class") {
  ops::lapord_metrics m;
  pipeline_metrics counts(&m);
  counts.committed(lapor::channel::sms, "tsel", created(lapor::institution_kind::kabupaten));
  counts.committed(lapor::channel::sms, "tsel", created(lapor::institution_kind::kabupaten));
  counts.committed(lapor::channel::sms, "tsel", created(std::nullopt));
  counts.committed(lapor::channel::ussd, "tsel", created(lapor::institution_kind::kota));
  CHECK(m.complaints_created.value({"sms", "kabupaten"}) == 2);
  CHECK(m.complaints_created.value({"sms", "national_desk"}) == 1);
  CHECK(m.complaints_created.value({"ussd", "kota"}) == 1);
  CHECK(m.complaints_created.value({"sms", "kota"}) == 0);
  CHECK(m.mo_duplicates.value({"complaint"}) == 0);
}

TEST_CASE("pipeline metrics: duplicates and the real rejection reasons") {
  ops::lapord_metrics m;
  pipeline_metrics counts(&m);
  ingest_outcome again;
  again.effect = ingest_effect::redelivery;
  counts.committed(lapor::channel::sms, "tsel", again);
  ingest_outcome same = decided(lapor::decision_kind::complaint, "duplicate");
  same.ref = "12345678";
  counts.committed(lapor::channel::sms, "tsel", same);
  // Over the hourly limit: a complaint is stored (and counted) but held.
  ingest_outcome held = created(std::nullopt);
  held.reason = "rate_limited_told";
  counts.committed(lapor::channel::sms, "tsel", held);
  counts.committed(lapor::channel::sms, "tsel",
                   decided(lapor::decision_kind::ignore, "alphanumeric_sender"));
  counts.committed(lapor::channel::sms, "tsel",
                   decided(lapor::decision_kind::ignore, "service_number"));
  counts.committed(lapor::channel::sms, "tsel",
                   decided(lapor::decision_kind::ignore, "invalid_sender"));
  // A STOP is not a rejection, nor a help answer.
  counts.committed(lapor::channel::sms, "tsel", decided(lapor::decision_kind::stop, ""));
  counts.committed(lapor::channel::sms, "tsel", decided(lapor::decision_kind::help, "asked"));
  CHECK(m.mo_duplicates.value({"redelivery"}) == 1);
  CHECK(m.mo_duplicates.value({"complaint"}) == 1);
  CHECK(m.complaints_created.value({"sms", "national_desk"}) == 1);
  CHECK(m.mo_rejected.value({"rate_limited"}) == 1);
  CHECK(m.mo_rejected.value({"alphanumeric_sender"}) == 1);
  CHECK(m.mo_rejected.value({"own_number"}) == 1);
  CHECK(m.mo_rejected.value({"invalid_sender"}) == 1);
  CHECK_FALSE(rejection_of(decided(lapor::decision_kind::stop, "")).has_value());
  CHECK_FALSE(rejection_of(decided(lapor::decision_kind::ignore, "receipt")).has_value());
}

TEST_CASE("pipeline metrics: MO, replies and receipts per carrier, outbox depth") {
  ops::lapord_metrics m;
  pipeline_metrics counts(&m);
  for (int i = 0; i < 3; ++i)
    counts.mo_received("tsel");
  counts.mo_received("xl");
  counts.replies_sent("tsel", 2);
  counts.replies_sent("xl", 1);
  counts.reply_failed("xl");
  ingest_outcome r;
  r.effect = ingest_effect::receipt;
  r.receipt_stat = "DELIVRD";
  counts.committed(lapor::channel::sms, "tsel", r);
  r.receipt_stat = "UNDELIV";
  counts.committed(lapor::channel::sms, "xl", r);
  r.receipt_stat = "ENROUTE";  // changes no state
  counts.committed(lapor::channel::sms, "xl", r);
  CHECK(m.mo_received.value({"tsel"}) == 3);
  CHECK(m.mo_received.value({"xl"}) == 1);
  CHECK(m.replies_sent.value({"tsel"}) == 2);
  CHECK(m.replies_delivered.value({"tsel"}) == 1);
  CHECK(m.replies_delivered.value({"xl"}) == 0);
  CHECK(m.replies_failed.value({"xl"}) == 2);
  store::queue_counts c;
  c.outbox_pending = 4;
  c.outbox_in_flight = 1;
  c.outbox_parked = 2;
  counts.outbox_depth(c);
  CHECK(m.outbox_depth.value({"pending"}) == 4);
  CHECK(m.outbox_depth.value({"in_flight"}) == 1);
  CHECK(m.outbox_depth.value({"parked"}) == 2);
}

TEST_CASE("pipeline metrics: without metrics nothing is counted and nothing breaks") {
  pipeline_metrics counts(nullptr);
  counts.mo_received("tsel");
  counts.committed(lapor::channel::sms, "tsel", created(std::nullopt));
  counts.replies_sent("tsel", 1);
  counts.reply_failed("tsel");
  counts.outbox_depth(store::queue_counts{});
}

TEST_CASE("pipeline metrics: the store's connection and lease takeovers, and /readyz") {
  ops::lapord_metrics m;
  ops::health_state health;
  health.set_carriers_configured(1);
  health.store_opened(true);
  health.bind_changed("tsel", true);
  int chained = 0;
  auto hook = backend_event_hook(&m, &health, [&](const store::backend_event&) { ++chained; });
  using kind = store::backend_event::kind;
  hook({kind::connection_lost});
  CHECK(m.store_connected.value({}) == 0);
  CHECK_FALSE(ops::is_ready(health.facts()));
  hook({kind::reconnected, false});
  hook({kind::connection_lost});
  hook({kind::reconnected, true});  // to another server: a failover
  CHECK(m.store_connected.value({}) == 1);
  CHECK(m.store_reconnects.value({}) == 2);
  CHECK(m.store_failovers.value({}) == 1);
  CHECK(ops::is_ready(health.facts()));
  hook({kind::leases_taken_over, false, 3});
  CHECK(m.lease_takeovers.value({"other_instance"}) == 3);
  CHECK(ops::is_ready(health.facts()));
  CHECK(chained == 5);
}
