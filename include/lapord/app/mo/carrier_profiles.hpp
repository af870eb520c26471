#pragma once
// What the MO path needs per carrier beyond its binds ([[carrier]] receipt_id, source_addr,
// source_ton, source_npi): how its receipts write message ids, and how replies name their
// sender. The daemon fills it from the [[carrier]] tables at start and after each reload; the
// reply sender, the admin API's test SMS and the MO path read it per message. Thread-safe.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/net/carrier_settings.hpp"
#include "lapord/text/receipt.hpp"

namespace lapord::app {

// The sender of a carrier's replies: what its settings say, today's rule where they say nothing.
struct reply_source {
  std::string addr;                 // empty: the number the citizen wrote to
  std::optional<std::uint8_t> ton;  // nullopt: 3 (network specific) for up to 6 characters, else 1
  std::optional<std::uint8_t> npi;  // nullopt: 0 (unknown) for up to 6 characters, else 1 (E.164)
};

struct carrier_profile {
  text::receipt_id_form receipt_id = text::receipt_id_form::automatic;
  reply_source source;
};

class carrier_profiles {
 public:
  carrier_profiles() = default;
  explicit carrier_profiles(const std::vector<net::carrier_settings>& carriers) {
    replace(carriers);
  }
  carrier_profiles(const carrier_profiles&) = delete;
  carrier_profiles& operator=(const carrier_profiles&) = delete;

  // The defaults for a carrier not (or no longer) configured.
  [[nodiscard]] carrier_profile of(std::string_view carrier) const {
    std::lock_guard lock(mutex_);
    const auto it = profiles_.find(carrier);
    return it == profiles_.end() ? carrier_profile{} : it->second;
  }

  void replace(const std::vector<net::carrier_settings>& carriers) {
    std::map<std::string, carrier_profile, std::less<>> next;
    for (const auto& c : carriers) {
      next[c.name] =
          carrier_profile{c.receipt_id, reply_source{c.source_addr, c.source_ton, c.source_npi}};
    }
    std::lock_guard lock(mutex_);
    profiles_.swap(next);
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, carrier_profile, std::less<>> profiles_;
};

}  // namespace lapord::app
