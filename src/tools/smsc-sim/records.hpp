#pragma once
// The records file (docs/smsc-sim.md "Records"): one JSON object per line, buffered and
// flushed by the server every few milliseconds so tests can wait on lines as they happen.

#include <boost/json/object.hpp>
#include <cstdio>
#include <string>
#include <string_view>

#include "lapord/smpp/pdu.hpp"

namespace lapord::smsc_sim {

class records {
 public:
  records() = default;
  records(const records&) = delete;
  records& operator=(const records&) = delete;
  ~records();

  // "-" = stdout; "" = no records. False with `error` set when the file cannot be opened.
  bool open(const std::string& path, std::string& error);
  bool enabled() const { return file_ != nullptr; }

  // Appends {"event":event,"time":now, ...fields} as one line.
  void write(std::string_view event, const boost::json::object& fields);
  void flush();
  bool dirty() const { return !buffer_.empty(); }

 private:
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  std::string buffer_;
};

// Now as "2026-11-28T03:04:05.123456Z".
std::string utc_now();

// The JSON of a submit_sm / deliver_sm body (addresses, classes, octets, decoded text, TLVs).
boost::json::object sm_json(const smpp::sm_fields& sm);
boost::json::object data_sm_json(const smpp::data_sm& d);
boost::json::object tlvs_json(const smpp::tlv_set& t);

// The decoded text of a short_message (after its UDH when esm_class has UDHI), if simple.
std::string sm_text(const smpp::sm_fields& sm);

}  // namespace lapord::smsc_sim
