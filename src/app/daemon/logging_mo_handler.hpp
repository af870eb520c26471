#pragma once
// The MO handler lapord runs until the store-backed one is wired in: one log line per MO (its
// numbers masked, never its text) and an immediate ESME_ROK.
#include "lapord/net/carrier_links.hpp"
#include "lapord/net/mo_handler.hpp"

namespace lapord::app {

class logging_mo_handler final : public net::mo_handler {
 public:
  explicit logging_mo_handler(net::logger_factory loggers) : loggers_(std::move(loggers)) {}
  void on_mo(net::mo_message&& message, net::mo_completion done) override;

 private:
  net::logger_factory loggers_;
};

// "deliver_sm from +62812****7890 to 1708, 42 octets, data_coding 0x00" (or "receipt ...").
std::string describe_mo(const net::mo_message& message);

// The logger name of the bind an MO came on: "tsel" or "tsel:rx".
std::string bind_logger_name(const net::mo_message& message);

}  // namespace lapord::app
