#include "lapord/net/carrier_links.hpp"

#include <algorithm>
#include <atomic>
#include <list>
#include <mutex>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/carrier/bind_link.hpp"
#include "net/tls/openssl_loader.hpp"

namespace lapord::net {
namespace {

// One TLS client context per carrier: its own CA and client certificate. None for a carrier
// without TLS: the first SSL_CTX initialises OpenSSL (~3 MB resident), which a daemon with no
// TLS carrier never needs.
std::shared_ptr<asio::ssl::context> make_tls_context(const carrier_settings& c) {
  if (!c.tls.enabled) return nullptr;
  tls::load_openssl();  // a clear error if libssl is missing (it is loaded on first use)
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  const auto fail = [&](const std::string& key, const std::string& file,
                        const boost::system::system_error& e) {
    return tls_file_error(key, "[[carrier]] \"" + c.name + "\": " + key + " \"" + file +
                                   "\" cannot be loaded: " + e.code().message());
  };
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
  try {
    if (c.tls.ca_file.empty()) {
      context->set_default_verify_paths();
    } else {
      context->load_verify_file(c.tls.ca_file);
    }
  } catch (const boost::system::system_error& e) {
    throw fail("tls_ca_file", c.tls.ca_file, e);
  }
  if (!c.tls.cert_file.empty()) {
    try {
      context->use_certificate_chain_file(c.tls.cert_file);
    } catch (const boost::system::system_error& e) {
      throw fail("tls_cert_file", c.tls.cert_file, e);
    }
    try {
      context->use_private_key_file(c.tls.key_file, asio::ssl::context::pem);
    } catch (const boost::system::system_error& e) {
      throw fail("tls_key_file", c.tls.key_file, e);
    }
  }
  return context;
}

}  // namespace

void load_tls_files(const carrier_settings& carrier) {
  (void)make_tls_context(carrier);
}

struct carrier_links::impl {
  struct carrier {
    carrier_settings settings;
    std::shared_ptr<bind_link> transmitter;  // the bind submit_sm go out on
    std::vector<std::shared_ptr<bind_link>> binds;
    bool started = false;  // a changed carrier's new binds wait for the old ones to close
  };
  // The binds of a removed or changed carrier while they drain and unbind.
  struct retiring {
    retiring(asio::io_context& io, std::string carrier_name)
        : name(std::move(carrier_name)), deadline(io) {}
    std::string name;
    std::vector<std::shared_ptr<bind_link>> binds;
    std::size_t open = 0;
    asio::steady_timer deadline;
    std::vector<std::function<void()>> on_closed;  // stop() waiting for these binds too
  };

  impl(asio::io_context& context, std::size_t pdu_limit, mo_handler& mo,
       const logger_factory& logger_of, link_observer* seen_by)
      : io(context), max_pdu_size(pdu_limit), handler(mo), loggers(logger_of), observer(seen_by) {}

  asio::io_context& io;
  std::size_t max_pdu_size;
  mo_handler& handler;
  logger_factory loggers;
  link_observer* observer;  // may be null
  // submit() looks carriers up from other threads; only the io_context changes the list.
  mutable std::mutex carriers_mutex;
  std::vector<carrier> carriers;
  std::list<retiring> draining;  // io_context only
  std::atomic<bool> stopping{false};

  // submit_sm from other threads (the reply sender), handed to their binds on the io_context a
  // batch at a time: one post per batch, not one per reply (its allocation and the message
  // moved twice more: ~1k instructions on the sender's thread).
  struct queued_submit {
    std::shared_ptr<bind_link> transmitter;
    smpp::submit_sm message;
    mt_completion done;
  };
  std::mutex submits_mutex;
  std::vector<queued_submit> submits;     // waiting for the posted hand_submits
  std::vector<queued_submit> submitting;  // io_context only, kept for its capacity

  void hand_submits() {
    {
      std::lock_guard lock(submits_mutex);
      submitting.swap(submits);
    }
    for (queued_submit& q : submitting)
      q.transmitter->submit(std::move(q.message), std::move(q.done));
    submitting.clear();
  }

  // Builds the binds of one carrier (throws for a TLS file that cannot be loaded).
  carrier make(const carrier_settings& settings) const {
    auto tls = make_tls_context(settings);
    carrier c;
    c.settings = settings;
    carrier_observer* seen = observer != nullptr ? &observer->carrier(settings.name) : nullptr;
    if (settings.mode == bind_mode::transceiver) {
      c.binds.push_back(std::make_shared<bind_link>(io, settings, bind_role::transceiver,
                                                    max_pdu_size, handler, loggers(settings.name),
                                                    tls, seen));
      c.transmitter = c.binds.back();
    } else {
      c.binds.push_back(std::make_shared<bind_link>(io, settings, bind_role::transmitter,
                                                    max_pdu_size, handler,
                                                    loggers(settings.name + ":tx"), tls, seen));
      c.transmitter = c.binds.back();
      c.binds.push_back(std::make_shared<bind_link>(io, settings, bind_role::receiver, max_pdu_size,
                                                    handler, loggers(settings.name + ":rx"), tls,
                                                    seen));
    }
    return c;
  }

  static void start(carrier& c) {
    c.started = true;
    for (auto& b : c.binds)
      b->start();
  }

  // Starts a changed carrier's new binds once none of its old ones is still draining (two
  // reloads in a row may leave two generations behind it).
  void start_waiting(const std::string& name) {
    if (stopping) return;
    if (std::any_of(draining.begin(), draining.end(),
                    [&](const retiring& r) { return r.name == name; })) {
      return;
    }
    for (auto& c : carriers) {
      if (c.settings.name == name && !c.started) start(c);
    }
  }

  // Drains and closes `binds` (of carrier `name`); `then` runs on the io_context once they are
  // all closed.
  void retire(const std::string& name, std::vector<std::shared_ptr<bind_link>> binds,
              std::chrono::milliseconds drain_timeout, std::function<void()> then) {
    auto& r = draining.emplace_back(io, name);
    auto at = std::prev(draining.end());
    r.binds = std::move(binds);
    r.open = r.binds.size();
    r.deadline.expires_after(drain_timeout);
    r.deadline.async_wait([at](const boost::system::error_code& error) {
      if (error) return;
      for (auto& b : at->binds)
        b->close_now();
    });
    for (auto& b : r.binds) {
      b->stop([this, at, then] {
        if (--at->open != 0) return;
        at->deadline.cancel();
        auto waiting = std::move(at->on_closed);
        // The bind's own run loop still holds it while this runs: erasing is safe.
        draining.erase(at);
        if (then) then();
        for (auto& w : waiting)
          w();
      });
    }
  }
};

carrier_links::carrier_links(asio::io_context& io, std::vector<carrier_settings> carriers,
                             std::size_t max_pdu_size, mo_handler& handler,
                             const logger_factory& loggers, link_observer* observer)
    : impl_(std::make_unique<impl>(io, max_pdu_size, handler, loggers, observer)) {
  for (const auto& settings : carriers)
    impl_->carriers.push_back(impl_->make(settings));
}

carrier_links::~carrier_links() = default;

void carrier_links::start() {
  for (auto& c : impl_->carriers)
    impl::start(c);
}

void carrier_links::submit(const std::string& carrier, smpp::submit_sm&& message,
                           mt_completion done) {
  if (impl_->stopping) {
    done(make_error_code(carrier_error::shutting_down), {});
    return;
  }
  std::shared_ptr<bind_link> transmitter;
  {
    std::lock_guard lock(impl_->carriers_mutex);
    for (auto& c : impl_->carriers) {
      if (c.settings.name == carrier) transmitter = c.transmitter;
    }
  }
  if (!transmitter) {
    done(make_error_code(carrier_error::unknown_carrier), {});
    return;
  }
  // Retired meanwhile (a reload): the bind answers shutting_down and the sender tries again.
  impl& m = *impl_;
  bool first = false;
  {
    std::lock_guard lock(m.submits_mutex);
    m.submits.push_back({std::move(transmitter), std::move(message), std::move(done)});
    first = m.submits.size() == 1;  // later submits join the take posted for the first
  }
  if (first) asio::post(m.io, [&m] { m.hand_submits(); });
}

carrier_diff carrier_links::apply(std::vector<carrier_settings> carriers,
                                  std::chrono::milliseconds drain_timeout) {
  impl& m = *impl_;
  if (m.stopping) return {};
  std::vector<carrier_settings> running;
  for (const auto& c : m.carriers)
    running.push_back(c.settings);
  carrier_diff diff = diff_carriers(running, carriers);
  if (diff.empty()) return diff;

  // Everything that can fail first (a TLS file), so a failure leaves the running list whole.
  const auto running_one = [&m](const std::string& name) {
    return std::find_if(m.carriers.begin(), m.carriers.end(),
                        [&](const impl::carrier& c) { return c.settings.name == name; });
  };
  const auto is_untouched = [&diff](const std::string& name) {
    return std::find(diff.untouched.begin(), diff.untouched.end(), name) != diff.untouched.end();
  };
  std::vector<std::optional<impl::carrier>> built(carriers.size());
  for (std::size_t i = 0; i < carriers.size(); ++i) {
    if (!is_untouched(carriers[i].name)) built[i] = m.make(carriers[i]);
  }
  std::vector<impl::carrier> next;
  for (std::size_t i = 0; i < carriers.size(); ++i) {
    if (built[i]) {
      next.push_back(std::move(*built[i]));
    } else {
      auto old = running_one(carriers[i].name);
      next.push_back(std::move(*old));  // untouched: the same binds, still up
      old->settings.name.clear();       // moved: not retired below
    }
  }
  std::vector<impl::carrier> retired;
  for (auto& c : m.carriers) {
    if (!c.settings.name.empty()) retired.push_back(std::move(c));
  }
  {
    std::lock_guard lock(m.carriers_mutex);
    m.carriers = std::move(next);
  }
  for (auto& old : retired) {
    const std::string name = old.settings.name;
    const bool successor =
        std::find(diff.changed.begin(), diff.changed.end(), name) != diff.changed.end();
    // The SMSC may allow one session per system_id: the new binds wait for the old to close.
    std::function<void()> then;
    if (successor) then = [&m, name] { m.start_waiting(name); };
    if (old.started) {
      m.retire(name, std::move(old.binds), drain_timeout, std::move(then));
    } else {
      for (auto& b : old.binds)
        b->stop(nullptr);  // never started: fails what was queued on it
      if (then) then();
    }
  }
  for (auto& c : m.carriers) {
    const bool added =
        std::find(diff.added.begin(), diff.added.end(), c.settings.name) != diff.added.end();
    if (added) impl::start(c);
  }
  return diff;
}

void carrier_links::stop(std::function<void()> all_closed) {
  impl_->stopping = true;
  asio::post(impl_->io, [this, all_closed = std::move(all_closed)]() {
    impl& m = *impl_;
    auto remaining = std::make_shared<std::size_t>(1);  // 1 until every wait is counted
    auto finished = std::make_shared<std::function<void()>>(all_closed);
    auto one_closed = [remaining, finished] {
      if (--*remaining == 0 && *finished) (*finished)();
    };
    for (auto& c : m.carriers) {
      for (auto& b : c.binds) {
        if (c.started) {
          ++*remaining;
          b->stop(one_closed);
        } else {
          b->stop(nullptr);  // a changed carrier's binds that never started: nothing to close
        }
      }
    }
    for (auto& r : m.draining) {
      ++*remaining;
      r.on_closed.push_back(one_closed);
    }
    one_closed();
  });
}

void carrier_links::close_now() {
  impl_->stopping = true;
  asio::post(impl_->io, [this] {
    for (auto& c : impl_->carriers) {
      for (auto& b : c.binds)
        b->close_now();
    }
    for (auto& r : impl_->draining) {
      for (auto& b : r.binds)
        b->close_now();
    }
  });
}

std::vector<bind_state> carrier_links::states() const {
  std::vector<bind_state> out;
  for (const auto& c : impl_->carriers) {
    for (const auto& b : c.binds) {
      out.push_back(bind_state{c.settings.name, b->name(), b->bound()});
    }
  }
  return out;
}

}  // namespace lapord::net
