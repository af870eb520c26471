// Not a test: the memory of open USSD dialogues. Loads the complaint service as the daemon does
// (directory, dictionary, templates, screens), opens N dialogues (default 100,000) in one
// gateway through real deliver_sm, and walks them to different screens (a quarter each on the
// menu, the keyword question, the confirmation with a complaint text held, the ref question),
// then prints VmRSS / VmHWM from /proc/self/status before and after.
//   ussd_bench_dialogues [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "lapord/lapor/ussd/gateway.hpp"
#include "lapord/text/gsm7.hpp"
#include "ussd/fixture.hpp"

namespace {

using namespace lapord::lapor;
using namespace lapord::lapor::ussd;

std::string status_line(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return line;
  }
  return std::string(field) + " ?";
}

message_in mo(const std::string& msisdn, std::string_view text, std::uint8_t op,
              std::uint16_t session) {
  message_in d;
  d.service_type = "USSD";
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  d.source_addr = msisdn;
  d.destination_addr = "1708";
  // The few texts typed are encoded once, so the timing is the gateway's.
  static std::map<std::string, std::string, std::less<>> septets;
  auto it = septets.find(text);
  if (it == septets.end()) {
    std::string sm;
    for (char c : text) {
      auto code = lapord::text::gsm_code_of(static_cast<unsigned char>(c));
      if (code->extended) sm += static_cast<char>(lapord::text::gsm_escape);
      sm += static_cast<char>(code->septet);
    }
    it = septets.emplace(std::string(text), std::move(sm)).first;
  }
  d.short_message = it->second;
  d.ussd_service_op = op;
  d.its_session_info = session;
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 100'000;
  const engine& e = ussd::testing::real_engine();
  std::printf("service loaded:    %s  %s\n", status_line("VmRSS").c_str(),
              status_line("VmHWM").c_str());
  gateway g(e, profile{}, static_cast<std::size_t>(n));
  const instant start = clock::now();
  const auto t0 = std::chrono::steady_clock::now();
  const std::string text =
      "Jalan berlubang di depan pasar Cikupa sudah tiga bulan tidak diperbaiki, "
      "banyak pengendara motor jatuh terutama malam hari saat hujan";
  long shown = 0;
  for (long i = 0; i < n; ++i) {
    const std::string msisdn = "62812" + std::to_string(10'000'000 + i);
    const auto session = static_cast<std::uint16_t>((i % 256) << 8);
    auto step = [&](std::string_view typed, std::uint8_t op, unsigned seq) {
      action a = g.on_deliver(mo(msisdn, typed, op, static_cast<std::uint16_t>(session | seq << 1)),
                              start);
      if (a.kind == action_kind::reply) ++shown;
    };
    step("*1708#", 1, 1);
    switch (i % 4) {
      case 0:
        break;  // on the menu
      case 1:
        step("1", 18, 2);  // asked for the keyword
        break;
      case 2:
        step("1", 18, 2);
        step("TANGKAB", 18, 3);
        step(text, 18, 4);  // at the confirmation, holding the text
        break;
      default:
        step("2", 18, 2);  // asked for the ref
        break;
    }
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("open dialogues:    %zu (screens sent: %ld, %.0f ms, %.2f us per deliver_sm)\n",
              g.open_dialogues(), shown, ms, ms * 1000.0 / static_cast<double>(shown));
  std::printf("with dialogues:    %s  %s\n", status_line("VmRSS").c_str(),
              status_line("VmHWM").c_str());
  const auto t1 = std::chrono::steady_clock::now();
  const std::size_t dropped = g.expire(start + e.options().timeout);
  const double sweep_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
  std::printf("timeout sweep:     %zu dropped in %.1f ms, %zu left\n", dropped, sweep_ms,
              g.open_dialogues());
  return g.open_dialogues() == 0 && static_cast<long>(dropped) == n ? 0 : 1;
}
