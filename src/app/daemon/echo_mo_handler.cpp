#include "app/daemon/echo_mo_handler.hpp"

#include <spdlog/logger.h>

#include "app/daemon/logging_mo_handler.hpp"
#include "lapord/lapor/msisdn.hpp"

namespace lapord::app {

std::optional<smpp::submit_sm> echo_of(const smpp::pdu& mo) {
  return std::visit(
      [](const auto& body) -> std::optional<smpp::submit_sm> {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, smpp::deliver_sm> || std::is_same_v<T, smpp::data_sm>) {
          if ((body.esm_class & 0x3C) == 0x04) return std::nullopt;  // a delivery receipt
          smpp::submit_sm echo;
          echo.source_addr = body.destination_addr;
          echo.source_addr_ton = body.dest_addr_ton;
          echo.source_addr_npi = body.dest_addr_npi;
          echo.destination_addr = body.source_addr;
          echo.dest_addr_ton = body.source_addr_ton;
          echo.dest_addr_npi = body.source_addr_npi;
          echo.data_coding = body.data_coding;
          echo.esm_class = body.esm_class & 0x40;  // keep UDHI: the octets carry the same UDH
          std::string text;
          if constexpr (std::is_same_v<T, smpp::deliver_sm>) text = body.short_message;
          if (text.empty() && body.tlvs.message_payload) text = *body.tlvs.message_payload;
          if (text.size() <= 254) {
            echo.short_message = text;
          } else {
            echo.tlvs.message_payload = text;
          }
          return echo;
        } else {
          return std::nullopt;
        }
      },
      mo.body);
}

void echo_mo_handler::on_mo(net::mo_message&& message, net::mo_completion done) {
  if (auto echo = echo_of(message.pdu)) {
    auto log = loggers_(bind_logger_name(message));
    auto e164 = lapor::to_e164(echo->destination_addr, echo->dest_addr_ton, echo->dest_addr_npi);
    const auto to = lapor::mask_msisdn(e164 ? *e164 : echo->destination_addr);
    sender_.submit(message.carrier, std::move(*echo),
                   [log, to](std::error_code status, const std::string& message_id) {
                     if (!status) {
                       log->info("test_echo: submit_sm to {} accepted, message_id \"{}\"", to,
                                 message_id);
                     } else {
                       log->warn("test_echo: submit_sm to {} failed: {}", to, status.message());
                     }
                   });
  }
  next_.on_mo(std::move(message), std::move(done));
}

}  // namespace lapord::app
