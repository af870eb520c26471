#include "lapord/net/carrier_links.hpp"

#include <atomic>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>

#include "net/carrier/bind_link.hpp"

namespace lapord::net {
namespace {

// One TLS client context per carrier: its own CA and client certificate. A plain (unused)
// context for carriers without TLS, because the stream type is the same for both.
std::shared_ptr<asio::ssl::context> make_tls_context(const carrier_settings& c) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  if (!c.tls.enabled) return context;
  const auto fail = [&](const std::string& key, const std::string& file,
                        const boost::system::system_error& e) {
    return std::runtime_error("[[carrier]] \"" + c.name + "\": " + key + " \"" + file +
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

struct carrier_links::impl {
  struct carrier {
    std::string name;
    std::shared_ptr<bind_link> transmitter;  // the bind submit_sm go out on
    std::vector<std::shared_ptr<bind_link>> binds;
  };

  explicit impl(asio::io_context& context) : io(context) {}

  asio::io_context& io;
  std::vector<carrier> carriers;
  std::atomic<bool> stopping{false};
};

carrier_links::carrier_links(asio::io_context& io, std::vector<carrier_settings> carriers,
                             std::size_t max_pdu_size, mo_handler& handler,
                             const logger_factory& loggers)
    : impl_(std::make_unique<impl>(io)) {
  for (const auto& settings : carriers) {
    auto tls = make_tls_context(settings);
    impl::carrier c;
    c.name = settings.name;
    if (settings.mode == bind_mode::transceiver) {
      c.binds.push_back(std::make_shared<bind_link>(io, settings, bind_role::transceiver,
                                                    max_pdu_size, handler, loggers(settings.name),
                                                    tls));
      c.transmitter = c.binds.back();
    } else {
      c.binds.push_back(std::make_shared<bind_link>(io, settings, bind_role::transmitter,
                                                    max_pdu_size, handler,
                                                    loggers(settings.name + ":tx"), tls));
      c.transmitter = c.binds.back();
      c.binds.push_back(std::make_shared<bind_link>(io, settings, bind_role::receiver, max_pdu_size,
                                                    handler, loggers(settings.name + ":rx"), tls));
    }
    impl_->carriers.push_back(std::move(c));
  }
}

carrier_links::~carrier_links() = default;

void carrier_links::start() {
  for (auto& c : impl_->carriers) {
    for (auto& b : c.binds)
      b->start();
  }
}

void carrier_links::submit(const std::string& carrier, smpp::submit_sm message,
                           mt_completion done) {
  if (impl_->stopping) {
    done(make_error_code(carrier_error::shutting_down), {});
    return;
  }
  std::shared_ptr<bind_link> transmitter;
  for (auto& c : impl_->carriers) {
    if (c.name == carrier) transmitter = c.transmitter;
  }
  if (!transmitter) {
    done(make_error_code(carrier_error::unknown_carrier), {});
    return;
  }
  asio::post(impl_->io,
             [transmitter, message = std::move(message), done = std::move(done)]() mutable {
               transmitter->submit(std::move(message), std::move(done));
             });
}

void carrier_links::stop(std::function<void()> all_closed) {
  impl_->stopping = true;
  asio::post(impl_->io, [this, all_closed = std::move(all_closed)]() {
    auto remaining = std::make_shared<std::size_t>(0);
    for (auto& c : impl_->carriers)
      *remaining += c.binds.size();
    auto finished = std::make_shared<std::function<void()>>(all_closed);
    for (auto& c : impl_->carriers) {
      for (auto& b : c.binds) {
        b->stop([remaining, finished] {
          if (--*remaining == 0 && *finished) (*finished)();
        });
      }
    }
  });
}

void carrier_links::close_now() {
  impl_->stopping = true;
  asio::post(impl_->io, [this] {
    for (auto& c : impl_->carriers) {
      for (auto& b : c.binds)
        b->close_now();
    }
  });
}

std::vector<bind_state> carrier_links::states() const {
  std::vector<bind_state> out;
  for (const auto& c : impl_->carriers) {
    for (const auto& b : c.binds) {
      out.push_back(bind_state{c.name, b->name(), b->bound()});
    }
  }
  return out;
}

}  // namespace lapord::net
