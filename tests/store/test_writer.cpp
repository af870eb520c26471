// The writer: group commit, completion only after commit, one failing item alone, and whole
// batches failing cleanly when the disk is full, then working again.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

// Completions arrive on the writer thread: this collects them and lets the test wait for all
// of them with a deadline (never a bare sleep).
class completions {
 public:
  void add(std::string key, std::error_code ec) {
    std::lock_guard lock(m_);
    results_.emplace_back(std::move(key), ec);
    cv_.notify_all();
  }
  bool wait_for_count(std::size_t n, std::chrono::seconds deadline = 30s) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, deadline, [&] { return results_.size() >= n; });
  }
  std::vector<std::pair<std::string, std::error_code>> results() {
    std::lock_guard lock(m_);
    return results_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::error_code>> results_;
};

std::string ref_of(int i) {
  return std::to_string(10000000 + i);
}

// One MO-like item: a complaint with its outbox entry, so "half stored" is observable.
void store_complaint(transaction& tx, const std::string& ref, std::string_view text) {
  tx.create_complaint(sample_complaint(ref, "+6281234567890", text, at(1000)));
  tx.enqueue_forward(ref, at(1000));
}

// Submits an item that holds the writer until `gate_open`, and returns once the writer runs
// it: everything submitted afterwards queues up behind it and forms the next batch.
void hold_writer(database& db, std::shared_future<void> gate_open, completions& done) {
  auto running = std::make_shared<std::promise<void>>();
  auto started = running->get_future();
  db.submit(
      [gate_open, running](transaction&) {
        running->set_value();
        gate_open.wait();
      },
      [&done](result<std::monostate> r) { done.add("gate", r.error); });
  started.wait();
}

}  // namespace

TEST_CASE("group commit: items queued while the writer is busy share one commit") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  completions done;
  std::promise<void> gate;
  auto gate_open = gate.get_future().share();

  // The first item holds the writer until every other item is queued behind it.
  hold_writer(db, gate_open, done);
  const int n = 1000;
  for (int i = 0; i < n; ++i) {
    auto ref = ref_of(i);
    db.submit([ref](transaction& tx) { store_complaint(tx, ref, "jalan rusak parah"); },
              [&done, ref](result<std::monostate> r) { done.add(ref, r.error); });
  }
  gate.set_value();
  REQUIRE(done.wait_for_count(n + 1));
  for (auto& [key, ec] : done.results())
    CHECK_MESSAGE(!ec, key);

  auto s = db.stats();
  CHECK(s.commits == 2);  // the gate alone, then all 1000 together
  CHECK(s.items == n + 1);
  CHECK(s.largest_batch == n);
  CHECK(s.failed_items == 0);
  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.integer("SELECT count(*) FROM complaints") == n);
}

TEST_CASE("group commit respects max_batch") {
  temp_dir dir;
  auto o = options_for(dir.file("lapord.db"));
  o.max_batch = 100;
  database db(o);
  completions done;
  std::promise<void> gate;
  auto gate_open = gate.get_future().share();
  hold_writer(db, gate_open, done);
  for (int i = 0; i < 950; ++i) {
    auto ref = ref_of(i);
    db.submit([ref](transaction& tx) { store_complaint(tx, ref, "lampu jalan mati"); },
              [&done, ref](result<std::monostate> r) { done.add(ref, r.error); });
  }
  gate.set_value();
  REQUIRE(done.wait_for_count(951));
  auto s = db.stats();
  CHECK(s.commits == 1 + 10);  // 950 = 9 x 100 + 50
  CHECK(s.largest_batch == 100);
}

TEST_CASE("an item is completed only after its batch committed: another connection sees it") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  database db(options_for(path));
  raw_db reader(path);
  std::promise<std::int64_t> seen;
  db.submit([](transaction& tx) { store_complaint(tx, "48219375", "sampah menumpuk di pasar"); },
            [&](result<std::monostate> r) {
              // Runs on the writer thread right after COMMIT: an independent reader must
              // already find the row (it would not before the commit).
              seen.set_value(r ? reader.integer("SELECT count(*) FROM complaints") : -1);
            });
  auto f = seen.get_future();
  REQUIRE(f.wait_for(30s) == std::future_status::ready);
  CHECK(f.get() == 1);
}

TEST_CASE("a failing item is rolled back alone - the rest of its batch commits") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  database db(options_for(path));
  db.call([](transaction& tx) { store_complaint(tx, "20000000", "sudah ada sebelumnya"); });

  completions done;
  std::promise<void> gate;
  auto gate_open = gate.get_future().share();
  hold_writer(db, gate_open, done);
  auto add = [&](std::string key, std::function<void(transaction&)> work) {
    db.submit(std::move(work), [&done, key](result<std::monostate> r) { done.add(key, r.error); });
  };
  add("a", [](transaction& tx) { store_complaint(tx, "20000001", "item a"); });
  add("throws", [](transaction& tx) {
    store_complaint(tx, "20000002", "item b, half done then fails");
    throw std::runtime_error("decoder blew up");
  });
  add("duplicate-ref", [](transaction& tx) {
    tx.enqueue_reply(
        {"telkomsel", "1708", "+6281234567890", "reply of c", "ack", "20000003", at(1000)});
    store_complaint(tx, "20000000", "same ref again");  // UNIQUE constraint
  });
  add("d", [](transaction& tx) { store_complaint(tx, "20000004", "item d"); });
  gate.set_value();
  REQUIRE(done.wait_for_count(5));

  std::map<std::string, std::error_code> by_key;
  for (auto& [k, ec] : done.results())
    by_key[k] = ec;
  CHECK_FALSE(by_key["a"]);
  CHECK_FALSE(by_key["d"]);
  CHECK(by_key["throws"] == make_error_code(errc::item_failed));
  CHECK(by_key["duplicate-ref"] == make_error_code(errc::item_failed));
  CHECK_FALSE(is_temporary(by_key["throws"]));
  CHECK(db.stats().commits == 3);          // setup, gate, and the batch of four
  CHECK(db.stats().isolated_reruns == 1);  // run once whole, then again item by item

  raw_db raw(path);
  CHECK(raw.rows("SELECT ref FROM complaints ORDER BY ref") == "20000000\n20000001\n20000004\n");
  CHECK(raw.rows("SELECT ref FROM complaints WHERE forward_state IS NOT NULL ORDER BY ref") ==
        "20000000\n20000001\n20000004\n");
  CHECK(raw.integer("SELECT count(*) FROM replies") == 0);
}

TEST_CASE("a failed item reports why") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  std::promise<result<int>> p;
  db.submit([](transaction&) -> int { throw std::runtime_error("no institution directory"); },
            [&](result<int> r) { p.set_value(std::move(r)); });
  auto r = p.get_future().get();
  CHECK_FALSE(r);
  CHECK_FALSE(r.value);
  CHECK(r.detail == "no institution directory");
  CHECK_THROWS_AS(db.call([](transaction& tx) { tx.mark_forwarded("nope", 200, {}, at(1)); }),
                  store_error);
}

TEST_CASE(
    "disk full: the whole batch fails with a temporary error - nothing is half stored - "
    "and the store works again once there is room") {
  LAPORD_SQLITE_ONLY();  // a size cap is SQLite's: PostgreSQL's disk is its server's
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  database db(options_for(path));
  // Cap the file a little above what it holds now: PRAGMA max_page_count, as an operator's
  // size limit would, makes the next big writes hit SQLITE_FULL.
  raw_db probe(path);
  const auto page_size = probe.integer("PRAGMA page_size");
  const auto pages = probe.integer("PRAGMA page_count");
  db.call(
      [&](transaction& tx) { tx.limit_size(static_cast<std::uint64_t>((pages + 8) * page_size)); });

  const std::string big(3000, 'x');  // each item needs about two pages
  completions done;
  std::promise<void> gate;
  auto gate_open = gate.get_future().share();
  hold_writer(db, gate_open, done);
  const int n = 40;
  for (int i = 0; i < n; ++i) {
    auto ref = ref_of(i);
    db.submit([ref, &big](transaction& tx) { store_complaint(tx, ref, big); },
              [&done, ref](result<std::monostate> r) { done.add(ref, r.error); });
  }
  gate.set_value();
  REQUIRE(done.wait_for_count(n + 1));
  int failed = 0;
  for (auto& [key, ec] : done.results()) {
    if (key == "gate") continue;
    if (ec) {
      ++failed;
      CHECK(ec == make_error_code(errc::disk_full));
      CHECK(is_temporary(ec));
    }
  }
  CHECK(failed == n);  // one batch, all of it refused: none of them may be acknowledged
  CHECK(db.stats().failed_batches == 1);
  {
    raw_db raw(path);
    CHECK(raw.integer("SELECT count(*) FROM complaints") == 0);
    CHECK(raw.integer("SELECT count(*) FROM complaints WHERE forward_state IS NOT NULL") == 0);
  }

  // Room again: the same items go through.
  db.call([](transaction& tx) { tx.limit_size(0); });
  completions again;
  for (int i = 0; i < n; ++i) {
    auto ref = ref_of(i);
    db.submit([ref, &big](transaction& tx) { store_complaint(tx, ref, big); },
              [&again, ref](result<std::monostate> r) { again.add(ref, r.error); });
  }
  REQUIRE(again.wait_for_count(n));
  for (auto& [key, ec] : again.results())
    CHECK_MESSAGE(!ec, key);
  raw_db raw(path);
  CHECK(raw.integer("SELECT count(*) FROM complaints") == n);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE forward_state IS NOT NULL") == n);
}

TEST_CASE("call() waits for the commit and rethrows an item's failure") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  CHECK(db.call([](transaction& tx) { return tx.next_ref_counter(); }) == 1);
  try {
    db.call([](transaction&) -> int { throw std::runtime_error("bad"); });
    FAIL("no exception");
  } catch (const store_error& e) {
    CHECK(e.code() == make_error_code(errc::item_failed));
    CHECK(std::string(e.what()).find("bad") == 0);
  }
  CHECK(db.call([](transaction& tx) { return tx.next_ref_counter(); }) == 2);
}

TEST_CASE("call() from inside a work item is refused instead of deadlocking") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  std::promise<result<std::monostate>> p;
  db.submit([&](transaction&) { db.call([](transaction&) {}); },
            [&](result<std::monostate> r) { p.set_value(std::move(r)); });
  auto f = p.get_future();
  REQUIRE(f.wait_for(30s) == std::future_status::ready);
  auto r = f.get();
  CHECK_FALSE(r);
  CHECK(r.detail.find("deadlock") != std::string::npos);
}

TEST_CASE("call() from a completion is refused instead of deadlocking") {
  // A completion runs on the writer thread, or on the sync thread with sqlite_sync = overlap:
  // waiting there for another commit would never end.
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  std::promise<std::string> p;
  db.submit([](transaction&) {},
            [&](result<std::monostate>) {
              try {
                db.call([](transaction&) {});
                p.set_value("not refused");
              } catch (const store_error& e) {
                p.set_value(e.what());
              }
            });
  auto f = p.get_future();
  REQUIRE(f.wait_for(30s) == std::future_status::ready);
  CHECK(f.get().find("deadlock") != std::string::npos);
}

TEST_CASE("items still queued at shutdown are run and committed - not dropped") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  completions done;
  {
    database db(options_for(path));
    for (int i = 0; i < 200; ++i) {
      auto ref = ref_of(i);
      db.submit([ref](transaction& tx) { store_complaint(tx, ref, "antrian panjang"); },
                [&done, ref](result<std::monostate> r) { done.add(ref, r.error); });
    }
  }
  CHECK(done.results().size() == 200);
  for (auto& [key, ec] : done.results())
    CHECK_MESSAGE(!ec, key);
  raw_db raw(path);
  CHECK(raw.integer("SELECT count(*) FROM complaints") == 200);
}

TEST_CASE("refs drawn in one batch are unique - kept after commit - and a failed item's go back") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  database db(options_for(path));
  completions done;
  std::promise<void> gate;
  auto gate_open = gate.get_future().share();
  hold_writer(db, gate_open, done);
  std::vector<std::uint64_t> got(3);
  auto draw = [&](int i, bool fail) {
    db.submit(
        [&got, i, fail](transaction& tx) {
          got[static_cast<std::size_t>(i)] = tx.next_ref_counter();
          if (fail) throw std::runtime_error("after drawing a ref");
        },
        [&done, i](result<std::monostate> r) { done.add(std::to_string(i), r.error); });
  };
  draw(0, false);
  draw(1, true);
  draw(2, false);
  gate.set_value();
  REQUIRE(done.wait_for_count(4));
  CHECK(got[0] == 1);
  CHECK(got[2] == 2);  // the failed item's ref was given back
  raw_db raw(path);
  // PostgreSQL: the row holds the end of the block reserved (postgresql/connection.hpp).
  CHECK(raw.integer("SELECT value FROM counters WHERE name='ref'") == (on_postgresql() ? 256 : 2));
  CHECK(db.call([](transaction& tx) { return tx.next_ref_counter(); }) == 3);
}

TEST_CASE(
    "busy_for: how long the writer has been on its batch - grows while an item holds it, zero "
    "once done") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  CHECK(db.busy_for() == 0ns);
  completions done;
  std::promise<void> gate;
  hold_writer(db, gate.get_future().share(), done);
  // The batch stays on the writer: busy_for only grows (a COMMIT waiting for a lost standby
  // looks the same from outside). It reads the steady clock: the test asks again until it has
  // moved (bounded), and asserts no particular gap.
  const auto first = db.busy_for();
  CHECK(first > 0ns);
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (db.busy_for() == first && std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
  CHECK(db.busy_for() > first);
  gate.set_value();
  REQUIRE(done.wait_for_count(1));
  // The completion runs before the writer notes it is idle again: wait for that, bounded.
  while (db.busy_for() != 0ns && std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
  CHECK(db.busy_for() == 0ns);
}
