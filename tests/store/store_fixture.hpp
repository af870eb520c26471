#pragma once
// Helpers shared by the store tests: options for a store in a temp dir, times, sample records,
// and a raw handle to look at the store behind its back.
//
// The same tests run against both backends: with LAPORD_TEST_PG_URL_FILE set (ctest's "pg: "
// tests, see tests/store/CMakeLists.txt) every store is a database of its own on the test
// cluster (tests/system/pg_cluster.py), named after the test's temp path.
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "lapord/lapor/policy.hpp"
#include "lapord/store/database.hpp"
#include "store/pg_test_db.hpp"
#include "store/temp_dir.hpp"

namespace lapord::store::test {

// The store tests' ref key: a ref of digits is its own number. The store needs only a function
// that gives every ref its own number the same way each time (it keys SQLite's complaints by it,
// schema 12); what makes refs unguessable is the daemon's (lapor::ref_generator::number_of, with
// tests of its own). So the tests can name complaints "10000001", "48219375" ...
inline std::optional<std::uint64_t> test_ref_number(std::string_view ref) {
  if (ref.empty() || ref.size() > 18) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : ref) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

inline database_options options_for(std::string path) {
  database_options o;
  o.ref_number = test_ref_number;
  o.duplicate_key = lapor::duplicate_key;  // as the daemon (schema 14: no key the text gives)
  if (on_postgresql()) {
    o.backend = store_backend::postgresql;
    o.url = pg_database_for(path);
  }
  o.path = std::move(path);
  // ctest's "overlap: " tests run every SQLite store test with the overlapped fsync.
  if (const char* mode = std::getenv("LAPORD_TEST_SQLITE_SYNC");
      mode && std::string_view(mode) == "overlap")
    o.sqlite_sync = sqlite_sync_mode::overlap;
  return o;
}

inline bool sqlite_overlap() {
  const char* mode = std::getenv("LAPORD_TEST_SQLITE_SYNC");
  return !on_postgresql() && mode && std::string_view(mode) == "overlap";
}

// For what only SQLite has (its file, PRAGMAs, its migrations from frozen fixture files).
#define LAPORD_SQLITE_ONLY()                              \
  do {                                                    \
    if (::lapord::store::test::on_postgresql()) {         \
      MESSAGE("SQLite only: not run against PostgreSQL"); \
      return;                                             \
    }                                                     \
  } while (false)

inline wall_time at(std::int64_t seconds) {
  return wall_time(std::chrono::seconds(seconds));
}

inline new_complaint sample_complaint(std::string_view ref, std::string_view reporter,
                                      std::string_view text, wall_time when) {
  new_complaint c;
  c.ref = ref;
  c.carrier = "telkomsel";
  c.service_number = "1708";
  c.reporter = reporter;
  c.text = text;
  c.duplicate_key = text;  // the service's folding is not the store's business: tests pass it
  c.created_at = when;
  c.institution = institution_view{"36.03", "Kabupaten Tangerang", "TANGKAB", false};
  return c;
}

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string fixture(const std::string& name) {
  return read_text_file(std::string(LAPORD_SOURCE_DIR) + "/tests/store/fixtures/" + name);
}

// A plain connection to the same store, as an auditor, sqlite3(1) or psql would open it.
class raw_db {
 public:
  explicit raw_db(const std::string& path) {
    if (on_postgresql()) {
      pg_.emplace(pg_database_for(path));
      return;
    }
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open " + path);
  }
  ~raw_db() { sqlite3_close(db_); }
  raw_db(const raw_db&) = delete;

  // SQLite: lapord_ref_number(ref) on this connection (test_ref_number), as the store registers
  // it at open: the version-12 fixture calls it (src/store/sqlite/schema.cpp, migration 12).
  void define_ref_number() {
    if (pg_) return;
    auto number = [](sqlite3_context* ctx, int, sqlite3_value** argv) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
      const auto n = test_ref_number(text != nullptr ? std::string_view(text) : std::string_view());
      if (!n) return sqlite3_result_error(ctx, "lapord_ref_number: not a ref", -1);
      sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(*n));
    };
    sqlite3_create_function(db_, "lapord_ref_number", 1, SQLITE_UTF8, nullptr, number, nullptr,
                            nullptr);
  }
  raw_db& operator=(const raw_db&) = delete;

  // SQLite: the file a lapord of schema `version` left, from the frozen fixtures
  // (fixtures/schema_v1.sql ... schema_vN.sql) and its user_version.
  void make_sqlite_schema(int version) {
    for (int v = 1; v <= version; ++v)
      exec(fixture("schema_v" + std::to_string(v) + ".sql"));
    exec("PRAGMA user_version=" + std::to_string(version));
  }
  // SQLite: the schema as the file keeps it, to compare with new_sqlite_schema's.
  std::string sqlite_schema() {
    return rows("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name");
  }

  void exec(const std::string& sql) {
    if (pg_) return pg_->exec(sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string e = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(e + " in " + sql);
    }
  }
  // The first column of the first row as an integer (0 when there is no row).
  std::int64_t integer(const std::string& sql) {
    if (pg_) return pg_->integer(sql);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string(sqlite3_errmsg(db_)) + " in " + sql);
    std::int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return v;
  }
  // Every row's columns joined by '|', rows joined by '\n'.
  std::string rows(const std::string& sql) {
    if (pg_) return pg_->rows(sql);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string(sqlite3_errmsg(db_)) + " in " + sql);
    std::string out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        if (i) out += '|';
        const auto* t = sqlite3_column_text(s, i);
        out += t ? reinterpret_cast<const char*>(t) : "NULL";
      }
      out += '\n';
    }
    sqlite3_finalize(s);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
  std::optional<pg_raw> pg_;
};

// SQLite: the schema of a new store of the latest version (made as fresh.db in `dir`): what a
// migrated file must end up with, to the letter.
inline std::string new_sqlite_schema(const temp_dir& dir) {
  const auto path = dir.file("fresh.db");
  { database fresh(options_for(path)); }
  return raw_db(path).sqlite_schema();
}

}  // namespace lapord::store::test
