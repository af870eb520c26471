// What is particular to a backend: both keep the same schema version numbers; PostgreSQL's
// connection can be lost and found again, refuses what it cannot use with a clear error, and
// hands out refs from one counter to several instances at once.
#include <doctest/doctest.h>

#include <memory>
#include <set>
#include <string>
#include <thread>

#include "lapord/store/backend.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;

#define LAPORD_POSTGRESQL_ONLY()                             \
  do {                                                       \
    if (!::lapord::store::test::on_postgresql()) {           \
      MESSAGE("PostgreSQL only: run by the \"pg: \" tests"); \
      return;                                                \
    }                                                        \
  } while (false)

TEST_CASE("both backends have the same schema version numbers") {
  CHECK(latest_schema_version(store_backend::sqlite) ==
        latest_schema_version(store_backend::postgresql));
  CHECK(database::latest_schema_version() == latest_schema_version(store_backend::sqlite));
}

TEST_CASE("no store error message names one backend - the same words on SQLite and PostgreSQL") {
  for (int e = 0; e <= static_cast<int>(errc::unavailable); ++e) {
    const std::string text = make_error_code(static_cast<errc>(e)).message();
    CHECK_MESSAGE(text.find("SQLite") == std::string::npos, text);
    CHECK_MESSAGE(text.find("PostgreSQL") == std::string::npos, text);
  }
}

TEST_CASE(
    "postgresql: a lost connection fails its batch with a temporary error - the next "
    "batch reconnects and finds everything committed before") {
  LAPORD_POSTGRESQL_ONLY();
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  database db(options_for(path));
  db.call([](transaction& tx) {
    tx.create_complaint(sample_complaint("10000001", "+6281", "jalan rusak", at(1)));
  });
  raw_db raw(path);
  // What a failover or a restarted server does to lapord's session.
  raw.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
      "datname=current_database() AND pid<>pg_backend_pid()");
  std::error_code lost;
  try {
    db.call([](transaction& tx) {
      tx.create_complaint(sample_complaint("10000002", "+6281", "lampu mati", at(2)));
    });
  } catch (const store_error& e) {
    lost = e.code();
  }
  CHECK(lost == make_error_code(errc::unavailable));
  CHECK(is_temporary(lost));
  db.call([](transaction& tx) {
    tx.create_complaint(sample_complaint("10000003", "+6281", "air keruh", at(3)));
  });
  CHECK(raw.rows("SELECT ref FROM complaints ORDER BY ref") == "10000001\n10000003\n");
  CHECK(db.stats().failed_batches == 1);
}

TEST_CASE(
    "postgresql: an unreachable server is refused at open - the error never shows the "
    "password") {
  LAPORD_POSTGRESQL_ONLY();
  database_options o;
  o.backend = store_backend::postgresql;
  o.url = "host=127.0.0.1 port=1 user=lapord password=s3cr3t-pw connect_timeout=2";
  try {
    database db(o);
    FAIL("opened");
  } catch (const store_error& e) {
    CHECK(e.code() == make_error_code(errc::unavailable));
    CHECK(std::string(e.what()).find("cannot connect to PostgreSQL") != std::string::npos);
    CHECK(std::string(e.what()).find("s3cr3t-pw") == std::string::npos);
  }
  o.url.clear();
  CHECK_THROWS_WITH_AS(database{o}, doctest::Contains("needs a connection string"), store_error);
}

TEST_CASE("postgresql: a store from a newer lapord is refused - not touched") {
  LAPORD_POSTGRESQL_ONLY();
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  { database db(options_for(path)); }
  raw_db raw(path);
  raw.exec("UPDATE lapord_schema SET version = 99");
  try {
    database db(options_for(path));
    FAIL("opened");
  } catch (const store_error& e) {
    CHECK(e.code() == make_error_code(errc::schema));
    CHECK(std::string(e.what()).find("version 99") != std::string::npos);
  }
  CHECK(raw.integer("SELECT version FROM lapord_schema") == 99);
}

TEST_CASE("postgresql: two instances on one store draw refs from one counter - never twice") {
  LAPORD_POSTGRESQL_ONLY();
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  database a(options_for(path));
  database b(options_for(path));
  constexpr int n = 300;
  std::vector<std::uint64_t> from_a, from_b;
  auto draw = [](database& db, std::vector<std::uint64_t>& out) {
    for (int i = 0; i < n; ++i)
      out.push_back(db.call([](transaction& tx) { return tx.next_ref_counter(); }));
  };
  std::thread ta([&] { draw(a, from_a); });
  std::thread tb([&] { draw(b, from_b); });
  ta.join();
  tb.join();
  std::set<std::uint64_t> all(from_a.begin(), from_a.end());
  all.insert(from_b.begin(), from_b.end());
  CHECK(all.size() == 2 * n);
  // Blocks of 256 per instance: two each, no more.
  CHECK(*all.rbegin() <= 4 * 256);
}

TEST_CASE(
    "postgresql: a second live process with the same instance name is refused - the "
    "name is free again once its holder's connection is gone") {
  LAPORD_POSTGRESQL_ONLY();
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  auto first = std::make_unique<database>(options_for(path));
  CHECK(first->call([](transaction& tx) { return tx.begin_epoch("gw-1", at(10)); }).epoch == 1);
  database_options o = options_for(path);
  o.instance_wait = std::chrono::milliseconds(300);  // a live holder: refused after the wait
  database second(o);
  try {
    second.call([](transaction& tx) { return tx.begin_epoch("gw-1", at(11)); });
    FAIL("a second holder of gw-1");
  } catch (const store_error& e) {
    CHECK(e.code() == make_error_code(errc::busy));
    CHECK(std::string(e.what()).find("'gw-1'") != std::string::npos);
  }
  CHECK(second.call([](transaction& tx) { return tx.begin_epoch("gw-2", at(11)); }).epoch == 2);
  first.reset();  // as kill -9 would: the server drops the session's lock with it
  database third(options_for(path));
  CHECK(third.call([](transaction& tx) { return tx.begin_epoch("gw-1", at(12)); }).epoch == 3);
}
