// Issue 13, active-active: several instances (here two databases, two connections) on one
// PostgreSQL store decide for one citizen in turn. An item names its reporter
// (work_item::reporter); the batch takes that reporter's advisory lock when it begins, so the
// second instance's rules read what the first committed. SQLite has one writer per file.
#include <doctest/doctest.h>

#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/held_reporter.hpp"
#include "store/postgresql/connection.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

#define LAPORD_POSTGRESQL_ONLY()                                             \
  do {                                                                       \
    if (!::lapord::store::test::on_postgresql()) {                           \
      MESSAGE("PostgreSQL only (SQLite: one writer): run by the pg: tests"); \
      return;                                                                \
    }                                                                        \
  } while (false)

namespace {}  // namespace

TEST_CASE("reporter lock keys: one citizen in any form is one key, another citizen another") {
  using lapord::store::postgresql::reporter_lock_key;
  CHECK(reporter_lock_key("+6281234567890") == reporter_lock_key("6281234567890"));
  CHECK(reporter_lock_key("+6281234567890") == reporter_lock_key("081234567890"));
  CHECK(reporter_lock_key("+62 812-3456-7890") == reporter_lock_key("081234567890"));
  CHECK(reporter_lock_key("+6281234567890") != reporter_lock_key("+6281234567891"));
  CHECK(reporter_lock_key("TELKOMSEL") != reporter_lock_key("INDOSAT"));
}

TEST_CASE("instances: another reporter does not wait") {
  LAPORD_POSTGRESQL_ONLY();
  temp_dir dir;
  const std::string path = dir.file("lapord.db");
  database a(options_for(path));
  database b(options_for(path));

  held_item h;
  hold_reporter(a, h, "+6281234567890", "10000001");
  h.running.get_future().wait();
  // Another citizen, and an item naming none: neither waits for a's batch.
  CHECK(b.call([](transaction& tx) { return tx.complaints_since("+6281234567891", at(0)); }) == 0);
  std::promise<bool> other;
  b.submit_for(
      "+6281234567891", [](transaction& tx) { return tx.opted_out("+6281234567891"); },
      [&](result<bool> r) { other.set_value(static_cast<bool>(r)); });
  CHECK(other.get_future().get());
  h.release.set_value();
  CHECK(h.committed.get_future().get());
}

TEST_CASE("instances: batches naming reporters in opposite orders both commit (no deadlock)") {
  LAPORD_POSTGRESQL_ONLY();
  temp_dir dir;
  const std::string path = dir.file("lapord.db");
  database a(options_for(path));
  database b(options_for(path));

  // A first item with no reporter holds each writer, so that the next items form one batch:
  // a: [X, Y], b: [Y, X], released together. Each draws a ref (the counter's row lock too).
  std::promise<void> go;
  std::shared_future<void> started = go.get_future().share();
  std::promise<void> a_waiting, b_waiting;
  auto blocker = [&](database& db, std::promise<void>& waiting) {
    db.submit(
        [&waiting, started, first = true](transaction&) mutable {
          if (first) {
            first = false;
            waiting.set_value();
            started.wait();
          }
        },
        [](result<std::monostate>) {});
  };
  blocker(a, a_waiting);
  blocker(b, b_waiting);
  a_waiting.get_future().wait();
  b_waiting.get_future().wait();

  std::vector<std::promise<bool>> done(4);
  auto file = [&](database& db, const char* reporter, std::promise<bool>& p) {
    db.submit_for(
        reporter,
        [reporter](transaction& tx) {
          const auto n = tx.next_ref_counter();
          tx.create_complaint(
              sample_complaint(std::to_string(10000000 + n), reporter, "jalan rusak", at(100)));
        },
        [&p](result<std::monostate> r) { p.set_value(static_cast<bool>(r)); });
  };
  file(a, "+6281200000001", done[0]);
  file(a, "+6281200000002", done[1]);
  file(b, "+6281200000002", done[2]);
  file(b, "+6281200000001", done[3]);
  go.set_value();
  for (auto& p : done)
    CHECK(p.get_future().get());
  CHECK(a.call([](transaction& tx) { return tx.complaints_since("+6281200000001", at(0)); }) == 2);
  CHECK(a.call([](transaction& tx) { return tx.complaints_since("+6281200000002", at(0)); }) == 2);
}

TEST_CASE("instances: expiry leaves a long message alone while another instance decides for it") {
  LAPORD_POSTGRESQL_ONLY();
  temp_dir dir;
  const std::string path = dir.file("lapord.db");
  database a(options_for(path));
  database b(options_for(path));
  lapord::text::message_part part;
  part.key = lapord::text::part_key{"telkomsel", "6281234567890", "1708", 7};
  part.total = 2;
  part.sequence = 1;
  part.text = "Jalan rusak di ";
  part.received_at = at(100);
  a.call([&](transaction& tx) { tx.put_part(part); });

  held_item h;
  hold_reporter(a, h, "+6281234567890", "10000001");  // a's item for that citizen runs
  h.running.get_future().wait();
  CHECK(b.call([](transaction& tx) { return tx.part_keys_older_than(at(1000)); }).empty());
  h.release.set_value();
  CHECK(h.committed.get_future().get());
  CHECK(b.call([](transaction& tx) { return tx.part_keys_older_than(at(1000)); }).size() == 1);
}

TEST_CASE("replies: an instance takes only the replies to carriers it has a bind up to") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([](transaction& tx) { tx.begin_epoch("gw-a", at(0)); });
  for (const char* carrier : {"tsel", "xl", "tsel-2"}) {
    db.call([carrier](transaction& tx) {
      return tx.enqueue_reply(
          {carrier, "1708", "6281234567890", "teks", "help", std::nullopt, at(100)});
    });
  }
  auto carriers_of = [](const std::vector<reply>& rs) {
    std::string out;
    for (const auto& r : rs)
      out += r.carrier + " ";
    return out;
  };
  const std::vector<std::string> none;
  const std::vector<std::string> tsel{"tsel"};
  const std::vector<std::string> both{"xl", "tsel-2"};
  // No bind up: nothing taken (the attempts are not used up).
  CHECK(db.call([&](transaction& tx) {
            return tx.take_due_replies_to(at(100), 10, 30s, &none);
          }).empty());
  // A name matches whole: "tsel" is not "tsel-2".
  CHECK(carriers_of(db.call([&](transaction& tx) {
          return tx.take_due_replies_to(at(100), 10, 30s, &tsel);
        })) == "tsel ");
  CHECK(carriers_of(db.call([&](transaction& tx) {
          return tx.take_due_replies_to(at(100), 10, 30s, &both);
        })) == "xl tsel-2 ");
  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.rows("SELECT carrier, attempts FROM replies ORDER BY id") ==
        "tsel|1\nxl|1\ntsel-2|1\n");
}

namespace {

// The backend's events as a test reads them (the hook runs on the writer thread).
struct event_log {
  std::mutex mutex;
  std::vector<backend_event> events;
  std::string kinds() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const auto& e : events) {
      switch (e.what) {
        case backend_event::kind::connection_lost:
          out += "lost ";
          break;
        case backend_event::kind::reconnected:
          out += e.failover ? "failover " : "reconnected ";
          break;
        case backend_event::kind::leases_taken_over:
          out += "took" + std::to_string(e.leases) + " ";
          break;
      }
    }
    return out;
  }
};

database_options logged(const std::string& path, event_log& log) {
  database_options o = options_for(path);
  o.on_backend_event = [&log](const backend_event& e) {
    std::lock_guard lock(log.mutex);
    log.events.push_back(e);
  };
  return o;
}

}  // namespace

TEST_CASE("postgresql: the backend reports a lost connection and the reconnect") {
  LAPORD_POSTGRESQL_ONLY();
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  event_log log;
  database db(logged(path, log));
  db.call([](transaction& tx) { return tx.counts(); });
  CHECK(log.kinds().empty());
  pg_raw raw(pg_database_for(path));
  raw.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
      "datname=current_database() AND pid<>pg_backend_pid()");
  CHECK_THROWS_AS(db.call([](transaction& tx) { return tx.counts(); }), store_error);
  CHECK(log.kinds() == "lost ");  // at the failed batch, not only at the next one
  db.call([](transaction& tx) { return tx.counts(); });
  CHECK(log.kinds() == "lost reconnected ");  // the same server: no failover
}

TEST_CASE("postgresql: leases taken over from another instance are reported once committed") {
  LAPORD_POSTGRESQL_ONLY();
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  event_log log_a, log_b;
  database a(logged(path, log_a));
  database b(logged(path, log_b));
  a.call([](transaction& tx) { tx.begin_epoch("gw-a", at(0)); });
  b.call([](transaction& tx) { tx.begin_epoch("gw-b", at(0)); });
  for (int i = 0; i < 3; ++i) {
    a.call([](transaction& tx) {
      return tx.enqueue_reply(
          {"tsel", "1708", "6281234567890", "teks", "help", std::nullopt, at(100)});
    });
  }
  a.call([](transaction& tx) {
    tx.create_complaint(sample_complaint("10000001", "+6281234567890", "jalan rusak", at(100)));
    tx.enqueue_forward("10000001", at(100));
  });
  CHECK(a.call([](transaction& tx) { return tx.take_due_replies(at(100), 2, 30s); }).size() == 2);
  CHECK(a.call([](transaction& tx) { return tx.take_due_forwards(at(100), 10, 30s); }).size() == 1);
  // gw-a's own leases ran out and gw-a takes them again (with the third, never leased): no
  // takeover.
  CHECK(a.call([](transaction& tx) { return tx.take_due_replies(at(131), 10, 30s); }).size() == 3);
  CHECK(log_a.kinds().empty());
  // gw-b once gw-a's leases ended: three replies, then the forward, each batch reported.
  CHECK(b.call([](transaction& tx) { return tx.take_due_replies(at(200), 10, 30s); }).size() == 3);
  CHECK(b.call([](transaction& tx) { return tx.take_due_forwards(at(200), 10, 30s); }).size() == 1);
  CHECK(log_b.kinds() == "took3 took1 ");
}
