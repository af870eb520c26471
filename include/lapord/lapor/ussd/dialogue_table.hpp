#pragma once
// The open dialogues of one carrier: bounded, O(1) per message, and expiry without a scan.
// Every dialogue shares one timeout, so the order of last activity is the order of expiry: the
// table keeps its dialogues in a list from least to most recently heard, and expire() only
// looks at the front. Slots are reused; a ticket names a slot and its generation, so an answer
// from the daemon for a dialogue that meanwhile ended (and whose slot was reused) is refused.
// When the table is full a new dialogue is refused (expired ones are swept first); open ones are
// never pushed out, since that would cut off a citizen halfway. `now` must never go back
// between calls (the steady clock), or the expiry order would be wrong.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lapord/lapor/ussd/dialogue.hpp"

namespace lapord::lapor::ussd {

struct session_key {
  std::string msisdn;    // source_addr as the carrier gave it
  std::uint32_t id = 0;  // 0: the MSISDN alone; else 0x10000 | session number, or
                         // 0x20000 | user_message_reference
  bool operator==(const session_key&) const = default;
};

struct session_key_hash {
  std::size_t operator()(const session_key& k) const noexcept {
    return std::hash<std::string_view>{}(k.msisdn) ^ (std::size_t{k.id} * 0x9E3779B97F4A7C15ULL);
  }
};

// What a reply must echo of the last message: TLVs and the TON/NPI of both addresses.
struct reply_context {
  std::uint16_t its_session_info = 0;
  std::uint16_t user_message_reference = 0;
  bool has_its_session_info = false;
  bool has_user_message_reference = false;
  std::uint8_t source_ton = 0;  // the citizen's address as received
  std::uint8_t source_npi = 0;
  std::uint8_t destination_ton = 0;  // the number dialled
  std::uint8_t destination_npi = 0;
};

using dialogue_ticket = std::uint64_t;  // generation << 32 | slot

class dialogue_table {
 public:
  struct entry {
    session_key key;
    dialogue state;
    reply_context context;
    std::uint32_t generation = 0;
    std::uint32_t older = none;  // the expiry list (least recently heard first)
    std::uint32_t newer = none;
    bool used = false;
  };
  static constexpr std::uint32_t none = 0xFFFFFFFFU;

  dialogue_table(std::size_t capacity, std::chrono::seconds timeout);

  // The open dialogue of `key`; an expired one is removed and reported as absent.
  [[nodiscard]] entry* find(const session_key& key, instant now);
  // A new dialogue for `key` heard at `now` (its state default), or nullptr when the table is
  // full of dialogues that have not expired. `key` must not be in the table.
  [[nodiscard]] entry* insert(session_key key, instant now);
  // The dialogue a ticket names, if it is still the same dialogue and has not expired.
  [[nodiscard]] entry* get(dialogue_ticket ticket, instant now);
  [[nodiscard]] dialogue_ticket ticket_of(const entry& e) const;

  // Marks the dialogue heard at `now` (moves it to the end of the expiry order).
  void touch(entry& e, instant now);
  void erase(entry& e);
  // Removes every dialogue idle for the timeout or longer; returns how many.
  std::size_t expire(instant now);

  [[nodiscard]] std::size_t size() const noexcept { return index_.size(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::chrono::seconds timeout() const noexcept { return timeout_; }
  // When the oldest open dialogue expires (for the daemon's sweep timer); nullopt when empty.
  [[nodiscard]] std::optional<instant> next_expiry() const;

 private:
  [[nodiscard]] bool is_expired(const entry& e, instant now) const;
  void unlink(std::uint32_t slot);
  void link_newest(std::uint32_t slot);

  std::size_t capacity_;
  std::chrono::seconds timeout_;
  std::vector<entry> slots_;
  std::vector<std::uint32_t> free_;
  std::unordered_map<session_key, std::uint32_t, session_key_hash> index_;
  std::uint32_t oldest_ = none;
  std::uint32_t newest_ = none;
};

}  // namespace lapord::lapor::ussd
