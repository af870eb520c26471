// Issue 12 in the store: leases name their owner (instance + epoch) and a restart takes its own
// back at once; answers are counted per destination; segments with a reused message id are
// kept and a receipt goes to the newest within the window; whole MOs are always kept.
#include <doctest/doctest.h>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

std::int64_t queue_reply(database& db, std::string_view kind, std::string_view to, wall_time when,
                         std::string_view carrier = "telkomsel") {
  return db.call([&](transaction& tx) {
    return tx.enqueue_reply({std::string(carrier), "1708", std::string(to), "teks",
                             std::string(kind), std::nullopt, when});
  });
}

}  // namespace

TEST_CASE("leases: a restart of the same instance takes its leases back at once") {
  temp_dir dir;
  const std::string path = dir.file("lapord.db");
  std::int64_t first_epoch = 0;
  {
    database db(options_for(path));
    first_epoch = db.call([](transaction& tx) { return tx.begin_epoch("gw-a", at(0)); }).epoch;
    CHECK(first_epoch == 1);
    queue_reply(db, "ack", "6281234567890", at(100));
    queue_reply(db, "help", "6281234567891", at(100));
    db.call([](transaction& tx) {
      tx.create_complaint(sample_complaint("10000001", "+6281234567890", "Jalan rusak", at(100)));
      tx.enqueue_forward("10000001", at(100));
    });
    CHECK(db.call([](transaction& tx) { return tx.take_due_replies(at(100), 10, 300s); }).size() ==
          2);
    CHECK(db.call([](transaction& tx) { return tx.take_due_forwards(at(100), 10, 300s); }).size() ==
          1);
    // Killed here: nothing recorded, every row leased until 400.
  }
  raw_db raw(path);
  CHECK(raw.rows("SELECT lease_owner, lease_epoch FROM replies ORDER BY id") == "gw-a|1\ngw-a|1\n");
  CHECK(raw.rows("SELECT forward_lease_owner, forward_lease_epoch FROM complaints") == "gw-a|1\n");

  database db(options_for(path));
  const lease_epoch e = db.call([](transaction& tx) { return tx.begin_epoch("gw-a", at(110)); });
  CHECK(e.epoch == first_epoch + 1);
  CHECK(e.replies_taken_back == 2);
  CHECK(e.forwards_taken_back == 1);
  // Due at once, not at the lease's end (400).
  auto replies = db.call([](transaction& tx) { return tx.take_due_replies(at(110), 10, 300s); });
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].attempts == 2);
  CHECK(db.call([](transaction& tx) { return tx.take_due_forwards(at(110), 10, 300s); }).size() ==
        1);
  CHECK(raw.rows("SELECT DISTINCT lease_owner, lease_epoch FROM replies") == "gw-a|2\n");
}

TEST_CASE("leases: another instance's leases are only taken over when they expire") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([](transaction& tx) { tx.begin_epoch("gw-a", at(0)); });
  queue_reply(db, "ack", "6281234567890", at(100));
  CHECK(db.call([](transaction& tx) { return tx.take_due_replies(at(100), 10, 300s); }).size() ==
        1);
  // gw-b starts on the same store (gw-a may be alive): gw-a's lease stands.
  const lease_epoch b = db.call([](transaction& tx) { return tx.begin_epoch("gw-b", at(110)); });
  CHECK(b.epoch == 2);
  CHECK(b.replies_taken_back == 0);
  CHECK(db.call([](transaction& tx) { return tx.take_due_replies(at(110), 10, 300s); }).empty());
  CHECK(db.call([](transaction& tx) { return tx.take_due_replies(at(400), 10, 300s); }).size() ==
        1);
  // And a leased row that was answered in the meantime is not taken back.
  const std::vector<std::string> ids{"5"};
  db.call([&](transaction& tx) { tx.mark_reply_submitted(1, ids, at(401)); });
  CHECK(db.call([](transaction& tx) {
            return tx.begin_epoch("gw-b", at(402));
          }).replies_taken_back == 0);
  CHECK(db.call([](transaction& tx) { return tx.reply_status_of(1); })->state ==
        reply_state::submitted);
}

TEST_CASE("answers: counted per destination within the hour - acks and notifications are not") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  for (const char* kind : {"help", "status", "not_found", "duplicate", "stop", "start", "help_cek"})
    queue_reply(db, kind, "6281234567890", at(1000));
  for (const char* kind : {"ack", "ack_national", "notification", "rate_limited"})
    queue_reply(db, kind, "6281234567890", at(1000));
  queue_reply(db, "help", "6281234567890", at(10));    // before the hour
  queue_reply(db, "help", "6289999999999", at(1000));  // someone else
  auto count = [&](wall_time since) {
    return db.call([&](transaction& tx) { return tx.answers_since("6281234567890", since); });
  };
  CHECK(count(at(1000 - 3600)) == 8);
  CHECK(count(at(500)) == 7);
  CHECK(count(at(1001)) == 0);
}

TEST_CASE("receipts: an SMSC that reuses message ids keeps the older rows - newest gets it") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const auto first = queue_reply(db, "ack", "6281234567890", at(100));
  const auto second = queue_reply(db, "ack", "6281234567891", at(200));
  const auto third = queue_reply(db, "ack", "6281234567892", at(300));
  const std::vector<std::string> ids{"1"};
  db.call([&](transaction& tx) { tx.mark_reply_submitted(first, ids, at(101)); });
  // The SMSC restarted: its ids count from 1 again.
  db.call([&](transaction& tx) { tx.mark_reply_submitted(second, ids, at(201)); });
  auto status = [&](std::int64_t id) {
    return *db.call([&](transaction& tx) { return tx.reply_status_of(id); });
  };
  CHECK(status(first).message_ids == ids);  // the older row is still there
  CHECK(status(second).message_ids == ids);
  CHECK(db.call([](transaction& tx) {
    return tx.apply_receipt("telkomsel", "1", "DELIVRD", at(250));
  }) == receipt_outcome::applied);
  CHECK(status(second).state == reply_state::delivered);
  CHECK(status(first).state == reply_state::submitted);
  CHECK_FALSE(status(first).receipt);

  // A row older than the receipt window (7 days) is never credited.
  const wall_time late = at(301) + 24h * 7 + 1s;
  const std::vector<std::string> other{"9"};
  db.call([&](transaction& tx) { tx.mark_reply_submitted(third, other, at(301)); });
  CHECK(db.call([&](transaction& tx) {
    return tx.apply_receipt("telkomsel", "9", "DELIVRD", late);
  }) == receipt_outcome::unknown_id);
  CHECK(status(third).state == reply_state::submitted);
  CHECK(db.call([&](transaction& tx) {
    return tx.apply_receipt("telkomsel", "9", "DELIVRD", at(301) + 24h * 7);
  }) == receipt_outcome::applied);
  CHECK(status(third).state == reply_state::delivered);
}

TEST_CASE("received: a whole MO is always kept - parts and receipts are still recognised") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const std::string text = "INFO";
  mo_pdu m;
  m.carrier = "telkomsel";
  m.source = "6281234567890";
  m.destination = "1708";
  m.short_message = text;
  m.received_at = at(100);
  auto record = [&](redelivery check) {
    return db.call([&](transaction& tx) { return tx.record_received(m, check); });
  };
  const received_mo a = record(redelivery::keep);
  m.received_at = at(160);
  const received_mo b = record(redelivery::keep);
  CHECK_FALSE(a.duplicate);
  CHECK_FALSE(b.duplicate);
  CHECK(b.id != a.id);
  // A kept whole MO leaves no redelivery key (schema 8: nothing looks it up, the daemon checks
  // only parts and receipts, whose bytes differ from any whole message): the first checked one
  // is new, the same again is recognised.
  const received_mo c = record(redelivery::check);
  CHECK_FALSE(c.duplicate);
  m.received_at = at(220);
  const received_mo d = record(redelivery::check);
  CHECK(d.duplicate);
  CHECK(d.id == c.id);
}

TEST_CASE(
    "replies: one stored leased goes to its sender at once - the poll leaves it - a crash "
    "sends it after its lease or at the restart") {
  temp_dir dir;
  const std::string path = dir.file("lapord.db");
  auto leased_reply = [](database& db, std::string_view to, wall_time when) {
    return db.call([&](transaction& tx) {
      new_reply r{"telkomsel", "1708", to, "LAPOR! tiket 1", "ack", "1", when};
      r.lease = 300s;
      return tx.enqueue_reply(r);
    });
  };
  std::int64_t kept = 0;
  {
    database db(options_for(path));
    db.call([](transaction& tx) { tx.begin_epoch("gw-a", at(0)); });
    const std::int64_t id = leased_reply(db, "6281234567890", at(100));
    auto s = db.call([&](transaction& tx) { return tx.reply_status_of(id); });
    REQUIRE(s);
    CHECK(s->state == reply_state::in_flight);
    CHECK(s->attempts == 1);
    CHECK(db.call([](transaction& tx) { return tx.counts(); }).replies_in_flight == 1);
    // Not handed out twice while its sender has it ...
    CHECK(db.call([](transaction& tx) { return tx.take_due_replies(at(399), 10, 300s); }).empty());
    // ... but its outcome never came (a crash): due once the lease ran out.
    auto again = db.call([](transaction& tx) { return tx.take_due_replies(at(400), 10, 300s); });
    REQUIRE(again.size() == 1);
    CHECK(again[0].id == id);
    CHECK(again[0].attempts == 2);
    kept = leased_reply(db, "6281234567891", at(500));
  }
  database db(options_for(path));
  const lease_epoch e = db.call([](transaction& tx) { return tx.begin_epoch("gw-a", at(510)); });
  CHECK(e.replies_taken_back == 2);  // both: the retaken one's lease is this instance's too
  auto due = db.call([](transaction& tx) { return tx.take_due_replies(at(510), 10, 300s); });
  REQUIRE(due.size() == 2);
  CHECK(due[1].id == kept);
}

TEST_CASE(
    "forwards: one stored leased is this instance's at once - another instance's poll leaves "
    "it until its lease ends - a restart takes it back") {
  temp_dir dir;
  const std::string path = dir.file("lapord.db");
  auto queue_two = [](database& db) {
    db.call([](transaction& tx) {
      tx.create_complaint(sample_complaint("10000001", "+6281234567890", "Jalan rusak", at(100)));
      tx.enqueue_forward("10000001", at(100), 60s);
      tx.create_complaint(sample_complaint("10000002", "+6281234567891", "Lampu mati", at(100)));
      tx.enqueue_forward("10000002", at(100));
    });
  };
  {
    database db(options_for(path));
    db.call([](transaction& tx) { tx.begin_epoch("gw-a", at(0)); });
    queue_two(db);
    raw_db raw(path);
    // As take_due_forwards leaves a row: attempt 1, leased until 100 + 60 s, gw-a's first epoch.
    CHECK(raw.rows("SELECT ref, forward_leased, forward_attempts, forward_next_at, "
                   "forward_lease_owner, forward_lease_epoch FROM complaints ORDER BY ref") ==
          "10000001|1|1|160000|gw-a|1\n10000002|0|0|100000|NULL|NULL\n");
    CHECK(db.call([](transaction& tx) { return tx.counts(); }).outbox_in_flight == 1);
    // The poll takes only the untaken one.
    auto due = db.call([](transaction& tx) { return tx.take_due_forwards(at(100), 10, 60s); });
    REQUIRE(due.size() == 1);
    CHECK(due[0].ref == "10000002");
    // Killed here, before any outcome.
  }
  {
    // gw-a's next start takes the insert's lease back at once.
    database db(options_for(path));
    const lease_epoch e = db.call([](transaction& tx) { return tx.begin_epoch("gw-a", at(200)); });
    CHECK(e.forwards_taken_back == 2);
    auto due = db.call([](transaction& tx) { return tx.take_due_forwards(at(200), 10, 60s); });
    REQUIRE(due.size() == 2);
    CHECK(due[0].ref == "10000001");
    CHECK(due[0].attempts == 2);
    CHECK(due[0].row.text == "Jalan rusak");
  }
  // Another instance (gw-b) on the same store: gw-a's insert lease stands until it ends.
  temp_dir other;
  database db(options_for(other.file("lapord.db")));
  db.call([](transaction& tx) { tx.begin_epoch("gw-a", at(0)); });
  queue_two(db);
  const lease_epoch b = db.call([](transaction& tx) { return tx.begin_epoch("gw-b", at(110)); });
  CHECK(b.forwards_taken_back == 0);
  auto due = db.call([](transaction& tx) { return tx.take_due_forwards(at(159), 10, 60s); });
  REQUIRE(due.size() == 1);
  CHECK(due[0].ref == "10000002");
  due = db.call([](transaction& tx) { return tx.take_due_forwards(at(160), 10, 60s); });
  REQUIRE(due.size() == 1);
  CHECK(due[0].ref == "10000001");  // taken over from gw-a once its lease ran out
}

TEST_CASE(
    "forwards: queued with its complaint (new_complaint::forward) the row is as create then "
    "enqueue_forward leave it - due and taken") {
  temp_dir dir;
  const std::string path = dir.file("lapord.db");
  database db(options_for(path));
  db.call([](transaction& tx) { tx.begin_epoch("gw-a", at(0)); });
  db.call([](transaction& tx) {
    tx.create_complaint(sample_complaint("10000001", "+6281234567890", "Jalan rusak", at(100)));
    tx.enqueue_forward("10000001", at(100), 60s);
    tx.create_complaint(sample_complaint("10000002", "+6281234567891", "Lampu mati", at(100)));
    tx.enqueue_forward("10000002", at(100));
    new_complaint taken = sample_complaint("10000003", "+6281234567892", "Jalan rusak", at(100));
    taken.forward = new_complaint::queued_forward{60s};
    tx.create_complaint(taken);
    new_complaint due = sample_complaint("10000004", "+6281234567893", "Lampu mati", at(100));
    due.forward = new_complaint::queued_forward{};
    tx.create_complaint(due);
    tx.create_complaint(sample_complaint("10000005", "+6281234567894", "Tanpa forward", at(100)));
  });
  raw_db raw(path);
  // enqueued_at as every reader takes it: SQLite writes it with a row queued at insert (room for
  // the outcome, which clears it: schema 14), NULL (at created_at) otherwise.
  CHECK(raw.rows("SELECT ref, forward_state, forward_leased, forward_attempts, "
                 "CASE WHEN forward_state IS NULL THEN NULL ELSE "
                 "coalesce(forward_enqueued_at, created_at) END, forward_next_at, "
                 "forward_lease_owner, forward_lease_epoch, forward_http_status, forward_done_at, "
                 "forward_payload FROM complaints ORDER BY ref") ==
        "10000001|pending|1|1|100000|160000|gw-a|1|NULL|NULL|NULL\n"
        "10000002|pending|0|0|100000|100000|NULL|NULL|NULL|NULL|NULL\n"
        "10000003|pending|1|1|100000|160000|gw-a|1|NULL|NULL|NULL\n"
        "10000004|pending|0|0|100000|100000|NULL|NULL|NULL|NULL|NULL\n"
        "10000005|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL\n");
  CHECK(db.call([](transaction& tx) { return tx.counts(); }).outbox_in_flight == 2);
  // The poll takes the due ones only: the taken ones are this instance's until 160.
  auto due = db.call([](transaction& tx) { return tx.take_due_forwards(at(100), 10, 60s); });
  REQUIRE(due.size() == 2);
  CHECK(due[0].ref != due[1].ref);
  CHECK((due[0].ref == "10000002" || due[0].ref == "10000004"));
  CHECK((due[1].ref == "10000002" || due[1].ref == "10000004"));
  // At 160 every lease has ended (the two taken at insert, the two just taken): all four again.
  due = db.call([](transaction& tx) { return tx.take_due_forwards(at(160), 10, 60s); });
  REQUIRE(due.size() == 4);
  for (const forward& f : due)
    CHECK(f.attempts == 2);
  // A forward queued with its complaint is queued: queueing it again fails, as it did.
  CHECK_THROWS_AS(db.call([](transaction& tx) { tx.enqueue_forward("10000003", at(200)); }),
                  store_error);
}
