// A reload swaps the USSD menu for new dialogues; dialogues in progress finish on the menu (texts,
// settings, service) they began with, and an old menu goes once its last dialogue has ended.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "lapor/fixture.hpp"
#include "lapord/app/config/ussd_config.hpp"
#include "lapord/app/ussd/ussd_generations.hpp"
#include "lapord/text/gsm7.hpp"
#include "store/temp_dir.hpp"

namespace lapord::app {
namespace {

namespace ussd = lapor::ussd;
namespace op = lapor::ussd::op;

std::string shipped_screens() {
  return lapor::testing::read_file(lapor::testing::source_path("config/ussd-id.txt"));
}

// A menu over the shipped service from a screens text written to `dir`.
std::shared_ptr<const ussd_menu> menu_with(const std::filesystem::path& dir,
                                           const std::string& name, const std::string& screens) {
  const auto path = dir / name;
  std::ofstream(path) << screens;
  const std::string conf = (dir / "lapord.toml").string();
  auto settings = read_ussd_section(
      toml::parse("[ussd]\nscreens = \"" + path.string() + "\"\ntimeout_s = 60\n", conf), conf);
  // The shipped service is a static of the fixture: not owned here.
  std::shared_ptr<const lapor::service> service(std::shared_ptr<void>{},
                                                &lapor::testing::real_service());
  return std::make_shared<const ussd_menu>(std::move(settings), service);
}

ussd::message_in ussd_mo(std::string_view msisdn, std::string_view text, std::uint8_t service_op,
                         std::uint16_t session) {
  ussd::message_in d;
  d.service_type = "USSD";
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  d.source_addr = std::string(msisdn);
  d.destination_addr = "1708";
  for (char c : text) {  // ASCII: one GSM septet per octet
    d.short_message += static_cast<char>(text::gsm_code_of(static_cast<unsigned char>(c))->septet);
  }
  d.ussd_service_op = service_op;
  d.its_session_info = static_cast<std::uint16_t>(session << 8 | 2);
  return d;
}

std::string screen_of(const ussd::action& a) {
  REQUIRE(a.reply);
  const std::string& sm = a.reply->octets;
  std::string out;
  bool replaced = false;
  text::append_gsm_text(
      out,
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(sm.data()), sm.size()),
      replaced);
  return out;
}

ussd::instant at(int seconds) {
  return ussd::instant{} + std::chrono::hours(1000) + std::chrono::seconds(seconds);
}

constexpr std::string_view old_menu =
    "LAPOR! 1708\n1 Buat laporan\n2 Cek status laporan\n3 Bantuan";
constexpr std::string_view new_menu = "LAPOR! BARU\n1 Buat laporan\n2 Cek status\n3 Bantuan";

void replace(std::string& text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
}

// The shipped screens, and a reloaded file with two screens changed.
struct two_menus {
  store::test::temp_dir dir;
  std::shared_ptr<const ussd_menu> first, second;
  two_menus() {
    std::string text = shipped_screens();
    first = menu_with(dir.path(), "ussd-1.txt", text);
    replace(text, "menu = LAPOR! 1708\\n1 Buat laporan\\n2 Cek status laporan\\n3 Bantuan",
            "menu = LAPOR! BARU\\n1 Buat laporan\\n2 Cek status\\n3 Bantuan");
    replace(text, "ask_ref = Nomor tiket:\n", "ask_ref = Nomor tiket Anda:\n");
    second = menu_with(dir.path(), "ussd-2.txt", text);
  }
};

TEST_CASE("ussd reload: new dialogues get the new texts, open ones finish on theirs") {
  two_menus m;
  ussd_generations g("tsel");

  // Citizen A dials before the reload: the old menu.
  auto& a1 = g.route(ussd_mo("6281200000001", "*1708#", op::pssr_indication, 1), at(0), m.first, 1);
  CHECK(a1.generation == 1);
  CHECK(screen_of(a1.gateway->on_deliver(ussd_mo("6281200000001", "*1708#", op::pssr_indication, 1),
                                         at(0))) == old_menu);

  // The reload (generation 2). Citizen B dials: the new menu; two gateways now.
  auto& b1 =
      g.route(ussd_mo("6281200000002", "*1708#", op::pssr_indication, 2), at(1), m.second, 2);
  CHECK(b1.generation == 2);
  CHECK(screen_of(b1.gateway->on_deliver(ussd_mo("6281200000002", "*1708#", op::pssr_indication, 2),
                                         at(1))) == new_menu);
  CHECK(g.generations() == 2);
  CHECK(g.open_dialogues() == 2);

  // A answers "2" (status): still the old menu's gateway and texts.
  auto& a2 = g.route(ussd_mo("6281200000001", "2", op::ussr_confirm, 1), at(2), m.second, 2);
  CHECK(a2.generation == 1);
  CHECK(screen_of(a2.gateway->on_deliver(ussd_mo("6281200000001", "2", op::ussr_confirm, 1),
                                         at(2))) == "Nomor tiket:");
  // B answers "2": the new texts.
  auto& b2 = g.route(ussd_mo("6281200000002", "2", op::ussr_confirm, 2), at(2), m.second, 2);
  CHECK(b2.generation == 2);
  CHECK(screen_of(b2.gateway->on_deliver(ussd_mo("6281200000002", "2", op::ussr_confirm, 2),
                                         at(2))) == "Nomor tiket Anda:");

  // A types a ref: a lookup on the old gateway, answered through its generation.
  auto& a3 = g.route(ussd_mo("6281200000001", "12345678", op::ussr_confirm, 1), at(3), m.second, 2);
  CHECK(a3.generation == 1);
  ussd::action last =
      a3.gateway->on_deliver(ussd_mo("6281200000001", "12345678", op::ussr_confirm, 1), at(3));
  if (last.kind == ussd::action_kind::look_up) {  // (a ref that fails its check is not looked up)
    CHECK(g.drop_drained() == 0);  // A's dialogue waits for its lookup: the old menu stays
    ussd_generations::slot* back = g.find(1);
    REQUIRE(back != nullptr);
    last = back->gateway->looked_up(last.ticket, {}, at(4));
  }
  CHECK(last.ended);
  // A's dialogue was the old menu's last: it goes, with its menu.
  CHECK(g.drop_drained() == 1);
  CHECK(g.generations() == 1);
  CHECK(g.find(1) == nullptr);
  CHECK(g.open_dialogues() == 1);  // B
}

TEST_CASE("ussd reload: dialling again during the drain starts on the new menu") {
  two_menus m;
  ussd_generations g("tsel");
  auto& a1 = g.route(ussd_mo("6281200000001", "*1708#", op::pssr_indication, 1), at(0), m.first, 1);
  (void)a1.gateway->on_deliver(ussd_mo("6281200000001", "*1708#", op::pssr_indication, 1), at(0));
  // After the reload A dials again (a begin on the same session): the old dialogue ends, the new
  // one is on the new menu.
  auto& a2 =
      g.route(ussd_mo("6281200000001", "*1708#", op::pssr_indication, 1), at(5), m.second, 2);
  CHECK(a2.generation == 2);
  CHECK(screen_of(a2.gateway->on_deliver(ussd_mo("6281200000001", "*1708#", op::pssr_indication, 1),
                                         at(5))) == new_menu);
  CHECK(g.drop_drained() == 1);
  CHECK(g.open_dialogues() == 1);
}

TEST_CASE("ussd reload: an old menu's idle dialogues time out and the menu goes") {
  two_menus m;
  ussd_generations g("tsel");
  auto& a1 = g.route(ussd_mo("6281200000001", "*1708#", op::pssr_indication, 1), at(0), m.first, 1);
  (void)a1.gateway->on_deliver(ussd_mo("6281200000001", "*1708#", op::pssr_indication, 1), at(0));
  auto& b1 =
      g.route(ussd_mo("6281200000002", "*1708#", op::pssr_indication, 2), at(30), m.second, 2);
  (void)b1.gateway->on_deliver(ussd_mo("6281200000002", "*1708#", op::pssr_indication, 2), at(30));
  CHECK(g.drop_drained() == 0);
  CHECK(g.expire(at(61)) == 1);  // A, idle 61 s of 60
  CHECK(g.drop_drained() == 1);
  CHECK(g.generations() == 1);
  CHECK(g.open_dialogues() == 1);
  // Without a reload the one generation is never dropped, even when empty.
  CHECK(g.expire(at(200)) == 1);
  CHECK(g.drop_drained() == 0);
  CHECK(g.generations() == 1);
}

}  // namespace
}  // namespace lapord::app
