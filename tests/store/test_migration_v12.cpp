// Schema 12 keys SQLite's complaints by the number their ref was made from: a store of version 11
// with complaints in every state (forward pending, leased, parked, forwarded, dropped, never
// queued), their replies, status events and received rows keeps each of them, found by ref as
// before, and is refused, untouched, without the ref key, with another key, or with a stored
// ref that is no ref. Refs here are real ones (lapor::ref_generator), made from the counter as
// the daemon makes them. SQLite only: PostgreSQL keeps its complaints keyed by ref (its migration
// 12 changes nothing).
#include <doctest/doctest.h>

#include <vector>

#include "lapord/lapor/ref.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

const lapord::lapor::ref_generator& refs() {
  static const lapord::lapor::ref_generator gen("refkey migration test key, 32 b", 8);
  return gen;
}

// The ref of the n-th complaint, as the MO path makes it (counter n, permutation index n - 1).
std::string ref_of(std::uint64_t counter) {
  return refs().make(counter - 1);
}

database_options keyed(const std::string& path, const lapord::lapor::ref_generator& gen) {
  auto o = options_for(path);
  o.ref_number = [&gen](std::string_view ref) { return gen.number_of(ref); };
  return o;
}

std::string sql_for_v11_rows() {
  // Six complaints, times in ms: 1 pending (due at 5000), 2 leased by gw-a epoch 1, 3 parked,
  // 4 forwarded, 5 never queued, 6 its forward dropped by an operator. Replies: the ack of each
  // (by ref), a notification about 4, a duplicate answer naming 1, a help answer (no ref). Events
  // on 3 and 4, received rows pointing at 1 and 2.
  std::string sql =
      "INSERT INTO complaints (ref, channel, carrier, service_number, reporter, confidential, "
      "institution_code, institution_name, institution_keyword, institution_corrected, text, "
      "segments, incomplete, status, status_at, created_at, updated_at, tracking_id, received_id, "
      "duplicate_key, routed_by, duplicate_hash, forward_state, forward_leased, forward_attempts, "
      "forward_enqueued_at, forward_next_at, forward_lease_owner, forward_lease_epoch, "
      "forward_http_status, forward_error, forward_answer, forward_done_at, forward_payload) "
      "VALUES ";
  const char* const forwards[] = {
      "'pending', 0, 1, NULL, 5000, NULL, NULL, 503, 'HTTP 503', NULL, NULL, NULL",
      "'pending', 1, 1, NULL, 900000, 'gw-a', 1, NULL, NULL, NULL, NULL, NULL",
      "'parked', 0, 1, NULL, NULL, NULL, NULL, 422, NULL, '{\"error\":\"bad\"}', 3500, NULL",
      "'forwarded', 0, 1, NULL, NULL, NULL, NULL, 201, NULL, NULL, 4500, NULL",
      "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL",
      "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"};
  const char* const texts[] = {"satu", "dua", "tiga", "empat", "lima", "enam"};
  for (int i = 1; i <= 6; ++i) {
    const std::string t = std::to_string(i * 1000);
    sql += std::string(i > 1 ? ", " : "") + "('" + ref_of(i) +
           "', 'sms', 'telkomsel', '1708', '+628120000000" + std::to_string(i) +
           "', 0, '36.03', 'Kabupaten Tangerang', 'TANGKAB', 0, '" + texts[i - 1] + "', 1, 0, " +
           "'received', " + t + ", " + t + ", " + t + ", " + (i == 4 ? "'T-4'" : "NULL") + ", " +
           std::to_string(i) + ", '" + texts[i - 1] + "', 'keyword', NULL, " + forwards[i - 1] +
           ")";
  }
  sql +=
      ";\nINSERT INTO dropped_forwards (ref, payload, attempts, enqueued_at, http_status, "
      "last_error, answer, parked_at, dropped_at, reason) VALUES ('" +
      ref_of(6) + "', '', 1, 6000, 400, NULL, 'no', 6100, 6200, 'operator');\n";
  sql +=
      "INSERT INTO replies (carrier, source, destination, text, kind, ref, state, leased, "
      "attempts, created_at, next_attempt_at, submitted_at, done_at) VALUES ";
  for (int i = 1; i <= 6; ++i) {
    const std::string t = std::to_string(i * 1000);
    sql += std::string(i > 1 ? ", " : "") + "('telkomsel', '1708', '628120000000" +
           std::to_string(i) + "', 'ack " + std::to_string(i) + "', 'ack', '" + ref_of(i) +
           "', 'submitted', 0, 1, " + t + ", NULL, " + t + ", NULL)";
  }
  sql += ", ('telkomsel', '1708', '6281200000004', 'status', 'notification', '" + ref_of(4) +
         "', 'queued', 0, 0, 7000, 7000, NULL, NULL)"
         ", ('telkomsel', '1708', '6281200000001', 'dup', 'duplicate', '" +
         ref_of(1) +
         "', 'delivered', 0, 1, 7100, NULL, 7100, 7200)"
         ", ('telkomsel', '1708', '6281200000009', 'help', 'help', NULL, 'queued', 0, 0, 7300, "
         "7300, NULL, NULL);\n";
  sql += "INSERT INTO events (ref, status, at, institution, message, received_at) VALUES ('" +
         ref_of(3) + "', 'verified', 3100, NULL, NULL, 3200), ('" + ref_of(4) +
         "', 'verified', 4100, 'Kabupaten Tangerang', 'ok', 4200), ('" + ref_of(4) +
         "', 'dispatched', 4300, NULL, NULL, 4400);\n";
  sql += "UPDATE complaints SET status = 'dispatched', status_at = 4300 WHERE ref = '" + ref_of(4) +
         "';\n";
  for (int i = 1; i <= 2; ++i)
    sql +=
        "INSERT INTO received (id, dedup_hash, carrier, source, source_ton, source_npi, "
        "destination, destination_ton, destination_npi, service_type, esm_class, data_coding, "
        "short_message, tlvs, received_at, ref) VALUES (" +
        std::to_string(i) +
        ", 0, 'telkomsel', '6281200000001', 1, 1, '1708', 0, 0, '', 0, 0, x'61', x'', 1000, '" +
        ref_of(i) + "');\n";
  sql +=
      "UPDATE counters SET value = 1 WHERE name = 'epoch';\n"
      "UPDATE counters SET value = 6 WHERE name = 'ref';\n";
  return sql;
}

void make_v11_store(const std::string& path, const std::string& extra = {}) {
  raw_db raw(path);
  raw.make_sqlite_schema(11);
  raw.exec(sql_for_v11_rows());
  if (!extra.empty()) raw.exec(extra);
}

std::string refused_open(const database_options& o) {
  try {
    database db(o);
  } catch (const store_error& e) {
    CHECK(e.code() == make_error_code(errc::schema));
    return e.what();
  }
  FAIL("opened");
  return {};
}

}  // namespace

TEST_CASE(
    "a version-11 store is migrated to 12 - complaints keyed by their ref's number - every row "
    "found by ref as before") {
  LAPORD_SQLITE_ONLY();  // PostgreSQL keeps complaints keyed by ref: its 12 changes nothing
  temp_dir dir;
  const std::string path = dir.file("v11.db");
  make_v11_store(path);
  {
    database db(keyed(path, refs()));
    CHECK(db.schema_version() == database::latest_schema_version());
    auto view = [&](int n) {
      return db.call([&](transaction& tx) { return tx.complaint_view_by_ref(ref_of(n)); });
    };
    const std::optional<forward_state> states[] = {forward_state::pending, forward_state::in_flight,
                                                   forward_state::parked,  forward_state::forwarded,
                                                   std::nullopt,           forward_state::dropped};
    for (int i = 1; i <= 6; ++i) {
      INFO("complaint " << i);
      auto v = view(i);
      REQUIRE(v);
      CHECK(v->complaint.ref == ref_of(i));
      CHECK(v->complaint.created_at == wall_time(std::chrono::milliseconds(i * 1000)));
      CHECK(v->forwarding.has_value() == states[i - 1].has_value());
      if (v->forwarding) CHECK(v->forwarding->state == *states[i - 1]);
      auto replies = db.call([&](transaction& tx) { return tx.replies_for(ref_of(i)); });
      const std::size_t expected = i == 1 ? 2 : i == 4 ? 2 : 1;
      CHECK(replies.size() == expected);
      if (!replies.empty()) CHECK(replies[0].kind == "ack");
    }
    auto v4 = view(4);
    CHECK(v4->complaint.status == "dispatched");
    CHECK(v4->complaint.tracking_id == std::optional<std::string>("T-4"));
    CHECK(v4->events.size() == 2);
    CHECK(view(3)->events.size() == 1);
    CHECK(view(6)->forwarding->drop_reason == std::optional<std::string>("operator"));
    auto r1 = db.call([](transaction& tx) { return tx.replies_for(ref_of(1)); });
    REQUIRE(r1.size() == 2);
    CHECK(r1[1].kind == "duplicate");

    // The operations by ref work on the migrated rows.
    CHECK(db.call([](transaction& tx) {
      return tx.add_event(status_event_view{ref_of(1), "verified", at(20), {}, {}, at(21)});
    }) == event_outcome::applied);
    db.call([](transaction& tx) { tx.mark_forwarded(ref_of(1), 201, "T-1", at(22)); });
    CHECK(view(1)->forwarding->state == forward_state::forwarded);
    CHECK(view(1)->complaint.status == "verified");
    CHECK(db.call([](transaction& tx) { return tx.retry_parked(ref_of(3), at(23)); }).outcome ==
          parked_outcome::done);
    auto e = db.call([](transaction& tx) { return tx.begin_epoch("gw-a", at(24)); });
    CHECK(e.forwards_taken_back == 1);

    // The counter goes on; the next complaint gets the next number, at the end of the key.
    const std::uint64_t counter = db.call([](transaction& tx) { return tx.next_ref_counter(); });
    CHECK(counter == 7);
    db.call([&](transaction& tx) {
      tx.create_complaint(sample_complaint(ref_of(counter), "+6281200000007", "tujuh", at(30)));
    });
    CHECK(db.call([&](transaction& tx) { return tx.complaint_by_ref(ref_of(counter)); }));

    // A ref of another length made with the same key, whose number is complaint 1's: nothing.
    const std::string longer =
        lapord::lapor::ref_generator("refkey migration test key, 32 b", 9).make(0);
    REQUIRE(refs().number_of(longer) == refs().number_of(ref_of(1)));
    CHECK_FALSE(db.call([&](transaction& tx) { return tx.complaint_view_by_ref(longer); }));
    CHECK(db.call([&](transaction& tx) { return tx.replies_for(longer); }).empty());
  }
  raw_db raw(path);
  // Keyed by the number each ref was made from, in the order they were written.
  std::string expected;
  for (int i = 1; i <= 7; ++i)
    expected += std::to_string(i - 1) + "|" + ref_of(i) + "\n";
  CHECK(raw.rows("SELECT number, ref FROM complaints ORDER BY rowid") == expected);
  CHECK(raw.rows("SELECT count(*) FROM replies WHERE ref IS NOT NULL AND "
                 "complaint IS NOT NULL") == "8\n");
  CHECK(raw.integer("SELECT count(*) FROM sqlite_schema WHERE name = 'replies_ref'") == 0);
  CHECK(raw.integer("SELECT count(*) FROM received WHERE ref IS NOT NULL") == 2);
  // Exactly the schema of a new file.
  CHECK(raw.sqlite_schema() == new_sqlite_schema(dir));
}

TEST_CASE(
    "a version-11 store is not migrated without its ref key - nor with another key - nor with a "
    "ref that is no ref - and stays as it was") {
  LAPORD_SQLITE_ONLY();
  temp_dir dir;
  const std::string path = dir.file("v11.db");
  make_v11_store(path);
  auto before = [&] {
    raw_db raw(path);
    return raw.rows("SELECT * FROM complaints ORDER BY rowid") + raw.sqlite_schema();
  };
  const std::string as_made = before();

  auto no_key = options_for(path);
  no_key.ref_number = nullptr;
  CHECK(refused_open(no_key).find("no ref key") != std::string::npos);

  const lapord::lapor::ref_generator other("another key, not this store's!!", 8);
  CHECK(refused_open(keyed(path, other)).find("ref_key") != std::string::npos);

  {
    raw_db raw(path);
    CHECK(raw.integer("PRAGMA user_version") == 11);
  }
  CHECK(before() == as_made);

  // A stored ref that is no ref (not digits) fails the migration, naming it.
  const std::string bad_path = dir.file("bad.db");
  make_v11_store(bad_path, "UPDATE complaints SET ref = 'R-5' WHERE ref = '" + ref_of(5) + "'");
  CHECK(refused_open(keyed(bad_path, refs())).find("'R-5' is no ref") != std::string::npos);
  raw_db bad(bad_path);
  CHECK(bad.integer("PRAGMA user_version") == 11);
  CHECK(bad.integer("SELECT count(*) FROM complaints") == 6);
}

TEST_CASE("a version-12 store is refused with a ref key other than the one it was keyed with") {
  LAPORD_SQLITE_ONLY();
  temp_dir dir;
  const std::string path = dir.file("v11.db");
  make_v11_store(path);
  { database db(keyed(path, refs())); }
  const lapord::lapor::ref_generator other("another key, not this store's!!", 8);
  CHECK(refused_open(keyed(path, other)).find("ref_key") != std::string::npos);
  database db(keyed(path, refs()));  // and the right one still opens it
  CHECK(db.call([](transaction& tx) { return tx.complaint_by_ref(ref_of(6)); }));
}
