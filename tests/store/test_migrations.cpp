// The schema is migrated at open from an empty file and from every earlier version, keeping
// what was there; a file this lapord cannot use is refused with a clear error.
#include <doctest/doctest.h>

#include <fstream>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

const char* const schema_sql = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name";

}  // namespace

TEST_CASE("an empty file gets the latest schema - and opening again changes nothing") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  std::string schema;
  {
    database db(options_for(path));
    CHECK(db.schema_version() == database::latest_schema_version());
  }
  {
    raw_db raw(path);
    CHECK(raw.integer("PRAGMA user_version") == database::latest_schema_version());
    schema = raw.rows(schema_sql);
    CHECK(raw.rows("PRAGMA journal_mode") == "wal\n");
    for (const char* table : {"received", "parts", "complaints", "events", "reporters", "counters",
                              "outbox", "replies", "reply_segments"}) {
      INFO(table);
      CHECK(raw.integer(std::string("SELECT count(*) FROM sqlite_schema WHERE type='table' AND "
                                    "name='") +
                        table + "' AND sql LIKE '%STRICT%'") == 1);
    }
  }
  {
    database db(options_for(path));
    CHECK(db.schema_version() == database::latest_schema_version());
  }
  raw_db raw(path);
  CHECK(raw.rows(schema_sql) == schema);
}

TEST_CASE("a version-1 file is migrated to the latest version and keeps its rows") {
  temp_dir dir;
  const auto v1_path = dir.file("v1.db");
  {
    raw_db raw(v1_path);
    raw.exec(fixture("schema_v1.sql"));
    raw.exec(fixture("data_v1.sql"));
    raw.exec("PRAGMA user_version=1");
  }
  {
    database db(options_for(v1_path));
    CHECK(db.schema_version() == database::latest_schema_version());
    auto c = db.call([](transaction& tx) { return tx.complaint_view_by_ref("48219375"); });
    REQUIRE(c);
    CHECK(c->complaint.status == "verified");
    CHECK(c->complaint.text == "jalan rusak");
    REQUIRE(c->events.size() == 1);
    CHECK(c->events[0].institution == "Kabupaten Tangerang");
    CHECK_FALSE(c->forwarding);
    CHECK(db.call([](transaction& tx) { return tx.opted_out("+6281234567890"); }));
    CHECK(db.call([](transaction& tx) { return tx.next_ref_counter(); }) == 8);
    lapord::text::part_key key{"telkomsel", "6281234567890", "1708", 42};
    auto parts = db.call([&](transaction& tx) { return tx.parts_of(key); });
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].text == "Jalan rusak ");
    // The tables of version 2 work on the migrated file.
    db.call([](transaction& tx) { tx.enqueue_forward("48219375", "{}", at(2000)); });
    auto due = db.call([](transaction& tx) { return tx.take_due_forwards(at(2000), 10, 30s); });
    CHECK(due.size() == 1);
  }
  // The migrated file has exactly the schema of a file created new.
  const auto fresh_path = dir.file("fresh.db");
  { database db(options_for(fresh_path)); }
  raw_db migrated(v1_path), fresh(fresh_path);
  CHECK(migrated.rows(schema_sql) == fresh.rows(schema_sql));
}

TEST_CASE("the released version-1 migration is the fixture - unchanged") {
  // A released migration must never be edited: a file created by the first release would
  // otherwise differ from one created now. Version 1 alone, compared with the fixture.
  temp_dir dir;
  const auto path = dir.file("fixture.db");
  raw_db raw(path);
  raw.exec(fixture("schema_v1.sql"));
  auto from_fixture = raw.rows(schema_sql);
  // Build a latest-version file and drop what version 2 added: what is left is version 1.
  const auto latest = dir.file("latest.db");
  { database db(options_for(latest)); }
  raw_db l(latest);
  auto v1_of_latest = l.rows(
      "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE tbl_name NOT IN "
      "('outbox', 'replies', 'reply_segments') ORDER BY name");
  CHECK(from_fixture == v1_of_latest);
}

TEST_CASE("a file from a newer lapord is refused - not touched") {
  temp_dir dir;
  const auto path = dir.file("newer.db");
  {
    raw_db raw(path);
    raw.exec("CREATE TABLE future (x INTEGER); PRAGMA user_version=99");
  }
  try {
    database db(options_for(path));
    FAIL("opened a database with a newer schema");
  } catch (const store_error& e) {
    CHECK(e.code() == make_error_code(errc::schema));
    CHECK(std::string(e.what()).find("newer than this lapord") != std::string::npos);
  }
  raw_db raw(path);
  CHECK(raw.integer("PRAGMA user_version") == 99);
  CHECK(raw.integer("SELECT count(*) FROM sqlite_schema WHERE name='complaints'") == 0);
}

TEST_CASE("a file that is not a database is refused with a clear error") {
  temp_dir dir;
  const auto path = dir.file("garbage.db");
  {
    std::ofstream out(path);
    out << "this is not an SQLite database, but an operator's mistake in the config\n";
    for (int i = 0; i < 200; ++i)
      out << "padding padding padding padding\n";
  }
  try {
    database db(options_for(path));
    FAIL("opened a file that is not a database");
  } catch (const store_error& e) {
    CHECK(e.code() == make_error_code(errc::corrupt));
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
}

TEST_CASE("a missing directory is a clear error at open") {
  temp_dir dir;
  const auto path = dir.file("no/such/dir/lapord.db");
  try {
    database db(options_for(path));
    FAIL("opened a database in a missing directory");
  } catch (const store_error& e) {
    CHECK(is_temporary(e.code()));
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
}
