#include "lapord/smpp/session_error.hpp"

#include <string>

namespace lapord::smpp {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "smpp.session"; }
  std::string message(int value) const override {
    switch (static_cast<session_error>(value)) {
      case session_error::wrong_state:
        return "not allowed in the session's current state";
      case session_error::window_full:
        return "window of outstanding requests is full";
      case session_error::not_a_request:
        return "not a request PDU";
      case session_error::no_such_request:
        return "no received request with that sequence";
      case session_error::wrong_response_type:
        return "response type does not match request";
      case session_error::response_timeout:
        return "no response within the response timeout";
      case session_error::connection_closed:
        return "session closed before the response";
      case session_error::peer_dead:
        return "peer silent for twice the enquire_link interval";
      case session_error::bind_timeout:
        return "no bind response within the response timeout";
      case session_error::peer_unbound:
        return "peer unbound";
      case session_error::unbound:
        return "unbound";
      case session_error::unexpected_response:
        return "response matches no outstanding request";
      case session_error::mismatched_response:
        return "response type differs from the request";
      case session_error::peer_generic_nack:
        return "generic_nack matching no request";
      case session_error::request_in_wrong_state:
        return "peer request not legal in this state";
      case session_error::undecodable_pdu:
        return "peer PDU could not be decoded";
    }
    return "unknown smpp session error";
  }
};

}  // namespace

const std::error_category& session_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace lapord::smpp
