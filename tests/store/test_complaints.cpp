// Complaints, the counts the policies need, reporters' choices, and status events.
#include <doctest/doctest.h>

#include <memory>
#include <optional>

#include "lapord/store/database.hpp"
#include "store/dedup_key.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace std::chrono_literals;

namespace test = lapord::store::test;
using test::at;
using test::options_for;
constexpr auto& sample = test::sample_complaint;

namespace {
// A complaint as the MO path leaves it: filed (with the number its ref was made from, when
// given) with its forward queued, acknowledged, and forwarded. `text` must outlive the call.
void file_acked_and_forwarded(transaction& tx, const std::string& ref, const std::string& text,
                              int i, std::optional<std::uint64_t> number) {
  auto c = sample(ref, "+6281234567890", text, at(i));
  c.number = number;
  c.forward = new_complaint::queued_forward{};
  tx.create_complaint(c);
  new_reply r;
  r.carrier = "telkomsel";
  r.source = "1708";
  r.destination = "6281234567890";
  r.text = "ack";
  r.kind = "ack";
  r.ref = ref;
  r.created_at = at(i);
  (void)tx.enqueue_reply(r);
  tx.mark_forwarded(ref, 201, "T", at(i));
}

// The tests' ref key (test_ref_number), counting how often the store asks it for a number.
std::shared_ptr<int> count_ref_numbers(database_options& o) {
  auto calls = std::make_shared<int>(0);
  o.ref_number = [calls](std::string_view ref) {
    ++*calls;
    return test::test_ref_number(ref);
  };
  return calls;
}
}  // namespace

TEST_CASE("a complaint is created - found by ref - and its fields come back as stored") {
  test::temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  CHECK(db.schema_version() == database::latest_schema_version());
  db.call([](transaction& tx) {
    tx.create_complaint(
        sample("48219375", "+6281234567890", "Jalan rusak di Desa Suka Maju", at(1000)));
  });
  auto c = db.call([](transaction& tx) { return tx.complaint_by_ref("48219375"); });
  REQUIRE(c);
  CHECK(c->reporter == "+6281234567890");
  CHECK(c->text == "Jalan rusak di Desa Suka Maju");
  CHECK(c->status == "received");
  CHECK(c->created_at == at(1000));
  REQUIRE(c->institution);
  CHECK(c->institution->keyword == "TANGKAB");
  CHECK_FALSE(c->tracking_id);
  CHECK_FALSE(db.call([](transaction& tx) { return tx.complaint_by_ref("00000000"); }));
}

TEST_CASE("how a complaint was routed comes back: keyword, addressee, or the national desk") {
  test::temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([](transaction& tx) {
    auto by_keyword = sample("10000001", "+6281234567890", "Jalan rusak parah", at(1000));
    auto by_addressee = sample("10000002", "+6281234567890", "Jembatan putus", at(1001));
    by_addressee.institution->routed_by = "addressee";
    auto national = sample("10000003", "+6281234567890", "Pak RT minta uang", at(1002));
    national.institution.reset();
    tx.create_complaint(by_keyword);
    tx.create_complaint(by_addressee);
    tx.create_complaint(national);
  });
  auto routed = [&](std::string ref) {
    auto c = db.call([&](transaction& tx) { return tx.complaint_by_ref(ref); });
    REQUIRE(c);
    return c->institution ? c->institution->routed_by : std::string("(national desk)");
  };
  CHECK(routed("10000001") == "keyword");
  CHECK(routed("10000002") == "addressee");
  CHECK(routed("10000003") == "(national desk)");
  test::raw_db raw(dir.file("lapord.db"));
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE routed_by='national'") == 1);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE routed_by='addressee'") == 1);
  // The operator's list reads the same column (and the forwarding state after it).
  complaint_filter all;
  auto list = db.call([&](transaction& tx) { return tx.find_complaints(all); });
  REQUIRE(list.size() == 3);
  CHECK(list[1].complaint.institution->routed_by == "addressee");
  CHECK_FALSE(list[1].forwarding);
}

TEST_CASE("the ref counter hands out 1 - 2 - 3 ... and never a value twice across restarts") {
  test::temp_dir dir;
  const auto path = dir.file("lapord.db");
  {
    database db(options_for(path));
    CHECK(db.call([](transaction& tx) { return tx.next_ref_counter(); }) == 1);
    CHECK(db.call([](transaction& tx) { return tx.next_ref_counter(); }) == 2);
    // A rolled-back item gives its value back: nobody saw it.
    CHECK_THROWS(db.call([](transaction& tx) {
      tx.next_ref_counter();
      throw std::runtime_error("no");
    }));
  }
  database db(options_for(path));
  const auto after_restart = db.call([](transaction& tx) { return tx.next_ref_counter(); });
  // PostgreSQL hands out refs from blocks of 256 (postgresql/connection.hpp): a restart skips
  // the rest of the block, never a value already handed out.
  if (test::on_postgresql())
    CHECK(after_restart == 257);
  else
    CHECK(after_restart == 3);
}

TEST_CASE(
    "the policies' counts: same duplicate key within a window - complaints in the last hour") {
  test::temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const std::string me = "+6281234567890", other = "+6285711112222";
  db.call([&](transaction& tx) {
    tx.create_complaint(sample("10000001", me, "Jalan rusak di Desa Suka Maju", at(1000)));
    tx.create_complaint(sample("10000002", me, "Lampu jalan mati", at(2000)));
    tx.create_complaint(sample("10000003", other, "Lampu jalan mati", at(2500)));
  });
  auto ref = [&](std::string_view who, std::string_view t, wall_time since) {
    return db.call([&](transaction& tx) { return tx.recent_complaint_with_key(who, t, since); });
  };
  CHECK(ref(me, "Lampu jalan mati", at(0)) == std::optional<std::string>("10000002"));
  CHECK(ref(other, "Lampu jalan mati", at(0)) == std::optional<std::string>("10000003"));
  CHECK_FALSE(ref(me, "Lampu jalan mati", at(2001)));  // older than the window
  CHECK_FALSE(ref(me, "lampu jalan mati", at(0)));     // the key exactly, as the service gave it
  auto count = [&](std::string_view who, wall_time since) {
    return db.call([&](transaction& tx) { return tx.complaints_since(who, since); });
  };
  CHECK(count(me, at(0)) == 2);
  CHECK(count(me, at(1500)) == 1);
  CHECK(count(other, at(0)) == 1);
  CHECK(count("+6280000000000", at(0)) == 0);
  // facts_about: the same three answers in one call.
  db.call([&](transaction& tx) { tx.mark_rate_notice(me, at(2100)); });
  auto facts = [&](std::string_view who, std::string_view key, wall_time dup, wall_time hour) {
    return db.call([&](transaction& tx) { return tx.facts_about(who, key, dup, hour); });
  };
  auto f = facts(me, "Lampu jalan mati", at(0), at(1500));
  CHECK(f.duplicate_ref == std::optional<std::string>("10000002"));
  CHECK(f.complaints_since == 1);
  CHECK(f.rate_notice_sent);
  f = facts(me, "Lampu jalan mati", at(2001), at(2200));
  CHECK_FALSE(f.duplicate_ref);
  CHECK(f.complaints_since == 0);
  CHECK_FALSE(f.rate_notice_sent);
  f = facts("+6280000000000", "", at(0), at(0));
  CHECK_FALSE(f.duplicate_ref);
  CHECK(f.complaints_since == 0);
  CHECK_FALSE(f.rate_notice_sent);
  auto recent = db.call([](transaction& tx) { return tx.recent_complaints(at(1500), 10); });
  REQUIRE(recent.size() == 2);
  CHECK(recent[0].ref == "10000003");
  CHECK(recent[1].ref == "10000002");
}

TEST_CASE(
    "the duplicate probe compares the folded key - not the text - and a missing key never "
    "matches") {
  test::temp_dir dir;
  const auto path = dir.file("lapord.db");
  database db(options_for(path));
  const std::string me = "+6281234567890";
  db.call([&](transaction& tx) {
    auto c = sample("10000001", me, "Jalan  RUSAK\tdi Desa", at(1000));
    c.duplicate_key = "jalan rusak di desa";  // what lapor::duplicate_key gives for that text
    tx.create_complaint(c);
    auto keyless = sample("10000002", me, "", at(1100));
    keyless.duplicate_key = {};  // e.g. a caller that has none: stored as NULL
    tx.create_complaint(keyless);
    auto own = sample("10000003", me, "Lampu mati", at(1200));
    own.duplicate_key = "lampu";  // a key that is not the text folded is stored (schema 14)
    tx.create_complaint(own);
  });
  auto ref = [&](std::string_view key, wall_time since) {
    return db.call([&](transaction& tx) { return tx.recent_complaint_with_key(me, key, since); });
  };
  CHECK(ref("jalan rusak di desa", at(0)) == std::optional<std::string>("10000001"));
  CHECK(ref("jalan rusak di desa", at(1000)) == std::optional<std::string>("10000001"));
  CHECK_FALSE(ref("jalan rusak di desa", at(1001)));  // created before `since`
  CHECK_FALSE(ref("Jalan  RUSAK\tdi Desa", at(0)));   // the text as typed is not the key
  CHECK_FALSE(ref("", at(0)));                        // NULL equals nothing, not even ""
  CHECK(ref("lampu", at(0)) == std::optional<std::string>("10000003"));
  CHECK_FALSE(ref("lampu mati", at(0)));  // the stored key, not the text folded
  test::raw_db raw(path);
  // SQLite keeps no key that is the text folded (schema 14: the probe folds a match's text);
  // PostgreSQL keeps every key.
  CHECK(raw.rows("SELECT ref, coalesce(duplicate_key, 'NULL') FROM complaints ORDER BY ref") ==
        (test::on_postgresql() ? "10000001|jalan rusak di desa\n10000002|NULL\n10000003|lampu\n"
                               : "10000001|NULL\n10000002|NULL\n10000003|lampu\n"));
  LAPORD_SQLITE_ONLY();  // the plan below is SQLite's
  // The probe of one day is a search on the reporter index (day, reporter, created_at,
  // duplicate_hash; schema 10): the hash is compared in the index, not by reading every
  // complaint of the reporter, and the entries come in created_at order (no sort).
  const std::string plan = raw.rows(
      "EXPLAIN QUERY PLAN SELECT ref FROM complaints WHERE created_at/86400000=0 AND "
      "reporter='+62' AND created_at>=0 AND (duplicate_hash=1 OR duplicate_hash IS NULL) AND "
      "duplicate_key='x' ORDER BY created_at LIMIT 1");
  INFO(plan);
  CHECK(plan.find("SEARCH complaints USING INDEX complaints_reporter (<expr>=? AND reporter=? "
                  "AND created_at>?)") != std::string::npos);
  CHECK(plan.find("TEMP B-TREE") == std::string::npos);
}

TEST_CASE("reporters: opt-out and back in - and the rate notice at most once per window") {
  test::temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const std::string me = "+6281234567890";
  CHECK_FALSE(db.call([&](transaction& tx) { return tx.opted_out(me); }));
  db.call([&](transaction& tx) { tx.set_opt_out(me, true, at(10)); });
  CHECK(db.call([&](transaction& tx) { return tx.opted_out(me); }));
  db.call([&](transaction& tx) { tx.set_opt_out(me, false, at(20)); });
  CHECK_FALSE(db.call([&](transaction& tx) { return tx.opted_out(me); }));

  CHECK_FALSE(db.call([&](transaction& tx) { return tx.rate_notice_sent_since(me, at(0)); }));
  db.call([&](transaction& tx) { tx.mark_rate_notice(me, at(3600)); });
  CHECK(db.call([&](transaction& tx) { return tx.rate_notice_sent_since(me, at(3000)); }));
  CHECK_FALSE(db.call([&](transaction& tx) { return tx.rate_notice_sent_since(me, at(3601)); }));
  // The opt-out survives a rate notice, and the other way round.
  db.call([&](transaction& tx) { tx.set_opt_out(me, true, at(4000)); });
  CHECK(db.call([&](transaction& tx) { return tx.rate_notice_sent_since(me, at(3000)); }));
  db.call([&](transaction& tx) { tx.mark_rate_notice(me, at(9000)); });
  CHECK(db.call([&](transaction& tx) { return tx.opted_out(me); }));
}

TEST_CASE("events: applied once - a repost is a duplicate - an unknown ref stores nothing") {
  test::temp_dir dir;
  const auto path = dir.file("lapord.db");
  database db(options_for(path));
  db.call([](transaction& tx) {
    tx.create_complaint(sample("48219375", "+6281234567890", "Jalan rusak", at(1000)));
  });
  status_event_view e;
  e.ref = "48219375";
  e.status = "responded";
  e.at = at(5000);
  e.institution = "Kabupaten Tangerang";
  e.message = "Perbaikan jalan dijadwalkan minggu depan.";
  e.received_at = at(5001);
  CHECK(db.call([&](transaction& tx) { return tx.add_event(e); }) == event_outcome::applied);
  e.received_at = at(5100);
  CHECK(db.call([&](transaction& tx) { return tx.add_event(e); }) == event_outcome::duplicate);
  auto unknown = e;
  unknown.ref = "11111111";
  CHECK(db.call([&](transaction& tx) { return tx.add_event(unknown); }) ==
        event_outcome::unknown_ref);

  // An older event arriving late is kept in the history but does not turn the status back.
  status_event_view older;
  older.ref = "48219375";
  older.status = "verified";
  older.at = at(3000);
  older.received_at = at(5200);
  CHECK(db.call([&](transaction& tx) { return tx.add_event(older); }) == event_outcome::applied);

  auto v = db.call([](transaction& tx) { return tx.complaint_view_by_ref("48219375"); });
  REQUIRE(v);
  CHECK(v->complaint.status == "responded");
  CHECK(v->complaint.status_at == at(5000));
  CHECK(v->complaint.updated_at == at(5200));
  REQUIRE(v->events.size() == 2);
  CHECK(v->events[0].status == "verified");
  CHECK_FALSE(v->events[0].message);
  CHECK(v->events[1].status == "responded");
  CHECK(v->events[1].message == "Perbaikan jalan dijadwalkan minggu depan.");
  CHECK(v->events[1].received_at == at(5001));  // the first post's, not the repost's

  test::raw_db raw(path);
  CHECK(raw.integer("SELECT count(*) FROM events") == 2);
  CHECK(raw.integer("SELECT count(*) FROM events WHERE ref='11111111'") == 0);
}

TEST_CASE("an event with a status the schema does not know is refused whole") {
  test::temp_dir dir;
  const auto path = dir.file("lapord.db");
  database db(options_for(path));
  db.call([](transaction& tx) {
    tx.create_complaint(sample("48219375", "+6281234567890", "Jalan rusak", at(1000)));
  });
  status_event_view e;
  e.ref = "48219375";
  e.status = "lost";
  e.at = at(5000);
  e.received_at = at(5001);
  try {
    db.call([&](transaction& tx) { return tx.add_event(e); });
    FAIL("stored an unknown status");
  } catch (const store_error& err) {
    CHECK(err.code() == make_error_code(errc::item_failed));
  }
  auto c = db.call([](transaction& tx) { return tx.complaint_by_ref("48219375"); });
  REQUIRE(c);
  CHECK(c->status == "received");
  CHECK(c->updated_at == at(1000));
  test::raw_db raw(path);
  CHECK(raw.integer("SELECT count(*) FROM events") == 0);
}

TEST_CASE(
    "a ref that gives another complaint's number finds nothing - by ref the complaint must be the "
    "one asked for") {
  // The tests' ref key reads "010000001" as 10000001, the number of "10000001" (as a ref of
  // another length or key can give a stored complaint's number: lapor::ref_generator::number_of).
  // SQLite looks it up by that number and confirms the ref; PostgreSQL finds by ref.
  test::temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([](transaction& tx) {
    tx.create_complaint(sample("10000001", "+6281234567890", "jalan rusak", at(1)));
    tx.enqueue_forward("10000001", at(1));
    new_reply r;
    r.carrier = "telkomsel";
    r.source = "1708";
    r.destination = "6281234567890";
    r.text = "ack";
    r.kind = "ack";
    r.ref = "10000001";
    r.created_at = at(1);
    (void)tx.enqueue_reply(r);
  });
  const std::string other = "010000001";
  CHECK_FALSE(db.call([&](transaction& tx) { return tx.complaint_by_ref(other); }));
  CHECK_FALSE(db.call([&](transaction& tx) { return tx.complaint_view_by_ref(other); }));
  CHECK(db.call([&](transaction& tx) { return tx.replies_for(other); }).empty());
  CHECK(db.call([&](transaction& tx) {
    return tx.add_event(status_event_view{other, "verified", at(2), {}, {}, at(2)});
  }) == event_outcome::unknown_ref);
  CHECK_THROWS_AS(db.call([&](transaction& tx) { tx.mark_forwarded(other, 201, "T", at(3)); }),
                  store_error);
  CHECK_THROWS_AS(db.call([&](transaction& tx) { tx.enqueue_forward(other, at(3)); }), store_error);
  CHECK(db.call([&](transaction& tx) { return tx.retry_parked(other, at(3)); }).outcome ==
        parked_outcome::unknown);
  // The complaint itself is as it was.
  auto v = db.call([](transaction& tx) { return tx.complaint_view_by_ref("10000001"); });
  REQUIRE(v);
  CHECK(v->complaint.status == "received");
  REQUIRE(v->forwarding);
  CHECK(v->forwarding->state == forward_state::pending);
  CHECK(db.call([](transaction& tx) { return tx.replies_for("10000001"); }).size() == 1);
}

TEST_CASE("sqlite: a ref is translated to its number once for its complaint - ack - and outcome") {
  LAPORD_SQLITE_ONLY();  // PostgreSQL finds by ref: it never asks
  test::temp_dir dir;
  auto o = options_for(dir.file("lapord.db"));
  auto calls = count_ref_numbers(o);
  database db(o);
  db.call([](transaction& tx) {
    for (int i = 0; i < 3000; ++i) {
      const std::string ref = std::to_string(10000000 + i);
      const std::string text = "jalan rusak " + ref;  // the complaint views it: kept alive
      file_acked_and_forwarded(tx, ref, text, i, std::nullopt);
    }
  });
  // Translations are remembered lately: the ack and the outcome did not ask again.
  CHECK(*calls == 3000);
  // And every complaint is its own, whatever shared a slot.
  int wrong = 0;
  db.call([&](transaction& tx) {
    for (int i = 0; i < 3000; i += 7) {
      const std::string ref = std::to_string(10000000 + i);
      auto c = tx.complaint_by_ref(ref);
      if (!c || c->ref != ref || tx.replies_for(ref).size() != 1) ++wrong;
    }
  });
  CHECK(wrong == 0);
}

TEST_CASE("sqlite: a complaint filed with its number is keyed by it - its ack and outcome too") {
  LAPORD_SQLITE_ONLY();  // PostgreSQL keys by ref: it ignores the number
  test::temp_dir dir;
  auto o = options_for(dir.file("lapord.db"));
  auto calls = count_ref_numbers(o);
  database db(o);
  const int opened = *calls;  // the open's own check of the newest complaint, if any
  db.call([](transaction& tx) {
    for (int i = 0; i < 100; ++i) {
      const std::string ref = std::to_string(10000000 + i);
      const std::string text = "jalan rusak " + ref;  // the complaint views it: kept alive
      file_acked_and_forwarded(tx, ref, text, i, 10000000 + static_cast<std::uint64_t>(i));
    }
  });
  // Not one translation: the number came with the complaint and was remembered for the rest.
  CHECK(*calls == opened);
  // Each is found by its ref (looked up under its number), with its reply and its outcome.
  int wrong = 0;
  db.call([&](transaction& tx) {
    for (int i = 0; i < 100; ++i) {
      const std::string ref = std::to_string(10000000 + i);
      auto c = tx.complaint_by_ref(ref);
      if (!c || c->ref != ref || tx.replies_for(ref).size() != 1 || !c->tracking_id) ++wrong;
    }
  });
  CHECK(wrong == 0);
}

TEST_CASE("sqlite: two refs of one cache set are both remembered - the older is not lost") {
  LAPORD_SQLITE_ONLY();  // PostgreSQL finds by ref: it never asks
  // Two refs whose hashes pick the same set of the connection's cache (two entries a set,
  // 512 sets) and had the same slot when it had one entry a slot (1,024): there the second
  // pushed the first out, and the first's outcome asked again.
  const std::string a = "10000000";
  std::string b;
  for (int i = 1; b.empty(); ++i) {
    const std::string r = std::to_string(10000000 + i);
    if (detail::string_hash(r) % 1024 == detail::string_hash(a) % 1024) b = r;
  }
  test::temp_dir dir;
  auto o = options_for(dir.file("lapord.db"));
  auto calls = count_ref_numbers(o);
  database db(o);
  const int opened = *calls;
  db.call([&](transaction& tx) {
    const std::string text = "jalan rusak";
    for (const std::string& ref : {a, b}) {
      auto c = sample(ref, "+6281234567890", text, at(1));
      c.forward = new_complaint::queued_forward{};
      tx.create_complaint(c);
    }
    tx.mark_forwarded(a, 201, "T", at(2));
    tx.mark_forwarded(b, 201, "T", at(2));
  });
  CHECK(*calls - opened == 2);  // each translated once, at its complaint
}

TEST_CASE(
    "sqlite: a key the caller says is the text folded is stored as none - the text not folded") {
  LAPORD_SQLITE_ONLY();  // PostgreSQL stores every key: it never folds
  test::temp_dir dir;
  const auto path = dir.file("lapord.db");
  auto o = options_for(path);
  auto folds = std::make_shared<int>(0);
  o.duplicate_key = [folds](std::string_view text) {
    ++*folds;
    return lapord::lapor::duplicate_key(text);
  };
  database db(o);
  const std::string me = "+6281234567890";
  const int opened = *folds;
  db.call([&](transaction& tx) {
    auto said = sample("10000001", me, "Jalan  RUSAK", at(1000));
    said.duplicate_key = "jalan rusak";
    said.duplicate_key_is_folded_text = true;  // as the MO path files every complaint
    tx.create_complaint(said);
  });
  CHECK(*folds == opened);
  db.call([&](transaction& tx) {
    auto unsaid = sample("10000002", me, "Lampu  MATI", at(1100));
    unsaid.duplicate_key = "lampu mati";  // not said: the store folds the text to find out
    tx.create_complaint(unsaid);
  });
  CHECK(*folds == opened + 1);
  test::raw_db raw(path);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE duplicate_key IS NULL") == 2);
  // Both found by their keys (the probe folds a candidate's text).
  auto ref = [&](std::string_view key) {
    return db.call([&](transaction& tx) { return tx.recent_complaint_with_key(me, key, at(0)); });
  };
  CHECK(ref("jalan rusak") == std::optional<std::string>("10000001"));
  CHECK(ref("lampu mati") == std::optional<std::string>("10000002"));
}

TEST_CASE("a parameter a statement's use leaves unbound is NULL - not the last use's value") {
  // The statement cache keeps a statement's bindings from one use to the next (connection.hpp,
  // query): what this use does not bind must read NULL, as a fresh statement's would.
  test::temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([&](transaction& tx) {
    tx.create_complaint(sample("10000001", "+6281234567890", "jalan rusak", at(1000)));
    auto bare = sample("10000002", "+6281234567891", "lampu mati", at(1100));
    bare.institution.reset();  // the national desk: no institution bound
    bare.duplicate_key = {};   // no key: no hash bound
    tx.create_complaint(bare);
  });
  auto c = db.call([](transaction& tx) { return tx.complaint_by_ref("10000002"); });
  REQUIRE(c);
  CHECK_FALSE(c->institution);
  test::raw_db raw(dir.file("lapord.db"));
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE ref='10000002' AND institution_code "
                    "IS NULL AND institution_keyword IS NULL AND duplicate_hash IS NULL") == 1);
}
