#pragma once
// The daemon's link_observer: turns the carrier links' events into the carrier metric families
// (bind up, reconnects, PDUs by command and status, window, throttling) and the health facts
// (bound carriers), and gives systemd's STATUS= line. Network thread only, like the events.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "lapord/app/ops/health.hpp"
#include "lapord/app/ops/lapord_metrics.hpp"
#include "lapord/net/link_observer.hpp"

namespace lapord::app {

class link_metrics final : public net::link_observer {
 public:
  // `binds_changed` runs (network thread) after a bind went up or down.
  link_metrics(ops::lapord_metrics& metrics, ops::health_state& health,
               std::function<void()> binds_changed = {});
  ~link_metrics() override;
  link_metrics(const link_metrics&) = delete;
  link_metrics& operator=(const link_metrics&) = delete;

  net::carrier_observer& carrier(const std::string& name) override;

  // "1 of 2 carriers bound (tsel up, xl down)": a carrier counts as bound when the bind MO
  // arrive on (trx, or rx of a pair) is up.
  [[nodiscard]] std::string status_line() const;

 private:
  class one_carrier;
  ops::lapord_metrics& metrics_;
  ops::health_state& health_;
  std::function<void()> binds_changed_;
  std::map<std::string, std::unique_ptr<one_carrier>, std::less<>> carriers_;
};

}  // namespace lapord::app
