#include "lapord/net/http/complaint_body.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace lapord::net::http {

std::string_view to_string(complaint_channel c) {
  return c == complaint_channel::ussd ? "ussd" : "sms";
}

std::string e164_msisdn(std::string_view msisdn) {
  std::string digits;
  bool plus = false;
  for (const char c : msisdn) {
    if (c == ' ' || c == '-') continue;
    if (c == '+' && digits.empty() && !plus) {
      plus = true;
      continue;
    }
    if (c < '0' || c > '9') return std::string(msisdn);  // not a number we understand
  }
  for (const char c : msisdn) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.empty()) return std::string(msisdn);
  if (plus) return "+" + digits;
  if (digits.rfind("62", 0) == 0) return "+" + digits;
  if (digits[0] == '0') return "+62" + digits.substr(1);
  if (digits[0] == '8') return "+62" + digits;  // an Indonesian mobile number without its 0
  return "+" + digits;                          // already international without the "+"
}

std::string complaint_body(const complaint_record& c) {
  boost::json::object o;
  o["ref"] = c.ref;
  o["channel"] = to_string(c.channel);
  o["received_at"] = format_rfc3339(c.received_at);
  o["carrier"] = c.carrier;
  o["service_number"] = c.service_number;
  o["reporter"] = boost::json::object{{"msisdn", e164_msisdn(c.reporter_msisdn)}};
  o["confidential"] = c.confidential;
  if (c.institution) {
    o["institution"] = boost::json::object{{"keyword", c.institution->keyword},
                                           {"code", c.institution->code},
                                           {"name", c.institution->name},
                                           {"keyword_corrected", c.institution->keyword_corrected}};
  } else {
    o["institution"] = nullptr;
  }
  o["text"] = c.text;
  o["segments"] = c.segments;
  o["incomplete"] = c.incomplete;
  return boost::json::serialize(o);
}

}  // namespace lapord::net::http
