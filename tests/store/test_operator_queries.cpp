// The operator's queries: complaints listed newest first with filters, one complaint's
// replies, parked forwards with the store's answer, retry and drop of a parked forward (a
// dropped one is kept whole, never deleted). Real SQLite files; the raw file is checked too.
#include <doctest/doctest.h>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

void add(database& db, const std::string& ref, wall_time when, bool national = false,
         bool queued = true) {
  // The complaint's fields are views: the text must outlive the call.
  const std::string text = "Jalan rusak " + ref;
  db.call([&](transaction& tx) {
    auto c = sample_complaint(ref, "+6281234567890", text, when);
    if (national) c.institution.reset();
    tx.create_complaint(c);
    if (queued) tx.enqueue_forward(ref, when);
  });
}

std::vector<std::string> refs_of(const std::vector<complaint_summary>& list) {
  std::vector<std::string> out;
  for (const auto& s : list)
    out.push_back(s.complaint.ref);
  return out;
}

// Three complaints forwarded, parked and pending, one national-desk one held (never queued).
void four_complaints(database& db) {
  add(db, "10000001", at(100));
  add(db, "10000002", at(200));
  add(db, "10000003", at(300), true);
  add(db, "10000004", at(400), false, false);
  db.call([](transaction& tx) {
    CHECK(tx.take_due_forwards(at(300), 10, 30s).size() == 3);
    tx.mark_forwarded("10000001", 201, "SIM-1", at(301));
    tx.park("10000002", 422, "{\"error\":\"unknown institution\"}", at(302));
    tx.schedule_retry("10000003", at(900), "503", 503);
    tx.add_event({"10000001", "verified", at(500), "Kabupaten Tangerang", {}, at(501)});
  });
}

}  // namespace

TEST_CASE("operator list: newest first - each complaint's forwarding state - the limit") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  four_complaints(db);
  auto all = db.call([](transaction& tx) { return tx.find_complaints({}); });
  CHECK(refs_of(all) == std::vector<std::string>{"10000004", "10000003", "10000002", "10000001"});
  CHECK_FALSE(all[0].forwarding);  // held
  CHECK(all[1].forwarding == forward_state::pending);
  CHECK(all[2].forwarding == forward_state::parked);
  CHECK(all[3].forwarding == forward_state::forwarded);
  CHECK(all[3].complaint.status == "verified");
  CHECK(all[3].complaint.tracking_id == std::optional<std::string>("SIM-1"));
  CHECK_FALSE(all[1].complaint.institution);
  REQUIRE(all[0].complaint.institution);
  CHECK(all[0].complaint.institution->code == "36.03");

  complaint_filter two;
  two.limit = 2;
  CHECK(refs_of(db.call([&](transaction& tx) { return tx.find_complaints(two); })) ==
        std::vector<std::string>{"10000004", "10000003"});
}

TEST_CASE("operator list: by status - institution code, keyword or national - forwarding - since") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  four_complaints(db);
  auto find = [&](complaint_filter f) {
    return refs_of(db.call([&](transaction& tx) { return tx.find_complaints(f); }));
  };
  using refs = std::vector<std::string>;
  complaint_filter f;
  f.status = "verified";
  CHECK(find(f) == refs{"10000001"});
  f.status = "closed";
  CHECK(find(f).empty());

  complaint_filter inst;
  inst.institution = "national";
  CHECK(find(inst) == refs{"10000003"});
  inst.institution = "36.03";
  CHECK(find(inst) == refs{"10000004", "10000002", "10000001"});
  inst.institution = "tangkab";  // keyword, any case
  CHECK(find(inst) == refs{"10000004", "10000002", "10000001"});
  inst.institution = "31.71";
  CHECK(find(inst).empty());

  complaint_filter fw;
  for (auto [state, expected] : {std::pair<const char*, refs>{"parked", {"10000002"}},
                                 {"forwarded", {"10000001"}},
                                 {"pending", {"10000003"}},
                                 {"held", {"10000004"}},
                                 {"in_flight", {}},
                                 {"dropped", {}}}) {
    INFO(state);
    fw.forwarding = state;
    CHECK(find(fw) == expected);
  }

  complaint_filter since;
  since.since = at(200);
  CHECK(find(since) == refs{"10000004", "10000003", "10000002"});
  since.institution = "36.03";  // filters combine
  since.forwarding = "parked";
  CHECK(find(since) == refs{"10000002"});
}

TEST_CASE("operator show: a complaint's replies oldest first - with their state and receipt") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  add(db, "10000001", at(100));
  std::int64_t ack = 0;
  db.call([&](transaction& tx) {
    ack = tx.enqueue_reply({"telkomsel", "1708", "6281234567890", "Terima kasih. Ref 10000001",
                            "ack", std::string_view("10000001"), at(100)});
    tx.enqueue_reply({"telkomsel", "1708", "6281234567890", "INFO", "help", std::nullopt, at(101)});
    tx.enqueue_reply({"telkomsel", "1708", "6281234567890", "Status: verified", "notification",
                      std::string_view("10000001"), at(600)});
  });
  db.call([&](transaction& tx) {
    auto due = tx.take_due_replies(at(100), 1, 30s);
    REQUIRE(due.size() == 1);
    std::vector<std::string> ids{"m-1"};
    tx.mark_reply_submitted(ack, ids, at(102));
    tx.apply_receipt("telkomsel", "m-1", "DELIVRD", at(110));
  });
  auto replies = db.call([](transaction& tx) { return tx.replies_for("10000001"); });
  REQUIRE(replies.size() == 2);  // the help reply has no ref
  CHECK(replies[0].id == ack);
  CHECK(replies[0].kind == "ack");
  CHECK(replies[0].state == reply_state::delivered);
  CHECK(replies[0].receipt == std::optional<std::string>("DELIVRD"));
  CHECK(replies[0].submitted_at == at(102));
  CHECK(replies[0].done_at == at(110));
  CHECK(replies[0].attempts == 1);
  CHECK(replies[1].kind == "notification");
  CHECK(replies[1].state == reply_state::queued);
  CHECK(replies[1].text == "Status: verified");
  CHECK_FALSE(replies[1].submitted_at);
  CHECK(db.call([](transaction& tx) { return tx.replies_for("99999999"); }).empty());
}

TEST_CASE("operator parked: listed with the store's answer - retried - due now") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  four_complaints(db);
  auto parked = db.call([](transaction& tx) { return tx.parked_forwards(10); });
  REQUIRE(parked.size() == 1);
  CHECK(parked[0].ref == "10000002");
  CHECK(parked[0].http_status == 422);
  CHECK(parked[0].answer == "{\"error\":\"unknown institution\"}");
  CHECK(parked[0].attempts == 1);
  CHECK(parked[0].parked_at == at(302));
  CHECK(parked[0].enqueued_at == at(200));

  auto r = db.call([](transaction& tx) { return tx.retry_parked("10000002", at(1000)); });
  CHECK(r.outcome == parked_outcome::done);
  CHECK(db.call([](transaction& tx) { return tx.parked_forwards(10); }).empty());
  auto due = db.call([](transaction& tx) { return tx.take_due_forwards(at(1000), 10, 30s); });
  REQUIRE(due.size() == 2);  // and 10000003, due at 900
  CHECK((due[0].ref == "10000002" || due[1].ref == "10000002"));
  auto c = db.call([](transaction& tx) { return tx.complaint_by_ref("10000002"); });
  CHECK(c->updated_at == at(1000));
}

TEST_CASE("operator parked: retry or drop of what is not parked says what it is") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  four_complaints(db);
  auto retry = [&](const char* ref) {
    return db.call([&](transaction& tx) { return tx.retry_parked(ref, at(1000)); });
  };
  auto drop = [&](const char* ref) {
    return db.call([&](transaction& tx) { return tx.drop_parked(ref, "", at(1000)); });
  };
  for (int i = 0; i < 2; ++i) {
    auto run = [&](const char* ref) { return i == 0 ? retry(ref) : drop(ref); };
    INFO((i == 0 ? "retry" : "drop"));
    CHECK(run("99999999").outcome == parked_outcome::unknown);
    auto fw = run("10000001");
    CHECK(fw.outcome == parked_outcome::not_parked);
    CHECK(fw.state == forward_state::forwarded);
    auto pending = run("10000003");
    CHECK(pending.outcome == parked_outcome::not_parked);
    CHECK(pending.state == forward_state::pending);
    auto held = run("10000004");
    CHECK(held.outcome == parked_outcome::not_parked);
    CHECK_FALSE(held.state);
  }
  CHECK(db.call([](transaction& tx) { return tx.counts(); }).outbox_parked == 1);
}

TEST_CASE("operator parked: a dropped forward is kept whole - shown as dropped - never sent") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  database db(options_for(path));
  four_complaints(db);
  auto d = db.call(
      [](transaction& tx) { return tx.drop_parked("10000002", "institution closed", at(2000)); });
  CHECK(d.outcome == parked_outcome::done);
  CHECK(d.state == forward_state::dropped);

  auto n = db.call([](transaction& tx) { return tx.counts(); });
  CHECK(n.outbox_parked == 0);
  CHECK(n.outbox_dropped == 1);
  CHECK(db.call([](transaction& tx) { return tx.parked_forwards(10); }).empty());
  CHECK(db.call([](transaction& tx) { return tx.take_due_forwards(at(5000), 10, 30s); }).size() ==
        1);  // 10000003 only

  auto v = db.call([](transaction& tx) { return tx.complaint_view_by_ref("10000002"); });
  REQUIRE(v);
  REQUIRE(v->forwarding);
  CHECK(v->forwarding->state == forward_state::dropped);
  CHECK(v->forwarding->http_status == 422);
  CHECK(v->forwarding->answer == std::optional<std::string>("{\"error\":\"unknown institution\"}"));
  CHECK(v->forwarding->done_at == at(302));
  CHECK(v->forwarding->dropped_at == at(2000));
  CHECK(v->forwarding->drop_reason == std::optional<std::string>("institution closed"));
  complaint_filter f;
  f.forwarding = "dropped";
  CHECK(refs_of(db.call([&](transaction& tx) { return tx.find_complaints(f); })) ==
        std::vector<std::string>{"10000002"});

  // A second drop, or a retry, of a dropped forward changes nothing.
  auto again = db.call([](transaction& tx) { return tx.drop_parked("10000002", "", at(3000)); });
  CHECK(again.outcome == parked_outcome::not_parked);
  CHECK(again.state == forward_state::dropped);
  CHECK(db.call([](transaction& tx) { return tx.retry_parked("10000002", at(3000)); }).state ==
        forward_state::dropped);

  raw_db raw(path);
  CHECK(raw.rows("SELECT ref, payload, attempts, http_status, parked_at, dropped_at, reason FROM "
                 "dropped_forwards") ==
        "10000002||1|422|302000|2000000|institution closed\n");  // no body stored (schema 8)
  // Held again: the forward left the complaint's row for dropped_forwards.
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE ref='10000002' "
                    "AND forward_state IS NULL AND forward_attempts IS NULL") == 1);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE ref='10000002'") == 1);
}
