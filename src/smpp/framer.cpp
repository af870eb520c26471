#include "lapord/smpp/framer.hpp"

#include <algorithm>

#include "lapord/smpp/codec.hpp"
#include "lapord/smpp/codec_error.hpp"
#include "lapord/smpp/pdu.hpp"

namespace lapord::smpp {

framer::framer(std::size_t max_pdu_size) : max_pdu_size_(max_pdu_size) {}

void framer::feed(std::span<const std::uint8_t> bytes) {
  auto area = prepare(bytes.size());
  std::copy(bytes.begin(), bytes.end(), area.begin());
  commit(bytes.size());
}

std::span<std::uint8_t> framer::prepare(std::size_t n) {
  // Drop what was yielded before growing, so the buffer holds at most one partial PDU plus
  // the bytes of the current read.
  if (pending_consume_ != 0) {
    start_ += pending_consume_;
    pending_consume_ = 0;
  }
  if (start_ != 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  const auto used = buffer_.size() - prepared_;
  buffer_.resize(used + n);
  prepared_ = n;
  return {buffer_.data() + used, n};
}

void framer::commit(std::size_t n) {
  n = std::min(n, prepared_);
  buffer_.resize(buffer_.size() - prepared_ + n);
  prepared_ = 0;
}

std::error_code framer::next(std::span<const std::uint8_t>& frame) {
  frame = {};
  start_ += pending_consume_;
  pending_consume_ = 0;
  const std::span<const std::uint8_t> data(buffer_.data() + start_,
                                           buffer_.size() - prepared_ - start_);
  if (error_) {
    // The header of the bad PDU may have completed since: its sequence_number is for the nack.
    if (!error_header_) error_header_ = read_header(data);
    return error_;
  }
  if (data.size() < 4) return {};
  const auto length = static_cast<std::size_t>(data[0]) << 24 |
                      static_cast<std::size_t>(data[1]) << 16 |
                      static_cast<std::size_t>(data[2]) << 8 | static_cast<std::size_t>(data[3]);
  if (length < header_size || length > max_pdu_size_) {
    error_ = length < header_size ? codec_error::command_length_too_small
                                  : codec_error::command_length_too_large;
    error_header_ = read_header(data);
    return error_;
  }
  if (data.size() < length) return {};
  frame = data.first(length);
  pending_consume_ = length;
  return {};
}

}  // namespace lapord::smpp
