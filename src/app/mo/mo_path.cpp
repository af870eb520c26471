#include "lapord/app/mo/mo_path.hpp"

#include <new>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include "lapord/app/mo/pipeline_metrics.hpp"
#include "lapord/app/ops/access_log.hpp"
#include "lapord/lapor/msisdn.hpp"
#include "lapord/net/log_flood.hpp"

namespace lapord::app {
namespace {

void answer(net::mo_completion& done, smpp::command_status status) noexcept {
  try {
    done(status);
  } catch (...) {  // NOLINT(bugprone-empty-catch): the bind is gone; the SMSC redelivers
  }
}

std::string_view decided_outcome(const ingest_outcome& o) {
  // A STOP or MULAI past [service] replies_per_hour still takes effect: say both facts.
  if (o.decision == lapor::decision_kind::stop) {
    return o.reply_limited ? "opted_out_unanswered" : "opted_out";
  }
  if (o.decision == lapor::decision_kind::start) {
    return o.reply_limited ? "opted_in_unanswered" : "opted_in";
  }
  if (o.reply_limited) return "unanswered_replies_per_hour";
  if (!o.reason.empty()) return o.reason;
  return o.reply_queued ? "answered" : "silent";
}

// read_first's result as a prvalue, for optional::emplace: the reading is constructed where
// it is kept.
struct in_place_reading {
  const lapor::service& service;
  const incoming_mo& mo;
  operator first_reading() const {  // NOLINT(google-explicit-constructor): for emplace only
    return read_first(service, mo);
  }
};

}  // namespace

access_words access_words_of(const ingest_outcome& o) {
  switch (o.effect) {
    case ingest_effect::redelivery:
      return {"redelivery", "acked"};
    case ingest_effect::receipt:
      return {"receipt", o.receipt_stat};
    case ingest_effect::receipt_unknown:
      return {"receipt", "unmatched"};
    case ingest_effect::part_kept:
      return {"part", "kept"};
    case ingest_effect::decided:
      break;
  }
  if (o.complaint_created) return {"complaint", o.forward_queued ? "created" : "held_rate_limited"};
  if (o.decision == lapor::decision_kind::complaint && !o.ref.empty()) {
    return {"duplicate", o.reply_limited ? "unanswered_replies_per_hour" : "answered_first_ref"};
  }
  return {o.decision ? lapor::to_string(*o.decision) : std::string_view("ignore"),
          decided_outcome(o)};
}

// The MO through the whole path, in one savepoint of the group commit.
class mo_path::item final : public store::work_item {
 public:
  // An item is made on the network thread and freed on the completion thread, so malloc never
  // has one in its per-thread cache: each was a large block off the arena's slow path (~0.9k
  // instructions a message). A finished item's block is kept by its path for the next MO.
  static void* operator new(std::size_t size, mo_path& path) { return path.take_block(size); }
  static void operator delete(void* block, mo_path& path) noexcept {  // the constructor threw
    path.give_block(block);
  }
  static void operator delete(item* it, std::destroying_delete_t) noexcept {
    mo_path& path = it->path_;
    it->~item();
    path.give_block(it);
  }

  // Read from the message straight into mo_ (no incoming_mo built elsewhere and moved in).
  item(mo_path& path, const net::mo_message& message, net::mo_completion done)
      : path_(path),
        mo_(read_incoming(message, path.options_.reading)),
        done_(std::move(done)),
        context_(path.context_),
        arrived_(std::chrono::steady_clock::now()) {
    if (path.services_ != nullptr) {
      service_ = path.services_->current();
      context_.service = service_.get();
    }
    reserve_places();
    if (mo_.kind == mo_kind::receipt && path.options_.carriers != nullptr) {
      context_.receipt_id = path.options_.carriers->of(mo_.carrier).receipt_id;
    }
    // Read here, on the thread that received the MO: the writer is the one thread every MO
    // passes through (mo_ingest.hpp, first_reading). A throw leaves it to run(), whose
    // failure the store then reports as for any item.
    if (mo_.kind == mo_kind::message && context_.service != nullptr) {
      try {
        // Built in place in the optional (read_first's result is not moved in: ~0.6k
        // instructions a message, its three strings, the parse and the decision).
        reading_.emplace(in_place_reading{*context_.service, mo_});
      } catch (...) {  // NOLINT(bugprone-empty-catch): run() reads it again and fails there
      }
    }
  }

  void run(store::transaction& tx) override {
    outcome_ = ingest(tx, mo_, context_, reading_ ? &*reading_ : nullptr);
  }
  // Its sender: the duplicate rule, the limits and its long messages' parts are decided on
  // what every instance committed for that citizen (store::work_item::reporter).
  std::string_view reporter() const noexcept override { return mo_.source; }

  void done(std::error_code ec, std::string_view detail) noexcept override;

 private:
  enum class place : unsigned char { none, reserved, refused };
  void reserve_places();
  void hand_on(bool committed) noexcept;

  mo_path& path_;
  incoming_mo mo_;
  net::mo_completion done_;
  std::shared_ptr<const lapor::service> service_;  // this MO's service, whatever a reload does
  ingest_context context_;
  std::optional<first_reading> reading_;  // a whole message's, made before the writer
  std::chrono::steady_clock::time_point arrived_;
  ingest_outcome outcome_;
  place reply_place_ = place::none;
  place forward_place_ = place::none;
};

// Before the item is queued: a place with the reply sender and the forwarder, or the reply /
// forward stored due (their leases dropped) as before the handoff.
void mo_path::item::reserve_places() {
  const mo_path_hooks& h = path_.hooks_;
  // No reply for a receipt; a reply to a carrier this instance cannot send to now (its bind
  // down) is stored due for whichever instance can, without asking for a place.
  if (context_.reply_lease && mo_.kind != mo_kind::receipt &&
      (!h.replies.can_send || h.replies.can_send(mo_.carrier))) {
    reply_place_ = h.replies.reserve() ? place::reserved : place::refused;
  }
  if (reply_place_ != place::reserved) context_.reply_lease.reset();
  // Only a message (or the part that completes one) can file a complaint.
  if (context_.forward_lease && (mo_.kind == mo_kind::message || mo_.kind == mo_kind::part) &&
      h.forwards.reserve()) {
    forward_place_ = place::reserved;
  } else {
    context_.forward_lease.reset();
  }
}

// Only a committed item hands its reply and forward on; a failed one (rolled back, or rerun
// alone and failed) gives its places back. Called once, from done().
void mo_path::item::hand_on(bool committed) noexcept {
  const mo_path_hooks& h = path_.hooks_;
  try {
    if (reply_place_ == place::reserved) {
      if (committed && outcome_.reply) {
        h.replies.send(std::move(*outcome_.reply));
      } else {
        h.replies.unreserve();
      }
    } else if (reply_place_ == place::refused) {
      h.replies.refusal_done();
    }
    if (forward_place_ == place::reserved) {
      if (committed && outcome_.forward) {
        h.forwards.send(std::move(*outcome_.forward));
      } else {
        h.forwards.unreserve();
      }
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): the leases bring them back
  }
  reply_place_ = forward_place_ = place::none;
}

// When the service itself failed on an MO (a bug, a constraint), the MO is still kept as
// received so an operator can look at it, and acknowledged: the SMSC would otherwise redeliver
// a message that fails the same way for ever.
class mo_path::raw_item final : public store::work_item {
 public:
  raw_item(mo_path& path, incoming_mo mo, net::mo_completion done, std::string why,
           std::chrono::steady_clock::time_point arrived)
      : path_(path),
        mo_(std::move(mo)),
        done_(std::move(done)),
        why_(std::move(why)),
        arrived_(arrived) {}

  void run(store::transaction& tx) override { tx.record_received(mo_.pdu()); }
  std::string_view reporter() const noexcept override { return mo_.source; }

  void done(std::error_code ec, std::string_view detail) noexcept override {
    std::unique_ptr<raw_item> self(this);
    if (ec) {
      path_.failed(ec, detail);
      answer(done_, path_.options_.temporary_error);
      path_.access(mo_, "mo", "temporary_error", nullptr, arrived_);
      return;
    }
    path_.kept_raw_.fetch_add(1, std::memory_order_relaxed);
    path_.acked_.fetch_add(1, std::memory_order_relaxed);
    answer(done_, smpp::command_status::esme_rok);
    path_.access(mo_, "mo", "kept_raw", nullptr, arrived_);
    try {
      path_.log_->error("MO from {} to {} kept as received only, not processed: {}",
                        lapor::mask_msisdn(mo_.source), lapor::mask_msisdn(mo_.destination), why_);
    } catch (...) {  // NOLINT(bugprone-empty-catch): logging must not lose the answer
    }
  }

 private:
  mo_path& path_;
  incoming_mo mo_;
  net::mo_completion done_;
  std::string why_;
  std::chrono::steady_clock::time_point arrived_;
};

void mo_path::item::done(std::error_code ec, std::string_view detail) noexcept {
  std::unique_ptr<item> self(this);
  hand_on(!ec);
  if (!ec) {
    settle_receipt(outcome_);  // a receipt's answer, there since the batch's statements ran
    answer(done_, smpp::command_status::esme_rok);
    path_.finished(outcome_, mo_, arrived_);
    if (outcome_.effect == ingest_effect::receipt_unknown) path_.unmatched_receipt(mo_, outcome_);
    return;
  }
  if (ec == store::errc::item_failed) {
    auto* raw =
        new raw_item(path_, std::move(mo_), std::move(done_), std::string(detail), arrived_);
    path_.db_.submit(*raw);
    return;
  }
  path_.failed(ec, detail);
  answer(done_, path_.options_.temporary_error);
  path_.access(mo_, "mo", "temporary_error", nullptr, arrived_);
}

mo_path::mo_path(store::database& db, ingest_context context, mo_path_options options,
                 mo_path_hooks hooks, std::shared_ptr<spdlog::logger> log,
                 const service_holder* services)
    : db_(db),
      context_(context),
      options_(options),
      hooks_(std::move(hooks)),
      log_(std::move(log)),
      services_(services),
      unmatched_receipts_(options.unmatched_receipt_log_every, 256) {
  // A reply or forward taken at insert needs someone to send it; without, it waits for its
  // lease.
  const reply_handoff& r = hooks_.replies;
  if (!r.send || !r.reserve || !r.unreserve || !r.refusal_done) context_.reply_lease.reset();
  const forward_handoff& f = hooks_.forwards;
  if (!f.send || !f.reserve || !f.unreserve) context_.forward_lease.reset();
}

void mo_path::on_mo(net::mo_message&& message, net::mo_completion done) {
  // Decoding happens here, on the network thread; the writer thread only does what needs the
  // store.
  auto* it = new (*this) item(*this, message, std::move(done));
  db_.submit(*it);
}

#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t max_kept_items = 0;  // every item its own block: ASan sees a late use
#else
constexpr std::size_t max_kept_items = 512;  // a few hundred KiB at most, as in flight anyway
#endif

mo_path::item_blocks::item_blocks() {
  free.reserve(max_kept_items);
}

mo_path::item_blocks::~item_blocks() {
  for (void* block : free)
    ::operator delete(block);
}

void* mo_path::take_block(std::size_t size) {
  {
    std::lock_guard lock(blocks_.mutex);
    if (!blocks_.free.empty()) {
      void* block = blocks_.free.back();
      blocks_.free.pop_back();
      return block;
    }
  }
  return ::operator new(size);
}

void mo_path::give_block(void* block) noexcept {
  {
    std::lock_guard lock(blocks_.mutex);
    if (blocks_.free.size() < blocks_.free.capacity()) {
      blocks_.free.push_back(block);
      return;
    }
  }
  ::operator delete(block);
}

void mo_path::access(const incoming_mo& mo, std::string_view kind, std::string_view outcome,
                     const ingest_outcome* committed,
                     std::chrono::steady_clock::time_point arrived) {
  if (hooks_.access == nullptr) return;
  ops::access_record r = ops::access_event("mo", mo.carrier, mo.source, kind, outcome,
                                           std::chrono::duration_cast<std::chrono::microseconds>(
                                               std::chrono::steady_clock::now() - arrived));
  if (committed != nullptr) {
    r.ref = committed->ref;
    r.institution = committed->institution_code;
  }
  hooks_.access->write(r);
}

void mo_path::finished(ingest_outcome& outcome, const incoming_mo& mo,
                       std::chrono::steady_clock::time_point arrived) {
  acked_.fetch_add(1, std::memory_order_relaxed);
  if (hooks_.metrics != nullptr)
    hooks_.metrics->committed(lapor::channel::sms, mo.carrier, outcome);
  const access_words words = access_words_of(outcome);
  access(mo, words.kind, words.outcome, &outcome, arrived);
  if (outcome.effect == ingest_effect::redelivery) {
    redeliveries_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (outcome.complaint_created) complaints_.fetch_add(1, std::memory_order_relaxed);
  // Handed over already (item::hand_on): nothing to wake for those.
  try {
    if (outcome.forward_queued && !outcome.forward && hooks_.forward_queued) {
      hooks_.forward_queued();
    }
    if (outcome.reply_queued && !outcome.reply && hooks_.reply_queued) hooks_.reply_queued();
  } catch (...) {  // NOLINT(bugprone-empty-catch): the pollers still find the work later
  }
}

void mo_path::failed(std::error_code ec, std::string_view detail) {
  temporary_errors_.fetch_add(1, std::memory_order_relaxed);
  // A full disk or the database down fails every MO of every batch: the first few lines, then
  // a count per window (log_flood.hpp), keyed by the error's kind.
  try {
    if (!net::log_flood::shared().admit(log_, spdlog::level::warn,
                                        "store cannot keep MO: " + ec.message())) {
      return;
    }
    log_->warn("store cannot keep MO ({}: {}); answering {} so the SMSC retries ({} so far)",
               ec.message(), detail, smpp::name(options_.temporary_error),
               temporary_errors_.load(std::memory_order_relaxed));
  } catch (...) {  // NOLINT(bugprone-empty-catch)
  }
}

void mo_path::unmatched_receipt(const incoming_mo& mo, const ingest_outcome& outcome) noexcept {
  // A carrier whose receipt ids lapord misreads sends one per reply: one line a minute.
  net::repeat_limiter::verdict v;
  {
    std::lock_guard lock(unmatched_mutex_);
    v = unmatched_receipts_.occur(mo.carrier, std::chrono::steady_clock::now());
  }
  if (!v.log) return;
  try {
    const auto form = options_.carriers != nullptr ? options_.carriers->of(mo.carrier).receipt_id
                                                   : text::receipt_id_form::automatic;
    std::string tried;
    for (const auto& id : outcome.receipt_ids)
      tried += (tried.empty() ? "" : ", ") + id;
    const std::string more = v.suppressed == 0
                                 ? std::string()
                                 : fmt::format("; {} more since the last such line", v.suppressed);
    const auto every =
        std::chrono::duration_cast<std::chrono::seconds>(options_.unmatched_receipt_log_every)
            .count();
    if (outcome.receipt_ids.empty()) {
      log_->warn(
          "receipt from {} ({}) without a message id (no receipted_message_id, no id: in its "
          "text): matches nothing (one such line per {} s at most{})",
          mo.carrier, outcome.receipt_stat, every, more);
      return;
    }
    const auto& r = *mo.receipt;
    const bool both = !r.tlv_id.empty() && !r.text_id.empty() && r.tlv_id != r.text_id;
    log_->warn(
        "receipt from {} ({}) for message id \"{}\"{} matches no reply sent on that carrier; "
        "looked up as {} (receipt_id = \"{}\"): check the carrier's receipt_id (one such line "
        "per {} s at most{})",
        mo.carrier, outcome.receipt_stat, r.text_id.empty() ? r.tlv_id : r.text_id,
        both ? fmt::format(", receipted_message_id \"{}\"", r.tlv_id) : std::string(), tried,
        text::to_string(form), every, more);
  } catch (...) {  // NOLINT(bugprone-empty-catch): logging must not lose the answer
  }
}

mo_path_stats mo_path::stats() const {
  mo_path_stats s;
  s.acked = acked_.load(std::memory_order_relaxed);
  s.redeliveries = redeliveries_.load(std::memory_order_relaxed);
  s.temporary_errors = temporary_errors_.load(std::memory_order_relaxed);
  s.kept_raw = kept_raw_.load(std::memory_order_relaxed);
  s.complaints = complaints_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace lapord::app
