#include "lapord/app/ussd/ussd_generations.hpp"

#include <algorithm>

namespace lapord::app {

ussd_generations::slot& ussd_generations::route(const lapor::ussd::message_in& pdu,
                                                lapor::ussd::instant now,
                                                const std::shared_ptr<const ussd_menu>& menu,
                                                std::uint64_t generation) {
  for (slot& s : slots_) {
    if (s.generation != generation && s.gateway->continues(pdu, now)) return s;
  }
  if (slots_.empty() || slots_.back().generation != generation) {
    slot s;
    s.generation = generation;
    s.menu = menu;
    s.gateway = std::make_unique<lapor::ussd::gateway>(
        menu->engine, menu->settings.profile_for(carrier_), menu->settings.max_dialogues);
    slots_.push_back(std::move(s));
  }
  return slots_.back();
}

ussd_generations::slot* ussd_generations::find(std::uint64_t generation) {
  for (slot& s : slots_) {
    if (s.generation == generation) return &s;
  }
  return nullptr;
}

void ussd_generations::forget(const lapor::ussd::session_key& key, lapor::ussd::instant now) {
  for (slot& s : slots_)
    s.gateway->forget(key, now);
}

std::size_t ussd_generations::expire(lapor::ussd::instant now) {
  std::size_t n = 0;
  for (slot& s : slots_)
    n += s.gateway->expire(now);
  return n;
}

std::size_t ussd_generations::drop_drained() {
  if (slots_.size() < 2) return 0;
  const auto newest = slots_.back().generation;
  const auto before = slots_.size();
  std::erase_if(slots_, [newest](const slot& s) {
    return s.generation != newest && s.gateway->open_dialogues() == 0;
  });
  return before - slots_.size();
}

std::size_t ussd_generations::open_dialogues() const {
  std::size_t n = 0;
  for (const slot& s : slots_)
    n += s.gateway->open_dialogues();
  return n;
}

}  // namespace lapord::app
