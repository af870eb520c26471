#pragma once
// One carrier's USSD gateways across reloads. A reload that changes the menu (its [ussd]
// settings, its screens file, or the complaint service under it) makes a new generation: new
// dialogues go to the newest gateway, while every dialogue already open stays on the gateway
// (and so the texts, the directory and the settings) it began with until it ends; a gateway
// with no dialogue left is dropped with its menu. Socket-free and clock-free: the daemon calls it
// on the pipeline's one USSD thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lapord/app/ussd/ussd_setup.hpp"
#include "lapord/lapor/ussd/gateway.hpp"

namespace lapord::app {

class ussd_generations {
 public:
  struct slot {
    std::uint64_t generation = 0;
    std::shared_ptr<const ussd_menu> menu;  // what the gateway's engine refers to
    std::unique_ptr<lapor::ussd::gateway> gateway;
  };

  explicit ussd_generations(std::string carrier) : carrier_(std::move(carrier)) {}

  // The gateway a USSD message goes to: an older generation's when it holds the dialogue the
  // message continues, else the newest, made for `menu` (generation `generation`) when the
  // newest is older. The reference is good until the next call. Throws what the gateway's
  // constructor throws (a screen that does not fit the carrier's profile).
  slot& route(const lapor::ussd::message_in& m, lapor::ussd::instant now,
              const std::shared_ptr<const ussd_menu>& menu, std::uint64_t generation);

  // The gateway of a generation (a filing's or lookup's ticket goes back to it), or null when
  // it was dropped (its dialogues ended meanwhile).
  [[nodiscard]] slot* find(std::uint64_t generation);

  // Drops the dialogue of `key` from every generation (it ended or expired on another instance).
  void forget(const lapor::ussd::session_key& key, lapor::ussd::instant now);

  // Expires idle dialogues in every generation; returns how many.
  std::size_t expire(lapor::ussd::instant now);

  // Drops older generations without open dialogues; returns how many were dropped.
  std::size_t drop_drained();

  [[nodiscard]] std::size_t open_dialogues() const;
  [[nodiscard]] std::size_t generations() const noexcept { return slots_.size(); }
  [[nodiscard]] const std::string& carrier() const noexcept { return carrier_; }

 private:
  std::string carrier_;
  std::vector<slot> slots_;  // oldest first; back() is the newest
};

}  // namespace lapord::app
