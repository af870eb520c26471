// libFuzzer target: MO decoding, UDH parsing and receipt parsing never crash, always give valid
// UTF-8, and a decoded text sent back out as MT segments reads back the same.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "lapord/text/receipt.hpp"
#include "lapord/text/segmentation.hpp"
#include "lapord/text/short_message.hpp"
#include "lapord/text/udh.hpp"
#include "lapord/text/utf8.hpp"

using namespace lapord::text;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

std::string read_back(const encoded_mt& mt) {
  std::string out;
  for (const auto& segment : mt.segments) {
    const auto mo = read_short_message(segment.esm_class, segment.data_coding, segment.bytes);
    require(is_valid_utf8(mo.utf8));
    out += mo.utf8;  // segments come in order here, so joining is reassembly
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t esm_class = data[0];
  const std::uint8_t data_coding = data[1];
  const std::uint8_t flags = data[2];
  const std::span<const std::uint8_t> payload(data + 3, size - 3);

  decode_options options;
  options.gsm_packed = flags & 0x01;
  options.default_alphabet = (flags & 0x02)   ? alphabet::latin1
                             : (flags & 0x04) ? alphabet::ia5
                                              : alphabet::gsm7;

  const auto header = parse_udh(payload);
  require(header.length <= payload.size());
  if (header.concat) {
    require(header.concat->total >= 2);
    require(header.concat->sequence >= 1 && header.concat->sequence <= header.concat->total);
  }

  const auto mo = read_short_message(esm_class, data_coding, payload, options);
  require(is_valid_utf8(mo.utf8));

  const std::string_view raw(reinterpret_cast<const char*>(payload.data()), payload.size());
  for (const std::string_view text : {std::string_view(mo.utf8), raw}) {
    receipt_tlvs tlvs;
    if (flags & 0x08) tlvs.receipted_message_id = std::string(raw.substr(0, 16));
    if (flags & 0x10) tlvs.message_state = data_coding;
    const auto receipt = read_receipt(esm_class, text, tlvs);
    if (receipt.message_id) require(!receipt.message_id->empty() || receipt.raw_id.empty());
    // Every lookup id of every receipt_id form is a non-empty id in the recorded (canonical)
    // form, and none comes twice.
    const auto form = static_cast<receipt_id_form>((flags >> 5) % 4);
    const auto ids = receipt_lookup_ids(receipt, form);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      require(!ids[i].empty() && canonical_message_id(ids[i]) == ids[i]);
      for (std::size_t j = 0; j < i; ++j)
        require(ids[i] != ids[j]);
    }
  }

  // What was read goes back out as a reply and reads back unchanged (unpacked, as SMPP carries).
  if (mo.utf8.size() <= 4096) {
    const auto mt = encode_mt(mo.utf8);
    require(!mt.replaced);
    if (!mt.too_long) require(read_back(mt) == mo.utf8);
  }
  return 0;
}
