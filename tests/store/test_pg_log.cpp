// What libpq says reaches lapord's log through database_options::on_log, never stderr: the
// server's warnings (a notice receiver), a lost connection, and a series of failed reconnects
// as one line (not one per attempt) and its end as one more (in real time: in
// test_pg_real_time.cpp). No line and no error ever holds the connection string's password.
#include <doctest/doctest.h>

#include <mutex>
#include <string>
#include <vector>

#include "store/log_lines.hpp"
#include "store/postgresql/libpq_api.hpp"
#include "store/postgresql/pq_log.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

TEST_CASE("libpq_api: a missing libpq or a library without its functions is a clear error") {
  using lapord::store::postgresql::load_libpq;
  try {
    (void)load_libpq("libpq-lapord-test-absent.so.5");
    FAIL("loaded a library that does not exist");
  } catch (const store_error& e) {
    CHECK(e.code() == errc::unavailable);
    CHECK(std::string(e.what()).find("needs libpq (libpq-lapord-test-absent.so.5, Debian package "
                                     "libpq5)") != std::string::npos);
  }
  // A library that loads but is not libpq: the first function it lacks is named.
  try {
    (void)load_libpq("libc.so.6");
    FAIL("took libc for libpq");
  } catch (const store_error& e) {
    CHECK(e.code() == errc::unavailable);
    CHECK(std::string(e.what()).find("libc.so.6 has no PQclear") != std::string::npos);
  }
  const auto& pq = lapord::store::postgresql::libpq();
  CHECK((pq.PQconnectdb != nullptr));
  CHECK((pq.PQtransactionStatus != nullptr));
}

TEST_CASE("pq_log: a libpq message is one line without the password - quoted pieces go too") {
  using lapord::store::postgresql::message_scrubber;
  const message_scrubber keyed("host=db1 user=lapord password=s3cr3t-pw");
  CHECK(keyed("FATAL:  bad s3cr3t-pw here\n\tIs the server running?\n") ==
        "FATAL:  bad *** here Is the server running?");
  const message_scrubber uri("postgresql://lapord:s3cr3t-pw@127.0.0.1:5432/lapord");
  CHECK(uri("x s3cr3t-pw y\nsecond line\n") == "x *** y; second line");
  // libpq cannot parse it: where the password ends is unknown, so nothing quoted stays.
  const message_scrubber broken("host=db1 password=s3cr3t pw");
  CHECK(broken("missing \"=\" after \"pw\" in connection info string\n") ==
        "missing \"...\" after \"...\" in connection info string");
}

TEST_CASE(
    "postgresql: a connection string libpq cannot parse is refused - the error quotes no piece "
    "of it") {
  if (!on_postgresql()) return;
  database_options o;
  o.backend = store_backend::postgresql;
  o.url = "host=127.0.0.1 port=1 password=s3cr3t pw0rd-tail";
  try {
    database db(o);
    FAIL("opened");
  } catch (const store_error& e) {
    const std::string what = e.what();
    CHECK(what.find("cannot connect to PostgreSQL") != std::string::npos);
    CHECK(what.find("pw0rd-tail") == std::string::npos);
    CHECK(what.find("s3cr3t") == std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
}

TEST_CASE("postgresql: the server's warnings reach the log hook - not stderr") {
  if (!on_postgresql()) return;
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  log_lines lines;
  auto o = options_for(path);
  o.on_log = [&lines](backend_log level, std::string_view line) { lines.add(level, line); };
  database db(o);
  raw_db raw(path);
  raw.exec(
      "CREATE FUNCTION warn_complaint() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE "
      "WARNING 'complaint from %', NEW.reporter; RETURN NEW; END $$");
  raw.exec(
      "CREATE TRIGGER warn_complaint AFTER INSERT ON complaints FOR EACH ROW EXECUTE FUNCTION "
      "warn_complaint()");
  db.call([](transaction& tx) {
    tx.create_complaint(sample_complaint("10000001", "+6281234567890", "jalan rusak", at(1)));
  });
  const auto all = lines.all();
  REQUIRE(all.size() == 1);
  CHECK(all[0].first == backend_log::warn);
  // Raw here: the daemon's hook masks the number (lapor::mask_numbers_in_text).
  CHECK(all[0].second == "store: PostgreSQL says: WARNING:  complaint from +6281234567890");
}
