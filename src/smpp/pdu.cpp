#include "lapord/smpp/pdu.hpp"

namespace lapord::smpp {

command_id pdu::command() const {
  return std::visit([](const auto& b) { return std::decay_t<decltype(b)>::id; }, body);
}

bool tlv_set::empty() const {
  return static_cast<const tlv_values&>(*this) == tlv_values{};
}

}  // namespace lapord::smpp
