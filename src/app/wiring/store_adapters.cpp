#include "lapord/app/wiring/store_adapters.hpp"

#include <mutex>

#include <spdlog/logger.h>

#include "lapord/app/mo/mo_ingest.hpp"
#include "lapord/lapor/msisdn.hpp"
#include "lapord/net/http/complaint_body.hpp"
#include "lapord/net/http/timestamp.hpp"
#include "lapord/net/log_flood.hpp"

namespace lapord::app {
namespace {

store::wall_time wall(std::chrono::system_clock::time_point t) {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

store::wall_time wall_now() {
  return wall(std::chrono::system_clock::now());
}

// Reports a store failure of a forwarding step once; the lease brings the item back anyway.
template <class Result>
void log_failure(const std::shared_ptr<spdlog::logger>& log, const char* what,
                 const std::string& ref, const Result& r) {
  if (r) return;
  try {
    // The database down fails every complaint's step: keyed by the step and the error's kind.
    if (!net::log_flood::shared().admit(
            log, spdlog::level::warn,
            fmt::format("outbox: could not record {}: {}", what, r.error.message()))) {
      return;
    }
    log->warn("outbox: could not record {} for {}: {}", what, ref, r.detail);
  } catch (...) {  // NOLINT(bugprone-empty-catch)
  }
}

}  // namespace

// --- outbox --------------------------------------------------------------------------------

std::function<void(store::backend_log, std::string_view)> store_log_hook(
    std::shared_ptr<spdlog::logger> log) {
  return [log = std::move(log)](store::backend_log level, std::string_view line) {
    const std::string text = lapor::mask_numbers_in_text(line);
    switch (level) {
      case store::backend_log::info:
        log->info("{}", text);
        break;
      case store::backend_log::warn:
        log->warn("{}", text);
        break;
      case store::backend_log::error:
        log->error("{}", text);
        break;
    }
  };
}

store_outbox::store_outbox(store::database& db, std::chrono::milliseconds lease,
                           std::shared_ptr<spdlog::logger> log)
    : db_(db), lease_(lease), log_(std::move(log)), outcomes_(std::make_shared<outcomes>()) {}

void store_outbox::take_due(clock::time_point now, std::size_t limit,
                            std::function<void(std::vector<net::http::outbox_item>)> done) {
  db_.submit(
      [now, limit, lease = lease_](store::transaction& tx) {
        return tx.take_due_forwards(wall(now), static_cast<int>(limit), lease);
      },
      [done = std::move(done), log = log_](store::result<std::vector<store::forward>> r) {
        std::vector<net::http::outbox_item> items;
        if (!r) {
          log_failure(log, "a lease", "the due forwards", r);
        } else {
          items.reserve(r.value->size());
          for (store::forward& f : *r.value) {
            std::string body = forward_body(f);
            if (body.empty()) {  // no complaint row: left pending, said once a lease
              try {
                log->error("outbox: {} has no complaint row to build its body from", f.ref);
              } catch (...) {  // NOLINT(bugprone-empty-catch)
              }
              continue;
            }
            // The store counts this attempt; the forwarder wants the failures so far.
            items.push_back({std::move(f.ref), std::move(body),
                             static_cast<unsigned>(f.attempts > 0 ? f.attempts - 1 : 0)});
          }
        }
        done(std::move(items));
      });
}

// What the forwarder reported for one item, waiting to be recorded with the others.
struct store_outbox::outcome {
  enum class kind { forwarded, parked, retry } what;
  std::string ref;
  unsigned http_status = 0;
  std::optional<std::string> tracking_id;  // forwarded
  std::string text;                        // parked: the store's answer; retry: the error
  store::wall_time next_at{};              // retry
  std::function<void()> done;
  std::string failed;  // why it could not be recorded (the ref is gone), or empty
};

struct store_outbox::outcomes {
  std::mutex mutex;
  std::vector<outcome> waiting;  // reported, not yet taken by a record_item
  // A recorded batch's emptied vector, for the next: a fresh one grew by reallocation, each
  // outcome moved several times per batch (~0.4k instructions a forward).
  std::vector<outcome> spare;
  bool queued = false;  // a record_item is queued and has not taken them yet
};

// Records every outcome reported meanwhile in one item (one per commit under load, not one
// per forward). run() may be called again (the writer re-runs a batch when another item
// failed): it takes the outcomes once and keeps them.
struct store_outbox::record_item final : store::work_item {
  record_item(std::shared_ptr<outcomes> from, std::shared_ptr<spdlog::logger> logger)
      : shared(std::move(from)), log(std::move(logger)) {}
  std::shared_ptr<outcomes> shared;
  std::shared_ptr<spdlog::logger> log;
  std::vector<outcome> mine;
  bool taken = false;

  void take() {
    if (taken) return;
    std::lock_guard lock(shared->mutex);
    mine.swap(shared->waiting);
    shared->waiting.swap(shared->spare);
    shared->queued = false;
    taken = true;
  }

  // The outcomes are done with: their vector's capacity goes back for a later batch.
  void give_back() noexcept {
    mine.clear();
    std::lock_guard lock(shared->mutex);
    if (shared->spare.capacity() < mine.capacity()) shared->spare.swap(mine);
  }

  void run(store::transaction& tx) override {
    take();
    const store::wall_time now = wall_now();
    // All in one call: one statement per kind on PostgreSQL, not one per forward.
    std::vector<store::forward_outcome> all;
    all.reserve(mine.size());
    for (outcome& o : mine) {
      o.failed.clear();
      store::forward_outcome f{o.ref,        store::forward_outcome::kind::forwarded,
                               now,          static_cast<int>(o.http_status),
                               std::nullopt, o.text};
      if (o.what == outcome::kind::forwarded) {
        if (o.tracking_id) f.tracking_id = *o.tracking_id;
      } else if (o.what == outcome::kind::parked) {
        f.what = store::forward_outcome::kind::parked;
      } else {
        f.what = store::forward_outcome::kind::retry;
        f.at = o.next_at;
        if (o.http_status == 0) f.http_status.reset();
      }
      all.push_back(f);
    }
    // No such outbox row: left out, the others are still recorded. Anything else throws and
    // fails the batch (retried by the lease).
    for (auto& n : tx.record_forward_outcomes(all))
      mine[n.index].failed = std::move(n.why);
  }

  void done(std::error_code ec, std::string_view detail) noexcept override {
    std::unique_ptr<record_item> owned(this);
    take();  // never ran (the store is closing): every done() still runs
    for (outcome& o : mine) {
      if (ec || !o.failed.empty()) {
        const char* what = o.what == outcome::kind::forwarded ? "forwarded"
                           : o.what == outcome::kind::parked  ? "parked"
                                                              : "a retry";
        try {
          const std::string key = fmt::format("outbox: could not record {}: {}", what,
                                              ec ? ec.message() : std::string("item failed"));
          if (net::log_flood::shared().admit(log, spdlog::level::warn, key)) {
            log->warn("outbox: could not record {} for {}: {}", what, o.ref,
                      ec ? std::string(detail) : o.failed);
          }
        } catch (...) {  // NOLINT(bugprone-empty-catch)
        }
      }
      try {
        if (o.done) o.done();
      } catch (...) {  // NOLINT(bugprone-empty-catch): a completion must not throw
      }
    }
    give_back();
  }
};

void store_outbox::record(outcome o) {
  bool first = false;
  {
    std::lock_guard lock(outcomes_->mutex);
    outcomes_->waiting.push_back(std::move(o));
    first = !outcomes_->queued;
    outcomes_->queued = true;
  }
  if (first) db_.submit(*new record_item(outcomes_, log_));
}

void store_outbox::forwarded(std::string ref, unsigned http_status,
                             std::optional<std::string> tracking_id, std::function<void()> done) {
  record(outcome{outcome::kind::forwarded,
                 std::move(ref),
                 http_status,
                 std::move(tracking_id),
                 {},
                 {},
                 std::move(done),
                 {}});
}

void store_outbox::parked(std::string ref, unsigned http_status, std::string answer,
                          std::function<void()> done) {
  record(outcome{outcome::kind::parked,
                 std::move(ref),
                 http_status,
                 std::nullopt,
                 std::move(answer),
                 {},
                 std::move(done),
                 {}});
}

void store_outbox::retry_later(std::string ref, clock::time_point next_at, std::string error,
                               unsigned http_status, std::function<void()> done) {
  record(outcome{outcome::kind::retry,
                 std::move(ref),
                 http_status,
                 std::nullopt,
                 std::move(error),
                 wall(next_at),
                 std::move(done),
                 {}});
}

// --- callback API ------------------------------------------------------------------------------

event_effect apply_event(store::transaction& tx, const lapor::service& service,
                         std::string_view ref, const net::http::complaint_event& event,
                         store::wall_time now) {
  const std::string_view status = net::http::to_string(event.status);
  store::status_event_view e;
  e.ref = ref;
  e.status = status;
  e.at = event.at;
  if (event.institution) e.institution = *event.institution;
  if (event.message) e.message = *event.message;
  e.received_at = now;
  event_effect effect;
  effect.outcome = tx.add_event(e);
  if (effect.outcome != store::event_outcome::applied) return effect;
  std::optional<store::complaint> c = tx.complaint_by_ref(ref);
  if (!c || tx.opted_out(c->reporter)) return effect;
  const std::string text =
      service.notification(ref, state_of(status), c->institution ? c->institution->code : "",
                           event.message.value_or(""));
  const std::string destination = reply_destination(c->reporter);
  store::new_reply r;
  r.carrier = c->carrier;
  r.source = c->service_number;
  r.destination = destination;
  r.text = text;
  r.kind = "notification";
  r.ref = ref;
  r.created_at = now;
  tx.enqueue_reply(r);
  effect.notified = true;
  return effect;
}

net::http::complaint_view to_api_view(const store::complaint_view& v) {
  net::http::complaint_view out;
  out.ref = v.complaint.ref;
  out.status = v.complaint.status;
  out.complaint = net::http::complaint_body(complaint_record_of(v.complaint));
  if (v.complaint.institution) out.routed_by = v.complaint.institution->routed_by;
  for (const store::status_event& e : v.events) {
    out.events.push_back({e.status, net::http::format_rfc3339(e.at), e.institution, e.message});
  }
  if (!v.forwarding) {
    out.forward.state = "held";  // never queued: over the reporter's hourly limit
  } else {
    const store::forwarding& f = *v.forwarding;
    const bool refused =
        f.state == store::forward_state::parked || f.state == store::forward_state::dropped;
    out.forward.state = f.state == store::forward_state::forwarded ? "forwarded"
                        : f.state == store::forward_state::parked  ? "parked"
                        : f.state == store::forward_state::dropped ? "dropped"
                                                                   : "pending";
    out.forward.attempts = static_cast<unsigned>(f.attempts);
    out.forward.tracking_id = v.complaint.tracking_id;
    if (f.next_attempt_at && f.state != store::forward_state::forwarded && !refused) {
      out.forward.next_attempt_at = net::http::format_rfc3339(*f.next_attempt_at);
    }
    if (refused) {
      out.forward.last_error = f.answer ? f.answer : f.last_error;
      if (f.http_status) out.forward.http_status = static_cast<unsigned>(*f.http_status);
    } else {
      out.forward.last_error = f.last_error;
    }
  }
  return out;
}

store_complaint_events::store_complaint_events(store::database& db, const service_holder& services,
                                               std::function<void()> reply_queued,
                                               std::shared_ptr<spdlog::logger> log)
    : db_(db), services_(services), reply_queued_(std::move(reply_queued)), log_(std::move(log)) {}

void store_complaint_events::add_event(std::string ref, net::http::complaint_event event,
                                       std::function<void(net::http::event_result)> done) {
  db_.submit(
      [service = services_.current(), ref, event = std::move(event)](store::transaction& tx) {
        return apply_event(tx, *service, ref, event, wall_now());
      },
      [this, ref, done = std::move(done)](store::result<event_effect> r) {
        using net::http::event_result;
        if (!r) {
          try {
            if (net::log_flood::shared().admit(
                    log_, spdlog::level::warn,
                    fmt::format("events: not stored: {}", r.error.message()))) {
              log_->warn("event for {} not stored: {}", ref, r.detail);
            }
          } catch (...) {  // NOLINT(bugprone-empty-catch)
          }
          done(event_result::failed);
          return;
        }
        if (r.value->notified && reply_queued_) reply_queued_();
        switch (r.value->outcome) {
          case store::event_outcome::applied:
            done(event_result::applied);
            return;
          case store::event_outcome::duplicate:
            done(event_result::duplicate);
            return;
          case store::event_outcome::unknown_ref:
            done(event_result::unknown_ref);
            return;
        }
        done(event_result::failed);
      });
}

void store_complaint_events::find_complaint(
    std::string ref,
    std::function<void(net::http::lookup_result, net::http::complaint_view)> done) {
  db_.submit([ref](store::transaction& tx) { return tx.complaint_view_by_ref(ref); },
             [done = std::move(done)](store::result<std::optional<store::complaint_view>> r) {
               using net::http::lookup_result;
               if (!r) {
                 done(lookup_result::failed, {});
               } else if (!*r.value) {
                 done(lookup_result::unknown_ref, {});
               } else {
                 done(lookup_result::found, to_api_view(**r.value));
               }
             });
}

}  // namespace lapord::app
