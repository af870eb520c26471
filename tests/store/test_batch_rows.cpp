// Several MO of one batch (group commit) decide on each other's rows, on both backends. On
// PostgreSQL a batch's received, complaint, outbox and reply rows are kept back and written by
// one statement per table (src/store/postgresql/deferred_rows.hpp): what an item reads must
// still see what the earlier items of its batch wrote, a failed item's rows must go with it,
// and an error in a kept-back row must fail its own item only.
#include <doctest/doctest.h>

#include <future>
#include <string>
#include <vector>

#include "store/batch_gate.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;
namespace text = lapord::text;

namespace {

constexpr const char* citizen = "+6281234500001";

struct mo_octets {
  std::string text;
  mo_pdu view(wall_time when) const {
    mo_pdu m;
    m.carrier = "telkomsel";
    m.source = "6281234500001";
    m.source_ton = 1;
    m.source_npi = 1;
    m.destination = "1708";
    m.short_message = text;
    m.received_at = when;
    return m;
  }
};

// What the MO path does for a complaint (app/mo/mo_ingest.cpp), with the facts it read.
struct filed {
  reporter_facts facts;
  std::string ref;
};

filed file_complaint(transaction& tx, const mo_octets& mo, std::string_view key, wall_time now,
                     bool create) {
  filed out;
  const received_mo r = tx.record_received(mo.view(now), redelivery::keep);
  out.facts = tx.facts_about(citizen, key, now - 24h, now - 1h);
  if (!create) return out;
  out.ref = std::to_string(20000000 + tx.next_ref_counter());
  auto c = sample_complaint(out.ref, citizen, mo.text, now);
  c.duplicate_key = key;
  c.received_id = r.id;
  tx.create_complaint(c);
  tx.enqueue_forward(out.ref, now);
  tx.enqueue_reply({"telkomsel", "1708", "6281234500001", "Terima kasih", "ack", out.ref, now});
  return out;
}

}  // namespace

TEST_CASE("one batch: a citizen's second MO sees the first's complaint - count and rate notice") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const mo_octets first{"LAPOR jalan rusak"}, again{"LAPOR jalan rusak "}, third{"LAPOR lampu"};
  batch_gate gate(db);
  std::vector<std::future<filed>> out;
  auto submit = [&](auto work) {
    auto p = std::make_shared<std::promise<filed>>();
    out.push_back(p->get_future());
    // As the MO path names it: the source as the carrier wrote it (the complaint: with '+').
    db.submit_for("6281234500001", work, [p](result<filed> r) {
      p->set_value(r ? *r.value : filed{{}, "failed: " + r.detail});  // checked below
    });
  };
  submit([&](transaction& tx) {
    return file_complaint(tx, first, "lapor jalan rusak", at(1000), true);
  });
  // The same text folded: a duplicate of the first, not yet committed.
  submit([&](transaction& tx) {
    return file_complaint(tx, again, "lapor jalan rusak", at(1001), false);
  });
  submit([&](transaction& tx) {
    filed f = file_complaint(tx, third, "lapor lampu", at(1002), true);
    tx.mark_rate_notice(citizen, at(1002));
    return f;
  });
  submit(
      [&](transaction& tx) { return file_complaint(tx, third, "lapor lampu", at(1003), false); });
  gate.open();
  const filed a = out[0].get(), b = out[1].get(), c = out[2].get(), d = out[3].get();
  for (const filed* f : {&a, &b, &c, &d})
    CHECK(f->ref.rfind("failed", 0) != 0);
  CHECK_FALSE(a.facts.duplicate_ref);
  CHECK(a.facts.complaints_since == 0);
  REQUIRE(b.facts.duplicate_ref);
  CHECK(*b.facts.duplicate_ref == a.ref);
  CHECK(b.facts.complaints_since == 1);
  CHECK_FALSE(b.facts.rate_notice_sent);
  CHECK_FALSE(c.facts.duplicate_ref);
  CHECK(c.facts.complaints_since == 1);
  REQUIRE(d.facts.duplicate_ref);
  CHECK(*d.facts.duplicate_ref == c.ref);
  CHECK(d.facts.complaints_since == 2);
  CHECK(d.facts.rate_notice_sent);

  // Every row is there once, and each received row names its complaint.
  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.integer("SELECT count(*) FROM received") == 4);
  // A whole message's received row names its ref on PostgreSQL (written with it); SQLite's is
  // found from its complaint (schema 14: the row does not grow after its insert).
  CHECK(raw.integer("SELECT count(*) FROM received WHERE ref IS NOT NULL") ==
        (on_postgresql() ? 2 : 0));
  CHECK(raw.integer("SELECT count(*) FROM complaints") == 2);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE forward_state IS NOT NULL") == 2);
  CHECK(raw.integer("SELECT count(*) FROM replies") == 2);
  CHECK(raw.integer("SELECT count(*) FROM received r JOIN complaints c ON c.received_id = r.id "
                    "AND c.ref = coalesce(r.ref, c.ref)") == 2);
  // Schema 8's: whole messages leave no redelivery key, each complaint its duplicate key's
  // hash for the reporter index, the outbox no body (rendered from the complaint when sent).
  CHECK(raw.integer("SELECT count(*) FROM received WHERE dedup_hash = 0") == 4);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE duplicate_hash IS NOT NULL") == 2);
  CHECK(raw.integer("SELECT count(DISTINCT duplicate_hash) FROM complaints") == 2);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE forward_state = 'pending' "
                    "AND forward_payload IS NULL") == 2);
  // Across the commit too: the next batch reads them from the store.
  auto later = db.call([&](transaction& tx) {
    return tx.facts_about(citizen, "lapor lampu", at(1004) - 24h, at(1004) - 1h);
  });
  REQUIRE(later.duplicate_ref);
  CHECK(*later.duplicate_ref == c.ref);
  CHECK(later.complaints_since == 2);
  CHECK(later.rate_notice_sent);
}

TEST_CASE("one batch: a failed item's rows go with it - the others' stay and are counted") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const mo_octets one{"LAPOR satu"}, two{"LAPOR dua"}, three{"LAPOR tiga"};
  batch_gate gate(db);
  std::promise<std::string> first_ref;
  std::promise<std::error_code> failed;
  std::promise<reporter_facts> last;
  db.submit_for(
      citizen,
      [&](transaction& tx) { return file_complaint(tx, one, "lapor satu", at(1000), true).ref; },
      [&](result<std::string> r) { first_ref.set_value(r ? *r.value : ""); });
  db.submit_for(
      citizen,
      [&](transaction& tx) {
        file_complaint(tx, two, "lapor dua", at(1001), true);
        throw store_error(errc::item_failed, "the service failed after writing");
      },
      [&](result<std::monostate> r) { failed.set_value(r.error); });
  db.submit_for(
      citizen,
      [&](transaction& tx) {
        return file_complaint(tx, three, "lapor dua", at(1002), false).facts;
      },
      [&](result<reporter_facts> r) {
        reporter_facts none;
        none.complaints_since = -1;  // failed: checked below
        last.set_value(r ? *r.value : none);
      });
  gate.open();
  CHECK_FALSE(first_ref.get_future().get().empty());
  CHECK(failed.get_future().get() == make_error_code(errc::item_failed));
  const reporter_facts f = last.get_future().get();
  CHECK_FALSE(f.duplicate_ref);  // the failed item's complaint is not there
  CHECK(f.complaints_since == 1);
  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.integer("SELECT count(*) FROM received") == 2);
  CHECK(raw.integer("SELECT count(*) FROM complaints") == 1);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE forward_state IS NOT NULL") == 1);
  CHECK(raw.integer("SELECT count(*) FROM replies") == 1);
}

TEST_CASE("one batch: a complaint ref taken already fails only its own item") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  db.call([](transaction& tx) {
    tx.create_complaint(sample_complaint("30000001", citizen, "lama", at(10)));
  });
  batch_gate gate(db);
  std::vector<std::promise<bool>> ok(3);
  auto file = [&](const char* ref, std::string_view text, std::promise<bool>& p) {
    db.submit_for(
        citizen,
        [ref, text](transaction& tx) {
          tx.create_complaint(sample_complaint(ref, citizen, text, at(1000)));
          tx.enqueue_forward(ref, at(1000));
        },
        [&p](result<std::monostate> r) { p.set_value(static_cast<bool>(r)); });
  };
  file("30000002", "baru satu", ok[0]);
  file("30000001", "ref yang sama", ok[1]);  // refused by the store's key
  file("30000003", "baru dua", ok[2]);
  gate.open();
  CHECK(ok[0].get_future().get());
  CHECK_FALSE(ok[1].get_future().get());
  CHECK(ok[2].get_future().get());
  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.integer("SELECT count(*) FROM complaints") == 3);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE forward_state IS NOT NULL") == 2);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE text='lama'") == 1);
}

TEST_CASE("one batch: the parts of a long message find each other - the whole is filed once") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  const text::part_key key{"telkomsel", "6281234500001", "1708", 42};
  batch_gate gate(db);
  std::vector<std::promise<std::size_t>> seen(3);
  for (std::uint8_t seq = 1; seq <= 3; ++seq) {
    db.submit_for(
        citizen,
        [&key, seq](transaction& tx) {
          mo_octets mo{"bagian " + std::to_string(seq)};
          const received_mo r = tx.record_received(mo.view(at(1000 + seq)), redelivery::check);
          if (r.duplicate) throw store_error(errc::internal, "a new part taken for a redelivery");
          text::message_part p;
          p.key = key;
          p.total = 3;
          p.sequence = seq;
          p.text = "bagian " + std::to_string(seq) + " ";
          p.received_at = at(1000 + seq);
          tx.put_part(p);
          const std::size_t n = tx.parts_of(key).size();
          if (n == 3) {
            auto c = sample_complaint("40000001", citizen, "bagian 1 bagian 2 bagian 3", at(1003));
            c.received_id = r.id;
            tx.create_complaint(c);
            tx.erase_parts(key);
          }
          return n;
        },
        [&seen, seq](result<std::size_t> r) { seen[seq - 1].set_value(r ? *r.value : 0); });
  }
  gate.open();
  CHECK(seen[0].get_future().get() == 1);
  CHECK(seen[1].get_future().get() == 2);
  CHECK(seen[2].get_future().get() == 3);
  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.integer("SELECT count(*) FROM parts") == 0);
  CHECK(raw.integer("SELECT count(*) FROM complaints") == 1);
  CHECK(raw.integer("SELECT count(*) FROM received") == 3);
  CHECK(raw.integer("SELECT count(*) FROM received WHERE ref='40000001'") == 1);
}
