// A redelivered MO is recognised (and reports what the first delivery produced); anything
// that differs in a byte is a new message. Parts of long messages are kept durably.
#include <doctest/doctest.h>

#include "lapord/text/reassembly.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;
namespace text = lapord::text;

namespace {

// A deliver_sm as it came: the octets are owned here, the mo_pdu views them.
struct sample_mo {
  std::string short_message = "LAPOR TANGKAB jalan rusak di desa kami";
  std::string tlvs;
  mo_pdu view(wall_time when) const {
    mo_pdu m;
    m.carrier = "telkomsel";
    m.source = "6281234567890";
    m.source_ton = 1;
    m.source_npi = 1;
    m.destination = "1708";
    m.esm_class = 0;
    m.data_coding = 0;
    m.short_message = short_message;
    m.tlvs = tlvs;
    m.received_at = when;
    return m;
  }
};

}  // namespace

TEST_CASE("the same MO delivered twice is a duplicate and reports the first one's ref") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  sample_mo mo;
  auto first = db.call([&](transaction& tx) {
    auto r = tx.record_received(mo.view(at(1000)));
    if (!r.duplicate) {
      auto c = sample_complaint("48219375", "+6281234567890", "jalan rusak di desa kami", at(1000));
      c.received_id = r.id;
      tx.create_complaint(c);
    }
    return r;
  });
  CHECK_FALSE(first.duplicate);
  CHECK_FALSE(first.ref);

  // The SMSC never saw our deliver_sm_resp and sends it again a minute later.
  auto again = db.call([&](transaction& tx) { return tx.record_received(mo.view(at(1060))); });
  CHECK(again.duplicate);
  CHECK(again.id == first.id);
  CHECK(again.ref == std::optional<std::string>("48219375"));
  CHECK(again.first_received_at == at(1000));

  raw_db raw(dir.file("lapord.db"));
  CHECK(raw.integer("SELECT count(*) FROM received") == 1);
  CHECK(raw.integer("SELECT count(*) FROM complaints") == 1);
}

TEST_CASE("a redelivery is recognised after a restart - and within one batch") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  sample_mo mo;
  {
    database db(options_for(path));
    auto r = db.call([&](transaction& tx) { return tx.record_received(mo.view(at(1000))); });
    CHECK_FALSE(r.duplicate);
  }
  database db(options_for(path));
  CHECK(db.call([&](transaction& tx) { return tx.record_received(mo.view(at(5000))); }).duplicate);

  sample_mo other;
  other.short_message = "INFO";
  auto pair = db.call([&](transaction& tx) {
    auto a = tx.record_received(other.view(at(6000)));
    auto b = tx.record_received(other.view(at(6000)));
    return std::make_pair(a, b);
  });
  CHECK_FALSE(pair.first.duplicate);
  CHECK(pair.second.duplicate);
}

TEST_CASE("MOs that differ in any byte - field or TLV are different messages") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  sample_mo base;
  base.tlvs = std::string("\x02\x0c\x00\x02\x00\x2a\x02\x0e\x00\x01\x02\x02\x0f\x00\x01\x01", 16);
  CHECK_FALSE(
      db.call([&](transaction& tx) { return tx.record_received(base.view(at(1))); }).duplicate);

  auto is_new = [&](auto change) {
    sample_mo m = base;
    auto v = m.view(at(2));
    change(m, v);
    return !db.call([&](transaction& tx) { return tx.record_received(v); }).duplicate;
  };
  // Part 2 of the same long message: only the SAR segment number differs.
  CHECK(is_new([](sample_mo& m, mo_pdu& v) {
    m.tlvs[15] = '\x02';
    v.tlvs = m.tlvs;
  }));
  CHECK(is_new([](sample_mo& m, mo_pdu& v) {
    m.short_message.back() = 'I';
    v.short_message = m.short_message;
  }));
  CHECK(is_new([](sample_mo&, mo_pdu& v) { v.source = "6281234567891"; }));
  CHECK(is_new([](sample_mo&, mo_pdu& v) { v.destination = "1709"; }));
  CHECK(is_new([](sample_mo&, mo_pdu& v) { v.carrier = "indosat"; }));
  CHECK(is_new([](sample_mo&, mo_pdu& v) { v.data_coding = 8; }));
  CHECK(is_new([](sample_mo&, mo_pdu& v) { v.esm_class = 0x40; }));
  CHECK(is_new([](sample_mo&, mo_pdu& v) { v.source_ton = 2; }));
  CHECK(is_new([](sample_mo&, mo_pdu& v) { v.service_type = "CMT"; }));
  // And the unchanged one still is a duplicate.
  CHECK_FALSE(is_new([](sample_mo&, mo_pdu&) {}));
}

TEST_CASE("binary octets (UCS-2 with NULs) are kept exactly for audit and compared exactly") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  database db(options_for(path));
  sample_mo mo;
  mo.short_message = std::string(
      "\x00L\x00"
      "A\x00P\x00O\x00R\xd8\x3d\xde\x00",
      14);
  auto v = mo.view(at(1));
  v.data_coding = 8;
  CHECK_FALSE(db.call([&](transaction& tx) { return tx.record_received(v); }).duplicate);
  CHECK(db.call([&](transaction& tx) { return tx.record_received(v); }).duplicate);
  raw_db raw(path);
  CHECK(raw.integer("SELECT length(short_message) FROM received") == 14);
  CHECK(raw.rows(on_postgresql() ? "SELECT upper(encode(short_message, 'hex')) FROM received"
                                 : "SELECT hex(short_message) FROM received") ==
        "004C00410050004F0052D83DDE00\n");
}

TEST_CASE("the dedup window: the same bytes long after are a new message") {
  temp_dir dir;
  auto o = options_for(dir.file("lapord.db"));
  o.dedup_window = std::chrono::hours(48);
  database db(o);
  sample_mo mo;
  CHECK_FALSE(
      db.call([&](transaction& tx) { return tx.record_received(mo.view(at(0))); }).duplicate);
  CHECK(db.call([&](transaction& tx) {
            return tx.record_received(mo.view(at(47 * 3600)));
          }).duplicate);
  auto later = db.call([&](transaction& tx) { return tx.record_received(mo.view(at(49 * 3600))); });
  CHECK_FALSE(later.duplicate);
}

TEST_CASE("parts: a part seen twice counts once - parts come back in order - erase forgets") {
  temp_dir dir;
  database db(options_for(dir.file("lapord.db")));
  text::part_key key{"telkomsel", "6281234567890", "1708", 0x2a};
  auto part = [&](std::uint8_t seq, std::string t, std::int64_t s) {
    text::message_part p;
    p.key = key;
    p.total = 3;
    p.sequence = seq;
    p.text = std::move(t);
    p.received_at = at(s);
    return p;
  };
  db.call([&](transaction& tx) {
    CHECK(tx.put_part(part(3, "pasar.", 10)));
    CHECK(tx.put_part(part(1, "Jalan rusak ", 11)));
    CHECK_FALSE(tx.put_part(part(1, "something else", 12)));  // the first one wins
  });
  auto parts = db.call([&](transaction& tx) { return tx.parts_of(key); });
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].sequence == 1);
  CHECK(parts[0].text == "Jalan rusak ");
  CHECK(parts[0].received_at == at(11));
  CHECK(parts[1].sequence == 3);
  CHECK(parts[1].total == 3);

  auto other = key;
  other.reference = 0x2b;
  db.call([&](transaction& tx) {
    auto p = part(1, "lain", 100);
    p.key = other;
    tx.put_part(p);
  });
  auto old = db.call([&](transaction& tx) { return tx.part_keys_older_than(at(50)); });
  REQUIRE(old.size() == 1);
  CHECK(old[0] == key);
  CHECK(db.call([](transaction& tx) { return tx.counts(); }).part_keys == 2);
  db.call([&](transaction& tx) { tx.erase_parts(key); });
  CHECK(db.call([&](transaction& tx) { return tx.parts_of(key); }).empty());
  CHECK(db.call([&](transaction& tx) { return tx.parts_of(other); }).size() == 1);
}

TEST_CASE("the text layer's reassembler joins parts kept across a restart of the daemon") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  text::part_key key{"telkomsel", "6281234567890", "1708", 7};
  auto part = [&](std::uint8_t seq, std::string t) {
    text::message_part p;
    p.key = key;
    p.total = 2;
    p.sequence = seq;
    p.text = std::move(t);
    p.received_at = at(100);
    return p;
  };
  {
    database db(options_for(path));
    auto r = db.call([&](transaction& tx) {
      text::reassembler re(tx.parts());
      return re.add(part(2, "dekat pasar"));
    });
    CHECK_FALSE(r);
  }
  database db(options_for(path));
  auto whole = db.call([&](transaction& tx) {
    text::reassembler re(tx.parts());
    auto m = re.add(part(1, "Jalan berlubang "));
    if (m) re.release(m->key);  // kept by the caller in this same transaction
    return m;
  });
  REQUIRE(whole);
  CHECK(whole->complete);
  CHECK(whole->text == "Jalan berlubang dekat pasar");
  CHECK(db.call([&](transaction& tx) { return tx.parts_of(key); }).empty());
}

TEST_CASE(
    "a whole message's row gets no ref - a part's does - also on an id a rolled-back row had") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  database db(options_for(path));
  sample_mo whole;
  sample_mo part;
  part.short_message = "jalan rusak, bagian 2";
  // The whole message's row goes with its failed item: its id is handed out again, to a part.
  CHECK_THROWS(db.call([&](transaction& tx) {
    (void)tx.record_received(whole.view(at(1000)), redelivery::keep);
    throw store_error(errc::item_failed, "test: the item fails");
  }));
  auto filed = [&](const sample_mo& mo, redelivery check, const char* ref) {
    return db.call([&](transaction& tx) {
      auto r = tx.record_received(mo.view(at(1000)), check);
      auto c = sample_complaint(ref, "+6281234567890", "jalan rusak di desa kami", at(1000));
      c.received_id = r.id;
      tx.create_complaint(c);
      return r.id;
    });
  };
  const std::int64_t part_id = filed(part, redelivery::check, "48219375");
  const std::int64_t whole_id = filed(whole, redelivery::keep, "10000002");
  // The part, sent again, reports its complaint: its row was given the ref.
  auto again = db.call([&](transaction& tx) { return tx.record_received(part.view(at(1060))); });
  CHECK(again.duplicate);
  CHECK(again.ref == std::optional<std::string>("48219375"));
  // A whole message's row names none (SQLite, schema 14): its complaint names the row.
  raw_db raw(path);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE received_id=" +
                    std::to_string(whole_id)) == 1);
  if (!on_postgresql()) {
    CHECK(raw.integer("SELECT count(*) FROM received WHERE ref IS NULL AND id=" +
                      std::to_string(whole_id)) == 1);
  }
  CHECK(part_id != whole_id);
}
