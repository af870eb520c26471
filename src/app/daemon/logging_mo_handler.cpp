#include "app/daemon/logging_mo_handler.hpp"

#include <fmt/format.h>
#include <spdlog/logger.h>

#include "lapord/lapor/msisdn.hpp"

namespace lapord::app {
namespace {

// Masked, in E.164 when the number is one ("+62812****7890"), so log lines of one citizen match
// whatever form the carrier used.
std::string masked(const std::string& addr, std::uint8_t ton, std::uint8_t npi) {
  if (auto e164 = lapor::to_e164(addr, ton, npi)) return lapor::mask_msisdn(*e164);
  return lapor::mask_msisdn(addr);
}

}  // namespace

std::string bind_logger_name(const net::mo_message& message) {
  return message.bind == "trx" ? message.carrier : message.carrier + ":" + message.bind;
}

std::string describe_mo(const net::mo_message& message) {
  return std::visit(
      [&](const auto& body) -> std::string {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, smpp::deliver_sm> || std::is_same_v<T, smpp::data_sm>) {
          std::size_t octets = body.tlvs.message_payload ? body.tlvs.message_payload->size() : 0;
          if constexpr (std::is_same_v<T, smpp::deliver_sm>) octets += body.short_message.size();
          // esm_class bits 2-5 = 0001: an SMSC delivery receipt, not a citizen's message.
          const bool receipt = (body.esm_class & 0x3C) == 0x04;
          return fmt::format(
              "{}{} from {} to {}, {} octets, data_coding 0x{:02x}, esm_class 0x{:02x}",
              receipt ? "delivery receipt as " : "", smpp::name(T::id),
              masked(body.source_addr, body.source_addr_ton, body.source_addr_npi),
              masked(body.destination_addr, body.dest_addr_ton, body.dest_addr_npi), octets,
              body.data_coding, body.esm_class);
        } else {
          return std::string(smpp::name(T::id));
        }
      },
      message.pdu.body);
}

void logging_mo_handler::on_mo(net::mo_message&& message, net::mo_completion done) {
  loggers_(bind_logger_name(message))
      ->info("MO {} (sequence_number {}), answered ESME_ROK", describe_mo(message),
             message.pdu.sequence_number);
  done(smpp::command_status::esme_rok);
}

}  // namespace lapord::app
