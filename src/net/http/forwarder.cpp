// The forwarder's Asio shell. All state lives on one strand; the decisions (when to take from
// the outbox, what to send next, what an answer means, when to retry, the circuit breaker) are
// forward_machine's: this file does the HTTP, the outbox calls and the timers.
#include "lapord/net/http/forwarder.hpp"

#include <algorithm>
#include <atomic>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "lapord/net/handoff_queue.hpp"
#include "lapord/net/http/bearer_token.hpp"
#include "lapord/net/http/forward_machine.hpp"
#include "lapord/net/http/store_answer.hpp"
#include "lapord/net/http/store_url.hpp"
#include "lapord/net/log_flood.hpp"
#include "net/http/store_connection.hpp"
#include "net/http/store_exchange.hpp"

#ifndef LAPORD_VERSION
#define LAPORD_VERSION "0"
#endif

namespace lapord::net::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

using asio::awaitable;
using asio::use_awaitable;
constexpr auto no_throw = asio::as_tuple(asio::use_awaitable);

using connection = store_connection;

forward_machine_settings machine_settings(const store_api_settings& s) {
  forward_machine_settings m;
  m.in_flight = s.in_flight;
  m.pipeline = s.pipeline;
  m.batch = s.batch;
  m.poll_interval = s.poll_interval;
  m.backoff = s.backoff;
  m.retry_after_max = s.retry_after_max;
  m.breaker = s.breaker;
  return m;
}

}  // namespace

struct forwarder::impl : std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor ex, store_api_settings s, outbox& b)
      : strand(strand_of(ex)),
        settings(std::move(s)),
        box(b),
        url(parse_store_url(settings.url)),
        token(resolve_secret(settings.token, settings.token_env)),
        user_agent(settings.user_agent.empty() ? std::string("lapord/") + LAPORD_VERSION
                                               : settings.user_agent),
        request_prefix(store_request_prefix(url.target, url.host_header, token)),
        machine(machine_settings(settings), std::random_device{}()),
        pump_wake(strand),
        work_wake(strand) {
    if (settings.in_flight == 0) throw std::invalid_argument("store_api in_flight must be >= 1");
    if (settings.pipeline == 0) throw std::invalid_argument("store_api pipeline must be >= 1");
    if (settings.batch == 0) throw std::invalid_argument("store_api batch must be >= 1");
    if (settings.timeout.count() <= 0) throw std::invalid_argument("store_api timeout must be > 0");
    if (url.tls) make_store_tls(tls, settings.tls_verify, settings.ca_file);
    work_wake.expires_at(asio::steady_timer::time_point::max());
  }

  asio::any_io_executor strand;  // a strand (strand_of): every member below runs on it
  store_api_settings settings;
  outbox& box;
  store_url url;
  std::string token;
  std::string user_agent;
  std::string request_prefix;  // the header lines every request carries
  std::optional<ssl::context> tls;
  forward_machine machine;
  asio::steady_timer pump_wake;  // the pump sleeps here: poll interval, notify, room in queue
  asio::steady_timer work_wake;  // idle workers sleep here (never expires; cancel() wakes all)

  bool started = false;
  unsigned running = 0;  // pump + workers still running
  std::function<void()> on_stopped;

  std::atomic<std::uint64_t> forwarded{0}, duplicates{0}, parked{0}, retried{0}, requests{0},
      connects{0}, in_flight{0}, breaker_opened{0}, handed{0};
  std::atomic<int> circuit{static_cast<int>(circuit_state::closed)};

  // Complaints handed over from their commits (send_now), rendered and queued on the strand.
  // Its places plus the machine's queue (as last published) stay within max(batch, in_flight).
  handoff_queue<complaint_record> handed_in{
      std::max(settings.batch, std::size_t{settings.in_flight})};
  std::vector<complaint_record> handed_got;  // take_handed's, kept for its capacity
  // Refs the outbox confirmed (from the store's completion thread, a batch at a time): one
  // post to the strand per batch, not one per complaint (~1k instructions each). No places.
  handoff_queue<std::string> reported_in{0};
  std::vector<std::string> reported_got;  // take_reported's, kept for its capacity
  std::atomic<std::size_t> queued_now{0};
  std::atomic<bool> accepting{false};  // started and not stopping

  void publish_queue() { queued_now.store(machine.queued(), std::memory_order_relaxed); }

  // On the strand: the body rendered here, off the store's writer thread.
  void take_handed() {
    handed_in.take(handed_got);
    const std::uint64_t before = handed;
    for (complaint_record& c : handed_got) {
      // Dropped when stopping: its lease stays, and the next start takes it back.
      if (machine.on_handed({c.ref, complaint_body(c), 0})) ++handed;
    }
    publish_queue();  // before the places are given back: reserve() never sees too few
    handed_in.unreserve(handed_got.size());
    handed_got.clear();
    if (handed != before) work_wake.cancel();
  }

  void publish_circuit() {
    const auto now = std::chrono::steady_clock::now();
    const auto before = static_cast<circuit_state>(circuit.load());
    const auto after = machine.circuit(now);
    circuit = static_cast<int>(after);
    breaker_opened = machine.times_opened();
    if (before == after) return;
    if (after == circuit_state::open) {
      // The store down for an hour re-opens the circuit after every failed probe.
      if (log_flood::shared().admit(spdlog::default_logger(), spdlog::level::warn,
                                    "forwarder: circuit open")) {
        spdlog::warn(
            "forwarder: circuit open after {} failures in a row; store not tried for {} ms",
            machine.failures_in_a_row(), settings.breaker.open_for.count());
      }
    } else if (after == circuit_state::closed) {
      log_flood::shared().clear("forwarder: ");
      spdlog::info("forwarder: circuit closed, the store answers again");
    }
  }

  // The outbox answers on its own thread; continue on the strand. The initiation captures only
  // a raw pointer: g++ 12 may destroy a co_await operand's temporaries twice (GCC PR 100611),
  // which double-released a captured shared_ptr. The pump's `self` keeps the impl alive.
  awaitable<std::vector<outbox_item>> take(std::size_t limit) {
    impl* me = this;
    auto items =
        co_await asio::async_initiate<decltype(use_awaitable), void(std::vector<outbox_item>)>(
            [me, limit](auto handler) {
              auto h = std::make_shared<decltype(handler)>(std::move(handler));
              auto self = me->shared_from_this();
              me->box.take_due(std::chrono::system_clock::now(), limit,
                               [self, h](std::vector<outbox_item> due) {
                                 asio::post(self->strand, [h, due = std::move(due)]() mutable {
                                   std::move (*h)(std::move(due));
                                 });
                               });
            },
            use_awaitable);
    co_return items;
  }

  awaitable<void> sleep_on_pump_wake(asio::steady_timer::time_point until) {
    pump_wake.expires_at(until);
    co_await pump_wake.async_wait(no_throw);
  }

  // `self` keeps the impl alive for as long as the coroutine's frame exists.
  awaitable<void> pump(std::shared_ptr<impl> self) {
    while (!self->machine.stopping()) {
      const auto step = machine.next_take(std::chrono::steady_clock::now());
      if (step.sleep_until) {
        co_await sleep_on_pump_wake(*step.sleep_until);
        if (step.circuit_open) publish_circuit();
        continue;
      }
      auto items = co_await take(step.take);
      const auto after = machine.on_taken(std::move(items), std::chrono::steady_clock::now());
      publish_queue();
      if (after.wake_workers) work_wake.cancel();
      if (after.sleep_until) co_await sleep_on_pump_wake(*after.sleep_until);
    }
  }

  // Ends the step in progress on `c` once its deadline passes (see store_connection).
  awaitable<void> watch([[maybe_unused]] std::shared_ptr<impl> self,
                        std::shared_ptr<connection> c) {
    while (!c->finished) {
      if (c->busy && connection::clock::now() >= c->deadline) c->abort();
      c->watchdog_idle = !c->busy;
      c->watchdog.expires_at(c->busy ? c->deadline : connection::clock::time_point::max());
      co_await c->watchdog.async_wait(no_throw);
    }
  }

  store_dial dial() {
    return {strand,
            url.host,
            url.port,
            url.host_header,
            tls ? &*tls : nullptr,
            settings.tls_verify,
            settings.timeout,
            &connects};
  }

  // Writes the `added` newest requests of `pipe` in one write, connecting first when the
  // connection is closed. False when that failed (the pipe is handed to broken()).
  awaitable<bool> write_added(connection& c, forward_pipe& pipe, std::size_t added,
                              bool& on_reused) {
    c.request.clear();
    for (std::size_t i = pipe.unanswered.size() - added; i < pipe.unanswered.size(); ++i) {
      const outbox_item& item = pipe.unanswered[i];
      append_store_request(c.request, request_prefix, item.ref, user_agent, item.body);
    }
    if (!c.is_open()) {
      const bool connected = co_await connect_store(c, dial());
      c.end();
      if (!connected) {
        broken(pipe, classify_transport_failure("cannot connect to " + url.host_header), false);
        co_return false;
      }
      on_reused = false;
    } else if (pipe.unanswered.size() == added) {
      on_reused = true;  // a kept-alive connection, idle until now: the store may have closed it
    }
    requests += added;
    c.begin(settings.timeout);
    beast::error_code ec;
    if (c.plain) {
      ec = co_await write_to_store(*c.plain, c);
    } else {
      ec = co_await write_to_store(*c.secure, c);
    }
    c.end();
    if (!ec) co_return true;
    const bool stale = on_reused && !c.timed_out && quiet_close(ec);
    broken(pipe, transport_failure(c, ec), stale);
    c.close();
    co_return false;
  }

  // Reads the oldest unanswered request's answer and reports it.
  awaitable<void> read_one(connection& c, forward_pipe& pipe, bool& on_reused) {
    c.begin(settings.timeout);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(connection::answer_limit);
    beast::error_code ec;
    if (c.plain) {
      ec = co_await read_store_answer(*c.plain, c, parser);
    } else {
      ec = co_await read_store_answer(*c.secure, c, parser);
    }
    c.end();
    if (ec) {
      // A kept-alive connection the store closed before it read our requests: they go again
      // on a fresh connection, not counted as failures (no answer byte came).
      const bool stale = on_reused && !parser.got_some() && !c.timed_out && quiet_close(ec);
      c.close();
      broken(pipe, transport_failure(c, ec), stale);
      co_return;
    }
    on_reused = false;
    auto response = parser.release();
    // The watchdog may have closed the socket as the answer came in: the answer stands.
    const bool keep_alive = response.keep_alive() && !c.timed_out;
    if (!keep_alive) c.close();
    std::optional<std::string_view> retry_after;
    if (auto it = response.find(bhttp::field::retry_after); it != response.end()) {
      retry_after = std::string_view(it->value().data(), it->value().size());
    }
    const auto outcome = classify_store_answer(response.result_int(), response.body(), retry_after,
                                               std::chrono::system_clock::now());
    auto done = machine.on_answer(pipe, outcome, keep_alive, std::chrono::steady_clock::now());
    in_flight -= 1 + done.requeued;
    if (done.requeued != 0) work_wake.cancel();
    after_outcome(std::move(done));
  }

  // The connection failed with `pipe`'s requests unanswered (see forward_machine::on_broken).
  void broken(forward_pipe& pipe, const forward_outcome& failure, bool stale) {
    const std::size_t unanswered = pipe.unanswered.size();
    auto done = machine.on_broken(pipe, failure, stale, std::chrono::steady_clock::now());
    in_flight -= unanswered;
    publish_queue();
    if (unanswered > (done ? 1 : 0)) work_wake.cancel();  // re-queued: any worker may take them
    if (done) after_outcome(std::move(*done));
  }

  void after_outcome(outcome_step done) {
    publish_circuit();
    if (done.circuit_changed) {
      work_wake.cancel();  // waiting workers re-check the circuit
      pump_wake.cancel();
    }
    report(std::move(done.report));
  }

  // On the strand: what the outbox confirmed since the last take.
  void take_reported() {
    reported_in.take(reported_got);
    for (const std::string& ref : reported_got)
      machine.on_reported(ref);
    reported_got.clear();
    finish_if_stopped();
  }

  // Carries out one report; the ref stays busy until the outbox confirms.
  void report(outbox_report r) {
    auto done = [self = shared_from_this(), ref = r.ref]() mutable {
      if (self->reported_in.put(std::move(ref))) {
        asio::post(self->strand, [self] { self->take_reported(); });
      }
    };
    switch (r.verdict) {
      case forward_verdict::taken:
        log_flood::shared().clear("forwarder: ");  // one atomic load while nothing is held
        ++forwarded;
        if (r.http_status == 409) ++duplicates;
        box.forwarded(std::move(r.ref), r.http_status, std::move(r.tracking_id), std::move(done));
        return;
      case forward_verdict::parked:
        ++parked;
        // A store refusing every complaint (a wrong token: 401) parks each of them.
        if (log_flood::shared().admit(
                spdlog::default_logger(), spdlog::level::warn,
                fmt::format("forwarder: parked: the store answered {}", r.http_status))) {
          spdlog::warn("forwarder: complaint {} parked: the store answered {}", r.ref,
                       r.http_status);
        }
        box.parked(std::move(r.ref), r.http_status, std::move(r.detail), std::move(done));
        return;
      case forward_verdict::retry:
        break;
    }
    ++retried;
    spdlog::debug("forwarder: complaint {} retried in {} ms: {}", r.ref, r.retry_in.count(),
                  r.detail);
    box.retry_later(std::move(r.ref), std::chrono::system_clock::now() + r.retry_in,
                    std::move(r.detail), r.http_status, std::move(done));
  }

  // One keep-alive connection carrying up to `pipeline` requests at once: it writes what the
  // machine hands it in one write, then reads the answers in order.
  awaitable<void> worker(std::shared_ptr<impl> self) {
    auto conn = std::make_shared<connection>(strand);
    spawn(watch(self, conn));
    connection& c = *conn;
    forward_pipe pipe;
    bool on_reused = false;  // the unanswered requests went out on a kept-alive, idle connection
    for (;;) {
      // An answer (or part of one) already read is taken before more is written: one write
      // then carries what several answers made room for.
      if (pipe.unanswered.empty() || c.buffer.size() == 0) {
        auto step = machine.next_sends(pipe, std::chrono::steady_clock::now());
        publish_queue();
        if (step.what == pipe_step::kind::stop) break;
        if (step.what == pipe_step::kind::wait) {
          co_await work_wake.async_wait(no_throw);
          continue;
        }
        if (step.what == pipe_step::kind::release) {
          for (auto& r : step.released)
            report(std::move(r));
          continue;
        }
        if (step.what == pipe_step::kind::send) {
          publish_circuit();
          if (step.wake_pump) pump_wake.cancel();
          in_flight += step.added;
          if (!co_await write_added(c, pipe, step.added, on_reused)) continue;
        }
      }
      co_await read_one(c, pipe, on_reused);
    }
    c.close();
    c.finished = true;
    c.watchdog.cancel();
  }

  void finish_if_stopped() {
    if (!machine.stopping() || running != 0 || machine.reports_pending() != 0 || !on_stopped) {
      return;
    }
    auto done = std::move(on_stopped);
    on_stopped = nullptr;
    done();
  }

  void spawn(awaitable<void> task) {
    ++running;
    auto self = shared_from_this();
    asio::co_spawn(strand, std::move(task), [self](const std::exception_ptr& e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("forwarder: worker stopped by an error: {}", ex.what());
        }
      }
      --self->running;
      self->finish_if_stopped();
    });
  }
};

forwarder::forwarder(boost::asio::any_io_executor executor, store_api_settings settings,
                     outbox& box)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(settings), box)) {}

forwarder::~forwarder() {
  impl_->accepting = false;
  // Coroutines hold the impl alive; make them finish rather than wait forever.
  asio::post(impl_->strand, [i = impl_] {
    i->machine.stop();
    i->pump_wake.cancel();
    i->work_wake.cancel();
  });
}

void forwarder::start() {
  impl_->accepting = true;  // what is handed over waits for the strand
  asio::post(impl_->strand, [i = impl_] {
    if (i->started) return;
    i->started = true;
    i->spawn(i->pump(i));
    for (unsigned n = 0; n < i->settings.in_flight; ++n)
      i->spawn(i->worker(i));
  });
}

void forwarder::notify() {
  asio::post(impl_->strand, [i = impl_] {
    i->machine.notify();
    i->pump_wake.cancel();
  });
}

bool forwarder::reserve() {
  const impl& i = *impl_;
  return i.accepting.load(std::memory_order_relaxed) &&
         i.circuit.load(std::memory_order_relaxed) == static_cast<int>(circuit_state::closed) &&
         impl_->handed_in.reserve(i.queued_now.load(std::memory_order_relaxed));
}

void forwarder::unreserve() {
  impl_->handed_in.unreserve();
}

void forwarder::send_now(complaint_record&& complaint) {
  if (impl_->handed_in.put(std::move(complaint))) {
    asio::post(impl_->strand, [i = impl_] { i->take_handed(); });
  }
}

void forwarder::stop(std::function<void()> done) {
  impl_->accepting = false;
  asio::post(impl_->strand, [i = impl_, done = std::move(done)]() mutable {
    i->machine.stop();
    i->on_stopped = std::move(done);
    i->pump_wake.cancel();
    i->work_wake.cancel();
    i->finish_if_stopped();
  });
}

forwarder_stats forwarder::stats() const {
  forwarder_stats s;
  s.forwarded = impl_->forwarded;
  s.duplicates = impl_->duplicates;
  s.parked = impl_->parked;
  s.retried = impl_->retried;
  s.requests = impl_->requests;
  s.connects = impl_->connects;
  s.in_flight = impl_->in_flight;
  s.breaker_opened = impl_->breaker_opened;
  s.circuit = static_cast<circuit_state>(impl_->circuit.load());
  s.handed = impl_->handed;
  return s;
}

}  // namespace lapord::net::http
