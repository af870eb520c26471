#include "lapord/net/http/complaint_body.hpp"

#include <doctest/doctest.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <random>

using namespace lapord::net::http;
using namespace std::chrono;

TEST_CASE("complaint body: the spec's example, byte for byte") {
  complaint_record c;
  c.ref = "48219375";
  c.channel = lapord::lapor::channel::sms;
  c.received_at = sys_days{year{2026} / 11 / 28} + hours{1} + minutes{2} + seconds{3};
  c.carrier = "telkomsel";
  c.service_number = "1708";
  c.reporter_msisdn = "081234567890";
  c.institution = complaint_institution{"TANGKAB", "36.03", "Kabupaten Tangerang", false};
  c.text = "Jalan rusak di Desa Suka Maju sudah 3 bulan";
  CHECK(complaint_body(c) ==
        R"({"ref":"48219375","channel":"sms","received_at":"2026-11-28T01:02:03Z",)"
        R"("carrier":"telkomsel","service_number":"1708","reporter":{"msisdn":"+6281234567890"},)"
        R"("confidential":false,"institution":{"keyword":"TANGKAB","code":"36.03",)"
        R"("name":"Kabupaten Tangerang","keyword_corrected":false},)"
        R"("text":"Jalan rusak di Desa Suka Maju sudah 3 bulan","segments":1,"incomplete":false})");
}

TEST_CASE("complaint body: national desk, ussd, confidential, escapes and UTF-8") {
  complaint_record c;
  c.ref = "1";
  c.channel = lapord::lapor::channel::ussd;
  c.reporter_msisdn = "+6281234567890";
  c.confidential = true;
  c.text = "kutip \" garis \\ baris\nbaru 😀 é";
  c.segments = 3;
  c.incomplete = true;
  const auto v = boost::json::parse(complaint_body(c)).as_object();
  CHECK(v.at("channel") == "ussd");
  CHECK(v.at("institution").is_null());
  CHECK(v.at("confidential") == true);
  CHECK(v.at("text").as_string() == c.text);
  CHECK(v.at("segments") == 3);
  CHECK(v.at("incomplete") == true);
  CHECK(v.at("received_at") == "1970-01-01T00:00:00Z");
}

TEST_CASE("msisdn: national forms become E.164") {
  CHECK(e164_msisdn("081234567890") == "+6281234567890");
  CHECK(e164_msisdn("6281234567890") == "+6281234567890");
  CHECK(e164_msisdn("81234567890") == "+6281234567890");
  CHECK(e164_msisdn("+6281234567890") == "+6281234567890");
  CHECK(e164_msisdn("+62 812-3456-7890") == "+6281234567890");
  CHECK(e164_msisdn("+14155550100") == "+14155550100");
  // What we do not understand is passed on unchanged rather than lost.
  CHECK(e164_msisdn("TELKOMSEL") == "TELKOMSEL");
  CHECK(e164_msisdn("") == "");
  CHECK(e164_msisdn("++62812") == "++62812");
}

namespace {
// The body as it was built before (and as the spec's example reads): a boost::json object,
// serialized. The direct writer must give the same bytes for every input.
std::string reference_body(const complaint_record& c) {
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
}  // namespace

TEST_CASE("complaint body: the same bytes as boost::json::serialize, every byte in every field") {
  std::mt19937 random(20261204);
  auto some_bytes = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
      s.push_back(static_cast<char>(random() & 0xFF));
    return s;
  };
  for (int b = 0; b < 256; ++b) {
    complaint_record c;
    c.ref = "48219375";
    c.text = std::string("a") + static_cast<char>(b) + "z";
    c.carrier = std::string(1, static_cast<char>(b));
    REQUIRE(complaint_body(c) == reference_body(c));
  }
  for (int i = 0; i < 2000; ++i) {
    complaint_record c;
    c.ref = some_bytes(random() % 12);
    c.channel = i % 2 == 0 ? lapord::lapor::channel::sms : lapord::lapor::channel::ussd;
    c.received_at = utc_instant(milliseconds(static_cast<std::int64_t>(random()) * 1000));
    c.carrier = some_bytes(random() % 10);
    c.service_number = some_bytes(random() % 6);
    c.reporter_msisdn = i % 3 == 0 ? some_bytes(random() % 14) : "0812" + std::to_string(i);
    c.confidential = i % 5 == 0;
    if (i % 4 != 0) {
      c.institution = complaint_institution{some_bytes(random() % 9), some_bytes(random() % 6),
                                            some_bytes(random() % 40), i % 7 == 0};
    }
    c.text = some_bytes(random() % 300);
    c.segments = static_cast<unsigned>(random() % 256);
    c.incomplete = i % 6 == 0;
    REQUIRE(complaint_body(c) == reference_body(c));
  }
}

TEST_CASE(
    "complaint body: an escape at every place of a long plain text, as boost::json writes it") {
  const std::string plain = "Jalan rusak di Desa Suka Maju sudah 3 bulan, tolong diperbaiki";
  for (const char special : {'"', '\\', '\n', '\x01', '\x1f', '\x7f', ' '}) {
    for (std::size_t at = 0; at <= plain.size(); ++at) {
      complaint_record c;
      c.ref = "48219375";
      c.text = plain.substr(0, at) + special + plain.substr(at);
      CAPTURE(c.text);
      REQUIRE(complaint_body(c) == reference_body(c));
      c.text = plain.substr(0, at) + special + special + "\xc3\xa9" + plain.substr(at);
      REQUIRE(complaint_body(c) == reference_body(c));
    }
  }
}
