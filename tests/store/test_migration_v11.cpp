// Schema 11 folds the outbox into the complaint row: a store of version 10 with forwards in every
// state (pending, leased, parked, forwarded, a JSON body from before version 8, an outbox row
// without its complaint) keeps each of them, as the same operations see them, on both backends.
// SQLite builds the version-10 file from the frozen fixtures; PostgreSQL has no fixtures, so a new
// store is turned back into version 10 (the forward columns dropped, the outbox as versions 2 and
// 5 made it) and opened again.
#include <doctest/doctest.h>

#include <vector>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

// The outbox of versions 2 to 10 on PostgreSQL (src/store/postgresql/schema.cpp, versions 2 and 5),
// and the reply columns of version 13 gone.
const char* const pg_v10_outbox = R"sql(
ALTER TABLE replies DROP COLUMN message_id, DROP COLUMN receipt_at;
ALTER TABLE complaints DROP COLUMN forward_state, DROP COLUMN forward_leased,
  DROP COLUMN forward_attempts, DROP COLUMN forward_enqueued_at, DROP COLUMN forward_next_at,
  DROP COLUMN forward_lease_owner, DROP COLUMN forward_lease_epoch,
  DROP COLUMN forward_http_status, DROP COLUMN forward_error, DROP COLUMN forward_answer,
  DROP COLUMN forward_done_at, DROP COLUMN forward_payload;
CREATE TABLE outbox (
  ref             TEXT PRIMARY KEY,
  seq             BIGINT GENERATED ALWAYS AS IDENTITY,
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'forwarded', 'parked')),
  leased          INTEGER NOT NULL DEFAULT 0,
  attempts        INTEGER NOT NULL DEFAULT 0,
  enqueued_at     BIGINT NOT NULL,
  next_attempt_at BIGINT,
  http_status     INTEGER,
  last_error      TEXT,
  answer          TEXT,
  done_at         BIGINT,
  lease_owner     TEXT,
  lease_epoch     BIGINT
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_parked ON outbox(ref) WHERE state = 'parked';
DELETE FROM lapord_schema;
INSERT INTO lapord_schema VALUES (10);
)sql";

// Six complaints (times in ms): 1 pending, due at 5000; 2 leased by gw-a epoch 1 until 900000;
// 3 parked; 4 forwarded; 5 pending with a body stored before version 8, queued later than it
// was created; 6 never queued (held). And an outbox row for 7, which has no complaint.
const char* const v10_rows = R"sql(
INSERT INTO complaints (ref, channel, carrier, service_number, reporter, confidential,
  institution_code, institution_name, institution_keyword, institution_corrected, text, segments,
  incomplete, status, status_at, created_at, updated_at, tracking_id, received_id, duplicate_key,
  routed_by, duplicate_hash)
VALUES
  ('10000001', 'sms', 'telkomsel', '1708', '+6281200000001', 0, NULL, NULL, NULL, NULL, 'satu',
   1, 0, 'received', 1000, 1000, 1000, NULL, NULL, 'satu', 'national', NULL),
  ('10000002', 'sms', 'telkomsel', '1708', '+6281200000002', 0, NULL, NULL, NULL, NULL, 'dua',
   1, 0, 'received', 2000, 2000, 2000, NULL, NULL, 'dua', 'national', NULL),
  ('10000003', 'sms', 'telkomsel', '1708', '+6281200000003', 0, NULL, NULL, NULL, NULL, 'tiga',
   1, 0, 'received', 3000, 3000, 3500, NULL, NULL, 'tiga', 'national', NULL),
  ('10000004', 'sms', 'telkomsel', '1708', '+6281200000004', 0, NULL, NULL, NULL, NULL, 'empat',
   1, 0, 'received', 4000, 4000, 4500, 'T-4', NULL, 'empat', 'national', NULL),
  ('10000005', 'sms', 'telkomsel', '1708', '+6281200000005', 0, NULL, NULL, NULL, NULL, 'lima',
   1, 0, 'received', 5000, 5000, 5000, NULL, NULL, 'lima', 'national', NULL),
  ('10000006', 'sms', 'telkomsel', '1708', '+6281200000006', 0, NULL, NULL, NULL, NULL, 'enam',
   1, 0, 'received', 6000, 6000, 6000, NULL, NULL, 'enam', 'national', NULL);
INSERT INTO outbox (ref, payload, state, leased, attempts, enqueued_at, next_attempt_at,
  http_status, last_error, answer, done_at, lease_owner, lease_epoch)
VALUES
  ('10000001', '', 'pending', 0, 1, 1000, 5000, 503, 'HTTP 503', NULL, NULL, NULL, NULL),
  ('10000002', '', 'pending', 1, 1, 2000, 900000, NULL, NULL, NULL, NULL, 'gw-a', 1),
  ('10000003', '', 'parked', 0, 1, 3000, NULL, 422, NULL, '{"error":"bad"}', 3500, 'gw-a', 1),
  ('10000004', '', 'forwarded', 0, 1, 4000, NULL, 201, NULL, NULL, 4500, 'gw-a', 1),
  ('10000005', '{"ref":"10000005"}', 'pending', 0, 0, 5500, 5500, NULL, NULL, NULL, NULL, NULL,
   NULL),
  ('10000007', '{"ref":"10000007"}', 'pending', 0, 0, 7000, 7000, NULL, NULL, NULL, NULL, NULL,
   NULL);
UPDATE counters SET value = 1 WHERE name = 'epoch';
-- Past the refs, read as their own numbers (store_fixture.hpp), as a real counter is: 12 checks.
UPDATE counters SET value = 10000007 WHERE name = 'ref';
)sql";

void make_v10_store(const std::string& path) {
  if (on_postgresql()) {
    { database db(options_for(path)); }  // the latest schema, then back to 10
    raw_db raw(path);
    raw.exec(pg_v10_outbox);
    raw.exec(v10_rows);
    return;
  }
  raw_db raw(path);
  raw.make_sqlite_schema(10);
  raw.exec(v10_rows);
}

std::optional<forward_state> state_of(database& db, const std::string& ref) {
  auto v = db.call([&](transaction& tx) { return tx.complaint_view_by_ref(ref); });
  REQUIRE(v);
  if (!v->forwarding) return std::nullopt;
  return v->forwarding->state;
}

}  // namespace

TEST_CASE(
    "a version-10 store is migrated to 11 - every forward keeps its state - the outbox is gone") {
  temp_dir dir;
  const std::string path = dir.file("v10.db");
  make_v10_store(path);
  database db(options_for(path));
  CHECK(db.schema_version() == database::latest_schema_version());

  CHECK(state_of(db, "10000001") == forward_state::pending);
  CHECK(state_of(db, "10000002") == forward_state::in_flight);
  CHECK(state_of(db, "10000003") == forward_state::parked);
  CHECK(state_of(db, "10000004") == forward_state::forwarded);
  CHECK(state_of(db, "10000005") == forward_state::pending);
  CHECK(state_of(db, "10000006") == std::nullopt);  // held: never queued

  auto v1 = db.call([](transaction& tx) { return tx.complaint_view_by_ref("10000001"); });
  REQUIRE(v1->forwarding);
  CHECK(v1->forwarding->attempts == 1);
  CHECK(v1->forwarding->last_error == std::optional<std::string>("HTTP 503"));
  CHECK(v1->forwarding->http_status == std::optional<int>(503));
  CHECK(v1->forwarding->next_attempt_at == std::optional<wall_time>(wall_time(5000ms)));
  auto v4 = db.call([](transaction& tx) { return tx.complaint_view_by_ref("10000004"); });
  CHECK(v4->forwarding->done_at == std::optional<wall_time>(wall_time(4500ms)));
  CHECK(v4->complaint.tracking_id == std::optional<std::string>("T-4"));
  auto v5 = db.call([](transaction& tx) { return tx.complaint_view_by_ref("10000005"); });
  CHECK(v5->forwarding->enqueued_at == wall_time(5500ms));  // not its created_at

  auto n = db.call([](transaction& tx) { return tx.counts(); });
  CHECK(n.outbox_pending == 2);
  CHECK(n.outbox_in_flight == 1);
  CHECK(n.outbox_parked == 1);
  CHECK(n.outbox_dropped == 1);  // the row without a complaint, kept for audit

  auto parked = db.call([](transaction& tx) { return tx.parked_forwards(10); });
  REQUIRE(parked.size() == 1);
  CHECK(parked[0].ref == "10000003");
  CHECK(parked[0].answer == "{\"error\":\"bad\"}");
  CHECK(parked[0].http_status == std::optional<int>(422));
  CHECK(parked[0].enqueued_at == wall_time(3000ms));
  CHECK(parked[0].parked_at == wall_time(3500ms));

  // The next epoch of gw-a takes back the lease its predecessor held.
  auto e = db.call([](transaction& tx) { return tx.begin_epoch("gw-a", at(10)); });
  CHECK(e.epoch == 2);
  CHECK(e.forwards_taken_back == 1);

  // Due now: 1, 2 (taken back) and 5, oldest due first; 5 with the body it was queued with.
  auto due = db.call([](transaction& tx) { return tx.take_due_forwards(at(10), 10, 30s); });
  REQUIRE(due.size() == 3);
  std::vector<std::string> refs;
  for (const auto& f : due)
    refs.push_back(f.ref);
  CHECK(refs == std::vector<std::string>{"10000001", "10000002", "10000005"});
  CHECK(due[0].payload.empty());
  CHECK(due[0].row.text == "satu");
  CHECK(due[0].attempts == 2);
  CHECK(due[2].payload == "{\"ref\":\"10000005\"}");
  CHECK(due[2].row.text == "lima");
  db.call([](transaction& tx) { tx.mark_forwarded("10000005", 201, "T-5", at(11)); });
  CHECK(state_of(db, "10000005") == forward_state::forwarded);

  raw_db raw(path);
  CHECK(raw.rows("SELECT ref, reason FROM dropped_forwards") ==
        "10000007|schema 11: an outbox row without its complaint\n");
  if (!on_postgresql()) {
    CHECK(raw.integer("SELECT count(*) FROM sqlite_schema WHERE name = 'outbox'") == 0);
    CHECK(raw.sqlite_schema() == new_sqlite_schema(dir));
  } else {
    CHECK(raw.integer("SELECT count(*) FROM pg_tables WHERE tablename = 'outbox'") == 0);
  }
}
