#include "app/daemon/link_metrics.hpp"

#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "lapord/smpp/command_id.hpp"
#include "lapord/smpp/command_status.hpp"

namespace lapord::app {

class link_metrics::one_carrier final : public net::carrier_observer {
 public:
  one_carrier(link_metrics& owner, std::string name)
      : owner_(owner),
        name_(std::move(name)),
        reconnects_(owner.metrics_.carrier_reconnects.with({name_})),
        window_(owner.metrics_.smpp_window_in_use.with({name_})),
        throttled_(owner.metrics_.smpp_throttled.with({name_})) {}

  void bind_changed(std::string_view bind, bool up) override {
    owner_.metrics_.carrier_bind_up.set({name_, bind}, up ? 1 : 0);
    if (bind != "tx") {  // the bind MO arrive on
      receiving_up_ = up;
      owner_.health_.bind_changed(name_, up);
    }
    if (bind != "rx") owner_.health_.sending_bind_changed(name_, up);  // the one MT go out on
    if (owner_.binds_changed_) owner_.binds_changed_();
  }
  void reconnect_scheduled() override { reconnects_.inc(); }
  void pdu_received(smpp::command_id id, smpp::command_status status) override {
    counter_for(received_, owner_.metrics_.smpp_pdus_received, id, status).inc();
  }
  void pdu_sent(smpp::command_id id, smpp::command_status status) override {
    counter_for(sent_, owner_.metrics_.smpp_pdus_sent, id, status).inc();
  }
  void window_in_use(std::size_t in_flight) override {
    window_.set(static_cast<std::int64_t>(in_flight));
  }
  void throttled() override { throttled_.inc(); }

  [[nodiscard]] bool receiving_up() const { return receiving_up_; }

 private:
  // The series of a (command, status) pair, kept after its first use so a PDU costs a short
  // scan of the pairs seen (a handful) and one atomic add, no label lookup.
  struct pair_series {
    smpp::command_id command;
    smpp::command_status status;
    ops::counter series;
  };
  // A peer may send any 32-bit values: past this many pairs, look the labels up each time (the
  // family's series cap still bounds the memory).
  static constexpr std::size_t max_kept = 64;

  ops::counter counter_for(std::vector<pair_series>& kept, const ops::counter_family<3>& family,
                           smpp::command_id id, smpp::command_status status) {
    for (const auto& k : kept) {
      if (k.command == id && k.status == status) return k.series;
    }
    auto series = family.with({name_, smpp::name(id), smpp::name(status)});
    if (kept.size() < max_kept) kept.push_back({id, status, series});
    return series;
  }

  link_metrics& owner_;
  std::string name_;
  ops::counter reconnects_;
  ops::gauge window_;
  ops::counter throttled_;
  std::vector<pair_series> received_, sent_;
  bool receiving_up_ = false;
};

link_metrics::link_metrics(ops::lapord_metrics& metrics, ops::health_state& health,
                           std::function<void()> binds_changed)
    : metrics_(metrics), health_(health), binds_changed_(std::move(binds_changed)) {}

link_metrics::~link_metrics() = default;

net::carrier_observer& link_metrics::carrier(const std::string& name) {
  auto it = carriers_.find(name);
  if (it == carriers_.end()) {
    it = carriers_.emplace(name, std::make_unique<one_carrier>(*this, name)).first;
  }
  return *it->second;
}

std::string link_metrics::status_line() const {
  std::size_t up = 0;
  std::string each;
  for (const auto& [name, c] : carriers_) {
    up += c->receiving_up() ? 1 : 0;
    each +=
        fmt::format("{}{} {}", each.empty() ? "" : ", ", name, c->receiving_up() ? "up" : "down");
  }
  return fmt::format("{} of {} carrier{} bound ({})", up, carriers_.size(),
                     carriers_.size() == 1 ? "" : "s", each);
}

}  // namespace lapord::app
