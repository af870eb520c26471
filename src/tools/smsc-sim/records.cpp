#include "records.hpp"

#include <boost/json/serialize.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "script.hpp"

namespace lapord::smsc_sim {
namespace json = boost::json;

records::~records() {
  flush();
  if (owned_ && file_) std::fclose(file_);
}

bool records::open(const std::string& path, std::string& error) {
  if (path.empty()) return true;
  if (path == "-") {
    file_ = stdout;
    return true;
  }
  file_ = std::fopen(path.c_str(), "ab");
  if (!file_) {
    error = path + ": cannot open the records file: " + std::strerror(errno);
    return false;
  }
  owned_ = true;
  return true;
}

void records::write(std::string_view event, const json::object& fields) {
  if (!file_) return;
  json::object line;
  line.reserve(fields.size() + 2);
  line["event"] = event;
  line["time"] = utc_now();
  for (const auto& kv : fields)
    line[kv.key()] = kv.value();
  buffer_ += json::serialize(line);
  buffer_ += '\n';
  if (buffer_.size() > (1U << 20)) flush();
}

void records::flush() {
  if (!file_ || buffer_.empty()) return;
  std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
  std::fflush(file_);
  buffer_.clear();
}

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long>(micros));
  return buf;
}

json::object tlvs_json(const smpp::tlv_set& t) {
  json::object o;
  if (t.ussd_service_op) o["ussd_service_op"] = *t.ussd_service_op;
  if (t.its_session_info) o["its_session_info"] = *t.its_session_info;
  if (t.user_message_reference) o["user_message_reference"] = *t.user_message_reference;
  if (t.sar_msg_ref_num) o["sar_msg_ref_num"] = *t.sar_msg_ref_num;
  if (t.sar_total_segments) o["sar_total_segments"] = *t.sar_total_segments;
  if (t.sar_segment_seqnum) o["sar_segment_seqnum"] = *t.sar_segment_seqnum;
  if (t.message_payload) o["message_payload_hex"] = to_hex(*t.message_payload);
  if (t.message_state) o["message_state"] = *t.message_state;
  if (t.receipted_message_id) o["receipted_message_id"] = *t.receipted_message_id;
  if (t.network_error_code)
    o["network_error_code"] = json::object{{"type", t.network_error_code->network_type},
                                           {"code", t.network_error_code->error_code}};
  if (t.sc_interface_version) o["sc_interface_version"] = *t.sc_interface_version;
  if (!t.other.empty()) {
    json::array a;
    for (const auto& x : t.other)
      a.push_back(json::object{{"tag", x.tag}, {"hex", to_hex(x.value)}});
    o["other"] = std::move(a);
  }
  return o;
}

namespace {

json::object address(const std::string& addr, std::uint8_t ton, std::uint8_t npi) {
  return json::object{{"addr", addr}, {"ton", ton}, {"npi", npi}};
}

// The fields a submit_sm / deliver_sm and a data_sm both have, under the same names.
template <class Sm>
json::object shared_fields(const Sm& m) {
  json::object o;
  o["service_type"] = m.service_type;
  o["source"] = address(m.source_addr, m.source_addr_ton, m.source_addr_npi);
  o["destination"] = address(m.destination_addr, m.dest_addr_ton, m.dest_addr_npi);
  o["esm_class"] = m.esm_class;
  o["registered_delivery"] = m.registered_delivery;
  o["data_coding"] = m.data_coding;
  return o;
}

// Splits off the UDH when UDHI is set and the length octet fits.
std::string_view after_udh(std::string_view sm, std::uint8_t esm_class, std::string_view* udh) {
  if ((esm_class & 0x40) == 0 || sm.empty()) return sm;
  std::size_t n = static_cast<unsigned char>(sm[0]) + 1U;
  if (n > sm.size()) return sm;
  if (udh) *udh = sm.substr(0, n);
  return sm.substr(n);
}

}  // namespace

std::string sm_text(const smpp::sm_fields& sm) {
  std::string_view body = after_udh(sm.short_message, sm.esm_class, nullptr);
  if (body.empty() && sm.tlvs.message_payload) body = *sm.tlvs.message_payload;
  return decode_text(body, sm.data_coding).value_or(std::string());
}

json::object sm_json(const smpp::sm_fields& sm) {
  json::object o = shared_fields(sm);
  o["protocol_id"] = sm.protocol_id;
  o["priority_flag"] = sm.priority_flag;
  o["short_message_hex"] = to_hex(sm.short_message);
  std::string_view udh;
  std::string_view body = after_udh(sm.short_message, sm.esm_class, &udh);
  if (!udh.empty()) o["udh_hex"] = to_hex(udh);
  if (body.empty() && sm.tlvs.message_payload) body = *sm.tlvs.message_payload;
  if (auto text = decode_text(body, sm.data_coding)) o["text"] = *text;
  o["tlvs"] = tlvs_json(sm.tlvs);
  return o;
}

json::object data_sm_json(const smpp::data_sm& d) {
  json::object o = shared_fields(d);
  o["short_message_hex"] = "";
  if (d.tlvs.message_payload) {
    std::string_view udh;
    std::string_view body = after_udh(*d.tlvs.message_payload, d.esm_class, &udh);
    if (!udh.empty()) o["udh_hex"] = to_hex(udh);
    if (auto text = decode_text(body, d.data_coding)) o["text"] = *text;
  }
  o["tlvs"] = tlvs_json(d.tlvs);
  return o;
}

}  // namespace lapord::smsc_sim
