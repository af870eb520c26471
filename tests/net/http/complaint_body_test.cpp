#include "lapord/net/http/complaint_body.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

using namespace lapord::net::http;
using namespace std::chrono;

TEST_CASE("complaint body: the spec's example, byte for byte") {
  complaint_record c;
  c.ref = "48219375";
  c.channel = complaint_channel::sms;
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
  c.channel = complaint_channel::ussd;
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
