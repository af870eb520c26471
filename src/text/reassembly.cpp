#include "lapord/text/reassembly.hpp"

#include <algorithm>

namespace lapord::text {

bool memory_part_store::put(const message_part& part) {
  auto& kept = parts_[part.key];
  return kept.emplace(part.sequence, part).second;
}

std::vector<message_part> memory_part_store::parts(const part_key& key) {
  std::vector<message_part> out;
  if (auto it = parts_.find(key); it != parts_.end()) {
    for (const auto& [sequence, part] : it->second)
      out.push_back(part);
  }
  return out;
}

void memory_part_store::erase(const part_key& key) {
  parts_.erase(key);
}

std::vector<part_key> memory_part_store::keys_older_than(wall_time cutoff) {
  std::vector<part_key> out;
  for (const auto& [key, kept] : parts_) {
    const bool old = std::any_of(kept.begin(), kept.end(), [&](const auto& entry) {
      return entry.second.received_at < cutoff;
    });
    if (old) out.push_back(key);
  }
  return out;
}

assembled_message assemble(const part_key& key, std::vector<message_part> parts) {
  assembled_message message;
  message.key = key;
  std::sort(parts.begin(), parts.end(), [](const message_part& a, const message_part& b) {
    return a.sequence != b.sequence ? a.sequence < b.sequence : a.received_at < b.received_at;
  });
  // A store may hand back duplicates (e.g. two instances raced): the earliest one wins.
  parts.erase(std::unique(parts.begin(), parts.end(),
                          [](const message_part& a, const message_part& b) {
                            return a.sequence == b.sequence;
                          }),
              parts.end());
  for (const auto& part : parts) {
    message.total = std::max(message.total, part.total);
    message.total = std::max(message.total, part.sequence);
    if (message.first_received_at == wall_time{} || part.received_at < message.first_received_at) {
      message.first_received_at = part.received_at;
    }
    message.replaced = message.replaced || part.replaced;
    message.text += part.text;
  }
  std::size_t next = 0;
  for (unsigned sequence = 1; sequence <= message.total; ++sequence) {
    if (next < parts.size() && parts[next].sequence == sequence) {
      ++next;
    } else {
      message.missing.push_back(static_cast<std::uint8_t>(sequence));
    }
  }
  message.complete = message.total > 0 && message.missing.empty();
  return message;
}

reassembler::reassembler(part_store& store, reassembly_options options)
    : store_(store), options_(options) {}

std::optional<assembled_message> reassembler::add(const message_part& part) {
  if (part.total <= 1 || part.sequence == 0 || part.sequence > part.total) {
    // Not a usable part of anything: hand it on alone rather than lose it.
    assembled_message alone;
    alone.key = part.key;
    alone.text = part.text;
    alone.replaced = part.replaced;
    alone.total = 1;
    alone.complete = part.total <= 1 && part.sequence <= 1;
    alone.first_received_at = part.received_at;
    return alone;
  }
  store_.put(part);
  auto message = assemble(part.key, store_.parts(part.key));
  if (!message.complete) return std::nullopt;
  return message;
}

std::vector<assembled_message> reassembler::expire(wall_time now) {
  std::vector<assembled_message> out;
  for (const auto& key : store_.keys_older_than(now - options_.timeout)) {
    auto parts = store_.parts(key);
    if (!parts.empty()) out.push_back(assemble(key, std::move(parts)));
  }
  return out;
}

void reassembler::release(const part_key& key) {
  store_.erase(key);
}

}  // namespace lapord::text
