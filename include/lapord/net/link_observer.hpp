#pragma once
// What the carrier links report for metrics and health: bind up/down, reconnects, every PDU
// read and written (command and status), the transmitting bind's window in use, throttling.
// Every call comes from the network thread (the io_context the links run on), so an
// implementation needs no lock for its own state; they are on the per-PDU path, so keep them
// cheap (no allocation, no string building).
#include <cstddef>
#include <string>
#include <string_view>

#include "lapord/smpp/command_id.hpp"
#include "lapord/smpp/command_status.hpp"

namespace lapord::net {

// One carrier's events (both binds of a transmitter + receiver pair report here).
class carrier_observer {
 public:
  virtual ~carrier_observer() = default;
  // `bind` is "trx", "tx" or "rx" (as in the log lines).
  virtual void bind_changed(std::string_view bind, bool up) = 0;
  // A reconnect was scheduled after a bind was lost or failed (the "reconnect scheduled" line,
  // or "bind rejected").
  virtual void reconnect_scheduled() = 0;
  // A PDU header read from / written to the SMSC (requests carry ESME_ROK). The values are the
  // raw ones from the wire: a peer may send any number.
  virtual void pdu_received(smpp::command_id command, smpp::command_status status) = 0;
  virtual void pdu_sent(smpp::command_id command, smpp::command_status status) = 0;
  // submit_sm sent on the transmitting bind and not yet answered (0 when the bind is down).
  virtual void window_in_use(std::size_t in_flight) = 0;
  // submit_sm answered ESME_RTHROTTLED or ESME_RMSGQFUL.
  virtual void throttled() = 0;
};

class link_observer {
 public:
  virtual ~link_observer() = default;
  // The observer of a carrier, asked once when its binds are made. The reference stays valid
  // as long as the link_observer (the same object for the same name).
  virtual carrier_observer& carrier(const std::string& name) = 0;
};

}  // namespace lapord::net
