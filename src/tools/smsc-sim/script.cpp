#include "script.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "parts.hpp"

namespace lapord::smsc_sim {
namespace json = boost::json;
namespace {

// A problem in one script line; parse_script adds FILE:LINE.
struct script_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& what) {
  throw script_error(what);
}

std::string str(json::string_view s) {
  return std::string(s.data(), s.size());
}

std::int64_t integer(const json::value& v, std::string_view key, std::int64_t lo, std::int64_t hi) {
  std::int64_t n = 0;
  if (v.is_int64()) {
    n = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(hi)) {
    n = static_cast<std::int64_t>(v.get_uint64());
  } else {
    fail(std::string(key) + ": expected an integer");
  }
  if (n < lo || n > hi)
    fail(std::string(key) + ": " + std::to_string(n) + " is out of range " + std::to_string(lo) +
         ".." + std::to_string(hi));
  return n;
}

std::uint8_t octet(const json::value& v, std::string_view key) {
  return static_cast<std::uint8_t>(integer(v, key, 0, 255));
}

std::string text_of(const json::value& v, std::string_view key) {
  if (!v.is_string()) fail(std::string(key) + ": expected a string");
  return str(v.get_string());
}

bool flag(const json::value& v, std::string_view key) {
  if (!v.is_bool()) fail(std::string(key) + ": expected true or false");
  return v.get_bool();
}

std::string hex_field(const json::value& v, std::string_view key) {
  auto h = from_hex(text_of(v, key));
  if (!h) fail(std::string(key) + ": not an even number of hex digits");
  return *h;
}

// its_session_info: a number or 4 hex digits ("0102" = session 1, sequence octet 2).
std::uint16_t session_info(const json::value& v) {
  if (v.is_string()) {
    auto h = from_hex(str(v.get_string()));
    if (!h || h->size() != 2) fail("its_session_info: expected 4 hex digits");
    return static_cast<std::uint16_t>((static_cast<unsigned char>((*h)[0]) << 8) |
                                      static_cast<unsigned char>((*h)[1]));
  }
  return static_cast<std::uint16_t>(integer(v, "its_session_info", 0, 0xFFFF));
}

void parse_tlvs(const json::value& v, smpp::tlv_set& t) {
  if (!v.is_object()) fail("tlvs: expected an object");
  for (const auto& kv : v.get_object()) {
    auto key = kv.key();
    const auto& val = kv.value();
    if (key == "ussd_service_op") {
      t.ussd_service_op = octet(val, key);
    } else if (key == "its_session_info") {
      t.its_session_info = session_info(val);
    } else if (key == "user_message_reference") {
      t.user_message_reference = static_cast<std::uint16_t>(integer(val, key, 0, 0xFFFF));
    } else if (key == "sar_msg_ref_num") {
      t.sar_msg_ref_num = static_cast<std::uint16_t>(integer(val, key, 0, 0xFFFF));
    } else if (key == "sar_total_segments") {
      t.sar_total_segments = octet(val, key);
    } else if (key == "sar_segment_seqnum") {
      t.sar_segment_seqnum = octet(val, key);
    } else if (key == "message_payload_hex") {
      t.message_payload = hex_field(val, key);
    } else if (key == "other") {
      if (!val.is_array()) fail("tlvs.other: expected an array of {\"tag\":N,\"hex\":\"..\"}");
      for (const auto& item : val.get_array()) {
        if (!item.is_object() || !item.get_object().contains("tag") ||
            !item.get_object().contains("hex") || item.get_object().size() != 2)
          fail("tlvs.other: each item must be {\"tag\":N,\"hex\":\"..\"}");
        smpp::tlv x;
        x.tag = static_cast<std::uint16_t>(integer(item.get_object().at("tag"), "tag", 0, 0xFFFF));
        x.value = hex_field(item.get_object().at("hex"), "hex");
        t.other.push_back(std::move(x));
      }
    } else {
      fail("tlvs: unknown TLV " + str(key));
    }
  }
}

split_mode split_of(const std::string& s) {
  if (s == "none") return split_mode::none;
  if (s == "udh8") return split_mode::udh8;
  if (s == "udh16") return split_mode::udh16;
  if (s == "sar") return split_mode::sar;
  if (s == "payload") return split_mode::payload;
  fail("split: expected none, udh8, udh16, sar or payload, got " + s);
}

// One key of an MO step into `mo` (the text, encoded later, into `text`).
void parse_mo_key(json::string_view key, const json::value& v, mo_step& mo,
                  std::optional<std::string>& text) {
  auto& f = mo.fields;
  if (key == "dialogue") {
  } else if (key == "source") {
    f.source_addr = text_of(v, key);
  } else if (key == "destination") {
    f.destination_addr = text_of(v, key);
  } else if (key == "source_ton") {
    f.source_addr_ton = octet(v, key);
  } else if (key == "source_npi") {
    f.source_addr_npi = octet(v, key);
  } else if (key == "dest_ton") {
    f.dest_addr_ton = octet(v, key);
  } else if (key == "dest_npi") {
    f.dest_addr_npi = octet(v, key);
  } else if (key == "text") {
    text = text_of(v, key);
  } else if (key == "hex") {
    mo.octets = hex_field(v, key);
    mo.raw = true;
  } else if (key == "data_coding") {
    f.data_coding = octet(v, key);
  } else if (key == "esm_class") {
    f.esm_class = octet(v, key);
  } else if (key == "service_type") {
    f.service_type = text_of(v, key);
  } else if (key == "protocol_id") {
    f.protocol_id = octet(v, key);
  } else if (key == "priority_flag") {
    f.priority_flag = octet(v, key);
  } else if (key == "registered_delivery") {
    f.registered_delivery = octet(v, key);
  } else if (key == "tlvs") {
    parse_tlvs(v, f.tlvs);
  } else if (key == "split") {
    mo.split = split_of(text_of(v, key));
  } else if (key == "ref") {
    mo.ref = static_cast<std::uint16_t>(integer(v, key, 0, 0xFFFF));
  } else if (key == "pdu") {
    auto s = text_of(v, key);
    if (s != "deliver_sm" && s != "data_sm") fail("pdu: expected deliver_sm or data_sm");
    mo.data_sm = s == "data_sm";
  } else if (key == "system_id") {
    mo.system_id = text_of(v, key);
  } else if (key == "wait_ack") {
    mo.wait_ack = flag(v, key);
  } else if (key == "label") {
    mo.label = text_of(v, key);
  } else {
    fail("unknown key " + str(key) + " in an MO step");
  }
}

// The checks of a whole MO step, once every key is read: the message must fit what it is sent as.
void check_mo(mo_step& mo, const std::optional<std::string>& text) {
  auto& f = mo.fields;
  if (f.source_addr.empty()) fail("an MO step needs \"source\"");
  if (f.destination_addr.empty()) fail("an MO step needs \"destination\"");
  if (f.source_addr.size() > 20 || f.destination_addr.size() > 20)
    fail("source / destination: at most 20 characters");
  if (f.service_type.size() > 5) fail("service_type: at most 5 characters");
  if (text && mo.raw) fail("give \"text\" or \"hex\", not both");
  if (!text && !mo.raw) fail("an MO step needs \"text\" or \"hex\"");
  if (text) {
    std::string error;
    auto enc = encode_text(*text, f.data_coding, error);
    if (!enc) fail("text: " + error);
    mo.octets = std::move(*enc);
  }
  if (mo.raw && mo.split != split_mode::none && mo.split != split_mode::payload)
    fail("split: \"hex\" messages are sent as given; only none or payload");
  if (mo.data_sm && mo.split != split_mode::payload && mo.split != split_mode::none)
    fail("split: a data_sm carries the text in message_payload; use none or payload");
  if (mo.split == split_mode::none && !mo.data_sm && mo.octets.size() > 254)
    fail("the message is " + std::to_string(mo.octets.size()) +
         " octets, over the 254 of one short_message: add \"split\"");
  if (mo.split == split_mode::sar || mo.split == split_mode::udh8 ||
      mo.split == split_mode::udh16) {
    auto parts = cut(mo.octets, part_capacity(mo.split, f.data_coding), f.data_coding).size();
    if (parts > 255) fail("the message needs " + std::to_string(parts) + " parts, over 255");
    if (mo.split == split_mode::udh8 && mo.ref && *mo.ref > 0xFF)
      fail("ref: an 8-bit UDH reference is at most 255");
  }
}

mo_step parse_mo(const json::object& o) {
  mo_step mo;
  mo.fields.source_addr_ton = 1;
  mo.fields.source_addr_npi = 1;
  std::optional<std::string> text;
  for (const auto& kv : o)
    parse_mo_key(kv.key(), kv.value(), mo, text);
  check_mo(mo, text);
  return mo;
}

void parse_match(const json::value& v, submit_match& m) {
  if (!v.is_object()) fail("match: expected an object");
  for (const auto& kv : v.get_object()) {
    auto key = kv.key();
    const auto& val = kv.value();
    if (key == "source") {
      m.source = text_of(val, key);
    } else if (key == "destination") {
      m.destination = text_of(val, key);
    } else if (key == "system_id") {
      m.system_id = text_of(val, key);
    } else if (key == "service_type") {
      m.service_type = text_of(val, key);
    } else if (key == "data_coding") {
      m.data_coding = octet(val, key);
    } else if (key == "esm_class") {
      m.esm_class = octet(val, key);
    } else if (key == "ussd_service_op") {
      m.ussd_service_op = octet(val, key);
    } else if (key == "its_session_info") {
      m.its_session_info = session_info(val);
    } else if (key == "text_contains") {
      m.text_contains = text_of(val, key);
    } else if (key == "text_regex") {
      try {
        m.text_regex.emplace(text_of(val, key), std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        fail(std::string("text_regex: ") + e.what());
      }
    } else {
      fail("match: unknown key " + str(key));
    }
  }
}

wait_step parse_wait(const json::object& o) {
  wait_step w;
  for (const auto& kv : o) {
    auto key = kv.key();
    const auto& v = kv.value();
    if (key == "dialogue") {
    } else if (key == "wait") {
      auto s = text_of(v, key);
      if (s == "submit_sm") {
        w.what = wait_for::submit_sm;
      } else if (s == "data_sm") {
        w.what = wait_for::data_sm;
      } else if (s == "any") {
        w.what = wait_for::any;
      } else {
        fail("wait: expected submit_sm, data_sm or any, got " + s);
      }
    } else if (key == "match") {
      parse_match(v, w.match);
    } else if (key == "timeout_ms") {
      w.timeout_ms = static_cast<std::uint64_t>(integer(v, key, 1, 86'400'000));
    } else {
      fail("unknown key " + str(key) + " in a wait step");
    }
  }
  return w;
}

delay_step parse_delay(const json::object& o) {
  delay_step d;
  for (const auto& kv : o) {
    auto key = kv.key();
    if (key == "dialogue") {
    } else if (key == "delay_ms") {
      d.ms = static_cast<std::uint64_t>(integer(kv.value(), key, 0, 86'400'000));
    } else {
      fail("unknown key " + str(key) + " in a delay step");
    }
  }
  return d;
}

}  // namespace

std::optional<script> parse_script(std::string_view text, const std::string& file,
                                   std::string& error) {
  script s;
  s.file = file;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    try {
      boost::system::error_code ec;
      json::value v = json::parse(json::string_view(line.data(), line.size()), ec);
      if (ec) fail("not valid JSON: " + ec.message());
      if (!v.is_object()) fail("expected a JSON object");
      const auto& o = v.get_object();
      std::string name = "main";
      if (auto it = o.find("dialogue"); it != o.end()) name = text_of(it->value(), "dialogue");
      step st;
      st.line = line_no;
      if (o.contains("wait")) {
        st.action = parse_wait(o);
      } else if (o.contains("delay_ms")) {
        st.action = parse_delay(o);
      } else {
        st.action = parse_mo(o);
      }
      dialogue* d = nullptr;
      for (auto& existing : s.dialogues)
        if (existing.name == name) d = &existing;
      if (!d) {
        s.dialogues.push_back(dialogue{name, {}});
        d = &s.dialogues.back();
      }
      d->steps.push_back(std::move(st));
    } catch (const script_error& e) {
      error = file + ":" + std::to_string(line_no) + ": " + e.what();
      return std::nullopt;
    }
  }
  if (s.dialogues.empty()) {
    error = file + ": the script has no steps";
    return std::nullopt;
  }
  return s;
}

std::optional<script> load_script(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open the script";
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_script(ss.str(), path, error);
}

bool matches(const wait_step& w, const submit_view& s) {
  if (w.what == wait_for::submit_sm && s.data_sm) return false;
  if (w.what == wait_for::data_sm && !s.data_sm) return false;
  const auto& m = w.match;
  if (m.destination && *m.destination != s.destination) return false;
  if (m.source && *m.source != s.source) return false;
  if (m.system_id && *m.system_id != s.system_id) return false;
  if (m.service_type && *m.service_type != s.service_type) return false;
  if (m.data_coding && *m.data_coding != s.data_coding) return false;
  if (m.esm_class && *m.esm_class != s.esm_class) return false;
  if (m.ussd_service_op && m.ussd_service_op != s.ussd_service_op) return false;
  if (m.its_session_info && m.its_session_info != s.its_session_info) return false;
  if (m.text_contains && s.text.find(*m.text_contains) == std::string_view::npos) return false;
  if (m.text_regex && !std::regex_search(s.text.begin(), s.text.end(), *m.text_regex)) return false;
  return true;
}

}  // namespace lapord::smsc_sim
