// Schema 13 keeps a reply's one message id in its row: a store of version 12 with replies in every
// state (queued, leased, submitted with one segment and with two, one of them with its receipt,
// delivered, failed) keeps each of them, as the same operations see them, on both backends:
// receipts for segments stored before still credit their reply, and replies submitted after it
// keep their one id in their row. SQLite builds the version-12 file from the frozen fixtures;
// PostgreSQL has no fixtures, so a new store is turned back into version 12 and opened again.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

const char* const pg_v12_replies = R"sql(
ALTER TABLE replies DROP COLUMN message_id, DROP COLUMN receipt_at;
DELETE FROM lapord_schema;
INSERT INTO lapord_schema VALUES (12);
)sql";

// Replies (times in ms, no complaint): 1 queued, due at 5000; 2 leased by gw-a epoch 1 until
// 900000; 3 submitted, one segment; 4 submitted, two segments, the first delivered; 5 delivered; 6
// failed; 7 submitted, its one segment ENROUTE.
const char* const v12_rows = R"sql(
INSERT INTO replies (id, carrier, source, destination, text, kind, ref, state, leased, attempts,
  created_at, next_attempt_at, submitted_at, done_at, last_error, receipt, lease_owner,
  lease_epoch)
VALUES
  (1, 'telkomsel', '1708', '6281200000001', 'satu', 'ack', NULL, 'queued', 0, 1, 1000, 5000,
   NULL, NULL, 'throttled', NULL, NULL, NULL),
  (2, 'telkomsel', '1708', '6281200000002', 'dua', 'ack', NULL, 'queued', 1, 1, 2000, 900000,
   NULL, NULL, NULL, NULL, 'gw-a', 1),
  (3, 'telkomsel', '1708', '6281200000003', 'tiga', 'ack', NULL, 'submitted', 0, 1, 3000, NULL,
   3100, NULL, NULL, NULL, 'gw-a', 1),
  (4, 'telkomsel', '1708', '6281200000004', 'empat', 'answer', NULL, 'submitted', 0, 1, 4000,
   NULL, 4100, NULL, NULL, 'DELIVRD', 'gw-a', 1),
  (5, 'telkomsel', '1708', '6281200000005', 'lima', 'ack', NULL, 'delivered', 0, 1, 5000, NULL,
   5100, 5200, NULL, 'DELIVRD', 'gw-a', 1),
  (6, 'telkomsel', '1708', '6281200000006', 'enam', 'ack', NULL, 'failed', 0, 5, 6000, NULL,
   NULL, 6500, 'too many attempts', NULL, 'gw-a', 1),
  (7, 'telkomsel', '1708', '6281200000007', 'tujuh', 'ack', NULL, 'submitted', 0, 1, 7000, NULL,
   7100, NULL, NULL, 'ENROUTE', 'gw-a', 1);
INSERT INTO reply_segments (carrier, message_id, submitted_at, reply_id, segment, receipt,
  receipt_at)
VALUES
  ('telkomsel', 'A3', 3100, 3, 1, NULL, NULL),
  ('telkomsel', 'A4a', 4100, 4, 1, 'DELIVRD', 4200),
  ('telkomsel', 'A4b', 4100, 4, 2, NULL, NULL),
  ('telkomsel', 'A5', 5100, 5, 1, 'DELIVRD', 5200),
  ('telkomsel', 'A7', 7100, 7, 1, 'ENROUTE', 7200);
UPDATE counters SET value = 1 WHERE name = 'epoch';
)sql";

void make_v12_store(const std::string& path) {
  if (on_postgresql()) {
    { database db(options_for(path)); }  // the latest schema, then back to 12
    raw_db raw(path);
    raw.exec(pg_v12_replies);
    raw.exec(v12_rows);
    raw.exec("SELECT setval(pg_get_serial_sequence('replies', 'id'), 7)");
    return;
  }
  raw_db raw(path);
  raw.define_ref_number();
  raw.make_sqlite_schema(12);
  raw.exec(v12_rows);
}

reply_status status_of(database& db, std::int64_t id) {
  auto s = db.call([&](transaction& tx) { return tx.reply_status_of(id); });
  REQUIRE(s);
  return *s;
}

receipt_outcome receipt(database& db, std::string_view id, std::string_view stat, int s) {
  return db.call([&](transaction& tx) { return tx.apply_receipt("telkomsel", id, stat, at(s)); });
}

using ids = std::vector<std::string>;

}  // namespace

TEST_CASE("a version-12 store is migrated to 13 - every reply keeps its state and its segments") {
  temp_dir dir;
  const std::string path = dir.file("v12.db");
  make_v12_store(path);
  database db(options_for(path));
  CHECK(db.schema_version() == database::latest_schema_version());

  CHECK(status_of(db, 1).state == reply_state::queued);
  CHECK(status_of(db, 2).state == reply_state::in_flight);
  CHECK(status_of(db, 3).state == reply_state::submitted);
  CHECK(status_of(db, 3).message_ids == ids{"A3"});
  CHECK(status_of(db, 4).message_ids == ids{"A4a", "A4b"});
  CHECK(status_of(db, 5).state == reply_state::delivered);
  CHECK(status_of(db, 5).message_ids == ids{"A5"});
  CHECK(status_of(db, 6).state == reply_state::failed);
  CHECK(status_of(db, 6).last_error == std::optional<std::string>("too many attempts"));
  CHECK(status_of(db, 7).receipt == std::optional<std::string>("ENROUTE"));
  CHECK(db.call([](transaction& tx) { return tx.counts(); }).replies_failed == 1);

  // Receipts for segments stored before credit their reply; one of two is not enough.
  CHECK(receipt(db, "A3", "DELIVRD", 10) == receipt_outcome::applied);
  CHECK(status_of(db, 3).state == reply_state::delivered);
  CHECK(receipt(db, "A7", "UNDELIV", 10) == receipt_outcome::applied);
  CHECK(status_of(db, 7).state == reply_state::failed);
  CHECK(status_of(db, 7).last_error == std::optional<std::string>("receipt: UNDELIV"));
  CHECK(receipt(db, "A4b", "DELIVRD", 10) == receipt_outcome::applied);
  CHECK(status_of(db, 4).state == reply_state::delivered);

  // The next epoch of gw-a takes back the lease its predecessor held; 1 and 2 are due.
  auto e = db.call([](transaction& tx) { return tx.begin_epoch("gw-a", at(10)); });
  CHECK(e.replies_taken_back == 1);
  auto due = db.call([](transaction& tx) { return tx.take_due_replies(at(10), 10, 30s); });
  REQUIRE(due.size() == 2);
  CHECK(due[0].id == 1);
  CHECK(due[1].id == 2);

  // Submitted now: one segment keeps its id in the row, two go to reply_segments. A receipt
  // credits the newest segment with its id, wherever it is: "A5" is also reply 5's old
  // segment, then reply 2's second one.
  db.call([](transaction& tx) {
    const ids one{"A5"};
    tx.mark_reply_submitted(1, one, at(11));
  });
  CHECK(status_of(db, 1).message_ids == ids{"A5"});
  CHECK(db.call([](transaction& tx) {
    return tx.apply_receipt("indosat", "A5", "DELIVRD", at(12));
  }) == receipt_outcome::unknown_id);
  CHECK(receipt(db, "A5", "DELIVRD", 12) == receipt_outcome::applied);
  CHECK(status_of(db, 1).state == reply_state::delivered);
  db.call([](transaction& tx) {
    const ids two{"B2a", "A5"};
    tx.mark_reply_submitted(2, two, at(13));
  });
  CHECK(status_of(db, 2).message_ids == ids{"B2a", "A5"});
  CHECK(receipt(db, "A5", "DELIVRD", 14) == receipt_outcome::applied);
  CHECK(status_of(db, 2).state == reply_state::submitted);
  CHECK(receipt(db, "B2a", "DELIVRD", 14) == receipt_outcome::applied);
  CHECK(status_of(db, 2).state == reply_state::delivered);

  raw_db raw(path);
  CHECK(raw.rows("SELECT id, message_id, receipt_at FROM replies WHERE message_id IS NOT NULL") ==
        "1|A5|12000\n");
  CHECK(raw.integer("SELECT count(*) FROM reply_segments WHERE reply_id = 1") == 0);
  if (!on_postgresql()) {
    CHECK(raw.sqlite_schema() == new_sqlite_schema(dir));
  }
}

TEST_CASE("a reply submitted again - its id in the row moves to reply_segments with its receipt") {
  temp_dir dir;
  database db(options_for(dir.file("again.db")));
  new_reply r;
  r.carrier = "telkomsel";
  r.source = "1708";
  r.destination = "6281200000001";
  r.text = "satu";
  r.kind = "ack";
  r.created_at = at(1);
  const auto id = db.call([&](transaction& tx) { return tx.enqueue_reply(r); });
  db.call([&](transaction& tx) {
    const ids first{"C1"};
    tx.mark_reply_submitted(id, first, at(2));
  });
  CHECK(receipt(db, "C1", "ENROUTE", 3) == receipt_outcome::applied);
  db.call([&](transaction& tx) {
    const ids again{"C2"};
    tx.mark_reply_submitted(id, again, at(4));
  });
  CHECK(status_of(db, id).message_ids == ids{"C1", "C2"});
  raw_db raw(dir.file("again.db"));
  CHECK(raw.rows("SELECT message_id, submitted_at, segment, receipt, receipt_at FROM "
                 "reply_segments ORDER BY submitted_at") ==
        "C1|2000|1|ENROUTE|3000\nC2|4000|1|NULL|NULL\n");
  // Delivered once both are: the first's receipt alone is not enough.
  CHECK(receipt(db, "C2", "DELIVRD", 5) == receipt_outcome::applied);
  CHECK(status_of(db, id).state == reply_state::submitted);
  CHECK(receipt(db, "C1", "DELIVRD", 5) == receipt_outcome::applied);
  CHECK(status_of(db, id).state == reply_state::delivered);
}
