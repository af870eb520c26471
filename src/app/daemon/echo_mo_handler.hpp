#pragma once
// TEST AID ([daemon] test_echo = true), never for production: every MO that is not a delivery
// receipt is answered with a submit_sm carrying the same octets back to its sender, so system
// tests can drive and watch the MT path (window, rate limit, throttling) from the SMSC side.
// The MO itself then goes on to the wrapped handler.
#include "lapord/net/carrier_links.hpp"
#include "lapord/net/mo_handler.hpp"
#include "lapord/net/mt_sender.hpp"

namespace lapord::app {

class echo_mo_handler final : public net::mo_handler {
 public:
  echo_mo_handler(net::mo_handler& next, net::mt_sender& sender, net::logger_factory loggers)
      : next_(next), sender_(sender), loggers_(std::move(loggers)) {}
  void on_mo(net::mo_message&& message, net::mo_completion done) override;

 private:
  net::mo_handler& next_;
  net::mt_sender& sender_;
  net::logger_factory loggers_;
};

// The echo of one MO, or nullopt for a delivery receipt (echoing receipts would loop for ever).
std::optional<smpp::submit_sm> echo_of(const smpp::pdu& mo);

}  // namespace lapord::app
