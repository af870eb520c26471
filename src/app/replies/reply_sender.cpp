#include "lapord/app/replies/reply_sender.hpp"

#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_set>

#include <spdlog/logger.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "lapord/app/mo/pipeline_metrics.hpp"
#include "lapord/app/ops/access_log.hpp"
#include "lapord/lapor/msisdn.hpp"
#include "lapord/net/handoff_queue.hpp"
#include "lapord/net/log_flood.hpp"
#include "lapord/smpp/command_status.hpp"

namespace lapord::app {
namespace {

store::wall_time wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace

struct reply_sender::impl : std::enable_shared_from_this<impl> {
  impl(boost::asio::any_io_executor executor, store::database& database, net::mt_sender& sender,
       reply_sender_options opts, std::shared_ptr<spdlog::logger> logger)
      : ex(std::move(executor)),
        db(database),
        mt(sender),
        options(std::move(opts)),
        log(std::move(logger)),
        timer(ex) {}

  // One reply whose segments are out; touched by the carriers' thread as answers come.
  struct pending {
    store::reply reply;
    std::mutex mutex;
    std::vector<std::string> message_ids;
    std::error_code first_error;
    std::size_t remaining = 0;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  };

  boost::asio::any_io_executor ex;
  store::database& db;
  net::mt_sender& mt;
  reply_sender_options options;
  std::shared_ptr<spdlog::logger> log;
  boost::asio::steady_timer timer;
  bool stopped = false;
  bool taking = false;
  std::size_t in_flight = 0;
  // Replies of this process between take and the commit of their outcome (executor thread
  // only). A reply whose lease ran out while it waited here (carrier down or throttling for
  // longer than the lease) is taken again by the next poll: it must not go out twice.
  std::unordered_set<std::int64_t> sending;
  std::atomic<std::uint64_t> still_sending{0};
  std::atomic<bool> wake_pending{false};
  // Replies handed over from their MO's commit (already leased to this process), waiting for
  // the executor; any thread adds. `ready`: taken from `fresh` while every slot was busy
  // (executor thread only). A place in `fresh` is held until its reply is sent: above
  // max(max_in_flight, 64) handed over and not sent, new MOs' replies are stored due instead
  // (the poll takes them when there is room), so memory stays bounded under any flood.
  net::handoff_queue<store::reply> fresh{std::max<std::size_t>(options.max_in_flight, 64)};
  std::vector<store::reply> fresh_got;  // take_fresh's, kept for its capacity
  std::deque<store::reply> ready;
  // Once a reserve() found no place (that MO's reply is stored due), every reply is stored due
  // until a take finds nothing more due that ran after all those MOs' items were done, so a
  // later reply never overtakes an earlier one to the same citizen waiting in the store.
  // `refusals` counts reserve()'s refusals, `refusals_done` those MOs' items done (counted on
  // the writer thread after their commit), `caught_up` the refusals_done a take ran after
  // without finding a full batch: replies go straight again when caught_up == refusals.
  std::atomic<std::uint64_t> refusals{0};
  std::atomic<std::uint64_t> refusals_done{0};
  std::atomic<std::uint64_t> caught_up{0};

  bool catching_up() const {
    return caught_up.load(std::memory_order_acquire) != refusals.load(std::memory_order_acquire);
  }
  std::atomic<std::uint64_t> submitted{0};
  std::atomic<std::uint64_t> retried{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> deferred{0};

  store::wall_time now() const { return options.clock ? options.clock() : wall_now(); }

  void poll() {
    if (stopped || taking || in_flight >= options.max_in_flight) return;
    const std::size_t want = std::min(options.batch, options.max_in_flight - in_flight);
    std::optional<std::vector<std::string>> carriers;
    if (options.sending_carriers) {
      carriers = options.sending_carriers();
      if (carriers->empty()) {  // no bind up to send on: nothing to take, ask again later
        arm_timer();
        return;
      }
    }
    taking = true;
    // Refused MOs whose items were done before the take ran: their replies are in the store.
    auto done_before = std::make_shared<std::uint64_t>(0);
    // `this` outlives the item: its completion holds a reference.
    db.submit(
        [this, want, carriers = std::move(carriers), done_before](store::transaction& tx) {
          *done_before = refusals_done.load(std::memory_order_acquire);
          return tx.take_due_replies_to(now(), static_cast<int>(want), options.lease,
                                        carriers ? &*carriers : nullptr);
        },
        [self = shared_from_this(), want, done_before](store::result<std::vector<store::reply>> r) {
          if (r && r.value->size() < want) self->caught_up_to(*done_before);
          boost::asio::post(self->ex, [self, want, r = std::move(r)]() mutable {
            self->taking = false;
            if (!r) {
              // The database down fails every poll (each poll_interval).
              if (net::log_flood::shared().admit(
                      self->log, spdlog::level::warn,
                      "replies: cannot take due replies: " + r.error.message())) {
                self->log->warn("replies: cannot take due replies: {}", r.detail);
              }
              self->arm_timer();
              return;
            }
            net::log_flood::shared().clear("replies: cannot take");
            const bool full = r.value->size() == want;
            for (store::reply& reply : *r.value) {
              if (!self->sending.insert(reply.id).second) {
                self->still_sending.fetch_add(1, std::memory_order_relaxed);
                continue;  // still on its way from the first take: its lease is renewed
              }
              self->send(std::move(reply));
            }
            if (full) {
              self->poll();
            } else {
              self->arm_timer();
            }
          });
        });
  }

  bool reserve() {
    if (!catching_up() && fresh.reserve()) return true;
    // Stored due; so is every reply after it until a take caught up with it.
    refusals.fetch_add(1, std::memory_order_acq_rel);
    deferred.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  // A take that found no full batch ran after `done` refused MOs' items were done.
  void caught_up_to(std::uint64_t done) {
    std::uint64_t c = caught_up.load(std::memory_order_acquire);
    while (c < done && !caught_up.compare_exchange_weak(c, done, std::memory_order_acq_rel)) {
    }
  }

  void hand_over(store::reply&& r) {  // its place was reserved
    if (fresh.put(std::move(r))) {
      boost::asio::post(ex, [self = shared_from_this()] { self->take_fresh(); });
    }
  }

  void take_fresh() {
    fresh.take(fresh_got);
    for (store::reply& r : fresh_got) {
      // Stopping: the lease runs out, or this instance's next start takes it back.
      if (stopped || !sending.insert(r.id).second) {
        fresh.unreserve();
        continue;
      }
      ready.push_back(std::move(r));
    }
    fresh_got.clear();
    pump();
  }

  // Fills the free slots: handed-over replies first, then the store's due ones.
  void pump() {
    while (!stopped && !ready.empty() && in_flight < options.max_in_flight) {
      store::reply r = std::move(ready.front());
      ready.pop_front();
      fresh.unreserve();
      send(std::move(r));
    }
    if (ready.empty()) poll();
  }

  void arm_timer() {
    if (stopped) return;
    timer.expires_after(options.poll_interval);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->poll();
    });
  }

  void wake() {
    if (wake_pending.exchange(true)) return;
    boost::asio::post(ex, [self = shared_from_this()] {
      self->wake_pending = false;
      self->poll();
    });
  }

  void send(store::reply&& reply) {
    std::vector<smpp::submit_sm> segments = reply_segments(
        reply, options,
        options.carriers != nullptr ? options.carriers->of(reply.carrier).source : reply_source{});
    ++in_flight;
    auto p = std::make_shared<pending>();
    p->reply = std::move(reply);
    if (segments.empty()) {
      p->first_error = make_error_code(net::carrier_error::invalid_message);
      finish(p);
      return;
    }
    p->message_ids.resize(segments.size());
    p->remaining = segments.size();
    const std::string carrier = p->reply.carrier;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      mt.submit(carrier, std::move(segments[i]),
                [self = shared_from_this(), p, i](std::error_code status, std::string id) {
                  bool last = false;
                  {
                    std::lock_guard lock(p->mutex);
                    if (status && !p->first_error) p->first_error = status;
                    p->message_ids[i] = text::canonical_message_id(id);
                    last = --p->remaining == 0;
                  }
                  // Recorded from the carrier's thread before it reads the next PDU, so a
                  // receipt right behind the submit_sm_resp finds the message id.
                  if (last) self->finish(p);
                });
    }
  }

  // Every segment answered (any thread): record the outcome, then free the slot.
  void finish(const std::shared_ptr<pending>& p) {
    const reply_verdict verdict =
        judge_reply(p->first_error, p->reply.attempts, options.max_attempts);
    const std::int64_t id = p->reply.id;
    std::string error = p->first_error ? p->first_error.message() : std::string();
    auto delay = options.retry;
    for (int a = 1; a < p->reply.attempts && delay < options.retry_max; ++a)
      delay *= 2;
    delay = std::min(delay, options.retry_max);
    // No carrier link yet (lapord starting) or any more (stopping): soon again, not backed off.
    if (p->first_error == make_error_code(net::carrier_error::shutting_down)) {
      delay = options.poll_interval;
    }
    switch (verdict) {
      case reply_verdict::submitted:
        submitted.fetch_add(1, std::memory_order_relaxed);
        net::log_flood::shared().clear("replies: ");  // one atomic load while nothing is held
        break;
      case reply_verdict::retry:
        retried.fetch_add(1, std::memory_order_relaxed);
        break;
      case reply_verdict::failed:
        failed.fetch_add(1, std::memory_order_relaxed);
        // A carrier refusing every reply fails each of them: keyed by the error, not the number.
        if (net::log_flood::shared().admit(log, spdlog::level::warn,
                                           "replies: failed for good: " + error)) {
          log->warn("reply {} ({}) to {} failed for good after {} attempt(s): {}", id,
                    p->reply.kind, lapor::mask_msisdn(p->reply.destination), p->reply.attempts,
                    error);
        }
        break;
    }
    bool first = false;
    {
      std::lock_guard lock(outcomes_mutex);
      // Built in place from the finished reply's own strings: nothing reads `p` after this.
      outcomes.emplace_back(verdict, id, std::move(p->reply.carrier), std::move(p->message_ids),
                            std::move(error), delay, false, std::move(p->reply.destination),
                            std::move(p->reply.kind), std::move(p->reply.ref).value_or(""),
                            std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - p->started));
      first = !record_queued;
      record_queued = true;
    }
    // One store item records every outcome that finished meanwhile (one per commit under
    // load, not one per reply). It is queued now, before this bind reads its next PDU, so a
    // receipt right behind the submit_sm_resp (queued later) finds the message id.
    if (first) db.submit(*new record_item(shared_from_this()));
  }

  // What finish() decided for one reply, waiting to be recorded.
  struct outcome {
    reply_verdict verdict;
    std::int64_t id;
    std::string carrier;
    std::vector<std::string> message_ids;
    std::string error;
    std::chrono::milliseconds delay;
    bool recorded = false;  // by the last run() (a dropped reply is not)
    // For the access log.
    std::string destination;
    std::string kind;
    std::string ref;
    std::chrono::microseconds latency{0};  // from taking the reply to its last segment's answer
  };

  void access_line(const outcome& o) const {
    if (options.access == nullptr) return;
    std::string what = o.verdict == reply_verdict::submitted ? "sent"
                       : o.verdict == reply_verdict::retry   ? "retry"
                                                             : "failed";
    if (!o.error.empty()) what += ":" + o.error;
    ops::access_record r =
        ops::access_event("mt", o.carrier, o.destination, o.kind, what, o.latency);
    r.ref = o.ref;
    options.access->write(r);
  }
  std::mutex outcomes_mutex;
  std::vector<outcome> outcomes;  // finished, not yet taken by a record_item
  // A recorded batch's vector, emptied and given back with its room: the next batch's
  // outcomes are added without growing a fresh vector reply by reply (on the network thread).
  // At most max_in_flight long, like any batch.
  std::vector<outcome> spare_outcomes;
  bool record_queued = false;  // a record_item is queued and has not taken them yet

  // Records a batch of outcomes in one transaction. run() may be called again (the writer
  // re-runs a batch when another item failed): it takes the outcomes once and keeps them.
  struct record_item final : store::work_item {
    explicit record_item(std::shared_ptr<impl> owner) : self(std::move(owner)) {}
    std::shared_ptr<impl> self;
    std::vector<outcome> mine;
    bool taken = false;

    void take() {
      if (taken) return;
      std::lock_guard lock(self->outcomes_mutex);
      mine.swap(self->outcomes);
      self->outcomes.swap(self->spare_outcomes);  // empty, with an earlier batch's room
      self->record_queued = false;
      taken = true;
    }

    void run(store::transaction& tx) override {
      take();
      const store::wall_time now = self->now();
      // All in one call: one statement per kind on PostgreSQL, not one per reply.
      std::vector<store::reply_outcome> all;
      all.reserve(mine.size());
      for (outcome& o : mine) {
        store::reply_outcome r{o.id, store::reply_outcome::kind::submitted, now, o.message_ids,
                               o.error};
        if (o.verdict == reply_verdict::retry) {
          r.what = store::reply_outcome::kind::retry;
          r.at = now + o.delay;
        } else if (o.verdict == reply_verdict::failed) {
          r.what = store::reply_outcome::kind::failed;
        }
        all.push_back(r);
        o.recorded = true;
      }
      // A reply gone (an operator dropped it) is left out; the others are still recorded.
      for (const auto& n : tx.record_reply_outcomes(all)) {
        mine[n.index].recorded = false;
        if (net::log_flood::shared().admit(self->log, spdlog::level::warn,
                                           "replies: could not record an outcome (item failed)")) {
          self->log->warn("replies: could not record the outcome of reply {}: {}", mine[n.index].id,
                          n.why);
        }
      }
    }

    void done(std::error_code ec, std::string_view detail) noexcept override {
      std::unique_ptr<record_item> owned(this);
      try {
        take();  // never ran (the store is closing): their slots are freed all the same
        if (ec) {
          // The leases run out and the replies are due again: sent twice rather than never.
          if (net::log_flood::shared().admit(
                  self->log, spdlog::level::warn,
                  "replies: could not record outcomes: " + ec.message())) {
            self->log->warn("replies: could not record the outcome of {} replies: {}", mine.size(),
                            detail);
          }
        } else {
          for (const outcome& o : mine) {
            if (!o.recorded) continue;
            self->access_line(o);
            if (self->options.metrics == nullptr) continue;
            if (o.verdict == reply_verdict::submitted) {
              self->options.metrics->replies_sent(o.carrier, o.message_ids.size());
            } else if (o.verdict == reply_verdict::failed) {
              self->options.metrics->reply_failed(o.carrier);
            }
          }
        }
        std::vector<std::int64_t> ids;
        ids.reserve(mine.size());
        for (const outcome& o : mine)
          ids.push_back(o.id);
        boost::asio::post(self->ex, [self = self, ids = std::move(ids)] {
          for (std::int64_t id : ids)
            self->sending.erase(id);
          self->in_flight -= ids.size();
          self->pump();
        });
        mine.clear();
        std::lock_guard lock(self->outcomes_mutex);
        if (mine.capacity() > self->spare_outcomes.capacity()) self->spare_outcomes.swap(mine);
      } catch (...) {  // NOLINT(bugprone-empty-catch): a completion must not throw
      }
    }
  };
};

reply_sender::reply_sender(boost::asio::any_io_executor executor, store::database& db,
                           net::mt_sender& mt, reply_sender_options options,
                           std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<impl>(std::move(executor), db, mt, std::move(options),
                                   std::move(log))) {}

reply_sender::~reply_sender() {
  stop();
}

void reply_sender::start() {
  boost::asio::post(impl_->ex, [self = impl_] { self->poll(); });
}

void reply_sender::notify() {
  impl_->wake();
}

void reply_sender::send_now(store::reply&& reply) {
  impl_->hand_over(std::move(reply));
}

bool reply_sender::reserve() {
  return impl_->reserve();
}

void reply_sender::unreserve() {
  impl_->fresh.unreserve();
}

void reply_sender::refusal_done() {
  impl_->refusals_done.fetch_add(1, std::memory_order_acq_rel);
}

std::chrono::milliseconds reply_sender::lease() const {
  return impl_->options.lease;
}

void reply_sender::stop() {
  boost::asio::post(impl_->ex, [self = impl_] {
    self->stopped = true;
    self->timer.cancel();
  });
}

reply_sender_stats reply_sender::stats() const {
  return {impl_->submitted.load(), impl_->retried.load(), impl_->failed.load(),
          impl_->still_sending.load(), impl_->deferred.load()};
}

}  // namespace lapord::app
