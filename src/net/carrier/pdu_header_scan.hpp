#pragma once
// Finds the PDU headers (command_length, command_id, command_status) in a byte stream cut at
// any point, without decoding bodies: for counting PDUs by command and status on the way in
// and out. Pure. A connection has one scanner per direction; a nonsense length (the session
// closes such a connection) only makes the scanner skip wrongly until then.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lapord/smpp/command_id.hpp"
#include "lapord/smpp/command_status.hpp"

namespace lapord::net {

class pdu_header_scan {
 public:
  static constexpr std::size_t header_size = 16;

  // Calls on_header(command_id, command_status) for every header completed by `bytes`.
  template <class F>
  void feed(std::span<const std::uint8_t> bytes, F&& on_header) {
    while (!bytes.empty()) {
      if (skip_ > 0) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, bytes.size()));
        skip_ -= n;
        bytes = bytes.subspan(n);
        continue;
      }
      const std::size_t n = std::min(header_size - have_, bytes.size());
      std::copy_n(bytes.begin(), n, header_.begin() + static_cast<std::ptrdiff_t>(have_));
      have_ += n;
      bytes = bytes.subspan(n);
      if (have_ < header_size) return;
      have_ = 0;
      const std::uint32_t length = word(0);
      skip_ = length > header_size ? length - header_size : 0;
      on_header(static_cast<smpp::command_id>(word(4)), static_cast<smpp::command_status>(word(8)));
    }
  }

 private:
  [[nodiscard]] std::uint32_t word(std::size_t at) const {
    return (std::uint32_t{header_[at]} << 24) | (std::uint32_t{header_[at + 1]} << 16) |
           (std::uint32_t{header_[at + 2]} << 8) | std::uint32_t{header_[at + 3]};
  }

  std::array<std::uint8_t, header_size> header_{};
  std::size_t have_ = 0;
  std::uint64_t skip_ = 0;
};

}  // namespace lapord::net
