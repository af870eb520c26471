// PostgreSQL only, and in real time: what a real server does can only be waited for by asking
// it again - the store's reconnect back-off after a lost connection (100 ms, doubling; it
// reads the steady clock), a batch seen waiting in the server's pg_locks. Not unit tests (a
// unit test never sleeps): this binary runs with the PostgreSQL system tests (label system),
// like test_lost_commit.cpp.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "store/held_reporter.hpp"
#include "store/log_lines.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

// Waits until `n` advisory locks are waited for on the store (a batch blocked on a reporter).
bool advisory_waiters(pg_raw& raw, std::int64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (raw.integer("SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND NOT granted") == n)
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

}  // namespace

TEST_CASE("instances: the second instance waits for the first's commit on one reporter") {
  if (!on_postgresql()) return;
  temp_dir dir;
  const std::string path = dir.file("lapord.db");
  database a(options_for(path));
  database b(options_for(path));
  pg_raw raw(pg_database_for(path));

  held_item h;
  hold_reporter(a, h, "+6281234567890", "10000001");
  h.running.get_future().wait();

  // The same citizen as its carrier writes the number: b's batch must wait for a's COMMIT.
  std::promise<std::optional<std::string>> seen;
  b.submit_for(
      "081234567890",
      [](transaction& tx) {
        return tx.recent_complaint_with_key("+6281234567890", "jalan rusak", at(0));
      },
      [&](result<std::optional<std::string>> r) {
        seen.set_value(r ? *r.value : std::optional<std::string>("error: " + r.detail));
      });
  auto seen_future = seen.get_future();
  CHECK(advisory_waiters(raw, 1));
  CHECK(seen_future.wait_for(0s) == std::future_status::timeout);

  h.release.set_value();
  CHECK(h.committed.get_future().get());
  // Read after a's commit: the duplicate rule finds the first complaint.
  CHECK(seen_future.get() == std::optional<std::string>("10000001"));
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
