#include "app/daemon/daemon.hpp"

#include <unistd.h>
#include <csignal>
#include <future>
#include <iostream>
#include <mutex>
#include <optional>

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/daemon/config_reload.hpp"
#include "app/daemon/echo_mo_handler.hpp"
#include "app/daemon/link_metrics.hpp"
#include "app/daemon/logging_mo_handler.hpp"
#include "lapord/app/config/config_check.hpp"
#include "lapord/app/config/pipeline_config.hpp"
#include "lapord/app/config/service_setup.hpp"
#include "lapord/app/config/ussd_config.hpp"
#include "lapord/app/mo/carrier_profiles.hpp"
#include "lapord/app/ops/health.hpp"
#include "lapord/app/ops/lapord_metrics.hpp"
#include "lapord/app/ops/systemd_notify.hpp"
#include "lapord/app/ussd/ussd_setup.hpp"
#include "lapord/net/carrier_links.hpp"
#include "lapord/net/log_flood.hpp"

namespace lapord::app {
namespace {

namespace asio = boost::asio;

// The handler needs an mt_sender before the carrier links (which need the handler) exist.
class late_mt_sender final : public net::mt_sender {
 public:
  void submit(const std::string& carrier, smpp::submit_sm&& message,
              net::mt_completion done) override {
    // The pipeline's reply thread submits while main attaches/detaches: hence the lock.
    std::lock_guard lock(mutex_);
    if (links_ == nullptr) {
      done(make_error_code(net::carrier_error::shutting_down), {});
      return;
    }
    links_->submit(carrier, std::move(message), std::move(done));
  }
  void attach(net::carrier_links* links) {
    std::lock_guard lock(mutex_);
    links_ = links;
  }

 private:
  std::mutex mutex_;
  net::carrier_links* links_ = nullptr;
};

// Loads every carrier's TLS files as its binds will: a readable file OpenSSL does not take (a CA
// file with no certificate) is found by --check-config and a reload, and named with its line.
void load_tls_files(const daemon_config& config, const std::string& path) {
  const auto* tables = config.document.get_as<toml::array>("carrier");
  for (std::size_t i = 0; i < config.carriers.size(); ++i) {
    try {
      net::load_tls_files(config.carriers[i]);
    } catch (const net::tls_file_error& e) {
      int line = 0;
      const auto* table =
          tables != nullptr && i < tables->size() ? (*tables)[i].as_table() : nullptr;
      if (const auto* node = table != nullptr ? table->get(e.key()) : nullptr) {
        line = static_cast<int>(node->source().begin.line);
      }
      throw config_error(path, line, e.what());
    }
  }
}

// Reads the whole configuration: our tables, then the [service] table through its owner's
// reader (its service numbers are the carriers' default).
daemon_config read_configuration(const std::string& path) {
  auto config = load_config(path);
  load_tls_files(config, path);
  const auto service = read_service_section(config.document, path);
  apply_default_service_numbers(config, service.service_numbers);
  // The MO path's tables, checked by its readers (so --check-config catches them too).
  (void)read_store_section(config.document, path);
  (void)read_store_api_section(config.document, path);
  (void)read_api_section(config.document, path);
  (void)read_admin_section(config.document, path);
  (void)read_ussd_section(config.document, path);  // profiles, carriers' choices
  return config;
}

// Prints every secret variable that is not set and every file that cannot be read, all at once
// (the readers stop at the first problem); false: exit 2. A file that does not parse is left to
// the reader's one-line error. The warnings are kept for the log.
bool check_the_machine(const std::string& path, std::vector<std::string>& warnings) {
  toml::table document;
  try {
    document = toml::parse_file(path);
  } catch (const toml::parse_error&) {
    return true;
  }
  auto findings = check_environment(document, path);
  for (const auto& problem : findings.problems)
    std::cerr << "lapord: " << problem.what() << '\n';
  warnings = std::move(findings.warnings);
  return findings.problems.empty();
}

// --check-config goes as far as the start would: the complaint service's files are loaded
// (and the ref key checked) when the MO path runs, the USSD screens checked against them.
void check_deeply(const daemon_config& config, const std::string& path) {
  check_ussd_configuration(config.document, path);
  if (config.document.contains("store")) {
    (void)load_service(read_service_section(config.document, path), true);
  }
}

std::string carrier_summary(const net::carrier_settings& c) {
  return fmt::format("{} {}:{} {}{}", c.name, c.host, c.port, net::bind_name(c),
                     c.tls.enabled ? " TLS" : "");
}

// Tells systemd (when it started us; else a no-op): one warning line for the first failure.
class notify_log {
 public:
  notify_log(const ops::systemd_notifier& notifier, std::shared_ptr<spdlog::logger> log)
      : notifier_(notifier), log_(std::move(log)) {}
  const ops::systemd_notifier& operator*() const { return notifier_; }
  void check(const ops::notify_result& r) {
    if (r.error && !warned_) {
      warned_ = true;
      log_->warn("sd_notify failed: {} (systemd may not see READY/WATCHDOG)", r.error.message());
    }
  }

 private:
  const ops::systemd_notifier& notifier_;
  std::shared_ptr<spdlog::logger> log_;
  bool warned_ = false;
};

class signal_handling {
 public:
  signal_handling(asio::io_context& io, const daemon_config& config, log_output& logs,
                  net::carrier_links& links, config_reloader& reloader, ops::health_state& health,
                  notify_log& notify, carrier_profiles& profiles)
      : io_(io),
        config_(config),
        profiles_(profiles),
        links_(links),
        reloader_(reloader),
        health_(health),
        notify_(notify),
        log_(logs.logger("lapord")),
        signals_(io, SIGINT, SIGTERM, SIGHUP),
        deadline_(io) {}

  void start() { wait(); }

  // On the network thread: SIGHUP and the admin API's reload (queued one after the other by
  // the reloader). systemd hears RELOADING=1 now and READY=1 once it is applied or refused.
  void reload(std::string why, config_reloader::done_callback done) {
    notify_.check((*notify_).reloading());
    reloader_.reload(std::move(why), [this, done = std::move(done)](const reload_outcome& o) {
      health_.set_carriers_configured(config_.carriers.size());
      // Here, on the network thread, before any new bind can deliver a receipt.
      profiles_.replace(config_.carriers);
      notify_.check((*notify_).ready());
      if (done) done(o);
    });
  }

 private:
  void wait() {
    signals_.async_wait([this](const boost::system::error_code& error, int number) {
      if (error) return;
      if (number == SIGHUP) {
        reload("SIGHUP", nullptr);
      } else {
        stop(number == SIGINT ? "SIGINT" : "SIGTERM");
      }
      wait();
    });
  }

  void stop(const char* why) {
    if (stopping_) {
      log_->warn("{} again: closing every connection now", why);
      links_.close_now();
      return;
    }
    stopping_ = true;
    health_.set_stopping();  // /readyz 503 at once, before the binds go
    notify_.check((*notify_).stopping());
    const auto timeout = config_.daemon.shutdown_timeout;
    log_->info("{}: stopping: no new MO, finishing those in flight, then unbind (at most {:.1f} s)",
               why, static_cast<double>(timeout.count()) / 1000.0);
    links_.stop([this] {
      log_->info("every bind closed, exiting");
      io_.stop();
    });
    deadline_.expires_after(timeout);
    deadline_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      log_->warn("shutdown_timeout_s passed: closing what is left without waiting");
      links_.close_now();
      // The binds' run loops end as their sockets close; a short grace, then exit regardless.
      deadline_.expires_after(std::chrono::seconds(1));
      deadline_.async_wait([this](const boost::system::error_code& e) {
        if (!e) io_.stop();
      });
    });
  }

  asio::io_context& io_;
  const daemon_config& config_;
  carrier_profiles& profiles_;
  net::carrier_links& links_;
  config_reloader& reloader_;
  ops::health_state& health_;
  notify_log& notify_;
  std::shared_ptr<spdlog::logger> log_;
  asio::signal_set signals_;
  asio::steady_timer deadline_;
  bool stopping_ = false;
};

// Reads the configuration; with --check-config, goes as deep as the start would and says so.
// An exit code when lapord ends here (2: a bad file or machine; 0: --check-config passed).
std::optional<int> read_or_check(const daemon_options& options, daemon_config& config,
                                 std::vector<std::string>& warnings) {
  if (!check_the_machine(options.config_path, warnings)) return 2;
  try {
    config = read_configuration(options.config_path);
    if (!options.check_only) return std::nullopt;
    check_deeply(config, options.config_path);
  } catch (const config_error& e) {
    std::cerr << "lapord: " << e.what() << std::endl;
    return 2;
  }
  for (const auto& w : warnings)
    std::cerr << "lapord: warning: " << w << '\n';
  std::cout << "lapord: " << options.config_path << ": configuration OK (" << config.carriers.size()
            << (config.carriers.size() == 1 ? " carrier" : " carriers") << ")" << std::endl;
  return 0;
}

// Readiness is computed at each scrape; every bind's series is visible as 0 before it binds.
void prepare_metrics(ops::lapord_metrics& metrics, ops::health_state& health,
                     const daemon_config& config) {
  health.set_carriers_configured(config.carriers.size());
  metrics.registry.on_collect([&metrics, &health] {
    const ops::health_facts f = health.facts();
    metrics.ready.set(ops::is_ready(f) ? 1 : 0);
    metrics.store_waiting.set(
        std::chrono::duration_cast<std::chrono::seconds>(f.store_waiting).count());
  });
  for (const auto& c : config.carriers) {
    if (c.mode == net::bind_mode::transceiver) {
      metrics.carrier_bind_up.set({c.name, "trx"}, 0);
    } else {
      metrics.carrier_bind_up.set({c.name, "tx"}, 0);
      metrics.carrier_bind_up.set({c.name, "rx"}, 0);
    }
  }
}

// For the admin API's thread: states() is for the network thread, so ask it there and wait a
// little (never for ever: the loop may be stopping). `running_links` is set on that thread.
std::vector<net::bind_state> ask_bind_states(asio::io_context& io,
                                             net::carrier_links* const& running_links) {
  auto answer = std::make_shared<std::promise<std::vector<net::bind_state>>>();
  auto got = answer->get_future();
  asio::post(io, [answer, &running_links] {
    answer->set_value(running_links != nullptr ? running_links->states()
                                               : std::vector<net::bind_state>{});
  });
  if (got.wait_for(std::chrono::seconds(2)) != std::future_status::ready) return {};
  return got.get();
}

// The admin API's reload: it runs on the network thread, queued behind any SIGHUP's; the admin
// API's thread waits for its summary, never for ever: the daemon may be stopping.
std::string ask_reload(asio::io_context& io, signal_handling* const& running_signals) {
  auto answer = std::make_shared<std::promise<std::string>>();
  auto got = answer->get_future();
  asio::post(io, [answer, &running_signals] {
    if (running_signals == nullptr) {
      answer->set_value("lapord is starting: not reloaded");
      return;
    }
    running_signals->reload("reload (admin API)",
                            [answer](const reload_outcome& o) { answer->set_value(summarize(o)); });
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (got.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (io.stopped()) return "lapord is stopping: not reloaded";
    if (std::chrono::steady_clock::now() > deadline) {
      return "the reload did not finish within 60 s (see the log)";
    }
  }
  return got.get();
}

// The MO handler the factory builds (the pipeline), else one that logs each MO; with
// test_echo, an echo in front of it. An exit code when it cannot be built.
struct mo_handlers {
  std::unique_ptr<net::mo_handler> handler;
  std::unique_ptr<net::mo_handler> echo;
  net::mo_handler& front() { return echo ? *echo : *handler; }
};
std::optional<int> make_handlers(mo_handlers& out, const mo_handler_factory& make_handler,
                                 const daemon_config& config, late_mt_sender& replies,
                                 log_output& logs, const daemon_hooks& hooks) {
  try {
    if (make_handler) out.handler = make_handler(config, replies, logs, hooks);
  } catch (const config_error& e) {
    std::cerr << "lapord: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    // Through the log like every other line (e.g. the store's "cannot connect to PostgreSQL:
    // ... password authentication failed"), and on stderr too when the log is a file.
    logs.logger("lapord")->critical("cannot start: {}", e.what());
    if (!logs.settings().file.empty())
      std::cerr << "lapord: cannot start: " << e.what() << std::endl;
    return 1;
  }
  const net::logger_factory loggers = [&logs](const std::string& name) {
    return logs.logger(name);
  };
  if (!out.handler) out.handler = std::make_unique<logging_mo_handler>(loggers);
  if (config.daemon.test_echo) {
    logs.logger("lapord")->warn(
        "[daemon] test_echo = true: every MO is echoed back as a submit_sm (a TEST AID, "
        "never for production)");
    out.echo = std::make_unique<echo_mo_handler>(*out.handler, replies, loggers);
  }
  return std::nullopt;
}

// systemd's watchdog, pinged from the network thread's loop: a stuck loop stops the pings and
// systemd restarts lapord. Nothing when the watchdog is off.
class watchdog_pings {
 public:
  watchdog_pings(asio::io_context& io, const ops::systemd_notifier& notifier, notify_log& notify)
      : timer_(io), notifier_(notifier), notify_(notify) {}
  void start() {
    if (const auto every = notifier_.watchdog_interval()) {
      every_ = *every;
      ping();
    }
  }
  void cancel() { timer_.cancel(); }

 private:
  void ping() {
    notify_.check(notifier_.watchdog());
    timer_.expires_after(every_);
    timer_.async_wait([this](const boost::system::error_code& e) {
      if (!e) ping();
    });
  }

  asio::steady_timer timer_;
  const ops::systemd_notifier& notifier_;
  notify_log& notify_;
  std::chrono::microseconds every_{};
};

// The log-flood summariser's windows end on this loop's clock: once a second, the summaries of
// the windows that ended are written (net/log_flood.hpp).
class repeat_ticks {
 public:
  explicit repeat_ticks(asio::io_context& io) : timer_(io) { tick(); }

 private:
  void tick() {
    net::log_flood::shared().tick();
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](const boost::system::error_code& e) {
      if (!e) tick();
    });
  }

  asio::steady_timer timer_;
};

// [log] repeat_lines and repeat_window_s for the whole run; at the end of run_daemon, after the
// handler and the links (declared later) are gone, what the summariser still holds is written:
// nothing counted is lost.
struct repeat_scope {
  explicit repeat_scope(const log_settings& settings) {
    net::log_flood::shared().configure(repeat_settings(settings));
  }
  repeat_scope(const repeat_scope&) = delete;
  repeat_scope& operator=(const repeat_scope&) = delete;
  ~repeat_scope() {
    try {
      net::log_flood::shared().flush();
    } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory for the last lines
    }
  }
};

std::string carriers_summary(const daemon_config& config) {
  std::string summary;
  for (const auto& c : config.carriers)
    summary += (summary.empty() ? "" : "; ") + carrier_summary(c);
  return summary;
}

}  // namespace

int run_daemon(const daemon_options& options, const mo_handler_factory& make_handler) {
  daemon_config config;
  std::vector<std::string> warnings;
  if (const auto exit_code = read_or_check(options, config, warnings)) return *exit_code;

  std::unique_ptr<log_output> logs;
  try {
    logs = std::make_unique<log_output>(config.log);
  } catch (const std::exception& e) {
    std::cerr << "lapord: " << options.config_path << ":0: [log] " << e.what() << std::endl;
    return 2;
  }
  const repeat_scope repeats(config.log);
  auto log = logs->logger("lapord");
  for (const auto& w : warnings)
    log->warn("{}", w);
  const net::logger_factory loggers = [&logs](const std::string& name) {
    return logs->logger(name);
  };

  // Metrics, health and systemd outlive the handler and the links, which report into them.
  ops::lapord_metrics metrics;
  ops::health_state health;
  const ops::systemd_notifier notifier;
  notify_log notify(notifier, log);
  prepare_metrics(metrics, health, config);

  asio::io_context io(1);
  late_mt_sender replies;
  net::carrier_links* running_links = nullptr;  // set on the io_context once the links exist
  signal_handling* running_signals = nullptr;   // set before the io_context runs
  carrier_profiles profiles(config.carriers);
  daemon_hooks hooks;
  hooks.metrics = &metrics;
  hooks.carriers = &profiles;
  hooks.health = &health;
  hooks.access = &logs->access();
  hooks.bind_states = [&io, &running_links] { return ask_bind_states(io, running_links); };
  hooks.reload = [&io, &running_signals] { return ask_reload(io, running_signals); };
  mo_handlers handlers;
  if (const auto exit_code = make_handlers(handlers, make_handler, config, replies, *logs, hooks))
    return *exit_code;

  // Bind events become metrics, readiness and systemd's STATUS= line.
  std::unique_ptr<link_metrics> observer;
  observer = std::make_unique<link_metrics>(metrics, health, [&notify, &observer] {
    notify.check((*notify).status(observer->status_line()));
  });
  std::unique_ptr<net::carrier_links> links;
  try {
    links = std::make_unique<net::carrier_links>(io, config.carriers, config.daemon.max_pdu_size,
                                                 handlers.front(), loggers, observer.get());
  } catch (const std::exception& e) {
    std::cerr << "lapord: " << options.config_path << ":0: " << e.what() << std::endl;
    return 2;
  }
  replies.attach(links.get());
  asio::post(io, [&running_links, &links] { running_links = links.get(); });

  config_reloader reloader(
      options.config_path, read_configuration,
      [&io](std::function<void()> f) { asio::post(io, std::move(f)); }, config, *logs, *links,
      dynamic_cast<reloadable*>(handlers.handler.get()));
  signal_handling signals(io, config, *logs, *links, reloader, health, notify, profiles);
  running_signals = &signals;  // read on the network thread, which runs on this one below
  signals.start();
  links->start();
  // The store is open and the HTTP servers listen (the handler did both), the links started.
  notify.check(notifier.ready(fmt::format("{} carrier(s) configured", config.carriers.size())));
  watchdog_pings watchdog(io, notifier, notify);
  watchdog.start();
  const repeat_ticks ticks(io);
  log->info("lapord started (pid {}), {} carrier(s): {}", static_cast<long>(::getpid()),
            config.carriers.size(), carriers_summary(config));
  io.run();
  watchdog.cancel();
  replies.attach(nullptr);
  log->info("lapord stopped");
  return 0;
}

}  // namespace lapord::app
