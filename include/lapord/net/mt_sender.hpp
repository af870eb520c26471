#pragma once
// Sending a message to a citizen (MT): a submit_sm on the transmitting bind of a carrier
// (its transceiver, or the transmitter of a pair), through that bind's window and the
// carrier's submit rate. Throttling answers (ESME_RTHROTTLED, ESME_RMSGQFUL) are not reported:
// the same message is sent again after a pause. While the carrier is down, messages wait.
#include <functional>
#include <string>
#include <system_error>

#include "lapord/smpp/pdu.hpp"

namespace lapord::net {

// Local reasons a submit_sm never got a final answer from the carrier.
enum class carrier_error {
  unknown_carrier = 1,  // no [[carrier]] of that name
  no_transmitter,       // the carrier has no bind that may submit (cannot happen today)
  shutting_down,        // lapord stopped before the message was sent or answered
  invalid_message,      // the submit_sm cannot be encoded (a field too long, ...)
  no_response,          // sent, but no submit_sm_resp after several attempts
};
const std::error_category& carrier_category() noexcept;
inline std::error_code make_error_code(carrier_error e) noexcept {
  return {static_cast<int>(e), carrier_category()};
}

// `status`: empty (ESME_ROK) when the carrier accepted the message, with its `message_id`; a
// code of smpp::command_status_category() when the carrier refused it for good (e.g.
// ESME_RINVDSTADR); a carrier_error when it was never answered. Called once, on lapord's
// network thread.
using mt_completion = std::function<void(std::error_code status, std::string message_id)>;

class mt_sender {
 public:
  virtual ~mt_sender() = default;
  // Thread-safe: may be called from any thread.
  // The message is taken (moved from): passed by reference so that it is moved once into
  // the queue, not once per layer.
  virtual void submit(const std::string& carrier, smpp::submit_sm&& message,
                      mt_completion done) = 0;
};

}  // namespace lapord::net

template <>
struct std::is_error_code_enum<lapord::net::carrier_error> : std::true_type {};
