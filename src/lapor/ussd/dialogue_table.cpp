#include "lapord/lapor/ussd/dialogue_table.hpp"

#include <stdexcept>

namespace lapord::lapor::ussd {

dialogue_table::dialogue_table(std::size_t capacity, std::chrono::seconds timeout)
    : capacity_(capacity), timeout_(timeout) {
  if (capacity == 0 || capacity >= none) {
    throw std::invalid_argument("dialogue table capacity must be from 1 to 2^32 - 2");
  }
  index_.reserve(std::min<std::size_t>(capacity, 1024));
}

bool dialogue_table::is_expired(const entry& e, instant now) const {
  return now - e.state.last_input >= timeout_;
}

void dialogue_table::unlink(std::uint32_t slot) {
  entry& e = slots_[slot];
  if (e.older != none) {
    slots_[e.older].newer = e.newer;
  } else {
    oldest_ = e.newer;
  }
  if (e.newer != none) {
    slots_[e.newer].older = e.older;
  } else {
    newest_ = e.older;
  }
  e.older = e.newer = none;
}

void dialogue_table::link_newest(std::uint32_t slot) {
  entry& e = slots_[slot];
  e.older = newest_;
  e.newer = none;
  if (newest_ != none) {
    slots_[newest_].newer = slot;
  } else {
    oldest_ = slot;
  }
  newest_ = slot;
}

dialogue_table::entry* dialogue_table::find(const session_key& key, instant now) {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  entry& e = slots_[it->second];
  if (is_expired(e, now)) {
    erase(e);
    return nullptr;
  }
  return &e;
}

dialogue_table::entry* dialogue_table::insert(session_key key, instant now) {
  if (index_.size() >= capacity_) expire(now);
  if (index_.size() >= capacity_) return nullptr;
  std::uint32_t slot = 0;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  entry& e = slots_[slot];
  e.key = std::move(key);
  e.state = dialogue{};
  e.state.last_input = now;
  e.context = reply_context{};
  e.used = true;
  index_.emplace(e.key, slot);
  link_newest(slot);
  return &e;
}

dialogue_ticket dialogue_table::ticket_of(const entry& e) const {
  const auto slot = static_cast<std::uint64_t>(&e - slots_.data());
  return (static_cast<std::uint64_t>(e.generation) << 32) | slot;
}

dialogue_table::entry* dialogue_table::get(dialogue_ticket ticket, instant now) {
  const auto slot = static_cast<std::size_t>(ticket & 0xFFFFFFFFULL);
  const auto generation = static_cast<std::uint32_t>(ticket >> 32);
  if (slot >= slots_.size()) return nullptr;
  entry& e = slots_[slot];
  if (!e.used || e.generation != generation) return nullptr;
  if (is_expired(e, now)) {
    erase(e);
    return nullptr;
  }
  return &e;
}

void dialogue_table::touch(entry& e, instant now) {
  e.state.last_input = now;
  const auto slot = static_cast<std::uint32_t>(&e - slots_.data());
  if (newest_ == slot) return;
  unlink(slot);
  link_newest(slot);
}

void dialogue_table::erase(entry& e) {
  if (!e.used) return;
  const auto slot = static_cast<std::uint32_t>(&e - slots_.data());
  unlink(slot);
  index_.erase(e.key);
  e.used = false;
  ++e.generation;
  // Release what the dialogue held (the typed text): a free slot costs only its fixed size.
  e.key = session_key{};
  e.state = dialogue{};
  free_.push_back(slot);
}

std::size_t dialogue_table::expire(instant now) {
  std::size_t n = 0;
  while (oldest_ != none && is_expired(slots_[oldest_], now)) {
    erase(slots_[oldest_]);
    ++n;
  }
  return n;
}

std::optional<instant> dialogue_table::next_expiry() const {
  if (oldest_ == none) return std::nullopt;
  return slots_[oldest_].state.last_input + timeout_;
}

}  // namespace lapord::lapor::ussd
