// Outcomes recorded together (transaction::record_reply_outcomes / record_forward_outcomes):
// the default, for every backend, is the single calls one after the other. SQLite keeps it
// (a statement there is a function call); PostgreSQL overrides it with one statement per kind
// for the lot (postgresql/outcomes.cpp). Delivery receipts (transaction::take_receipt) the
// same: at once by default, a batch's together on PostgreSQL (postgresql/receipts.cpp).
#include "lapord/store/transaction.hpp"

#include "lapord/store/error.hpp"

namespace lapord::store {

namespace {

// Runs `record` for each outcome; one that throws item_failed (its row is gone: the single
// calls throw that before writing anything) is returned, and the next is recorded all the same.
template <class Outcome, class Record>
std::vector<outcome_not_recorded> one_by_one(std::span<const Outcome> outcomes, Record record) {
  std::vector<outcome_not_recorded> out;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    try {
      record(outcomes[i]);
    } catch (const store_error& e) {
      if (e.code() != errc::item_failed) throw;
      out.push_back(outcome_not_recorded{i, e.what()});
    }
  }
  return out;
}

}  // namespace

std::vector<outcome_not_recorded> transaction::record_forward_outcomes(
    std::span<const forward_outcome> outcomes) {
  return one_by_one(outcomes, [this](const forward_outcome& o) {
    switch (o.what) {
      case forward_outcome::kind::forwarded:
        mark_forwarded(o.ref, o.http_status.value_or(0), o.tracking_id, o.at);
        break;
      case forward_outcome::kind::parked:
        park(o.ref, o.http_status.value_or(0), o.text, o.at);
        break;
      case forward_outcome::kind::retry:
        schedule_retry(o.ref, o.at, o.text, o.http_status);
        break;
    }
  });
}

std::vector<outcome_not_recorded> transaction::record_reply_outcomes(
    std::span<const reply_outcome> outcomes) {
  return one_by_one(outcomes, [this](const reply_outcome& o) {
    switch (o.what) {
      case reply_outcome::kind::submitted:
        mark_reply_submitted(o.id, o.message_ids, o.at);
        break;
      case reply_outcome::kind::retry:
        schedule_reply_retry(o.id, o.at, o.error);
        break;
      case reply_outcome::kind::failed:
        mark_reply_failed(o.id, o.error, o.at);
        break;
    }
  });
}

void transaction::take_receipt(const mo_pdu& mo, std::span<const std::string> ids,
                               std::string_view stat, receipt_taken& out) {
  out = receipt_taken{};
  out.received = record_received(mo, redelivery::check);
  if (!out.received.duplicate) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (apply_receipt(mo.carrier, ids[i], stat, mo.received_at) == receipt_outcome::applied) {
        out.applied = static_cast<int>(i);
        break;
      }
    }
  }
  out.ready = true;
}

}  // namespace lapord::store
