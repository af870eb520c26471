// Schema 14 stores no duplicate key that is its complaint's text folded (SQLite): a store of
// version 13 with complaints of every kind of key (stored before schema 8, with no hash; stored
// with its hash; none) keeps finding each of them by its key, complaints filed after it keep no
// key and are found by their text folded, and a hash that matches a complaint whose text folds to
// something else never makes it a duplicate. SQLite builds the version-13 file from the frozen
// fixtures; PostgreSQL (whose migration 14 changes nothing) has no fixtures, so a new store is
// turned back into version 13 and opened again.
#include <doctest/doctest.h>

#include <string>

#include "lapord/lapor/policy.hpp"
#include "store/dedup_key.hpp"
#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;

namespace {

const char* const me = "+6281234567890";

std::string hash_of(std::string_view key) {
  return std::to_string(lapord::store::detail::duplicate_hash(key));
}

// Times in seconds (the store keeps ms). 10000001: stored before schema 8 (its key, no hash);
// 10000002: its key and hash; 10000003: no key (a text of spaces); 10000004: no key stored and the
// hash of "banjir", whose text does not fold to it (a hash collision, made here by hand).
std::string v13_rows() {
  const bool sqlite = !on_postgresql();
  std::string sql = std::string("INSERT INTO complaints (") + (sqlite ? "number, " : "") +
                    "ref, channel, carrier, service_number, reporter, confidential, text, "
                    "segments, incomplete, status, status_at, created_at, updated_at, "
                    "duplicate_key, duplicate_hash, routed_by) VALUES ";
  struct row {
    const char* ref;
    const char* text;
    const char* key;  // SQL
    std::string hash;
    int at;
  };
  const row rows[] = {
      {"10000001", "Jalan  RUSAK di Desa", "'jalan rusak di desa'", "NULL", 1000},
      {"10000002", "Lampu mati", "'lampu mati'", hash_of("lampu mati"), 1100},
      {"10000003", "   ", "NULL", "NULL", 1200},
      {"10000004", "Sampah menumpuk", "NULL", hash_of("banjir"), 1300},
  };
  for (const row& r : rows) {
    if (r.ref != rows[0].ref) sql += ", ";
    const std::string t = std::to_string(r.at * 1000);
    sql += std::string("(") + (sqlite ? std::string(r.ref) + ", " : "") + "'" + r.ref +
           "', 'sms', 'telkomsel', '1708', '" + me + "', 0, '" + r.text + "', 1, 0, 'received', " +
           t + ", " + t + ", " + t + ", " + r.key + ", " + r.hash + ", 'national')";
  }
  return sql + "; UPDATE counters SET value = 10000004 WHERE name = 'ref'";
}

void make_v13_store(const std::string& path) {
  if (on_postgresql()) {
    { database db(options_for(path)); }  // the latest schema, then back to 13
    raw_db raw(path);
    raw.exec("DELETE FROM lapord_schema; INSERT INTO lapord_schema VALUES (13)");
    raw.exec(v13_rows());
    return;
  }
  raw_db raw(path);
  raw.define_ref_number();
  raw.make_sqlite_schema(13);
  raw.exec(v13_rows());
}

std::optional<std::string> first_with(database& db, std::string_view key) {
  return db.call([&](transaction& tx) { return tx.recent_complaint_with_key(me, key, at(0)); });
}

}  // namespace

TEST_CASE(
    "a version-13 store is migrated to 14 - every stored key is found and new ones are not "
    "stored") {
  temp_dir dir;
  const std::string path = dir.file("v13.db");
  make_v13_store(path);
  database db(options_for(path));
  CHECK(db.schema_version() == database::latest_schema_version());

  // The keys stored before are compared as they are: no row was rewritten.
  CHECK(first_with(db, "jalan rusak di desa") == std::optional<std::string>("10000001"));
  CHECK(first_with(db, "lampu mati") == std::optional<std::string>("10000002"));
  CHECK_FALSE(first_with(db, ""));
  // A complaint whose key is NULL and whose hash matches is confirmed by its text folded:
  // "sampah menumpuk" is not "banjir".
  CHECK_FALSE(first_with(db, "banjir"));

  db.call([](transaction& tx) {
    // The keys outlive create_complaint: new_complaint views them.
    auto c = sample_complaint("10000005", me, "Got  ONE\t", at(1400));
    const std::string key = lapord::lapor::duplicate_key(c.text);  // "got one", as the service
    c.duplicate_key = key;
    tx.create_complaint(c);
    auto spaces = sample_complaint("10000006", me, " \t ", at(1500));
    const std::string no_key = lapord::lapor::duplicate_key(spaces.text);  // none
    spaces.duplicate_key = no_key;
    tx.create_complaint(spaces);
  });
  CHECK(first_with(db, "got one") == std::optional<std::string>("10000005"));
  CHECK_FALSE(first_with(db, "Got  ONE\t"));  // the text as typed is no key
  // The hourly count reads the same index: every complaint, whatever its key.
  CHECK(db.call([](transaction& tx) { return tx.complaints_since(me, at(0)); }) == 6);

  raw_db raw(path);
  CHECK(raw.rows("SELECT ref, coalesce(duplicate_key, 'NULL'), duplicate_hash IS NOT NULL FROM "
                 "complaints WHERE ref >= '10000005' ORDER BY ref") ==
        (on_postgresql() ? "10000005|got one|t\n10000006|NULL|f\n"
                         : "10000005|NULL|1\n10000006|NULL|0\n"));
  CHECK(raw.rows("SELECT ref, duplicate_key FROM complaints WHERE ref <= '10000002' ORDER BY "
                 "ref") == "10000001|jalan rusak di desa\n10000002|lampu mati\n");
  if (!on_postgresql()) {
    CHECK(raw.sqlite_schema() == new_sqlite_schema(dir));
  }
}

TEST_CASE("a store opened without the duplicate rule's folding keeps every key") {
  LAPORD_SQLITE_ONLY();  // PostgreSQL keeps every key anyway
  temp_dir dir;
  const std::string path = dir.file("keys.db");
  auto o = options_for(path);
  o.duplicate_key = nullptr;
  database db(o);
  db.call([](transaction& tx) {
    auto c = sample_complaint("10000001", me, "got one", at(1));
    tx.create_complaint(c);
  });
  CHECK(first_with(db, "got one") == std::optional<std::string>("10000001"));
  raw_db raw(path);
  CHECK(raw.rows("SELECT duplicate_key FROM complaints") == "got one\n");
}
