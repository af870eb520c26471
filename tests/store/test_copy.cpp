// copy_store: an SQLite store into an empty PostgreSQL one (laporctl store copy). The copy
// itself needs the test cluster ("pg: " tests); the source's refusals run on both.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "lapord/store/copy.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;

namespace {

database_options sqlite_at(const std::string& path) {
  database_options o;
  o.path = path;
  o.ref_number = test_ref_number;
  o.duplicate_key = lapord::lapor::duplicate_key;
  return o;
}

database_options postgresql_at(const std::string& url) {
  database_options o;
  o.backend = store_backend::postgresql;
  o.url = url;
  return o;
}

// Nothing listens on port 1: the source's checks come first, then this fails to connect.
database_options unreachable() {
  return postgresql_at("host=127.0.0.1 port=1 connect_timeout=2 user=postgres dbname=none");
}

// The SQLite file itself, whichever backend the run tests (raw_db would be PostgreSQL's).
void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

std::string error_of(const database_options& from, const database_options& to) {
  try {
    copy_store(from, to);
  } catch (const store_error& e) {
    return e.what();
  }
  return "";
}

// One row in every table the schema has: received (with NUL and non-UTF-8 octets), a part, a
// complaint and its event, an opted-out reporter, a forwarded and a parked-then-dropped outbox
// row, a leased reply, a submitted reply with its segment.
void fill(database& db) {
  db.call([](transaction& tx) {
    const std::string octets("LAPOR\0\xff\t\\x\n", 11);
    mo_pdu mo;
    mo.carrier = "telkomsel";
    mo.source = "6281234567890";
    mo.destination = "1708";
    mo.short_message = octets;
    mo.tlvs = std::string_view("\x04\x24\x00\x01\x41", 5);
    mo.received_at = at(10);
    // Checked (as a part or a receipt is): its redelivery key is one of the things copied.
    const auto r = tx.record_received(mo, redelivery::check);
    lapord::text::message_part part;
    part.key = lapord::text::part_key{"telkomsel", "6281234567891", "1708", 7};
    part.sequence = 1;
    part.total = 2;
    part.text = "bagian\tpertama\\";
    part.received_at = at(11);
    tx.put_part(part);
    for (int i = 0; i < 3; ++i)
      tx.next_ref_counter();
    auto c = sample_complaint("10000001", "+6281234567890", "jalan\nrusak", at(12));
    c.received_id = r.id;
    tx.create_complaint(c);
    tx.create_complaint(sample_complaint("10000002", "+6281234567892", "lampu mati", at(13)));
    tx.add_event({"10000001", "verified", at(20), "Kabupaten Tangerang", "ok", at(21)});
    tx.set_opt_out("+6281234567899", true, at(14));
    tx.enqueue_forward("10000001", at(12));
    tx.enqueue_forward("10000002", at(13));
    // Its ref in its text: SQLite keeps neither (schema 15), PostgreSQL gets both.
    tx.enqueue_reply({"telkomsel", "1708", "6281234567890", "Tiket 10000001 diterima", "ack",
                      "10000001", at(12)});
    tx.enqueue_reply({"telkomsel", "1708", "6281234567892", "Tiket 10000002 diterima", "ack",
                      "10000002", at(13)});
  });
  db.call([](transaction& tx) {
    tx.take_due_forwards(at(30), 10, std::chrono::seconds(60));
    tx.mark_forwarded("10000001", 201, std::string_view("T-1"), at(31));
    tx.park("10000002", 422, "bad", at(31));
    tx.drop_parked("10000002", "operator", at(32));
    auto replies = tx.take_due_replies(at(30), 10, std::chrono::seconds(60));
    REQUIRE(replies.size() == 2);
    const std::string ids[] = {"m-1"};
    tx.mark_reply_submitted(replies[0].id, ids, at(33));
    // replies[1] stays leased: the copy releases it.
  });
}

}  // namespace

TEST_CASE("store copy: an SQLite store reaches an empty PostgreSQL store whole") {
  if (!on_postgresql()) {
    MESSAGE("PostgreSQL only: run by the \"pg: \" tests");
    return;
  }
  temp_dir dir;
  const auto path = dir.file("old.db");
  {
    database db(sqlite_at(path));
    fill(db);
  }
  const auto target = postgresql_at(pg_database_for(dir.file("new")));
  int progressed = 0;
  auto report = copy_store(sqlite_at(path), target, [&](const copied_table&) { ++progressed; });
  CHECK(report.schema_version == database::latest_schema_version());
  CHECK(report.ref_counter == 3);
  CHECK(progressed == static_cast<int>(report.tables.size()));

  database before(sqlite_at(path));
  database after(target);
  auto both = [&](auto query) { return std::pair(before.call(query), after.call(query)); };
  auto [c1, c2] = both([](transaction& tx) { return *tx.complaint_view_by_ref("10000001"); });
  CHECK(c2.complaint.text == "jalan\nrusak");
  CHECK(c2.complaint.status == c1.complaint.status);
  CHECK(c2.complaint.tracking_id == std::optional<std::string>("T-1"));
  CHECK(c2.events.size() == 1);
  CHECK(c2.forwarding->state == forward_state::forwarded);
  auto [n1, n2] = both([](transaction& tx) { return tx.counts(); });
  CHECK(n2.outbox_dropped == 1);
  CHECK(n2.part_keys == 1);
  CHECK(n2.replies_queued == 1);  // was leased on SQLite: released by the copy
  CHECK(n1.replies_in_flight == 1);
  auto [l1, l2] = both([](transaction& tx) {
    std::string refs;
    for (auto& s : tx.find_complaints({}))
      refs += s.complaint.ref + " ";
    return refs;
  });
  CHECK(l2 == l1);  // newest first on both: the insertion order came along
  after.call([](transaction& tx) {
    CHECK(tx.opted_out("+6281234567899"));
    CHECK(tx.next_ref_counter() == 4);  // after the copied counter: no ref handed out twice
    auto parts = tx.parts_of({"telkomsel", "6281234567891", "1708", 7});
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].text == "bagian\tpertama\\");
    // The same raw octets: a redelivery of the copied MO is recognised as one.
    const std::string octets("LAPOR\0\xff\t\\x\n", 11);
    mo_pdu mo;
    mo.carrier = "telkomsel";
    mo.source = "6281234567890";
    mo.destination = "1708";
    mo.short_message = octets;
    mo.tlvs = std::string_view("\x04\x24\x00\x01\x41", 5);
    mo.received_at = at(40);
    CHECK(tx.record_received(mo).duplicate);
    mo.source = "6281234567777";
    CHECK(tx.record_received(mo).id > 1);  // a new row after the copied ids
    CHECK(tx.enqueue_reply({"telkomsel", "1708", "628", "x", "help", std::nullopt, at(40)}) > 2);
  });
  auto [s1, s2] = both([](transaction& tx) { return tx.replies_for("10000001").at(0); });
  CHECK(s2.state == reply_state::submitted);
  CHECK(s2.id == s1.id);
  CHECK(s2.text == "Tiket 10000001 diterima");
  CHECK(s1.text == s2.text);
  // The duplicate rule finds the copied complaint by its key.
  auto [d1, d2] = both([](transaction& tx) {
    return tx.recent_complaint_with_key("+6281234567892", "lampu mati", at(0));
  });
  CHECK(d2 == std::optional<std::string>("10000002"));
  CHECK(d1 == d2);
}

TEST_CASE("store copy: refuses a target that holds data and leaves it as it was") {
  if (!on_postgresql()) {
    MESSAGE("PostgreSQL only: run by the \"pg: \" tests");
    return;
  }
  temp_dir dir;
  const auto path = dir.file("old.db");
  {
    database db(sqlite_at(path));
    fill(db);
  }
  const auto target = postgresql_at(pg_database_for(dir.file("new")));
  copy_store(sqlite_at(path), target);
  const auto e = error_of(sqlite_at(path), target);
  CHECK(e.find("the target store is not empty (") != std::string::npos);
  CHECK(e.find("2 complaints") != std::string::npos);
  CHECK(e.find("nothing was written") != std::string::npos);
  database after(target);
  CHECK(after.call([](transaction& tx) { return tx.find_complaints({}).size(); }) == 2);
}

TEST_CASE("store copy: a source of the latest schema passes the source checks") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  { database db(sqlite_at(path)); }
  // Every table and column known: it gets as far as connecting to the target.
  CHECK(error_of(sqlite_at(path), unreachable()).find("cannot connect to PostgreSQL") !=
        std::string::npos);
}

TEST_CASE("store copy: refuses a missing file, a non-store file and another schema version") {
  temp_dir dir;
  CHECK(error_of(sqlite_at(dir.file("none.db")), unreachable())
            .starts_with("store copy: " + dir.file("none.db") + ": no such file"));
  { std::ofstream(dir.file("notes.txt")) << "not a database, just some text long enough\n"; }
  CHECK(error_of(sqlite_at(dir.file("notes.txt")), unreachable()).find("not a database") !=
        std::string::npos);
  const auto path = dir.file("old.db");
  { database db(sqlite_at(path)); }
  sqlite_exec(path, "PRAGMA user_version=5");
  const auto e = error_of(sqlite_at(path), unreachable());
  CHECK(e.find("schema version 5 but this laporctl copies version " +
               std::to_string(database::latest_schema_version())) != std::string::npos);
  CHECK(e.find("start this release's lapord on the file once") != std::string::npos);
  sqlite_exec(path, "CREATE TABLE extra (x INTEGER); PRAGMA user_version=" +
                        std::to_string(database::latest_schema_version()));
  CHECK(error_of(sqlite_at(path), unreachable()).find("a table 'extra'") != std::string::npos);
}
