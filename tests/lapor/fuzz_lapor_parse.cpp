// libFuzzer target over the SMS command parser and decide(): no crash, no exception escaping,
// and the complaint text is always the input's own bytes, at the offset it claims.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lapor/fixture.hpp"

using namespace lapord::lapor;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const service& svc = lapord::lapor::testing::real_service();
  parsed_message p = svc.parse(input);
  if (p.text_offset > input.size() || input.substr(p.text_offset, p.text.size()) != p.text) {
    std::abort();
  }
  if (p.what == command::complaint && !long_enough_for_complaint(p.text)) std::abort();
  if (p.what == command::status && (p.ref.empty() || p.ref.size() > default_ref_digits)) {
    std::abort();
  }
  inbound in;
  in.from = "081234567890";
  in.to = "1708";
  in.text = std::string(input);
  decision d = svc.decide(in);
  if (d.kind == decision_kind::complaint && input.find(d.text) == std::string_view::npos) {
    std::abort();
  }
  if (d.create_complaint) (void)svc.render_reply(d, "48219375");
  (void)parse_ref(input);
  (void)duplicate_key(input);
  (void)mask_msisdn(input);
  (void)classify_address(input, 0);
  return 0;
}
