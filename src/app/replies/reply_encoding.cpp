// The pure parts of sending a reply: its submit_sm segments, and what the carrier's answers
// mean for it (reply_sender.hpp).
#include "lapord/app/replies/reply_sender.hpp"

#include "lapord/smpp/command_status.hpp"

namespace lapord::app {
namespace {

bool temporary_status(smpp::command_status s) {
  using smpp::command_status;
  return s == command_status::esme_rsyserr || s == command_status::esme_rmsgqful ||
         s == command_status::esme_rthrottled || s == command_status::esme_rx_t_appn;
}

}  // namespace

std::vector<smpp::submit_sm> reply_segments(const store::reply& reply,
                                            const reply_sender_options& options,
                                            const reply_source& source) {
  text::encode_options enc;
  enc.method = options.concat;
  enc.reference = static_cast<std::uint16_t>(reply.id & 0xFFFF);
  const text::encoded_mt mt = text::encode_mt(reply.text, enc);
  std::vector<smpp::submit_sm> out;
  if (mt.too_long) return out;
  out.reserve(mt.segments.size());
  for (const text::mt_segment& seg : mt.segments) {
    smpp::submit_sm sm;
    sm.source_addr = source.addr.empty() ? reply.source : source.addr;
    // Unless the carrier says otherwise: a short code is network specific (3/0), anything
    // longer a full number (1/1).
    const bool short_code = sm.source_addr.size() <= 6;
    sm.source_addr_ton = source.ton.value_or(short_code ? 3 : 1);
    sm.source_addr_npi = source.npi.value_or(short_code ? 0 : 1);
    sm.destination_addr = reply.destination;
    sm.dest_addr_ton = 1;  // international, as reply_destination() writes it
    sm.dest_addr_npi = 1;
    sm.esm_class = seg.esm_class;
    sm.data_coding = seg.data_coding;
    sm.registered_delivery = options.registered_delivery;
    std::string bytes(seg.bytes.begin(), seg.bytes.end());
    if (options.concat == text::concat_method::message_payload) {
      sm.tlvs.message_payload = std::move(bytes);
    } else {
      sm.short_message = std::move(bytes);
    }
    if (seg.sar) {
      sm.tlvs.sar_msg_ref_num = seg.sar->reference;
      sm.tlvs.sar_total_segments = seg.sar->total;
      sm.tlvs.sar_segment_seqnum = seg.sar->sequence;
    }
    out.push_back(std::move(sm));
  }
  return out;
}

reply_verdict judge_reply(std::error_code first_error, int attempts, int max_attempts) {
  if (!first_error) return reply_verdict::submitted;
  bool temporary = true;
  if (first_error.category() == smpp::command_status_category()) {
    temporary = temporary_status(static_cast<smpp::command_status>(first_error.value()));
  } else if (first_error.category() == net::carrier_category()) {
    const auto e = static_cast<net::carrier_error>(first_error.value());
    temporary =
        e != net::carrier_error::unknown_carrier && e != net::carrier_error::invalid_message;
  }
  if (!temporary) return reply_verdict::failed;
  return attempts >= max_attempts ? reply_verdict::failed : reply_verdict::retry;
}

}  // namespace lapord::app
