#include <doctest/doctest.h>

#include "lapord/store/database.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace std::chrono_literals;

namespace {

database_options options_for(std::string path) {
  database_options o;
  o.path = std::move(path);
  return o;
}

wall_time at(std::int64_t seconds) {
  return wall_time(std::chrono::seconds(seconds));
}

new_complaint sample(std::string_view ref, std::string_view reporter, std::string_view text,
                     wall_time when) {
  new_complaint c;
  c.ref = ref;
  c.carrier = "telkomsel";
  c.service_number = "1708";
  c.reporter = reporter;
  c.text = text;
  c.created_at = when;
  c.institution = institution_view{"36.03", "Kabupaten Tangerang", "TANGKAB", false};
  return c;
}

}  // namespace

TEST_CASE("a complaint is created, found by ref, and its fields come back as stored") {
  test::temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  CHECK(db.schema_version() == database::latest_schema_version());
  db.call([](transaction& tx) {
    tx.create_complaint(
        sample("48219375", "+6281234567890", "Jalan rusak di Desa Suka Maju", at(1000)));
  });
  auto c = db.call([](transaction& tx) { return tx.complaint_by_ref("48219375"); });
  REQUIRE(c);
  CHECK(c->reporter == "+6281234567890");
  CHECK(c->text == "Jalan rusak di Desa Suka Maju");
  CHECK(c->status == "received");
  CHECK(c->created_at == at(1000));
  REQUIRE(c->institution);
  CHECK(c->institution->keyword == "TANGKAB");
  CHECK_FALSE(c->tracking_id);
  CHECK_FALSE(db.call([](transaction& tx) { return tx.complaint_by_ref("00000000"); }));
}
