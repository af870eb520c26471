// The schema is migrated at open from an empty file and from every earlier version, keeping
// what was there; a file this lapord cannot use is refused with a clear error.
#include <doctest/doctest.h>

#include <fstream>
#include <vector>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

const char* const schema_sql = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name";

// The frozen fixtures' refs were written by hand, not made from their counter (7, then 10): this
// ref key gives them numbers below it, as a real key gives a real store's refs, so that migration
// 12's check (every number below the counter) holds for them.
database_options fixture_options(const std::string& path) {
  auto o = options_for(path);
  o.ref_number = [](std::string_view ref) -> std::optional<std::uint64_t> {
    for (auto [r, n] : {std::pair<std::string_view, std::uint64_t>{"10000001", 1},
                        {"10000002", 2},
                        {"10000003", 3},
                        {"48219375", 4}})
      if (ref == r) return n;
    return std::nullopt;
  };
  return o;
}

}  // namespace

TEST_CASE("an empty file gets the latest schema - and opening again changes nothing") {
  LAPORD_SQLITE_ONLY();  // its file and fixtures; PostgreSQL: test_backends.cpp
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
                              "replies", "reply_segments", "dropped_forwards", "ussd_dialogues"}) {
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
  LAPORD_SQLITE_ONLY();  // its file and fixtures; PostgreSQL: test_backends.cpp
  temp_dir dir;
  const auto v1_path = dir.file("v1.db");
  {
    raw_db raw(v1_path);
    raw.exec(fixture("schema_v1.sql"));
    raw.exec(fixture("data_v1.sql"));
    raw.exec("PRAGMA user_version=1");
  }
  {
    database db(fixture_options(v1_path));
    CHECK(db.schema_version() == database::latest_schema_version());
    auto c = db.call([](transaction& tx) { return tx.complaint_view_by_ref("48219375"); });
    REQUIRE(c);
    CHECK(c->complaint.status == "verified");
    CHECK(c->complaint.text == "jalan rusak");
    // Version 6: a complaint with an institution was routed by its keyword (no addressees then).
    REQUIRE(c->complaint.institution);
    CHECK(c->complaint.institution->routed_by == "keyword");
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
    db.call([](transaction& tx) { tx.enqueue_forward("48219375", at(2000)); });
    auto due = db.call([](transaction& tx) { return tx.take_due_forwards(at(2000), 10, 30s); });
    CHECK(due.size() == 1);
    // Version 3 gave the old complaint its duplicate key: the rule finds it after the upgrade.
    auto dup = db.call([](transaction& tx) {
      return tx.recent_complaint_with_key("+6281234567890", "jalan rusak", at(0));
    });
    CHECK(dup == std::optional<std::string>("48219375"));
  }
  // The migrated file has exactly the schema of a file created new.
  const auto fresh_path = dir.file("fresh.db");
  { database db(options_for(fresh_path)); }
  raw_db migrated(v1_path), fresh(fresh_path);
  CHECK(migrated.rows(schema_sql) == fresh.rows(schema_sql));
}

TEST_CASE(
    "a version-2 file is migrated to the latest version - keeps its rows - and gets duplicate "
    "keys") {
  LAPORD_SQLITE_ONLY();  // its file and fixtures; PostgreSQL: test_backends.cpp
  temp_dir dir;
  const auto v2_path = dir.file("v2.db");
  {
    raw_db raw(v2_path);
    raw.exec(fixture("schema_v1.sql"));
    raw.exec(fixture("schema_v2.sql"));
    raw.exec(fixture("data_v1.sql"));
    raw.exec(fixture("data_v2.sql"));
    raw.exec("PRAGMA user_version=2");
  }
  {
    database db(fixture_options(v2_path));
    CHECK(db.schema_version() == database::latest_schema_version());
    CHECK(db.call([](transaction& tx) { return tx.next_ref_counter(); }) == 11);
    auto c = db.call([](transaction& tx) { return tx.complaint_view_by_ref("10000001"); });
    REQUIRE(c);
    CHECK(c->complaint.text == "  Jalan  RUSAK\tdi\r\nDesa   Suka Maju ");
    REQUIRE(c->forwarding);
    CHECK(c->forwarding->state == forward_state::pending);
    auto due =
        db.call([](transaction& tx) { return tx.take_due_replies(at(1764400000), 10, 30s); });
    REQUIRE(due.size() == 1);
    CHECK(due[0].ref == "10000001");
    // Its forward was queued with a body (before schema 8): handed out with that body as it is.
    auto forwards =
        db.call([](transaction& tx) { return tx.take_due_forwards(at(1764400000), 10, 30s); });
    REQUIRE(forwards.size() == 1);
    CHECK(forwards[0].payload == "{\"ref\":\"10000001\"}");
    CHECK(forwards[0].row.ref == "10000001");
    // The keys the migration computed, as lapor::duplicate_key folds: ASCII letters lower-cased,
    // every run of ASCII white space one space, white space and U+00A0 trimmed at the ends;
    // other letters and an inner U+00A0 as they are.
    auto dup = [&](std::string_view who, std::string_view key) {
      return db.call(
          [&](transaction& tx) { return tx.recent_complaint_with_key(who, key, at(0)); });
    };
    CHECK(dup("+6285711112222", "jalan rusak di desa suka maju") ==
          std::optional<std::string>("10000001"));
    CHECK(dup("+6285711112222", "lampu\u00A0mati di gang 3") ==
          std::optional<std::string>("10000002"));
    CHECK(dup("+6281299990000", "\u00C4rger \u00FCber pju jl. merdeka \U0001F621") ==
          std::optional<std::string>("10000003"));
    CHECK(dup("+6281234567890", "jalan rusak") == std::optional<std::string>("48219375"));
  }
  raw_db migrated(v2_path);
  CHECK(migrated.integer("SELECT count(*) FROM complaints WHERE duplicate_key IS NULL") == 0);
  // Version 6: no institution is the national desk, an institution was named by a keyword.
  CHECK(migrated.integer("SELECT count(*) FROM complaints WHERE routed_by = 'national'") == 3);
  CHECK(migrated.integer("SELECT count(*) FROM complaints WHERE routed_by = 'keyword'") == 1);
  const auto fresh_path = dir.file("fresh.db");
  { database db(options_for(fresh_path)); }
  raw_db fresh(fresh_path);
  CHECK(migrated.rows(schema_sql) == fresh.rows(schema_sql));
}

TEST_CASE(
    "the released migrations are the fixtures - a file built from them migrates to a new file's "
    "schema") {
  LAPORD_SQLITE_ONLY();  // its file and fixtures; PostgreSQL: test_backends.cpp
  // A released migration must never be edited: a file created by an earlier release would
  // otherwise differ from one created now. A file of each earlier version, built from the
  // fixtures alone (no rows), migrated, has exactly the schema of a new file.
  temp_dir dir;
  const auto fresh_path = dir.file("fresh.db");
  { database db(options_for(fresh_path)); }
  raw_db fresh(fresh_path);
  const std::vector<std::string> fixtures{
      "schema_v1.sql",  "schema_v2.sql",  "schema_v3.sql",  "schema_v4.sql", "schema_v5.sql",
      "schema_v6.sql",  "schema_v7.sql",  "schema_v8.sql",  "schema_v9.sql", "schema_v10.sql",
      "schema_v11.sql", "schema_v12.sql", "schema_v13.sql", "schema_v14.sql"};
  REQUIRE(static_cast<int>(fixtures.size()) == database::latest_schema_version() - 1);
  for (std::size_t version = 1; version <= fixtures.size(); ++version) {
    INFO("from version " << version);
    const auto path = dir.file("v" + std::to_string(version) + ".db");
    {
      raw_db raw(path);
      raw.define_ref_number();
      for (std::size_t i = 0; i < version; ++i)
        raw.exec(fixture(fixtures[i]));
      raw.exec("PRAGMA user_version=" + std::to_string(version));
    }
    { database db(options_for(path)); }
    raw_db migrated(path);
    CHECK(migrated.rows(schema_sql) == fresh.rows(schema_sql));
  }
}

TEST_CASE("a file from a newer lapord is refused - not touched") {
  LAPORD_SQLITE_ONLY();  // its file and fixtures; PostgreSQL: test_backends.cpp
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
  LAPORD_SQLITE_ONLY();  // its file and fixtures; PostgreSQL: test_backends.cpp
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
  LAPORD_SQLITE_ONLY();  // its file and fixtures; PostgreSQL: test_backends.cpp
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

TEST_CASE(
    "a version-4 file is migrated to version 5 - segments keep their rows and get their submit "
    "time - leases get owners - the epoch counter starts") {
  LAPORD_SQLITE_ONLY();  // its file and fixtures; PostgreSQL: test_backends.cpp
  temp_dir dir;
  const auto path = dir.file("v4.db");
  {
    raw_db raw(path);
    for (const char* f : {"schema_v1.sql", "schema_v2.sql", "schema_v3.sql", "schema_v4.sql"})
      raw.exec(fixture(f));
    raw.exec(
        "INSERT INTO replies (id, carrier, source, destination, text, kind, state, leased, "
        "created_at, next_attempt_at, submitted_at) VALUES "
        "(1, 'telkomsel', '1708', '6281234567890', 'a', 'ack', 'submitted', 0, 100, NULL, 101), "
        "(2, 'telkomsel', '1708', '6281234567891', 'b', 'help', 'queued', 1, 100, 400, NULL);"
        "INSERT INTO reply_segments (carrier, message_id, reply_id, segment, receipt) VALUES "
        "('telkomsel', '7', 1, 1, NULL), ('telkomsel', '8', 1, 2, 'DELIVRD');"
        "PRAGMA user_version=4");
  }
  {
    database db(options_for(path));
    CHECK(db.schema_version() == database::latest_schema_version());
    auto s = db.call([](transaction& tx) { return tx.reply_status_of(1); });
    REQUIRE(s);
    CHECK(s->message_ids == std::vector<std::string>{"7", "8"});
    CHECK(db.call([](transaction& tx) {
      return tx.apply_receipt("telkomsel", "7", "DELIVRD", at(200));
    }) == receipt_outcome::applied);
    CHECK(db.call([](transaction& tx) { return tx.reply_status_of(1); })->state ==
          reply_state::delivered);
    // A lease from before the upgrade names no owner: it runs out as it always did.
    auto e = db.call([](transaction& tx) { return tx.begin_epoch("gw-a", at(0)); });
    CHECK(e.epoch == 1);
    CHECK(e.replies_taken_back == 0);
  }
  raw_db raw(path);
  CHECK(raw.rows("SELECT message_id, submitted_at, reply_id, segment FROM reply_segments "
                 "ORDER BY message_id") == "7|101|1|1\n8|101|1|2\n");
}
