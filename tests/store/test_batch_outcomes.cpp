// Outcomes of replies and forwards recorded together (transaction::record_reply_outcomes /
// record_forward_outcomes), on both backends: on PostgreSQL one statement per kind for all the
// outcomes of a call (src/store/postgresql/outcomes.cpp), on SQLite the single calls. Both must
// record the same: every outcome, in order, a gone row left out and reported, and a failed
// item's outcomes rolled back with it while the rest of its batch stays.
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

// A complaint with its forward and its acknowledgement, committed, both taken (in flight).
struct filed {
  std::string ref;
  std::int64_t reply = 0;
};

filed file(database& db, const std::string& ref, wall_time now) {
  return db.call([&](transaction& tx) {
    tx.create_complaint(sample_complaint(ref, citizen, "jalan rusak " + ref, now));
    tx.enqueue_forward(ref, now);
    const auto id = tx.enqueue_reply(
        {"telkomsel", "1708", "6281234500001", "Terima kasih " + ref, "ack", ref, now});
    return filed{ref, id};
  });
}

void take_all(database& db, wall_time now) {
  db.call([&](transaction& tx) {
    tx.take_due_replies(now, 100, 60s);
    tx.take_due_forwards(now, 100, 60s);
  });
}

reply_status status_of(database& db, std::int64_t id) {
  auto s = db.call([id](transaction& tx) { return tx.reply_status_of(id); });
  REQUIRE(s);
  return *s;
}

std::string outbox_row(raw_db& raw, const std::string& ref) {
  return raw.rows(
      "SELECT forward_state, forward_leased, forward_http_status, coalesce(forward_error, ''), "
      "coalesce(forward_answer, '') FROM complaints WHERE ref='" +
      ref + "'");
}

// For items on the writer thread (no doctest assertion there): every outcome recorded, or the
// item fails.
void all_recorded(const std::vector<outcome_not_recorded>& missed) {
  if (!missed.empty()) throw store_error(errc::item_failed, "not recorded: " + missed[0].why);
}

}  // namespace

TEST_CASE("outcomes at once: several replies submitted - failed - retried in one call") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const filed a = file(db, "51000001", at(100)), b = file(db, "51000002", at(100)),
              c = file(db, "51000003", at(100)), d = file(db, "51000004", at(100));
  take_all(db, at(101));
  const std::vector<std::string> two{"A1", "A2"}, one{"B1"};
  const auto missed = db.call([&](transaction& tx) {
    const std::vector<reply_outcome> all{
        {a.reply, reply_outcome::kind::submitted, at(102), two, {}},
        {b.reply, reply_outcome::kind::submitted, at(102), one, {}},
        {c.reply, reply_outcome::kind::failed, at(102), {}, "rejected: 0x0000000b"},
        {d.reply, reply_outcome::kind::retry, at(160), {}, "throttled"},
    };
    return tx.record_reply_outcomes(all);
  });
  CHECK(missed.empty());
  const reply_status sa = status_of(db, a.reply), sb = status_of(db, b.reply),
                     sc = status_of(db, c.reply), sd = status_of(db, d.reply);
  CHECK(sa.state == reply_state::submitted);
  CHECK(sa.message_ids == two);  // in segment order
  CHECK(sb.state == reply_state::submitted);
  CHECK(sb.message_ids == one);
  CHECK(sc.state == reply_state::failed);
  CHECK(sc.last_error == std::optional<std::string>("rejected: 0x0000000b"));
  CHECK(sd.state == reply_state::queued);  // due again at 160, no longer leased
  CHECK(sd.last_error == std::optional<std::string>("throttled"));
  CHECK(db.call([](transaction& tx) { return tx.take_due_replies(at(159), 10, 60s); }).empty());
  auto again = db.call([](transaction& tx) { return tx.take_due_replies(at(160), 10, 60s); });
  REQUIRE(again.size() == 1);
  CHECK(again[0].id == d.reply);
  raw_db raw(dir.file("lapord.db"));
  // b's one segment in its reply row (schema 13: segment 0 here), a's two in reply_segments.
  CHECK(raw.rows("SELECT message_id, segment, submitted_at FROM reply_segments UNION ALL "
                 "SELECT message_id, 0, submitted_at FROM replies WHERE message_id IS NOT NULL "
                 "ORDER BY message_id") == "A1|1|102000\nA2|2|102000\nB1|0|102000\n");
}

TEST_CASE("outcomes at once: forwarded - parked - retried in one call") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  for (const char* ref : {"52000001", "52000002", "52000003", "52000004"})
    file(db, ref, at(100));
  take_all(db, at(101));
  const auto missed = db.call([&](transaction& tx) {
    const std::vector<forward_outcome> all{
        {"52000001", forward_outcome::kind::forwarded, at(102), 201, "LPR-1", {}},
        {"52000002", forward_outcome::kind::forwarded, at(102), 409, std::nullopt, {}},
        {"52000003", forward_outcome::kind::parked, at(102), 422, {}, "{\"error\":\"bad\"}"},
        {"52000004", forward_outcome::kind::retry, at(200), 503, {}, "HTTP 503"},
    };
    return tx.record_forward_outcomes(all);
  });
  CHECK(missed.empty());
  raw_db raw(dir.file("lapord.db"));
  CHECK(outbox_row(raw, "52000001") == "forwarded|0|201||\n");
  CHECK(outbox_row(raw, "52000002") == "forwarded|0|409||\n");
  CHECK(outbox_row(raw, "52000003") == "parked|0|422||{\"error\":\"bad\"}\n");
  CHECK(outbox_row(raw, "52000004") == "pending|0|503|HTTP 503|\n");
  CHECK(raw.rows("SELECT ref, coalesce(tracking_id, '-'), updated_at FROM complaints "
                 "ORDER BY ref") ==
        "52000001|LPR-1|102000\n52000002|-|102000\n"
        "52000003|-|102000\n52000004|-|100000\n");
  CHECK(db.call([](transaction& tx) { return tx.next_forward_due(); }) ==
        std::optional<wall_time>(at(200)));
}

TEST_CASE("outcomes at once: a row gone is left out and named - the others are recorded") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const filed a = file(db, "53000001", at(100)), b = file(db, "53000002", at(100));
  take_all(db, at(101));
  const std::vector<std::string> ids{"X1"};
  struct both {
    std::vector<outcome_not_recorded> replies, forwards;
  };
  const both missed = db.call([&](transaction& tx) {
    const std::vector<reply_outcome> r{
        {a.reply, reply_outcome::kind::submitted, at(102), ids, {}},
        {987654321, reply_outcome::kind::submitted, at(102), ids, {}},
        {987654322, reply_outcome::kind::retry, at(150), {}, "throttled"},
        {b.reply, reply_outcome::kind::failed, at(102), {}, "too many attempts"},
        {987654323, reply_outcome::kind::failed, at(102), {}, "too many attempts"},
    };
    const std::vector<forward_outcome> f{
        {"53999999", forward_outcome::kind::forwarded, at(102), 201, "LPR-9", {}},
        {"53000001", forward_outcome::kind::forwarded, at(102), 201, "LPR-1", {}},
        {"53999998", forward_outcome::kind::parked, at(102), 400, {}, "no"},
        {"53999997", forward_outcome::kind::retry, at(150), std::nullopt, {}, "timeout"},
        {"53000002", forward_outcome::kind::retry, at(150), std::nullopt, {}, "timeout"},
    };
    // Still usable after: the transaction is not broken by the ones left out.
    both out{tx.record_reply_outcomes(r), tx.record_forward_outcomes(f)};
    tx.mark_rate_notice(citizen, at(102));
    return out;
  });
  REQUIRE(missed.replies.size() == 3);
  CHECK(missed.replies[0].index == 1);
  CHECK(missed.replies[0].why.rfind("store: no reply 987654321", 0) == 0);
  CHECK(missed.replies[1].index == 2);
  CHECK(missed.replies[1].why.rfind("store: no reply 987654322", 0) == 0);
  CHECK(missed.replies[2].index == 4);
  REQUIRE(missed.forwards.size() == 3);
  CHECK(missed.forwards[0].index == 0);
  CHECK(missed.forwards[0].why.rfind("store: no outbox entry for ref 53999999", 0) == 0);
  CHECK(missed.forwards[1].index == 2);
  CHECK(missed.forwards[2].index == 3);
  CHECK(status_of(db, a.reply).state == reply_state::submitted);
  CHECK(status_of(db, b.reply).state == reply_state::failed);
  raw_db raw(dir.file("lapord.db"));
  CHECK(outbox_row(raw, "53000001") == "forwarded|0|201||\n");
  CHECK(outbox_row(raw, "53000002") == "pending|0|NULL|timeout|\n");
  // a's one segment, in its reply row (schema 13); none for the reply that is not there.
  CHECK(raw.integer("SELECT count(*) FROM replies WHERE message_id IS NOT NULL") == 1);
  CHECK(raw.integer("SELECT count(*) FROM reply_segments") == 0);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE tracking_id IS NOT NULL") == 1);
  // The single calls keep their errors.
  CHECK_THROWS_AS(
      db.call([&](transaction& tx) { tx.mark_reply_submitted(987654321, ids, at(103)); }),
      store_error);
  CHECK_THROWS_AS(db.call([&](transaction& tx) { tx.park("53999999", 400, "no", at(103)); }),
                  store_error);
}

TEST_CASE("outcomes at once: two outcomes of one row in one call apply in order") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const filed a = file(db, "54000001", at(100)), b = file(db, "54000002", at(100));
  take_all(db, at(101));
  const std::vector<std::string> ids{"C1"};
  db.call([&](transaction& tx) {
    // A retry, then the submit of the same reply; a submit of b between them.
    const std::vector<reply_outcome> r{
        {a.reply, reply_outcome::kind::retry, at(150), {}, "throttled"},
        {b.reply, reply_outcome::kind::submitted, at(102), ids, {}},
        {a.reply, reply_outcome::kind::failed, at(103), {}, "permanent"},
    };
    all_recorded(tx.record_reply_outcomes(r));
    const std::vector<forward_outcome> f{
        {"54000001", forward_outcome::kind::retry, at(150), 503, {}, "HTTP 503"},
        {"54000001", forward_outcome::kind::forwarded, at(104), 201, "LPR-7", {}},
        {"54000002", forward_outcome::kind::forwarded, at(104), 201, "LPR-8", {}},
        {"54000002", forward_outcome::kind::parked, at(105), 422, {}, "late"},
    };
    all_recorded(tx.record_forward_outcomes(f));
  });
  const reply_status sa = status_of(db, a.reply);
  CHECK(sa.state == reply_state::failed);
  CHECK(sa.last_error == std::optional<std::string>("permanent"));
  CHECK(status_of(db, b.reply).state == reply_state::submitted);
  raw_db raw(dir.file("lapord.db"));
  CHECK(outbox_row(raw, "54000001") == "forwarded|0|201|HTTP 503|\n");
  // Forwarded first: a late refusal changes nothing.
  CHECK(outbox_row(raw, "54000002") == "forwarded|0|201||\n");
}

TEST_CASE("one batch: a forward ack and reply outcomes from several items - all recorded") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const filed a = file(db, "55000001", at(100)), b = file(db, "55000002", at(100));
  take_all(db, at(101));
  const std::vector<std::string> ia{"D1"}, ib{"D2", "D3"};
  batch_gate gate(db);
  std::vector<std::promise<bool>> ok(3);
  auto submit = [&](std::function<void(transaction&)> work, std::promise<bool>& p) {
    db.submit(std::move(work), [&p](result<std::monostate> r) { p.set_value(bool(r)); });
  };
  submit(
      [&](transaction& tx) {
        const std::vector<forward_outcome> f{
            {"55000001", forward_outcome::kind::forwarded, at(102), 201, "LPR-1", {}}};
        all_recorded(tx.record_forward_outcomes(f));
      },
      ok[0]);
  submit(
      [&](transaction& tx) {
        const std::vector<reply_outcome> r{
            {a.reply, reply_outcome::kind::submitted, at(102), ia, {}}};
        all_recorded(tx.record_reply_outcomes(r));
      },
      ok[1]);
  submit(
      [&](transaction& tx) {
        const std::vector<reply_outcome> r{
            {b.reply, reply_outcome::kind::submitted, at(102), ib, {}}};
        all_recorded(tx.record_reply_outcomes(r));
        const std::vector<forward_outcome> f{
            {"55000002", forward_outcome::kind::forwarded, at(102), 201, "LPR-2", {}}};
        all_recorded(tx.record_forward_outcomes(f));
      },
      ok[2]);
  gate.open();
  for (auto& p : ok)
    CHECK(p.get_future().get());
  CHECK(status_of(db, a.reply).message_ids == ia);
  CHECK(status_of(db, b.reply).message_ids == ib);
  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.rows("SELECT ref, tracking_id FROM complaints ORDER BY ref") ==
        "55000001|LPR-1\n55000002|LPR-2\n");
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE forward_state='forwarded'") == 2);
}

TEST_CASE("one batch: an item that fails after its outcomes records none - the others do") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const filed a = file(db, "56000001", at(100)), b = file(db, "56000002", at(100)),
              c = file(db, "56000003", at(100));
  take_all(db, at(101));
  const std::vector<std::string> ia{"E1"}, ib{"E2"}, ic{"E3"};
  batch_gate gate(db);
  std::promise<bool> first, third;
  std::promise<std::error_code> second;
  auto outcomes = [](transaction& tx, const filed& f, const std::vector<std::string>& ids) {
    const std::vector<reply_outcome> r{{f.reply, reply_outcome::kind::submitted, at(102), ids, {}}};
    all_recorded(tx.record_reply_outcomes(r));
    // An outcome holds views: the tracking id must outlive the call (a temporary did not).
    const std::string tracking = "T-" + f.ref;
    const std::vector<forward_outcome> fw{
        {f.ref, forward_outcome::kind::forwarded, at(102), 201, tracking, {}}};
    all_recorded(tx.record_forward_outcomes(fw));
  };
  db.submit([&](transaction& tx) { outcomes(tx, a, ia); },
            [&](result<std::monostate> r) { first.set_value(bool(r)); });
  db.submit(
      [&](transaction& tx) {
        outcomes(tx, b, ib);
        throw store_error(errc::item_failed, "the item failed after its outcomes");
      },
      [&](result<std::monostate> r) { second.set_value(r.error); });
  db.submit([&](transaction& tx) { outcomes(tx, c, ic); },
            [&](result<std::monostate> r) { third.set_value(bool(r)); });
  gate.open();
  CHECK(first.get_future().get());
  CHECK(second.get_future().get() == make_error_code(errc::item_failed));
  CHECK(third.get_future().get());
  CHECK(status_of(db, a.reply).state == reply_state::submitted);
  const reply_status sb = status_of(db, b.reply);
  CHECK(sb.state == reply_state::in_flight);  // still leased: sent again when the lease ends
  CHECK(sb.message_ids.empty());
  CHECK(status_of(db, c.reply).state == reply_state::submitted);
  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.rows("SELECT ref, forward_state, coalesce(tracking_id, '-') FROM complaints "
                 "WHERE forward_state IS NOT NULL ORDER BY ref") ==
        "56000001|forwarded|T-56000001\n56000002|pending|-\n56000003|forwarded|T-56000003\n");
  // One segment each: in the reply row (schema 13).
  CHECK(raw.rows("SELECT message_id FROM replies WHERE message_id IS NOT NULL ORDER BY "
                 "message_id") == "E1\nE3\n");
  CHECK(raw.integer("SELECT count(*) FROM reply_segments") == 0);
}

TEST_CASE("one batch: receipts find the segments recorded at once - earlier in the batch too") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const filed a = file(db, "57000001", at(100)), b = file(db, "57000002", at(100));
  take_all(db, at(101));
  const std::vector<std::string> ia{"F1", "F2"}, ib{"F3"};
  batch_gate gate(db);
  std::promise<std::vector<receipt_outcome>> seen;
  db.submit(
      [&](transaction& tx) {
        const std::vector<reply_outcome> r{
            {a.reply, reply_outcome::kind::submitted, at(102), ia, {}},
            {b.reply, reply_outcome::kind::submitted, at(102), ib, {}}};
        all_recorded(tx.record_reply_outcomes(r));
      },
      [](result<std::monostate>) {});  // its outcomes are checked below
  db.submit(
      [&](transaction& tx) {
        return std::vector<receipt_outcome>{
            tx.apply_receipt("telkomsel", "F1", "DELIVRD", at(103)),
            tx.apply_receipt("telkomsel", "F3", "UNDELIV", at(103)),
            tx.apply_receipt("telkomsel", "F9", "DELIVRD", at(103)),
        };
      },
      [&](result<std::vector<receipt_outcome>> r) {
        seen.set_value(r ? *r.value : std::vector<receipt_outcome>{});
      });
  gate.open();
  CHECK(seen.get_future().get() == std::vector<receipt_outcome>{receipt_outcome::applied,
                                                                receipt_outcome::applied,
                                                                receipt_outcome::unknown_id});
  CHECK(status_of(db, a.reply).state == reply_state::submitted);  // one segment of two
  CHECK(status_of(db, b.reply).state == reply_state::failed);
  CHECK(db.call([](transaction& tx) {
    return tx.apply_receipt("telkomsel", "F2", "DELIVRD", at(104));
  }) == receipt_outcome::applied);
  const reply_status sa = status_of(db, a.reply);
  CHECK(sa.state == reply_state::delivered);
  CHECK(sa.receipt == std::optional<std::string>("DELIVRD"));
}
