// libFuzzer target smpp_decode: the input is a byte stream from a peer, cut into two chunks at
// a point taken from its first octet. Framing and decoding must never crash or read out of
// bounds; whatever decodes and re-encodes must decode again to the same value.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "lapord/smpp/codec.hpp"
#include "lapord/smpp/framer.hpp"

using namespace lapord::smpp;

namespace {

void check_round_trip(std::span<const std::uint8_t> frame) {
  pdu first;
  if (decode(frame, first)) return;
  std::vector<std::uint8_t> bytes;
  if (encode(first, bytes)) return;  // liberal decode, strict encode: may refuse
  pdu second;
  if (decode(bytes, second)) std::abort();  // we cannot read what we wrote
  if (!(second == first)) std::abort();
  std::vector<std::uint8_t> again;
  if (encode(second, again) || again != bytes) std::abort();  // encoding is deterministic
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  // The whole input as one PDU, whatever its command_length says.
  {
    pdu p;
    (void)decode(input, p);
  }
  framer f(4096);
  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  for (const auto chunk : {input.first(cut), input.subspan(cut)}) {
    f.feed(chunk);
    for (;;) {
      std::span<const std::uint8_t> frame;
      if (f.next(frame)) return 0;
      if (frame.empty()) break;
      check_round_trip(frame);
    }
  }
  return 0;
}
