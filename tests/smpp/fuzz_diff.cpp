// libFuzzer target smpp_diff: the input is one PDU. Where our codec and libsmpp34 both decode
// it (and it has few TLVs: libsmpp34 overflows a global with many), every field must be equal;
// and what we encode from it, libsmpp34 must read back the same.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "smpp/differential.hpp"

using namespace lapord::smpp;
using namespace lapord::smpp::test;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto c = compare_decoders(std::span<const std::uint8_t>(data, size));
  if (c.result == verdict::disagreed) {
    std::fprintf(stderr, "decoders disagree on a %s\n",
                 std::string(name(c.ours.command())).c_str());
    std::abort();
  }
  if (c.result == verdict::ours_refused || c.result == verdict::too_many_tlvs) return 0;
  if (compare_encoding(c.ours).result == verdict::disagreed) {
    std::fprintf(stderr, "libsmpp34 reads our %s differently\n",
                 std::string(name(c.ours.command())).c_str());
    std::abort();
  }
  return 0;
}
