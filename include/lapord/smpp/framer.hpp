#pragma once
// Cuts a TCP byte stream into whole PDUs. Hand it bytes in any chunking (feed, or prepare +
// commit to read straight into it); next() yields one whole PDU at a time.
//
// A command_length under 16 or over the configured maximum is a framing error, reported as
// soon as the 4 length octets are in: the caller answers generic_nack ESME_RINVCMDLEN (with
// error_sequence(), if known) and closes. The error is sticky. The buffer only ever grows by
// the bytes actually received, never by what a (lying) command_length announces.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "lapord/smpp/pdu.hpp"

namespace lapord::smpp {

inline constexpr std::size_t default_max_pdu_size = 65536;

class framer {
 public:
  explicit framer(std::size_t max_pdu_size = default_max_pdu_size);

  // Copies received bytes in.
  void feed(std::span<const std::uint8_t> bytes);

  // Zero-copy alternative to feed(): a writable area of `n` octets at the end of the buffer;
  // after reading k <= n octets into it, commit(k). The span is valid until the next call.
  std::span<std::uint8_t> prepare(std::size_t n);
  void commit(std::size_t n);

  // One whole PDU (header included) in `frame`, valid until the next call on the framer; or an
  // empty `frame` when more bytes are needed. Returns codec_error::command_length_too_small /
  // command_length_too_large on a framing error (and again on every later call).
  [[nodiscard]] std::error_code next(std::span<const std::uint8_t>& frame);

  // The header of the PDU that broke framing, if its 16 octets had arrived.
  std::optional<pdu_header> error_header() const { return error_header_; }
  // Its sequence_number (for the nack).
  std::optional<std::uint32_t> error_sequence() const {
    if (!error_header_) return std::nullopt;
    return error_header_->sequence_number;
  }

  // Octets received but not yet yielded as PDUs.
  std::size_t buffered() const { return buffer_.size() - start_; }
  std::size_t max_pdu_size() const { return max_pdu_size_; }

 private:
  std::size_t max_pdu_size_;
  std::vector<std::uint8_t> buffer_;
  std::size_t start_ = 0;  // first octet not yet yielded
  std::size_t pending_consume_ = 0;
  std::size_t prepared_ = 0;
  std::error_code error_;
  std::optional<pdu_header> error_header_;
};

}  // namespace lapord::smpp
