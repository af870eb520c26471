// Delivery receipts: a deliver_sm for each accepted submit_sm, queued as an MO like any other.

#include <cstdio>
#include <ctime>

#include "lapord/text/utf8.hpp"
#include "smsc_server.hpp"

namespace lapord::smsc_sim {

void smsc::schedule_receipt(std::string system_id, std::string src, std::uint8_t src_ton,
                            std::uint8_t src_npi, std::string dst, std::uint8_t dst_ton,
                            std::uint8_t dst_npi, std::string message_id, std::string sent_text) {
  smpp::deliver_sm r;
  r.source_addr = dst;
  r.source_addr_ton = dst_ton;
  r.source_addr_npi = dst_npi;
  r.destination_addr = src;
  r.dest_addr_ton = src_ton;
  r.dest_addr_npi = src_npi;
  r.esm_class = 0x04;
  std::string stat = opt_.receipt_stat;
  auto date = receipt_date();
  std::string first20;
  {
    std::string error;
    std::size_t pos = 0, chars = 0;
    while (pos < sent_text.size() && chars < 20) {
      std::size_t start = pos;
      text::next_code_point(sent_text, pos);
      std::string one = sent_text.substr(start, pos - start);
      if (encode_text(one, 0, error)) first20 += one;
      ++chars;
    }
  }
  std::string text_id = message_id;
  if (opt_.receipt_text_id != "same") {  // the same number, written in the other base
    const std::uint64_t value = std::stoull(message_id, nullptr, opt_.message_id_hex ? 16 : 10);
    text_id = format_message_id(value, opt_.receipt_text_id == "hex");
  }
  std::string body = "id:" + text_id + " sub:001 dlvrd:" + (stat == "DELIVRD" ? "001" : "000") +
                     " submit date:" + date + " done date:" + date + " stat:" + stat +
                     " err:000 text:" + first20;
  std::string error;
  r.short_message = encode_text(body, 0, error).value_or(body);
  if (opt_.receipt_id_tlv) r.tlvs.receipted_message_id = message_id;
  r.tlvs.message_state = message_state_of(stat);
  auto add = [this, r = std::move(r), system_id = std::move(system_id), message_id,
              stat]() mutable {
    auto mo = add_stored(std::move(r), system_id, nullptr, {});
    records_.write("receipt", {{"message_id", message_id}, {"mo", mo}, {"stat", stat}});
    pump();
  };
  if (opt_.receipt_delay_ms == 0) {
    add();
    return;
  }
  ++pending_receipts_;
  auto t =
      std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(opt_.receipt_delay_ms));
  t->async_wait([this, t, add = std::move(add)](boost::system::error_code) mutable {
    --pending_receipts_;
    if (!stopping_) add();
  });
}

// Decimal, or upper-case hex of 8 digits at least ("5A000001"), as SMSCs write them.
std::string smsc::format_message_id(std::uint64_t value, bool hex) {
  if (!hex) return std::to_string(value);
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%08llX", static_cast<unsigned long long>(value));
  return buffer;
}

std::uint8_t smsc::message_state_of(const std::string& stat) {
  if (stat == "DELIVRD") return 2;
  if (stat == "EXPIRED") return 3;
  if (stat == "DELETED") return 4;
  if (stat == "UNDELIV") return 5;
  if (stat == "ACCEPTD") return 6;
  if (stat == "REJECTD") return 8;
  return 7;  // UNKNOWN
}

std::string smsc::receipt_date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d", tm.tm_year % 100, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min);
  return buf;
}

}  // namespace lapord::smsc_sim
