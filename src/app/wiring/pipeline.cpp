#include "lapord/app/wiring/pipeline.hpp"

#include <pthread.h>
#include <future>
#include <stdexcept>
#include <thread>

#include <spdlog/logger.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "lapord/app/admin/admin_routes.hpp"
#include "lapord/app/admin/ops_routes.hpp"
#include "lapord/app/config/service_setup.hpp"
#include "lapord/app/mo/pipeline_metrics.hpp"
#include "lapord/app/ops/health.hpp"
#include "lapord/app/ops/lapord_metrics.hpp"
#include "lapord/app/ussd/ussd_path.hpp"
#include "lapord/app/wiring/store_adapters.hpp"
#include "lapord/net/http/api_router.hpp"
#include "lapord/net/http/api_server.hpp"
#include "lapord/net/http/bearer_token.hpp"
#include "lapord/net/http/complaint_api.hpp"
#include "lapord/net/http/forwarder.hpp"
#include "lapord/net/log_flood.hpp"

namespace lapord::app {
namespace {

using namespace std::chrono_literals;

std::chrono::milliseconds expiry_interval(std::chrono::milliseconds part_timeout) {
  return std::min<std::chrono::milliseconds>(
      30s, std::max<std::chrono::milliseconds>(1s, part_timeout / 4));
}
}  // namespace

struct pipeline::impl {
  impl(pipeline_settings s, const service_holder& svc, const lapor::ref_generator& r,
       net::mt_sender& sender, const pipeline_loggers& loggers, const daemon_hooks& h)
      : settings(std::move(s)),
        hooks(h),
        services(svc),
        refs(r),
        mt(sender),
        mo_log(loggers("mo")),
        store_log(loggers("store")),
        reply_log(loggers("replies")),
        forward_log(loggers("forward")),
        api_log(loggers("api")),
        counts(h.metrics),
        guard(io.get_executor()),
        expiry_timer(io),
        depth_timer(io) {}

  pipeline_settings settings;
  daemon_hooks hooks;
  const service_holder& services;
  const lapor::ref_generator& refs;
  net::mt_sender& mt;
  std::shared_ptr<spdlog::logger> mo_log, store_log, reply_log, forward_log, api_log;
  pipeline_metrics counts;  // before everything that counts into it

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
  std::unique_ptr<store::database> db;
  // /readyz asks the store how long its batch waits (a lost synchronous standby): told to
  // stop asking before the store goes, whichever way the pipeline ends.
  struct store_watch {
    ops::health_state* health = nullptr;
    void end() noexcept {
      if (health != nullptr) health->watch_store({}, {});
      health = nullptr;
    }
    ~store_watch() { end(); }
  } watch;
  std::unique_ptr<reply_sender> replies;
  std::unique_ptr<store_outbox> outbox;
  std::unique_ptr<net::http::forwarder> forwarder;
  std::unique_ptr<store_complaint_events> events;
  std::unique_ptr<net::http::api_router> router;
  std::unique_ptr<net::http::api_server> server;
  // The operator's listener ([admin]): /metrics, /healthz, /readyz and the admin API. Routes
  // are added before admin_server starts (the router is not changed while it serves).
  std::unique_ptr<net::http::api_router> admin_router;
  std::unique_ptr<net::http::api_server> admin_server;
  std::unique_ptr<admin_api> admin;  // the /admin/v1 routes' own thread; goes before db
  std::unique_ptr<mo_path> mo;
  std::unique_ptr<ussd_path> ussd;  // nullptr without [ussd]
  boost::asio::steady_timer expiry_timer;
  boost::asio::steady_timer depth_timer;  // lapord_outbox_depth, sampled every 5 s
  bool stopping = false;
  std::thread thread;

  // Totals the forwarder keeps itself, copied into their series before each scrape (on this
  // thread, where the admin server runs).
  void collect_forwarder() const {
    if (hooks.metrics == nullptr || !forwarder) return;
    const auto st = forwarder->stats();
    auto& mx = *hooks.metrics;
    mx.outbox_forwarded.mirror(st.forwarded);
    mx.outbox_retried.mirror(st.retried);
    mx.outbox_parked.mirror(st.parked);
    using cs = net::http::circuit_state;
    const auto v = st.circuit == cs::open        ? ops::circuit_state_value::open
                   : st.circuit == cs::half_open ? ops::circuit_state_value::half_open
                                                 : ops::circuit_state_value::closed;
    mx.forwarder_circuit_state.set(static_cast<std::int64_t>(v));
  }

  void start_admin(const std::string& file) {
    const admin_section& a = settings.admin;
    // Two instances on one host must not fight over a port nobody asked for: no table, no
    // listener.
    if (!a.present) {
      api_log->warn(
          "no [admin] table: no admin listener (no /metrics, /healthz, /readyz or admin API); "
          "add [admin] with listen = \"127.0.0.1:8471\" to have them");
      return;
    }
    if (a.listen.empty()) {
      api_log->warn("[admin] listen = \"\": no /metrics, /healthz, /readyz or admin API");
      return;
    }
    std::string token;
    try {
      token = net::http::resolve_secret(a.token, a.token_env);
    } catch (const std::invalid_argument& e) {
      throw config_error(file, 0, std::string("[admin] ") + e.what());
    }
    const bool has_token = !token.empty();
    admin_router = std::make_unique<net::http::api_router>(net::http::bearer_token(token));
    add_ops_routes(*admin_router, hooks, [this] { collect_forwarder(); });
    admin_backend b;
    b.db = db.get();
    b.bind_states = hooks.bind_states;
    b.reload = hooks.reload;
    b.mt = &mt;
    b.forward_queued = [this] {
      if (forwarder) forwarder->notify();
    };
    if (forwarder) b.forwarder = [this] { return std::optional(forwarder->stats()); };
    b.log = api_log;
    b.carriers = hooks.carriers;
    admin_settings as;
    const auto& numbers = services.current()->options().service_numbers;
    if (!numbers.empty()) as.service_number = numbers.front();
    as.concat = settings.store.reply_concat;
    admin = std::make_unique<admin_api>(std::move(b), as);
    add_admin_routes(*admin_router, *admin);
    net::http::api_settings listen;
    listen.listen = a.listen;
    listen.max_connections = 64;
    admin_server =
        std::make_unique<net::http::api_server>(io.get_executor(), listen, *admin_router);
    try {
      admin_server->start();
    } catch (const std::exception& e) {
      throw std::runtime_error("[admin] cannot listen on " + a.listen + ": " + e.what());
    }
    api_log->info("admin listener on {}:{} (/metrics, /healthz, /readyz{})",
                  a.listen.substr(0, a.listen.rfind(':')), admin_server->port(),
                  has_token ? ", admin API" : "; no admin token: the admin API answers 403");
  }

  ingest_context context(const lapor::service& service) const {
    return ingest_context{&service, &refs, text::reassembly_options{settings.store.part_timeout}};
  }

  void schedule_expiry() {
    expiry_timer.expires_after(expiry_interval(settings.store.part_timeout));
    expiry_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping) return;
      release_expired();
    });
  }

  void release_expired() {
    // One service for the whole batch, kept alive until it ran (a reload may swap meanwhile).
    auto service = services.current();
    const ingest_context ctx = context(*service);
    db->submit(
        [ctx, service](store::transaction& tx) {
          return release_expired_parts(tx, ctx,
                                       std::chrono::time_point_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now()));
        },
        [this](store::result<std::vector<ingest_outcome>> r) {
          if (!r) {
            net::log_flood::shared().warn(
                store_log, "store: cannot release expired long messages: " + r.error.message(),
                "cannot release expired long messages now: {}", r.detail);
          } else if (!r.value->empty()) {
            store_log->info("released {} long message(s) whose parts did not all arrive",
                            r.value->size());
            for (const ingest_outcome& o : *r.value) {
              counts.committed(lapor::channel::sms, {}, o);
              if (o.forward_queued && forwarder) forwarder->notify();
              if (o.reply_queued) replies->notify();
            }
          }
          boost::asio::post(io, [this] {
            if (stopping) return;
            expire_received();
            schedule_expiry();
          });
        });
  }

  // Received MO past [store] received_retention_hours, deleted in steps of at most
  // received_step rows, each its own work item: the next step is queued behind whatever came
  // in meanwhile, so the writer never holds one long DELETE (docs/store.md "Retention").
  static constexpr int received_step = 256;
  void expire_received() {
    if (settings.store.received_retention.count() == 0) return;
    const store::wall_time before = std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now() - settings.store.received_retention);
    db->submit(
        [before](store::transaction& tx) { return tx.expire_received(before, received_step); },
        [this](store::result<std::int64_t> r) {
          if (!r) {
            net::log_flood::shared().warn(
                store_log, "store: cannot delete old received MO: " + r.error.message(),
                "cannot delete old received MO now: {}", r.detail);
          } else if (*r.value == received_step) {
            boost::asio::post(io, [this] {
              if (!stopping) expire_received();
            });
          }
        });
  }

  // The outbox counts are a query (an index range each): sampled, not kept up to date per row.
  void sample_depth() {
    db->submit([](store::transaction& tx) { return tx.counts(); },
               [this](store::result<store::queue_counts> r) {
                 if (r) {
                   counts.outbox_depth(*r.value);
                 } else {
                   store_log->debug("cannot count the outbox now: {}", r.detail);
                 }
                 boost::asio::post(io, [this] {
                   if (!stopping) schedule_depth(5s);
                 });
               });
  }

  void schedule_depth(std::chrono::milliseconds after) {
    depth_timer.expires_after(after);
    depth_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping) return;
      sample_depth();
    });
  }

  // Every COMMIT attempt (on the writer thread) feeds the store's metrics and readiness; the
  // backend's log lines go to the store's log, numbers masked.
  void watch_commits() {
    store::database_options& o = settings.store.database;
    if (hooks.metrics != nullptr || hooks.health != nullptr) {
      o.on_commit = commit_hook(hooks.metrics, hooks.health, std::move(o.on_commit));
      o.on_backend_event =
          backend_event_hook(hooks.metrics, hooks.health, std::move(o.on_backend_event));
    }
    if (!o.on_log) o.on_log = store_log_hook(store_log);
  }

  // Opens the store and begins this start's lease epoch.
  void open_store() {
    // The store never sees the ref key, only this inverse (of refs of every length: ref_digits
    // may have been raised since a complaint was filed); and the duplicate rule's folding.
    settings.store.database.ref_number = [gen = refs](auto ref) { return gen.number_of(ref); };
    settings.store.database.duplicate_key = lapor::duplicate_key;
    db = std::make_unique<store::database>(settings.store.database);
    if (hooks.health != nullptr) {
      hooks.health->store_opened(true);
      hooks.health->watch_store([db = db.get()] { return db->busy_for(); },
                                settings.store.stalled_after);
      watch.health = hooks.health;
    }
    // On PostgreSQL the path is unused: naming it would send an operator to the wrong place (and
    // the URL may hold a password: never logged).
    const auto& where = settings.store.database;
    store_log->info("store {} open (schema version {})",
                    where.backend == store::store_backend::postgresql ? "PostgreSQL" : where.path,
                    db->schema_version());
    // Before anything is taken: this start's leases carry a new epoch, and what an earlier
    // process of this instance still held (it was killed) is due again now, not after its lease.
    const std::string instance = settings.store.instance;
    const store::lease_epoch epoch = db->call([&instance](store::transaction& tx) {
      return tx.begin_epoch(instance, std::chrono::time_point_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now()));
    });
    store_log->info(
        "instance {} epoch {}: took back {} reply lease(s) and {} forward lease(s) of earlier "
        "epochs",
        instance, epoch.epoch, epoch.replies_taken_back, epoch.forwards_taken_back);
    if (hooks.metrics != nullptr) {
      hooks.metrics->store_connected.set(1);
      hooks.metrics->lease_takeovers.inc(
          {"earlier_epoch"},
          static_cast<std::uint64_t>(epoch.replies_taken_back + epoch.forwards_taken_back));
    }
  }

  void make_replies() {
    reply_sender_options ro;
    ro.batch = settings.store.reply_batch;
    ro.max_in_flight = settings.store.reply_in_flight;
    ro.retry = settings.store.reply_retry;
    ro.max_attempts = settings.store.reply_max_attempts;
    ro.concat = settings.store.reply_concat;
    ro.metrics = &counts;
    ro.access = hooks.access;
    ro.carriers = hooks.carriers;
    if (hooks.health != nullptr) {
      // Replies to a carrier this instance has no bind to are left to one that has (issue 13).
      ro.sending_carriers = [health = hooks.health] { return health->sending_carriers(); };
    }
    replies = std::make_unique<reply_sender>(io.get_executor(), *db, mt, ro, reply_log);
  }

  // [store_api]: the outbox and the forwarder (absent: complaints wait in the outbox).
  void make_forwarder(const std::string& file) {
    if (settings.store_api) {
      const auto lease = net::http::forward_lease(*settings.store_api);  // the MO path's too
      forward_log->info("forward lease {} s, from [store_api]", lease.count() / 1000);
      outbox = std::make_unique<store_outbox>(*db, lease, forward_log);
      try {
        forwarder =
            std::make_unique<net::http::forwarder>(io.get_executor(), *settings.store_api, *outbox);
      } catch (const std::invalid_argument& e) {
        throw config_error(file, 0, std::string("[store_api] ") + e.what());
      }
    } else {
      forward_log->warn("no [store_api] table: complaints wait in the outbox, not forwarded");
    }
  }

  // The store's callbacks ([api]): status changes and answers, which may queue replies.
  void start_api(const std::string& file) {
    events = std::make_unique<store_complaint_events>(
        *db, services, [this] { replies->notify(); }, api_log);
    if (settings.api) {
      std::string token;
      try {
        token = net::http::resolve_secret(settings.api->token, settings.api->token_env);
      } catch (const std::invalid_argument& e) {
        throw config_error(file, 0, std::string("[api] ") + e.what());
      }
      router = std::make_unique<net::http::api_router>(net::http::bearer_token(token));
      net::http::add_complaint_routes(*router, *events);
      server = std::make_unique<net::http::api_server>(io.get_executor(), *settings.api, *router);
      try {
        server->start();
      } catch (const std::exception& e) {
        throw std::runtime_error("[api] cannot listen on " + settings.api->listen + ": " +
                                 e.what());
      }
      api_log->info("callback API listening on port {}", server->port());
    }
  }

  // The SMS path, and the USSD path when there is a menu; each MO takes the holder's service
  // when it arrives.
  void make_paths(const lapor::service& service, std::shared_ptr<const ussd_menu> menu,
                  const pipeline_loggers& loggers) {
    mo_path_options mo_options;
    mo_options.temporary_error = settings.store.temporary_error;
    mo_options.carriers = hooks.carriers;
    mo_path_hooks queued;
    queued.forward_queued = [this] {
      if (forwarder) forwarder->notify();
    };
    queued.reply_queued = [this] { replies->notify(); };
    // Only to a carrier this instance has a sending bind up to, as take_due_replies_to.
    if (hooks.health != nullptr) {
      queued.replies.can_send = [health = hooks.health](std::string_view carrier) {
        return health->can_send(carrier);
      };
    }
    queued.replies.reserve = [this] { return replies->reserve(); };
    queued.replies.unreserve = [this] { replies->unreserve(); };
    queued.replies.refusal_done = [this] { replies->refusal_done(); };
    queued.replies.send = [this](store::reply&& r) { replies->send_now(std::move(r)); };
    if (forwarder) {
      queued.forwards.reserve = [this] { return forwarder->reserve(); };
      queued.forwards.unreserve = [this] { forwarder->unreserve(); };
      queued.forwards.send = [this](net::http::complaint_record&& c) {
        forwarder->send_now(std::move(c));
      };
    }
    queued.metrics = &counts;
    queued.access = hooks.access;
    if (menu) {
      ussd = std::make_unique<ussd_path>(io.get_executor(), *db, context(service), std::move(menu),
                                         mt, queued, loggers("ussd"), hooks.metrics);
    }
    // The MO's reply and forward go to their sender and the forwarder from the commit, taken
    // (leased) as they are stored.
    ingest_context mo_context = context(service);
    mo_context.reply_lease = replies->lease();
    if (forwarder) mo_context.forward_lease = outbox->lease();
    mo = std::make_unique<mo_path>(*db, mo_context, mo_options, std::move(queued), mo_log,
                                   &services);
  }
};

pipeline::pipeline(pipeline_settings settings, const service_holder& services,
                   const lapor::ref_generator& refs, net::mt_sender& mt,
                   const pipeline_loggers& loggers, const daemon_hooks& daemon)
    : impl_(std::make_unique<impl>(std::move(settings), services, refs, mt, loggers, daemon)) {
  impl& m = *impl_;
  // The service at start: the first USSD menu is built over it and keeps it.
  const std::shared_ptr<const lapor::service> first = services.current();
  const lapor::service& service = *first;
  const std::string& file = m.settings.config_file;
  // The screens first: a screen that does not fit stops the start before anything is open.
  std::shared_ptr<const ussd_menu> ussd;
  if (m.settings.ussd) ussd = std::make_shared<const ussd_menu>(std::move(*m.settings.ussd), first);
  m.watch_commits();
  m.open_store();
  m.make_replies();
  m.make_forwarder(file);
  m.start_api(file);
  m.start_admin(file);
  m.make_paths(service, std::move(ussd), loggers);
  m.replies->start();
  if (m.forwarder) m.forwarder->start();
  if (m.ussd) m.ussd->start();
  m.schedule_expiry();
  if (m.hooks.metrics != nullptr) m.schedule_depth(0ms);
  m.thread = std::thread([&m] {
    pthread_setname_np(pthread_self(), "lapord-replies");  // the reply sender and forwarder
    m.io.run();
  });
}

pipeline::~pipeline() {
  impl& m = *impl_;
  std::promise<void> forwarder_stopped;
  auto stopped = forwarder_stopped.get_future();
  boost::asio::post(m.io, [&m] {
    m.stopping = true;
    m.expiry_timer.cancel();
    m.depth_timer.cancel();
  });
  if (m.ussd) m.ussd->stop();
  if (m.admin_server) m.admin_server->stop();
  if (m.server) m.server->stop();
  m.replies->stop();
  if (m.forwarder) {
    m.forwarder->stop([&forwarder_stopped] { forwarder_stopped.set_value(); });
    // Requests in flight are reported within their timeout; what is not reported by then is
    // simply due again after the lease.
    stopped.wait_for(std::chrono::seconds(5));
  }
  // Let every coroutine finish on its own (a suspended coroutine frame destroyed with the
  // io_context is what g++ 12 gets wrong), but do not wait for ever.
  m.guard.reset();
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (!m.io.stopped() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  m.io.stop();
  if (m.thread.joinable()) m.thread.join();
  m.admin.reset();  // answers what waits, joins its thread: before the store it reads
  m.watch.end();    // /readyz stops asking the store before it goes
  m.db.reset();     // runs what is still queued (their completions post to the stopped io)
}

void pipeline::on_mo(net::mo_message&& message, net::mo_completion done) {
  impl_->counts.mo_received(message.carrier);
  if (impl_->ussd && impl_->ussd->take(message, done)) return;
  impl_->mo->on_mo(std::move(message), std::move(done));
}

std::uint16_t pipeline::api_port() const {
  return impl_->server ? impl_->server->port() : 0;
}

std::uint16_t pipeline::admin_port() const {
  return impl_->admin_server ? impl_->admin_server->port() : 0;
}

mo_path_stats pipeline::mo_stats() const {
  return impl_->mo->stats();
}

std::shared_ptr<const ussd_menu> pipeline::ussd_menu_now() const {
  return impl_->ussd ? impl_->ussd->menu() : nullptr;
}

void pipeline::replace_ussd_menu(std::shared_ptr<const ussd_menu> menu) {
  if (impl_->ussd) impl_->ussd->replace_menu(std::move(menu));
}

}  // namespace lapord::app
