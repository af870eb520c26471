// The 24-hour duplicate rule ("the same reporter sending the same complaint text again within
// 24 hours", shared/spec/sms-commands.md) compares the complaint text case- and space-folded
// (lapor::duplicate_key), through the MO path into a real store; and the store's migration
// folds the complaints stored before the upgrade exactly as the service does.
#include <doctest/doctest.h>

#include <random>

#include "lapord/lapor/policy.hpp"
#include "pipeline/pipeline_fixture.hpp"
#include "store/store_fixture.hpp"

namespace lapord::app {
namespace {

using test::deliver;

constexpr std::int64_t t0 = 1'800'000'000;

std::int64_t complaints(test::store_under_test& s) {
  store::test::raw_db raw(s.dir.file("lapord.db"));
  return raw.integer("SELECT count(*) FROM complaints");
}

std::string sql_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

}  // namespace

TEST_CASE(
    "\"Jalan  RUSAK ...\" and \"jalan rusak ...\" from one reporter within 24 h: one complaint") {
  test::store_under_test s;
  auto first = s.ingest_one(deliver("6281234567890", "Jalan  RUSAK di depan Pasar", t0));
  REQUIRE(first.complaint_created);
  // Different bytes (so not a redelivery of the same MO), the same folded text.
  auto second = s.ingest_one(deliver("6281234567890", "jalan rusak di depan pasar", t0 + 3600));
  CHECK(second.effect == ingest_effect::decided);
  CHECK(second.reason == "duplicate");
  CHECK_FALSE(second.complaint_created);
  CHECK(second.ref == first.ref);
  auto third =
      s.ingest_one(deliver("6281234567890", "  JALAN   rusak di DEPAN pasar ", t0 + 23 * 3600));
  CHECK(third.reason == "duplicate");
  CHECK(third.ref == first.ref);
  CHECK(complaints(s) == 1);
  // Another reporter with the same text: their own complaint.
  auto other = s.ingest_one(deliver("6285711112222", "jalan rusak di depan pasar", t0 + 3600));
  CHECK(other.complaint_created);
  CHECK(other.ref != first.ref);
  // A different text from the first reporter: a new complaint.
  auto different =
      s.ingest_one(deliver("6281234567890", "jalan rusak di depan pasar lama", t0 + 3700));
  CHECK(different.complaint_created);
  // After 24 h the same folded text is a new complaint (typed with other bytes again: a
  // byte-identical MO within 48 h would be taken for an SMSC redelivery of the second one).
  auto later = s.ingest_one(deliver("6281234567890", "JALAN RUSAK di depan pasar", t0 + 25 * 3600));
  CHECK(later.effect == ingest_effect::decided);
  CHECK(later.complaint_created);
  CHECK(later.ref != first.ref);
  CHECK(complaints(s) == 4);
  auto stored = s.db.call([&](store::transaction& tx) { return tx.complaint_by_ref(first.ref); });
  REQUIRE(stored);
  CHECK(stored->text ==
        "Jalan  RUSAK di depan Pasar");  // the text is kept as typed; only the key is folded
}

TEST_CASE("the same text at 23:59:50 and 00:00:10 UTC is one complaint: the rule spans midnight") {
  // The reporter index is ordered by the complaint's UTC day first (schema 10); the probe looks
  // up yesterday's part of it as well as today's.
  constexpr std::int64_t midnight = (t0 / 86'400 + 1) * 86'400;
  test::store_under_test s;
  auto first = s.ingest_one(deliver("6281234567890", "Lampu jalan mati di gang 3", midnight - 10));
  REQUIRE(first.complaint_created);
  // Another citizen's complaint after midnight: today's part of the index is not empty.
  REQUIRE(s.ingest_one(deliver("6285711112222", "Jalan rusak di depan Pasar", midnight + 5))
              .complaint_created);
  auto second = s.ingest_one(deliver("6281234567890", "lampu jalan MATI di gang 3", midnight + 10));
  CHECK(second.reason == "duplicate");
  CHECK(second.ref == first.ref);
  // And 23 h 59 min after the first, still today's probe of yesterday's part: the same.
  auto third =
      s.ingest_one(deliver("6281234567890", "LAMPU jalan mati di gang 3", midnight + 86'330));
  CHECK(third.reason == "duplicate");
  CHECK(third.ref == first.ref);
  CHECK(complaints(s) == 2);
}

TEST_CASE("the schema migration folds stored complaints exactly as lapor::duplicate_key") {
  // Texts drawn from letters of both cases, ASCII white space of every kind, U+00A0, non-ASCII
  // letters, an emoji and a quote, in runs; stored in a version-2 file, migrated, and each
  // key compared with the service's.
  const std::vector<std::string> alphabet{
      "A",  "z",        "Q",        "m",        " ",
      " ",  "\t",       "\n",       "\r",       "\v",
      "\f", "\xC2\xA0", "\xC3\x84", "\xC3\xA4", "\xF0\x9F\x98\xA1",
      "'",  ".",        "7"};
  std::mt19937 rng(20261204);
  std::vector<std::string> texts{"Jalan  RUSAK", "", "   ", "\xC2\xA0",
                                 "a" + std::string(300, ' ') + "B"};
  for (int i = 0; i < 3000; ++i) {
    std::string t;
    const int n = static_cast<int>(rng() % 24);
    for (int k = 0; k < n; ++k) {
      const std::string& piece = alphabet[rng() % alphabet.size()];
      const int repeat = rng() % 4 == 0 ? static_cast<int>(rng() % 5) + 1 : 1;
      for (int r = 0; r < repeat; ++r)
        t += piece;
    }
    texts.push_back(std::move(t));
  }
  store::test::temp_dir dir;
  const auto path = dir.file("v2.db");
  {
    store::test::raw_db raw(path);
    raw.exec(store::test::fixture("schema_v1.sql"));
    raw.exec(store::test::fixture("schema_v2.sql"));
    raw.exec("PRAGMA user_version=2");
    raw.exec("BEGIN");
    for (std::size_t i = 0; i < texts.size(); ++i) {
      raw.exec(
          "INSERT INTO complaints (ref, channel, carrier, service_number, reporter, "
          "confidential, text, segments, incomplete, status, status_at, created_at, "
          "updated_at) VALUES ('" +
          std::to_string(10000000 + i) + "', 'sms', 'tsel', '1708', '+6281234567890', 0, " +
          sql_quoted(texts[i]) + ", 1, 0, 'received', 0, 0, 0)");
    }
    // Refs read as their own number (store::test::test_ref_number), below the counter as in a
    // store whose refs were made from it (migration 12 checks).
    raw.exec("UPDATE counters SET value = 20000000 WHERE name = 'ref'");
    raw.exec("COMMIT");
  }
  {
    store::database_options o;
    o.path = path;
    o.ref_number = store::test::test_ref_number;
    store::database db(o);
  }
  store::test::raw_db raw(path);
  int checked = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::string expected = lapor::duplicate_key(texts[i]);
    const std::string got =
        raw.rows("SELECT coalesce(duplicate_key, '<NULL>') FROM complaints WHERE ref='" +
                 std::to_string(10000000 + i) + "'");
    INFO("text: " << sql_quoted(texts[i]));
    CHECK(got == (expected.empty() ? std::string("<NULL>") : expected) + "\n");
    ++checked;
  }
  CHECK(checked == static_cast<int>(texts.size()));
}

}  // namespace lapord::app
