#include "lapord/net/mt_sender.hpp"

namespace lapord::net {
namespace {

class carrier_category_impl final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "lapord.carrier"; }
  [[nodiscard]] std::string message(int v) const override {
    switch (static_cast<carrier_error>(v)) {
      case carrier_error::unknown_carrier:
        return "no carrier of that name is configured";
      case carrier_error::no_transmitter:
        return "the carrier has no bind that may submit";
      case carrier_error::shutting_down:
        return "lapord is stopping; the message was not sent";
      case carrier_error::invalid_message:
        return "the submit_sm cannot be encoded";
      case carrier_error::no_response:
        return "the SMSC never answered the submit_sm";
    }
    return "carrier error";
  }
};

}  // namespace

const std::error_category& carrier_category() noexcept {
  static const carrier_category_impl category;
  return category;
}

}  // namespace lapord::net
