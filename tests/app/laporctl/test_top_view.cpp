// laporctl top without a terminal or a daemon: what it reads from a scrape, the rates it
// computes from two, the complaints it lists, and the screen it draws (80x24 at most).
#include <doctest/doctest.h>

#include "app/laporctl/top_view.hpp"

using namespace lapord::app::laporctl;
using namespace std::chrono_literals;

namespace {

const char* scrape_text(int mo, int complaints, int replies, int forwarded, int parked) {
  static std::string text;
  text =
      "# HELP lapord_carrier_bind_up 1 while the bind is up.\n"
      "# TYPE lapord_carrier_bind_up gauge\n"
      "lapord_carrier_bind_up{carrier=\"tsel\",bind=\"trx\"} 1\n"
      "lapord_carrier_bind_up{carrier=\"xl\",bind=\"tx\"} 1\n"
      "lapord_carrier_bind_up{carrier=\"xl\",bind=\"rx\"} 0\n"
      "lapord_mo_received_total{carrier=\"tsel\"} " +
      std::to_string(mo - 10) +
      "\n"
      "lapord_mo_received_total{carrier=\"xl\"} 10\n"
      "lapord_complaints_created_total{channel=\"sms\",institution_class=\"kota\"} " +
      std::to_string(complaints) +
      "\n"
      "lapord_complaints_created_total{channel=\"ussd\",institution_class=\"kota\"} 0\n"
      "lapord_replies_sent_total{carrier=\"tsel\"} " +
      std::to_string(replies) +
      "\n"
      "lapord_outbox_forwarded_total " +
      std::to_string(forwarded) +
      "\n"
      "lapord_outbox_depth{state=\"pending\"} 3\n"
      "lapord_outbox_depth{state=\"in_flight\"} 1\n"
      "lapord_outbox_depth{state=\"parked\"} " +
      std::to_string(parked) +
      "\n"
      "lapord_ussd_dialogues_open{carrier=\"tsel\"} 4\n"
      "lapord_store_commit_seconds_bucket{le=\"+Inf\"} 7\n"
      "lapord_ready 1\n";
  return text.c_str();
}

}  // namespace

TEST_CASE("top: the scrape parser reads names, escaped labels and values") {
  const auto s = parse_metrics(
      "# TYPE x counter\n"
      "x_total{a=\"q\\\"uote\",b=\"back\\\\slash\"} 12\n"
      "y 1e+06\n"
      "z{le=\"+Inf\"} 3 1700000000000\n"
      "broken{a=\"x 1\n"
      "\n");
  REQUIRE(s.size() == 3);
  CHECK(s[0].name == "x_total");
  CHECK(s[0].label("a") == "q\"uote");
  CHECK(s[0].label("b") == "back\\slash");
  CHECK(s[0].value == 12);
  CHECK(s[1].value == 1e6);
  CHECK(s[2].label("le") == "+Inf");
  CHECK(s[2].value == 3);
}

TEST_CASE("top: a snapshot sums the families the view shows") {
  const auto t0 = std::chrono::steady_clock::time_point(100s);
  const auto snap = snapshot_of(parse_metrics(scrape_text(110, 20, 18, 15, 2)), t0);
  REQUIRE(snap.binds.size() == 3);
  CHECK(snap.binds[0].carrier == "tsel");
  CHECK(snap.binds[0].up);
  CHECK_FALSE(snap.binds[2].up);
  CHECK(snap.totals.mo == 110);
  CHECK(snap.totals.complaints == 20);
  CHECK(snap.totals.replies == 18);
  CHECK(snap.totals.forwarded == 15);
  CHECK(snap.pending == 3);
  CHECK(snap.in_flight == 1);
  CHECK(snap.parked == 2);
  CHECK(snap.ussd_open == 4);
  CHECK(snap.ready == 1);
}

TEST_CASE("top: rates are the differences per second, a restart counts from zero") {
  const auto t0 = std::chrono::steady_clock::time_point(100s);
  const auto a = snapshot_of(parse_metrics(scrape_text(110, 20, 18, 15, 0)), t0);
  const auto b = snapshot_of(parse_metrics(scrape_text(130, 24, 22, 19, 0)), t0 + 2s);
  const auto r = rates_between(a, b);
  CHECK(r.known);
  CHECK(r.per_second.mo == doctest::Approx(10.0));
  CHECK(r.per_second.complaints == doctest::Approx(2.0));
  CHECK(r.per_second.replies == doctest::Approx(2.0));
  CHECK(r.per_second.forwarded == doctest::Approx(2.0));
  const auto restarted = snapshot_of(parse_metrics(scrape_text(14, 2, 1, 0, 0)), t0 + 4s);
  const auto r2 = rates_between(b, restarted);
  CHECK(r2.per_second.mo == doctest::Approx(7.0));
  CHECK(r2.per_second.complaints == doctest::Approx(1.0));
  CHECK_FALSE(rates_between(b, b).known);
}

TEST_CASE("top: the complaints come from the admin API's JSON, national when no institution") {
  const auto list = complaints_of(
      R"({"complaints":[{"ref":"94778655","created_at":"2026-12-04T03:40:44Z","carrier":"tsel",)"
      R"("reporter":"+62812****0001","institution":{"code":"36.03","name":"x"},)"
      R"("status":"received","forwarding":"parked"},{"ref":"21931593","created_at":)"
      R"("2026-12-04T03:41:00Z","carrier":"xl","reporter":"+62812****0003","institution":null,)"
      R"("status":"received","forwarding":"forwarded"}]})");
  REQUIRE(list.size() == 2);
  CHECK(list[0].ref == "94778655");
  CHECK(list[0].created == "03:40:44");
  CHECK(list[0].institution == "36.03");
  CHECK(list[0].reporter == "+62812****0001");
  CHECK(list[1].institution == "national");
  CHECK_THROWS_AS((void)complaints_of("[1,2]"), std::runtime_error);
  CHECK_THROWS_AS((void)complaints_of("not json"), std::runtime_error);
}

TEST_CASE("top: the screen fits 80x24 and shows every number") {
  top_frame f;
  f.origin = "http://127.0.0.1:8471";
  f.clock = "21:15:03 UTC";
  const auto t0 = std::chrono::steady_clock::time_point(100s);
  const auto a = snapshot_of(parse_metrics(scrape_text(110, 20, 18, 15, 2)), t0);
  f.now = snapshot_of(parse_metrics(scrape_text(130, 24, 22, 19, 2)), t0 + 2s);
  f.rates = rates_between(a, f.now);
  for (int i = 0; i < 12; ++i) {
    f.complaints.push_back({std::to_string(90000000 + i), "03:40:44", "tsel", "+62812****0001",
                            "36.03", "received", "forwarded"});
  }
  const auto lines = render_top(f);
  REQUIRE(lines.size() <= 24);
  std::string all;
  for (const auto& l : lines) {
    CHECK(l.size() <= 80);
    all += l + "\n";
  }
  CHECK(lines.front() == "lapord top  http://127.0.0.1:8471  21:15:03 UTC  ready");
  CHECK(all.find("BINDS   tsel/trx up  xl/tx up  xl/rx DOWN\n") != std::string::npos);
  CHECK(all.find("  MO          10.0        130\n") != std::string::npos);
  CHECK(all.find("  complaints  2.0         24\n") != std::string::npos);
  CHECK(all.find("  replies     2.0         22\n") != std::string::npos);
  CHECK(all.find("  forwarded   2.0         19\n") != std::string::npos);
  CHECK(all.find("OUTBOX  pending 3  in flight 1  parked 2    USSD open 4\n") != std::string::npos);
  CHECK(all.find("90000009") != std::string::npos);
  CHECK(all.find("90000010") == std::string::npos);  // the last 10 only
  CHECK(lines.back() == "q quits, refreshed every second");
}

TEST_CASE("top: a failed scrape says why instead of showing stale numbers, and small terminals") {
  top_frame f;
  f.origin = "http://127.0.0.1:1";
  f.clock = "21:15:03 UTC";
  f.problem = "cannot connect to http://127.0.0.1:1: Connection refused";
  f.complaints_note = "no admin token: give LAPORD_ADMIN_TOKEN";
  const auto lines = render_top(f);
  std::string all;
  for (const auto& l : lines)
    all += l + "\n";
  CHECK(all.find("NO DATA: cannot connect") != std::string::npos);
  CHECK(all.find("MO ") == std::string::npos);
  CHECK(all.find("(no admin token: give LAPORD_ADMIN_TOKEN)") != std::string::npos);
  const auto small = render_top(f, 30, 4);
  CHECK(small.size() == 4);
  for (const auto& l : small)
    CHECK(l.size() <= 30);
  CHECK(small.back().starts_with("q quits"));
}
