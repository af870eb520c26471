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
#include "lapord/net/log_flood.hpp"
#include "lapord/smpp/command_status.hpp"

namespace lapord::app {
namespace {

store::wall_time wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

bool temporary_status(smpp::command_status s) {
  using smpp::command_status;
  return s == command_status::esme_rsyserr || s == command_status::esme_rmsgqful ||
         s == command_status::esme_rthrottled || s == command_status::esme_rx_t_appn;
}

}  // namespace

std::vector<smpp::submit_sm> reply_segments(const store::reply& reply,
                                            const reply_sender_options& options,
                                            const reply_source& source) {
  text::encode_options enc;
  enc.method = options.concat;
  enc.reference = static_cast<std::uint16_t>(reply.id & 0xFFFF);
  const text::encoded_mt mt = text::encode_mt(reply.text, enc);
  std::vector<smpp::submit_sm> out;
  if (mt.too_long) return out;
  out.reserve(mt.segments.size());
  for (const text::mt_segment& seg : mt.segments) {
    smpp::submit_sm sm;
    sm.source_addr = source.addr.empty() ? reply.source : source.addr;
    // Unless the carrier says otherwise: a short code is network specific (3/0), anything
    // longer a full number (1/1).
    const bool short_code = sm.source_addr.size() <= 6;
    sm.source_addr_ton = source.ton.value_or(short_code ? 3 : 1);
    sm.source_addr_npi = source.npi.value_or(short_code ? 0 : 1);
    sm.destination_addr = reply.destination;
    sm.dest_addr_ton = 1;  // international, as reply_destination() writes it
    sm.dest_addr_npi = 1;
    sm.esm_class = seg.esm_class;
    sm.data_coding = seg.data_coding;
    sm.registered_delivery = options.registered_delivery;
    std::string bytes(seg.bytes.begin(), seg.bytes.end());
    if (options.concat == text::concat_method::message_payload) {
      sm.tlvs.message_payload = std::move(bytes);
    } else {
      sm.short_message = std::move(bytes);
    }
    if (seg.sar) {
      sm.tlvs.sar_msg_ref_num = seg.sar->reference;
      sm.tlvs.sar_total_segments = seg.sar->total;
      sm.tlvs.sar_segment_seqnum = seg.sar->sequence;
    }
    out.push_back(std::move(sm));
  }
  return out;
}

reply_verdict judge_reply(std::error_code first_error, int attempts, int max_attempts) {
  if (!first_error) return reply_verdict::submitted;
  bool temporary = true;
  if (first_error.category() == smpp::command_status_category()) {
    temporary = temporary_status(static_cast<smpp::command_status>(first_error.value()));
  } else if (first_error.category() == net::carrier_category()) {
    const auto e = static_cast<net::carrier_error>(first_error.value());
    temporary =
        e != net::carrier_error::unknown_carrier && e != net::carrier_error::invalid_message;
  }
  if (!temporary) return reply_verdict::failed;
  return attempts >= max_attempts ? reply_verdict::failed : reply_verdict::retry;
}

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
  // (executor thread only). `backlog` counts both, for has_room().
  std::mutex fresh_mutex;
  std::vector<store::reply> fresh;
  std::deque<store::reply> ready;
  std::atomic<std::size_t> backlog{0};
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
    // `this` outlives the item: its completion holds a reference.
    db.submit(
        [this, want, carriers = std::move(carriers)](store::transaction& tx) {
          return tx.take_due_replies_to(now(), static_cast<int>(want), options.lease,
                                        carriers ? &*carriers : nullptr);
        },
        [self = shared_from_this(), want](store::result<std::vector<store::reply>> r) {
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

  // Above this many handed-over replies waiting for a slot, new MOs' replies are stored due
  // instead (the poll takes them when there is room): memory stays bounded under any flood.
  std::size_t backlog_limit() const { return std::max<std::size_t>(options.max_in_flight, 64); }

  void hand_over(store::reply r) {
    bool first = false;
    {
      std::lock_guard lock(fresh_mutex);
      first = fresh.empty();
      fresh.push_back(std::move(r));
    }
    backlog.fetch_add(1, std::memory_order_relaxed);
    if (first) boost::asio::post(ex, [self = shared_from_this()] { self->take_fresh(); });
  }

  void take_fresh() {
    std::vector<store::reply> got;
    {
      std::lock_guard lock(fresh_mutex);
      got.swap(fresh);
    }
    for (store::reply& r : got) {
      // Stopping: the lease runs out, or this instance's next start takes it back.
      if (stopped || !sending.insert(r.id).second) {
        backlog.fetch_sub(1, std::memory_order_relaxed);
        continue;
      }
      ready.push_back(std::move(r));
    }
    // Past the limit only when many MOs passed has_room() at once: the oldest wait for their
    // lease (sent late rather than held without bound).
    while (ready.size() > 2 * backlog_limit()) {
      sending.erase(ready.front().id);
      ready.pop_front();
      backlog.fetch_sub(1, std::memory_order_relaxed);
      deferred.fetch_add(1, std::memory_order_relaxed);
    }
    pump();
  }

  // Fills the free slots: handed-over replies first, then the store's due ones.
  void pump() {
    while (!stopped && !ready.empty() && in_flight < options.max_in_flight) {
      store::reply r = std::move(ready.front());
      ready.pop_front();
      backlog.fetch_sub(1, std::memory_order_relaxed);
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

  void send(store::reply reply) {
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
      outcomes.push_back(outcome{verdict, id, p->reply.carrier, std::move(p->message_ids),
                                 std::move(error), delay, false, std::move(p->reply.destination),
                                 std::move(p->reply.kind), p->reply.ref.value_or(""),
                                 std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - p->started)});
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
  bool record_queued = false;     // a record_item is queued and has not taken them yet

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

void reply_sender::send_now(store::reply reply) {
  impl_->hand_over(std::move(reply));
}

bool reply_sender::has_room() const {
  return impl_->backlog.load(std::memory_order_relaxed) < impl_->backlog_limit();
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
