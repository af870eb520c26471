// Delivery receipt MOs given to the store (transaction::take_receipt), several in one batch, on
// both backends: on PostgreSQL kept back and applied together, by rounds (src/store/postgresql/
// receipts.cpp), on SQLite one after the other. Both must do what the receipts one after the
// other do: every segment of a reply delivered makes it delivered, a segment's later receipt
// wins, a redelivery (earlier in the batch or stored before) changes nothing and is named, an
// unknown id is kept as received only, and a failed item's receipt goes back with it.
#include <doctest/doctest.h>

#include <future>
#include <string>
#include <vector>

#include "store/batch_gate.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* citizen = "+6281234500001";

// A reply per ref, submitted (committed) with these message ids, one per segment.
std::int64_t submitted_reply(database& db, const std::string& ref,
                             const std::vector<std::string>& ids) {
  const auto id = db.call([&](transaction& tx) {
    tx.create_complaint(sample_complaint(ref, citizen, "jalan rusak " + ref, at(100)));
    return tx.enqueue_reply(
        {"telkomsel", "1708", "6281234500001", "Terima kasih " + ref, "ack", ref, at(100)});
  });
  db.call([&](transaction& tx) { tx.take_due_replies(at(101), 100, 60s); });
  db.call([&](transaction& tx) { tx.mark_reply_submitted(id, ids, at(102)); });
  return id;
}

// A receipt MO as a carrier sends it: its text names the id and the stat.
struct receipt_mo {
  std::string text;
  mo_pdu pdu;
  receipt_mo(const std::string& id, const std::string& stat, wall_time when)
      : text("id:" + id + " sub:001 dlvrd:001 stat:" + stat + " err:000 text:") {
    pdu.carrier = "telkomsel";
    pdu.source = "6281234500001";
    pdu.source_ton = 1;
    pdu.source_npi = 1;
    pdu.destination = "1708";
    pdu.esm_class = 0x04;
    pdu.short_message = text;
    pdu.received_at = when;
  }
  receipt_mo(const receipt_mo&) = delete;
};

reply_status status_of(database& db, std::int64_t id) {
  auto s = db.call([id](transaction& tx) { return tx.reply_status_of(id); });
  REQUIRE(s);
  return *s;
}

// Submits one item giving the store `mo`; its done() says whether it committed.
std::future<bool> give(database& db, const receipt_mo& mo, std::vector<std::string> ids,
                       std::string stat, receipt_taken& out, bool fail_after = false) {
  auto done = std::make_shared<std::promise<bool>>();
  auto f = done->get_future();
  db.submit(
      [&mo, ids = std::move(ids), stat = std::move(stat), &out, fail_after](transaction& tx) {
        tx.take_receipt(mo.pdu, ids, stat, out);
        if (fail_after) throw store_error(errc::item_failed, "the item failed after its receipt");
      },
      [done](result<std::monostate> r) { done->set_value(bool(r)); });
  return f;
}

}  // namespace

TEST_CASE("receipts of one batch: as if one after the other - segments, order, redelivery") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const auto a = submitted_reply(db, "58000001", {"G1", "G2"});
  const auto b = submitted_reply(db, "58000002", {"G3"});
  const auto c = submitted_reply(db, "58000003", {"G4"});
  const receipt_mo r1("G1", "DELIVRD", at(103)), r2("G3", "ENROUTE", at(103)),
      r3("G2", "DELIVRD", at(103)), r4("G3", "DELIVRD", at(104)), r5("G1", "DELIVRD", at(103)),
      r6("G9", "DELIVRD", at(104)), r7("0x47", "UNDELIV", at(104));
  std::vector<receipt_taken> t(7);
  batch_gate gate(db);
  std::vector<std::future<bool>> done;
  done.push_back(give(db, r1, {"G1"}, "DELIVRD", t[0]));
  done.push_back(give(db, r2, {"G3"}, "ENROUTE", t[1]));
  done.push_back(give(db, r3, {"G2"}, "DELIVRD", t[2]));          // a's other segment: a delivered
  done.push_back(give(db, r4, {"G3"}, "DELIVRD", t[3]));          // after b's ENROUTE: wins
  done.push_back(give(db, r5, {"G1"}, "DELIVRD", t[4]));          // r1 again: a redelivery
  done.push_back(give(db, r6, {"G9"}, "DELIVRD", t[5]));          // names no segment
  done.push_back(give(db, r7, {"nope", "G4"}, "UNDELIV", t[6]));  // its second form does
  gate.open();
  for (auto& d : done)
    CHECK(d.get());
  for (const auto& x : t)
    CHECK(x.ready);
  CHECK(t[0].applied == 0);
  CHECK_FALSE(t[0].received.duplicate);
  CHECK(t[1].applied == 0);
  CHECK(t[2].applied == 0);
  CHECK(t[3].applied == 0);
  CHECK(t[4].received.duplicate);
  CHECK(t[4].received.id == t[0].received.id);
  CHECK(t[4].applied == -1);
  CHECK_FALSE(t[5].received.duplicate);
  CHECK(t[5].applied == -1);
  CHECK(t[6].applied == 1);

  const reply_status sa = status_of(db, a), sb = status_of(db, b), sc = status_of(db, c);
  CHECK(sa.state == reply_state::delivered);
  CHECK(sb.state == reply_state::delivered);
  CHECK(sb.receipt == std::optional<std::string>("DELIVRD"));
  CHECK(sc.state == reply_state::failed);
  CHECK(sc.last_error == std::optional<std::string>("receipt: UNDELIV"));
  raw_db raw(dir.file("lapord.db"));
  // b's and c's one segment in their reply row (schema 13), a's two in reply_segments.
  CHECK(raw.rows("SELECT message_id, receipt, receipt_at FROM reply_segments UNION ALL "
                 "SELECT message_id, receipt, receipt_at FROM replies WHERE message_id IS NOT NULL "
                 "ORDER BY message_id") ==
        "G1|DELIVRD|103000\nG2|DELIVRD|103000\nG3|DELIVRD|104000\nG4|UNDELIV|104000\n");
  CHECK(raw.rows("SELECT state, done_at FROM replies ORDER BY id") ==
        "delivered|103000\ndelivered|104000\nfailed|104000\n");
  // Every receipt kept as received but the redelivery, with its redelivery key.
  CHECK(raw.integer("SELECT count(*) FROM received WHERE dedup_hash<>0") == 6);

  // Stored before: the same receipt in a later batch is a redelivery of the first.
  const receipt_mo again("G1", "DELIVRD", at(103));
  receipt_taken later;
  CHECK(give(db, again, {"G1"}, "DELIVRD", later).get());
  CHECK(later.ready);
  CHECK(later.received.duplicate);
  CHECK(later.received.id == t[0].received.id);
  CHECK(later.received.first_received_at == at(103));
  CHECK(raw.integer("SELECT count(*) FROM received") == 6);
}

TEST_CASE("receipts of one batch: an item failing after its receipt keeps none of it") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const auto a = submitted_reply(db, "59000001", {"H1", "H2"});
  const auto b = submitted_reply(db, "59000002", {"H3"});
  const receipt_mo r1("H1", "DELIVRD", at(103)), r2("H3", "DELIVRD", at(103)),
      r3("H2", "DELIVRD", at(103));
  std::vector<receipt_taken> t(3);
  batch_gate gate(db);
  auto d1 = give(db, r1, {"H1"}, "DELIVRD", t[0]);
  auto d2 = give(db, r2, {"H3"}, "DELIVRD", t[1], true);
  auto d3 = give(db, r3, {"H2"}, "DELIVRD", t[2]);
  gate.open();
  CHECK(d1.get());
  CHECK_FALSE(d2.get());
  CHECK(d3.get());
  CHECK(t[0].applied == 0);
  CHECK(t[2].applied == 0);
  CHECK(status_of(db, a).state == reply_state::delivered);
  const reply_status sb = status_of(db, b);
  CHECK(sb.state == reply_state::submitted);
  CHECK_FALSE(sb.receipt);
  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.integer("SELECT count(*) FROM received") == 2);
}
