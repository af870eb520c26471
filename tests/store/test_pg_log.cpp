// What libpq says reaches lapord's log through database_options::on_log, never stderr: the
// server's warnings (a notice receiver), a lost connection, and a series of failed reconnects
// as one line (not one per attempt) and its end as one more. No line and no error ever holds
// the connection string's password.
#include <doctest/doctest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/postgresql/pq_log.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

class log_lines {
 public:
  void add(backend_log level, std::string_view line) {
    const std::lock_guard lock(m_);
    lines_.emplace_back(level, std::string(line));
  }
  std::vector<std::pair<backend_log, std::string>> all() const {
    const std::lock_guard lock(m_);
    return lines_;
  }
  std::size_t count(std::string_view part) const {
    std::size_t n = 0;
    for (const auto& [level, line] : all())
      n += line.find(part) != std::string::npos ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex m_;
  std::vector<std::pair<backend_log, std::string>> lines_;
};

std::string dbname_of(const std::string& url) {
  return url.substr(url.rfind("dbname=") + 7);
}

}  // namespace

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

TEST_CASE(
    "postgresql: failed reconnects are logged once per series, not per attempt - its end once, "
    "never the password") {
  if (!on_postgresql()) return;
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  log_lines lines;
  auto o = options_for(path);
  o.url += " password=s3cr3t-pw";  // trust authentication: accepted, unused
  o.on_log = [&lines](backend_log level, std::string_view line) { lines.add(level, line); };
  database db(o);
  const auto store_one = [&db](int i) {
    db.call([i](transaction& tx) {
      tx.create_complaint(sample_complaint(std::to_string(10000000 + i), "+6281", "air", at(i)));
    });
  };
  store_one(1);
  pg_raw admin(pg_base_url());
  const std::string name = dbname_of(o.url.substr(0, o.url.rfind(" password=")));
  // The server refuses every new session to the store's database, then drops lapord's.
  admin.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
  admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name +
             "'");
  int attempts = 0;  // batches that tried to connect (the others failed within the back-off)
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (attempts < 4 && std::chrono::steady_clock::now() < until) {
    try {
      store_one(2);
      FAIL("stored while the database refuses connections");
    } catch (const store_error& e) {
      if (std::string(e.what()).find("cannot reconnect yet") != std::string::npos) ++attempts;
    }
    std::this_thread::sleep_for(20ms);  // pacing only: the loop ends on attempts counted
  }
  REQUIRE(attempts >= 4);
  CHECK(lines.count("lost the connection to PostgreSQL") == 1);
  CHECK(lines.count("cannot connect to PostgreSQL") == 1);
  CHECK(lines.count("not currently accepting connections") == 1);
  admin.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
  bool stored = false;
  while (!stored && std::chrono::steady_clock::now() < until) {
    try {
      store_one(3);
      stored = true;
    } catch (const store_error&) {
      std::this_thread::sleep_for(20ms);
    }
  }
  REQUIRE(stored);
  CHECK(lines.count("cannot connect to PostgreSQL") == 1);
  CHECK(lines.count("store: connected to PostgreSQL at 127.0.0.1:") == 1);
  CHECK(lines.count(" failed attempt(s)") == 1);
  for (const auto& [level, line] : lines.all()) {
    CAPTURE(line);
    CHECK(line.find("s3cr3t-pw") == std::string::npos);
    CHECK(line.find('\n') == std::string::npos);
  }
}
