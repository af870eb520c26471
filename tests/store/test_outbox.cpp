// The outbox to the national store (lease, retry, park, forwarded) and the replies to
// citizens (lease, submit with segment ids, receipts).
#include <doctest/doctest.h>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

void complaint_with_forward(database& db, const std::string& ref, wall_time when) {
  db.call([&](transaction& tx) {
    tx.create_complaint(sample_complaint(ref, "+6281234567890", "Jalan rusak parah", when));
    tx.enqueue_forward(ref, when);
  });
}

}  // namespace

TEST_CASE("outbox: a taken forward is leased - a crash before its answer makes it due again") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  complaint_with_forward(db, "10000001", at(100));
  complaint_with_forward(db, "10000002", at(101));
  complaint_with_forward(db, "10000003", at(500));  // not due yet at 200

  auto take = [&](wall_time now, int limit = 10) {
    return db.call([&](transaction& tx) { return tx.take_due_forwards(now, limit, 30s); });
  };
  auto first = take(at(200));
  REQUIRE(first.size() == 2);
  CHECK(first[0].ref == "10000001");
  // No stored body (schema 8): the forward carries its complaint to render the body from.
  CHECK(first[0].payload.empty());
  CHECK(first[0].row.ref == "10000001");
  CHECK(first[0].row.text == "Jalan rusak parah");
  CHECK(first[0].row.reporter == "+6281234567890");
  CHECK(first[0].attempts == 1);
  CHECK(first[1].ref == "10000002");
  CHECK(take(at(210)).empty());  // leased until 230

  auto n = db.call([](transaction& tx) { return tx.counts(); });
  CHECK(n.outbox_in_flight == 2);
  CHECK(n.outbox_pending == 1);

  // The forwarder died without an answer: at the lease's end both are handed out again.
  auto again = take(at(231));
  REQUIRE(again.size() == 2);
  CHECK(again[0].attempts == 2);
  auto v = db.call([](transaction& tx) { return tx.complaint_view_by_ref("10000001"); });
  REQUIRE(v);
  REQUIRE(v->forwarding);
  CHECK(v->forwarding->state == forward_state::in_flight);
  CHECK(v->forwarding->attempts == 2);
}

TEST_CASE("outbox: retry later - forwarded with the store's tracking id - parked with its answer") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  complaint_with_forward(db, "10000001", at(100));
  complaint_with_forward(db, "10000002", at(100));
  complaint_with_forward(db, "10000003", at(100));
  CHECK(db.call([](transaction& tx) { return tx.take_due_forwards(at(100), 10, 30s); }).size() ==
        3);

  db.call([](transaction& tx) {
    tx.schedule_retry("10000001", at(400), "503 Service Unavailable", 503);
    tx.mark_forwarded("10000002", 201, "LPR-2026-000123", at(101));
    tx.park("10000003", 422, "{\"error\":\"institution unknown\"}", at(102));
  });
  CHECK(db.call([](transaction& tx) { return tx.next_forward_due(); }) == at(400));
  CHECK(db.call([](transaction& tx) { return tx.take_due_forwards(at(399), 10, 30s); }).empty());
  auto retry = db.call([](transaction& tx) { return tx.take_due_forwards(at(400), 10, 30s); });
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].ref == "10000001");
  CHECK(retry[0].attempts == 2);

  auto fwd = db.call([](transaction& tx) { return tx.complaint_view_by_ref("10000002"); });
  REQUIRE(fwd);
  CHECK(fwd->complaint.tracking_id == std::optional<std::string>("LPR-2026-000123"));
  REQUIRE(fwd->forwarding);
  CHECK(fwd->forwarding->state == forward_state::forwarded);
  CHECK(fwd->forwarding->http_status == 201);
  CHECK(fwd->forwarding->done_at == at(101));
  CHECK_FALSE(fwd->forwarding->next_attempt_at);

  auto parked = db.call([](transaction& tx) { return tx.complaint_view_by_ref("10000003"); });
  REQUIRE(parked);
  REQUIRE(parked->forwarding);
  CHECK(parked->forwarding->state == forward_state::parked);
  CHECK(parked->forwarding->http_status == 422);
  CHECK(parked->forwarding->answer ==
        std::optional<std::string>("{\"error\":\"institution unknown\"}"));
  auto n = db.call([](transaction& tx) { return tx.counts(); });
  CHECK(n.outbox_parked == 1);
  CHECK(db.call([](transaction& tx) { return tx.parked_refs(10); }) ==
        std::vector<std::string>{"10000003"});

  // A late refusal never undoes a success; a success after a park wins (409 = taken).
  db.call([](transaction& tx) { tx.park("10000002", 400, "late", at(200)); });
  CHECK(db.call([](transaction& tx) {
            return tx.complaint_view_by_ref("10000002");
          })->forwarding->state == forward_state::forwarded);

  // An operator's retry of the parked one.
  CHECK(db.call([](transaction& tx) { return tx.unpark("10000003", at(420)); }));
  CHECK_FALSE(db.call([](transaction& tx) { return tx.unpark("10000003", at(420)); }));
  auto again = db.call([](transaction& tx) { return tx.take_due_forwards(at(420), 10, 30s); });
  REQUIRE(again.size() == 1);
  CHECK(again[0].ref == "10000003");
  db.call([](transaction& tx) { tx.mark_forwarded("10000003", 409, std::nullopt, at(421)); });
  n = db.call([](transaction& tx) { return tx.counts(); });
  CHECK(n.outbox_parked == 0);
  CHECK(n.outbox_in_flight == 1);  // 10000001, taken at 400, leased until 430
}

TEST_CASE("outbox: operations on a ref that was never queued are errors - not silent") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  CHECK_THROWS_AS(db.call([](transaction& tx) { tx.mark_forwarded("999", 200, {}, at(1)); }),
                  store_error);
  CHECK_THROWS_AS(db.call([](transaction& tx) { tx.park("999", 400, "", at(1)); }), store_error);
  CHECK_THROWS_AS(db.call([](transaction& tx) { tx.schedule_retry("999", at(1), "x", {}); }),
                  store_error);
  complaint_with_forward(db, "10000001", at(1));
  CHECK_THROWS_AS(db.call([](transaction& tx) { tx.enqueue_forward("10000001", at(2)); }),
                  store_error);
}

TEST_CASE(
    "outbox: a complaint stored earlier is queued later - plain and taken - queued at its own "
    "time") {
  // The forward's columns set on a row already written (PostgreSQL: an UPDATE, not the kept-back
  // INSERT), with the time it was queued, not the complaint's created_at.
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([](transaction& tx) {
    tx.create_complaint(sample_complaint("10000001", "+6281234567890", "Jalan rusak", at(10)));
    tx.create_complaint(sample_complaint("10000002", "+6281234567891", "Lampu mati", at(10)));
  });
  CHECK_THROWS_AS(db.call([](transaction& tx) { tx.enqueue_forward("10000009", at(20)); }),
                  store_error);  // no such complaint
  db.call([](transaction& tx) {
    tx.enqueue_forward("10000001", at(20));
    tx.enqueue_forward("10000002", at(20), 60s);
  });
  auto v = db.call([](transaction& tx) { return tx.complaint_view_by_ref("10000001"); });
  REQUIRE(v->forwarding);
  CHECK(v->forwarding->state == forward_state::pending);
  CHECK(v->forwarding->enqueued_at == at(20));
  CHECK(v->forwarding->next_attempt_at == std::optional<wall_time>(at(20)));
  auto w = db.call([](transaction& tx) { return tx.complaint_view_by_ref("10000002"); });
  REQUIRE(w->forwarding);
  CHECK(w->forwarding->state == forward_state::in_flight);
  CHECK(w->forwarding->attempts == 1);
  CHECK(w->forwarding->next_attempt_at == std::optional<wall_time>(at(80)));
  auto due = db.call([](transaction& tx) { return tx.take_due_forwards(at(30), 10, 30s); });
  REQUIRE(due.size() == 1);
  CHECK(due[0].ref == "10000001");
  CHECK(due[0].row.text == "Jalan rusak");
}

TEST_CASE("replies: leased - submitted in segments - delivered when every segment is") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  auto id = db.call([](transaction& tx) {
    return tx.enqueue_reply({"telkomsel", "1708", "6281234567890",
                             "LAPOR! Laporan diterima, tiket 48219375", "ack", "48219375",
                             at(100)});
  });
  auto other = db.call([](transaction& tx) {
    return tx.enqueue_reply(
        {"indosat", "1708", "6285711112222", "Cara lapor: ...", "help", std::nullopt, at(100)});
  });
  CHECK(db.call([](transaction& tx) { return tx.next_reply_due(); }) == at(100));
  auto taken = db.call([](transaction& tx) { return tx.take_due_replies(at(100), 10, 20s); });
  REQUIRE(taken.size() == 2);
  CHECK(taken[0].id == id);
  CHECK(taken[0].carrier == "telkomsel");
  CHECK(taken[0].source == "1708");
  CHECK(taken[0].ref == std::optional<std::string>("48219375"));
  CHECK(taken[1].kind == "help");
  CHECK_FALSE(taken[1].ref);
  CHECK(db.call([](transaction& tx) { return tx.take_due_replies(at(110), 10, 20s); }).empty());
  CHECK(db.call([](transaction& tx) { return tx.counts(); }).replies_in_flight == 2);

  const std::vector<std::string> ids{"0A1B", "0A1C"};
  db.call([&](transaction& tx) { tx.mark_reply_submitted(id, ids, at(101)); });
  auto s = db.call([&](transaction& tx) { return tx.reply_status_of(id); });
  REQUIRE(s);
  CHECK(s->state == reply_state::submitted);
  CHECK(s->message_ids == ids);

  auto receipt = [&](std::string_view carrier, std::string_view mid, std::string_view stat) {
    return db.call([&](transaction& tx) { return tx.apply_receipt(carrier, mid, stat, at(200)); });
  };
  CHECK(receipt("telkomsel", "0A1B", "DELIVRD") == receipt_outcome::applied);
  CHECK(db.call([&](transaction& tx) { return tx.reply_status_of(id); })->state ==
        reply_state::submitted);
  CHECK(receipt("indosat", "0A1C", "DELIVRD") == receipt_outcome::unknown_id);  // other carrier
  CHECK(receipt("telkomsel", "0A1C", "ENROUTE") == receipt_outcome::applied);
  CHECK(db.call([&](transaction& tx) { return tx.reply_status_of(id); })->state ==
        reply_state::submitted);
  CHECK(receipt("telkomsel", "0A1C", "DELIVRD") == receipt_outcome::applied);
  s = db.call([&](transaction& tx) { return tx.reply_status_of(id); });
  CHECK(s->state == reply_state::delivered);
  CHECK(s->receipt == std::optional<std::string>("DELIVRD"));

  // The other: not accepted now, then for good.
  db.call([&](transaction& tx) { tx.schedule_reply_retry(other, at(300), "throttled"); });
  auto retry = db.call([](transaction& tx) { return tx.take_due_replies(at(300), 10, 20s); });
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].attempts == 2);
  db.call([&](transaction& tx) { tx.mark_reply_failed(other, "ESME_RINVDSTADR", at(301)); });
  s = db.call([&](transaction& tx) { return tx.reply_status_of(other); });
  CHECK(s->state == reply_state::failed);
  CHECK(s->last_error == std::optional<std::string>("ESME_RINVDSTADR"));
  auto n = db.call([](transaction& tx) { return tx.counts(); });
  CHECK(n.replies_failed == 1);
  CHECK(n.replies_queued == 0);
  CHECK(n.replies_in_flight == 0);
  CHECK_FALSE(db.call([](transaction& tx) { return tx.reply_status_of(999); }));
}

TEST_CASE("replies: an undeliverable receipt fails the reply - a crash before submit re-sends") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  auto id = db.call([](transaction& tx) {
    return tx.enqueue_reply(
        {"telkomsel", "1708", "6281234567890", "Status: DITANGGAPI", "status", "1", at(100)});
  });
  CHECK(db.call([](transaction& tx) { return tx.take_due_replies(at(100), 10, 20s); }).size() == 1);
  // No answer recorded within the lease (the daemon died): it is handed out again.
  auto again = db.call([](transaction& tx) { return tx.take_due_replies(at(121), 10, 20s); });
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempts == 2);
  const std::vector<std::string> ids{"77"};
  db.call([&](transaction& tx) { tx.mark_reply_submitted(id, ids, at(122)); });
  CHECK(db.call([](transaction& tx) {
    return tx.apply_receipt("telkomsel", "77", "UNDELIV", at(130));
  }) == receipt_outcome::applied);
  auto s = db.call([&](transaction& tx) { return tx.reply_status_of(id); });
  CHECK(s->state == reply_state::failed);
  CHECK(s->receipt == std::optional<std::string>("UNDELIV"));
}
