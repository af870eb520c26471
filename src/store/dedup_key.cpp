#include "store/dedup_key.hpp"

#include <string_view>

namespace lapord::store::detail {
namespace {

// FNV-1a, 64 bits: fast on short inputs and good enough for an index that is always
// confirmed by an exact comparison.
struct fnv1a {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  void byte(std::uint8_t b) noexcept {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  void bytes(std::string_view s) noexcept {
    // The length first, so that ("ab", "c") and ("a", "bc") differ.
    auto n = static_cast<std::uint32_t>(s.size());
    for (int i = 0; i < 4; ++i)
      byte(static_cast<std::uint8_t>(n >> (8 * i)));
    for (char c : s)
      byte(static_cast<std::uint8_t>(c));
  }
};

}  // namespace

std::int64_t dedup_hash(const mo_pdu& mo) noexcept {
  fnv1a f;
  f.bytes(mo.carrier);
  f.bytes(mo.source);
  f.byte(mo.source_ton);
  f.byte(mo.source_npi);
  f.bytes(mo.destination);
  f.byte(mo.destination_ton);
  f.byte(mo.destination_npi);
  f.bytes(mo.service_type);
  f.byte(mo.esm_class);
  f.byte(mo.data_coding);
  f.bytes(mo.short_message);
  f.bytes(mo.tlvs);
  return f.h == 0 ? 1 : static_cast<std::int64_t>(f.h);
}

std::int64_t duplicate_hash(std::string_view duplicate_key) noexcept {
  return static_cast<std::int64_t>(string_hash(duplicate_key));
}

std::uint64_t string_hash(std::string_view s) noexcept {
  fnv1a f;
  f.bytes(s);
  return f.h;
}

std::string carrier_list(const std::vector<std::string>* carriers) {
  std::string out;
  if (carriers == nullptr) return out;
  for (const std::string& c : *carriers) {
    if (!out.empty()) out += '\x1f';
    out += c;
  }
  return out;
}

}  // namespace lapord::store::detail
