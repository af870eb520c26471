// decide() with the store's answers as inputs.
#include <doctest/doctest.h>

#include "lapor/fixture.hpp"

using namespace lapord::lapor;
using lapord::lapor::testing::real_service;

namespace {
inbound sms(std::string text, std::string from = "081234567890", std::uint8_t ton = 2) {
  inbound in;
  in.from = std::move(from);
  in.from_ton = ton;
  in.to = "1708";
  in.text = std::move(text);
  return in;
}
}  // namespace

TEST_CASE(
    "decide: a complaint carries reporter, institution, text, duplicate key - ack needs the ref") {
  const service& svc = real_service();
  auto d = svc.decide(sms("RAHASIA TANGKAB Jalan  rusak dekat pasar"));
  CHECK(d.kind == decision_kind::complaint);
  CHECK(d.reporter == "+6281234567890");
  REQUIRE(d.institution);
  CHECK(d.institution->code == "36.03");
  CHECK(d.institution->short_name == "Kab. Tangerang");
  CHECK(d.institution->keyword == "TANGKAB");
  CHECK(d.confidential);
  CHECK(d.text == "Jalan  rusak dekat pasar");
  CHECK(d.duplicate_key == "jalan rusak dekat pasar");
  CHECK(d.create_complaint);
  CHECK(d.forward);
  CHECK(d.reply_template == "ack");
  CHECK(d.reply.empty());
  CHECK(svc.render_reply(d, "48219375") ==
        "LAPOR! Laporan diterima, tiket 48219375 utk Kab. Tangerang. Cek status: ketik CEK "
        "48219375 kirim ke 1708");
}

TEST_CASE("decide: duplicate repeats the first ref and creates nothing") {
  store_facts facts;
  facts.complaint.duplicate_ref = "48219375";
  auto d = real_service().decide(sms("TANGKAB jalan rusak dekat pasar"), facts);
  CHECK(d.kind == decision_kind::complaint);
  CHECK_FALSE(d.create_complaint);
  CHECK(d.ref == "48219375");
  CHECK(d.reason == "duplicate");
  CHECK(d.reply_template == "duplicate");
  CHECK(d.reply.find("48219375") != std::string::npos);
}

TEST_CASE("decide: over the hourly limit: stored, not forwarded, told once") {
  store_facts facts;
  facts.complaint.complaints_last_hour = 10;
  auto d = real_service().decide(sms("TANGKAB jalan rusak dekat pasar"), facts);
  CHECK(d.create_complaint);
  CHECK_FALSE(d.forward);
  CHECK(d.reply_template == "rate_limited");
  CHECK(d.reply.find("10 laporan") != std::string::npos);
  facts.complaint.told_rate_limit_within_hour = true;
  d = real_service().decide(sms("TANGKAB jalan rusak dekat pasar"), facts);
  CHECK(d.create_complaint);
  CHECK_FALSE(d.forward);
  CHECK(d.reply_template.empty());
  CHECK(d.reply.empty());
  // A duplicate from someone over the limit gets no second answer either.
  facts.complaint.duplicate_ref = "48219375";
  d = real_service().decide(sms("TANGKAB jalan rusak dekat pasar"), facts);
  CHECK_FALSE(d.create_complaint);
  CHECK(d.reply.empty());
}

TEST_CASE("decide: status — found, unknown, wrong check digit, someone else's") {
  const service& svc = real_service();
  ref_generator gen("status test key, long enough..", 8);
  std::string ref = gen.make(7);
  store_facts facts;
  facts.status = status_facts{complaint_state::diteruskan, "36.03", 1764288000};  // 2025-11-28 UTC
  auto d = svc.decide(sms("cek " + ref.substr(0, 4) + "-" + ref.substr(4)), facts);
  CHECK(d.kind == decision_kind::status);
  CHECK(d.ref == ref);
  CHECK(d.ref_valid);
  CHECK(d.reply == "LAPOR! Tiket " + ref +
                       ": DITERUSKAN. Instansi: Kab. Tangerang. Perubahan terakhir 28-11-2025.");
  // The store found nothing for this reporter (unknown, or another reporter's ref).
  auto unknown = svc.decide(sms("cek " + ref), store_facts{});
  CHECK(unknown.ref_valid);
  CHECK(unknown.reply_template == "not_found");
  // A wrong check digit is not even looked up, and reads the same.
  std::string wrong = ref;
  wrong.back() = wrong.back() == '9' ? '0' : static_cast<char>(wrong.back() + 1);
  auto bad = svc.decide(sms("cek " + wrong), facts);
  CHECK_FALSE(bad.ref_valid);
  CHECK(bad.reply_template == "not_found");
  CHECK(bad.reply == unknown.reply.substr(0, 13) + wrong + unknown.reply.substr(13 + ref.size()));
  // The national desk's name when the complaint has no institution; WIB date.
  facts.status =
      status_facts{complaint_state::selesai, "", 1764349199};  // 16:59:59 UTC = 23:59:59 WIB
  d = svc.decide(sms("status " + ref), facts);
  CHECK(d.reply.find("SELESAI. Instansi: LAPOR! Nasional. Perubahan terakhir 28-11-2025") !=
        std::string::npos);
  facts.status->changed_at_unix = 1764349200;  // 17:00 UTC = 00:00 WIB next day
  d = svc.decide(sms("status " + ref), facts);
  CHECK(d.reply.find("29-11-2025") != std::string::npos);
}

TEST_CASE("decide: ignored senders get no complaint and no reply") {
  const service& svc = real_service();
  for (auto in : {sms("TANGKAB jalan rusak dekat pasar", "TELKOMSEL", 5),
                  sms("TANGKAB jalan rusak dekat pasar", "1708", 0),
                  sms("TANGKAB jalan rusak dekat pasar", "INFO", 0)}) {
    auto d = svc.decide(in);
    CHECK(d.kind == decision_kind::ignore);
    CHECK(d.reply.empty());
    CHECK_FALSE(d.create_complaint);
  }
  auto receipt = sms("id:123 sub:001 dlvrd:001 stat:DELIVRD");
  receipt.is_receipt = true;
  auto d = svc.decide(receipt);
  CHECK(d.kind == decision_kind::ignore);
  CHECK(d.reason == "receipt");
}

TEST_CASE("decide: replies name the number the message came to") {
  service_options options;
  options.service_numbers = {"1708", "17080"};
  const service& real = real_service();
  service svc(
      real.dir(), real.dictionary(),
      reply_templates::load(lapord::lapor::testing::read_file(
                                lapord::lapor::testing::source_path("config/templates-id.txt")),
                            "templates-id.txt", service::limits_for(real.dir(), options)),
      options);
  auto in = sms("INFO");
  in.to = "17080";
  CHECK(svc.decide(in).reply.ends_with("Ke 17080"));
  in.to = "9999";
  CHECK(svc.decide(in).reply.ends_with("Ke 1708"));
}

TEST_CASE("decide: notifications carry the institution's message") {
  auto text = real_service().notification("48219375", complaint_state::ditanggapi, "34.04",
                                          "Jalan akan diperbaiki minggu depan.");
  CHECK(text ==
        "LAPOR! Tiket 48219375 DITANGGAPI - Kab. Sleman: Jalan akan diperbaiki minggu depan.");
}

TEST_CASE("decide_again: the same decision as deciding again whole, whatever the facts") {
  const service& svc = real_service();
  std::vector<store_facts> all_facts(6);
  all_facts[1].complaint.duplicate_ref = "48219375";
  all_facts[2].complaint.complaints_last_hour = 10;
  all_facts[3].complaint.complaints_last_hour = 10;
  all_facts[3].complaint.told_rate_limit_within_hour = true;
  all_facts[4].complaint.duplicate_ref = "48219375";
  all_facts[4].complaint.complaints_last_hour = 12;
  all_facts[5].status = status_facts{complaint_state::ditanggapi, "36.03", 1'700'000'000};
  for (const inbound& in :
       {sms("RAHASIA TANGKAB Jalan  rusak dekat pasar"), sms("jalan rusak parah di dusun kami"),
        sms("Yth Bupati Sleman, jalan rusak parah di dusun kami"),
        sms("LAPOR SLEMN jalan rusak sekali"), sms("CEK 48219375"), sms("INFO"), sms("STOP"),
        sms("TANGKAB jalan"), sms("TANGKAB jalan rusak dekat pasar", "BANK"),
        sms("TANGKAB jalan rusak dekat pasar", "1708", 0)}) {
    CAPTURE(in.text);
    const parsed_message p = svc.parse(in.text);
    const decision first = svc.decide(in, p, {});
    for (const store_facts& f : all_facts) {
      CHECK(svc.decide_again(in, p, first, f) == svc.decide(in, p, f));
    }
  }
}

TEST_CASE("decides_as_first: true only when deciding again gives the first reading itself") {
  const service& svc = real_service();
  const unsigned limit = svc.options().hourly_limit;
  std::vector<store_facts> all_facts(7);
  all_facts[1].complaint.duplicate_ref = "48219375";
  all_facts[2].complaint.complaints_last_hour = limit - 1;  // under the limit: no change
  all_facts[3].complaint.complaints_last_hour = limit;
  all_facts[4].complaint.complaints_last_hour = limit;
  all_facts[4].complaint.told_rate_limit_within_hour = true;
  all_facts[5].complaint.told_rate_limit_within_hour = true;  // told, but under the limit
  all_facts[6].status = status_facts{complaint_state::ditanggapi, "36.03", 1'700'000'000};
  int kept = 0;
  for (const inbound& in :
       {sms("RAHASIA TANGKAB Jalan  rusak dekat pasar"), sms("jalan rusak parah di dusun kami"),
        sms("Yth Bupati Sleman, jalan rusak parah di dusun kami"), sms("CEK 48219375"), sms("INFO"),
        sms("TANGKAB jalan rusak dekat pasar", "BANK")}) {
    CAPTURE(in.text);
    const parsed_message p = svc.parse(in.text);
    const decision first = svc.decide(in, p, {});
    for (const store_facts& f : all_facts) {
      const bool same = svc.decide_again(in, p, first, f) == first;
      // Never claims a change it does not see; misses none for a complaint.
      if (svc.decides_as_first(first, f)) {
        CHECK(same);
        ++kept;
      } else if (first.kind == decision_kind::complaint) {
        CHECK_FALSE(same);
      }
    }
  }
  // Three complaints, each with no facts, under the limit, told but under it, status facts.
  CHECK(kept == 3 * 4);
}
