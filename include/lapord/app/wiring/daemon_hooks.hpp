#pragma once
// What the running daemon hands the MO handler it builds (the pipeline): the process's metrics
// and health facts, and the daemon's own operations the admin API offers. The daemon owns every
// object pointed to here and keeps it alive longer than the handler.
#include <functional>
#include <string>
#include <vector>

#include "lapord/net/carrier_links.hpp"

namespace lapord::app {

class carrier_profiles;

namespace ops {
struct lapord_metrics;
class health_state;
class access_log;
}  // namespace ops

struct daemon_hooks {
  ops::lapord_metrics* metrics = nullptr;  // never null in the daemon; may be null in tests
  ops::health_state* health = nullptr;
  ops::access_log* access = nullptr;  // a line per MO, screen and reply; may be null (tests)
  // Thread-safe snapshot of every bind (the daemon posts to the network thread and waits).
  // Empty when the network thread does not answer in time (stopping).
  std::function<std::vector<net::bind_state>()> bind_states;
  // Each carrier's receipt id form and reply sender, kept current by reloads; may be null.
  const carrier_profiles* carriers = nullptr;
  // Re-reads the configuration as SIGHUP does and returns a one-line summary of what
  // changed; thread-safe. Empty until `reload` fills it in.
  std::function<std::string()> reload;
};

}  // namespace lapord::app
