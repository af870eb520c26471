// Schema 15: a reply to a stored complaint names it by number alone (SQLite): neither its ref
// nor the ref within its text is stored, both are read back as its complaint's. A store of
// version 14 with replies as a lapord of 14 wrote them (ref and text whole) reads them back the
// same; replies written after it read back exactly what was enqueued, through every reader (the
// operator's view, a take for a retry); a reply whose complaint is not stored, or whose text holds
// the byte the ref becomes, keeps its ref. SQLite builds the version-14 file from the frozen
// fixtures; PostgreSQL (whose migration 15 changes nothing) has no fixtures, so a new store is
// turned back into version 14 and opened again.
#include <doctest/doctest.h>

#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/dedup_key.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

const char* const me = "+6281234567890";
const char* const ack1 = "LAPOR! Laporan diterima, tiket 10000001. Cek status: ketik CEK 10000001";

// Two complaints: 10000001 stored before schema 8 (no hash), 10000002 with its hash of 64 bits;
// replies (times in ms): 1 the ack of 10000001, submitted; 2 a notification of 10000002, due at
// 5000; 3 an answer with no ref, due at 6000.
std::string v14_rows() {
  const bool sqlite = !on_postgresql();
  std::string sql = std::string("INSERT INTO complaints (") + (sqlite ? "number, " : "") +
                    "ref, channel, carrier, service_number, reporter, confidential, text, "
                    "segments, incomplete, status, status_at, created_at, updated_at, "
                    "duplicate_key, duplicate_hash, routed_by) VALUES ";
  const std::string hash = std::to_string(detail::duplicate_hash("lampu mati"));
  for (const char* ref : {"10000001", "10000002"}) {
    const bool first = ref[7] == '1';
    // Its key: PostgreSQL keeps every one, SQLite none that is its text folded (schema 14).
    const std::string text = first ? "jalan rusak" : "lampu mati";
    sql += std::string(first ? "" : ", ") + "(" + (sqlite ? std::string(ref) + ", " : "") + "'" +
           ref + "', 'sms', 'telkomsel', '1708', '" + me + "', 0, '" + text +
           "', 1, 0, 'received', 1000, 1000, 1000, " + (sqlite ? "NULL" : "'" + text + "'") + ", " +
           (first ? "NULL" : hash) + ", 'national')";
  }
  sql += std::string(
             "; INSERT INTO replies (id, carrier, source, destination, text, kind, ref, "
             "state, leased, attempts, created_at, next_attempt_at, submitted_at") +
         (sqlite ? ", complaint" : "") + ") VALUES (1, 'telkomsel', '1708', '6281234567890', '" +
         ack1 + "', 'ack', '10000001', 'submitted', 0, 1, 1000, NULL, 1100" +
         (sqlite ? ", 10000001" : "") +
         "), (2, 'telkomsel', '1708', '6281234567890', 'Tiket 10000002 diproses', "
         "'notification', '10000002', 'queued', 0, 0, 2000, 5000, NULL" +
         (sqlite ? ", 10000002" : "") +
         "), (3, 'telkomsel', '1708', '6281234567890', 'Ketik LAPOR', 'help', NULL, 'queued', "
         "0, 0, 3000, 6000, NULL" +
         (sqlite ? ", NULL" : "") + ")";
  return sql + "; UPDATE counters SET value = 10000002 WHERE name = 'ref'";
}

void make_v14_store(const std::string& path) {
  if (on_postgresql()) {
    { database db(options_for(path)); }  // the latest schema, then back to 14
    raw_db raw(path);
    raw.exec("DELETE FROM lapord_schema; INSERT INTO lapord_schema VALUES (14)");
    raw.exec(v14_rows());
    raw.exec("SELECT setval(pg_get_serial_sequence('replies', 'id'), 3)");
    return;
  }
  raw_db raw(path);
  raw.define_ref_number();
  raw.make_sqlite_schema(14);
  raw.exec(v14_rows());
}

std::vector<std::string> texts_for(database& db, std::string_view ref) {
  std::vector<std::string> out;
  for (const auto& r : db.call([&](transaction& tx) { return tx.replies_for(ref); }))
    out.push_back(r.text);
  return out;
}

std::int64_t reply_to(transaction& tx, std::optional<std::string_view> ref, std::string_view text,
                      std::int64_t s) {
  new_reply r;
  r.carrier = "telkomsel";
  r.source = "1708";
  r.destination = "6281234567890";
  r.text = text;
  r.kind = "notification";
  r.ref = ref;
  r.created_at = at(s);
  return tx.enqueue_reply(r);
}

// What a take hands the sender: id, ref, text.
std::string taken(database& db, std::int64_t s) {
  std::string out;
  for (const auto& r :
       db.call([&](transaction& tx) { return tx.take_due_replies(at(s), 10, 30s); }))
    out += std::to_string(r.id) + "|" + r.ref.value_or("NULL") + "|" + r.text + "\n";
  return out;
}

}  // namespace

TEST_CASE("a version-14 store is migrated to 15 - every reply reads back as it was written") {
  temp_dir dir;
  const std::string path = dir.file("v14.db");
  make_v14_store(path);
  database db(options_for(path));
  CHECK(db.schema_version() == database::latest_schema_version());

  // Stored before: read as they are (no row was rewritten).
  CHECK(texts_for(db, "10000001") == std::vector<std::string>{ack1});
  CHECK(taken(db, 10) == "2|10000002|Tiket 10000002 diproses\n3|NULL|Ketik LAPOR\n");

  const std::string ack3 = "Tiket 10000003 utk Kab. Sleman. Cek: CEK 10000003, 100000033";
  db.call([&](transaction& tx) {
    tx.create_complaint(sample_complaint("10000003", me, "banjir besar", at(20)));
    reply_to(tx, "10000003", ack3, 20);  // the item's own complaint
  });
  db.call([&](transaction& tx) {
    reply_to(tx, "10000002", "Tiket 10000002 selesai", 21);    // stored before: looked up
    reply_to(tx, "10000009", "Tiket 10000009 tidak ada", 22);  // no such complaint
    reply_to(tx, "10000001", "Tiket 10000001 \x01", 23);       // the byte the ref becomes
  });
  CHECK(texts_for(db, "10000003") == std::vector<std::string>{ack3});
  // The duplicate rule finds each complaint by its key, stored before (no hash, a hash) or now.
  for (const char* key : {"jalan rusak", "lampu mati", "banjir besar"}) {
    CHECK(db.call([&](transaction& tx) {
      return tx.recent_complaint_with_key(me, key, at(0)).value_or("none");
    }) == (key[0] == 'j'   ? "10000001"
           : key[0] == 'l' ? "10000002"
                           : "10000003"));
  }
  CHECK(texts_for(db, "10000002") ==
        std::vector<std::string>{"Tiket 10000002 diproses", "Tiket 10000002 selesai"});
  CHECK(texts_for(db, "10000001") == std::vector<std::string>{ack1, "Tiket 10000001 \x01"});
  CHECK(taken(db, 25) == "4|10000003|" + ack3 +
                             "\n5|10000002|Tiket 10000002 selesai\n"
                             "6|10000009|Tiket 10000009 tidak ada\n"
                             "7|10000001|Tiket 10000001 \x01\n");

  raw_db raw(path);
  if (on_postgresql()) {
    CHECK(raw.rows("SELECT id, ref FROM replies WHERE id >= 4 ORDER BY id") ==
          "4|10000003\n5|10000002\n6|10000009\n7|10000001\n");
    return;
  }
  CHECK(raw.rows("SELECT id, coalesce(ref, 'NULL'), complaint, replace(text, char(1), '<1>') "
                 "FROM replies ORDER BY id") ==
        std::string("1|10000001|10000001|") + ack1 +
            "\n2|10000002|10000002|Tiket 10000002 diproses\n"
            "3|NULL|NULL|Ketik LAPOR\n"
            "4|NULL|10000003|Tiket <1> utk Kab. Sleman. Cek: CEK <1>, <1>3\n"
            "5|NULL|10000002|Tiket <1> selesai\n"
            "6|10000009|10000009|Tiket 10000009 tidak ada\n"
            "7|10000001|10000001|Tiket 10000001 <1>\n");
  CHECK(raw.sqlite_schema() == new_sqlite_schema(dir));
}

TEST_CASE("a reply to a complaint its batch filed in an item that failed keeps its ref") {
  temp_dir dir;
  const std::string path = dir.file("rolled.db");
  database db(options_for(path));
  // One batch: the writer is held until the three items are queued behind it.
  std::promise<void> gate;
  std::promise<void> running;
  auto gate_open = gate.get_future().share();
  db.submit(
      [&](transaction&) {
        running.set_value();
        gate_open.wait();
      },
      [](result<std::monostate>) {});
  running.get_future().wait();
  std::promise<bool> failed;
  db.submit(
      [](transaction& tx) {
        tx.create_complaint(sample_complaint("10000001", me, "jalan rusak", at(1)));
        throw std::runtime_error("after filing");
      },
      [&](result<std::monostate> r) { failed.set_value(bool(r.error)); });
  std::promise<void> replied;
  db.submit([](transaction& tx) { reply_to(tx, "10000001", "Tiket 10000001", 2); },
            [&](result<std::monostate>) { replied.set_value(); });
  gate.set_value();
  CHECK(failed.get_future().get());
  replied.get_future().wait();
  CHECK(taken(db, 10) == "1|10000001|Tiket 10000001\n");
  raw_db raw(path);
  CHECK(raw.integer("SELECT count(*) FROM complaints") == 0);
  CHECK(raw.rows("SELECT ref FROM replies") == "10000001\n");
}
