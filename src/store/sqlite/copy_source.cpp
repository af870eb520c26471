// The SQLite end of copy_store: the file opened read only (never created, never migrated), one
// read transaction over the whole copy so that every table comes from the same snapshot.
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <string>
#include <utility>

#include "lapord/store/error.hpp"
#include "store/copy_rows.hpp"
#include "store/sqlite/connection.hpp"

namespace lapord::store::copying {
namespace {

class sqlite_source final : public source {
 public:
  sqlite_source(const std::string& path, std::function<std::string(std::string_view)> fold)
      : path_(path), fold_(std::move(fold)) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
      throw store_error(errc::read_only, "store copy: " + path + ": no such file");
    if (std::filesystem::is_directory(path, ec))
      throw store_error(errc::read_only, "store copy: " + path + " is a directory, not a store");
    int rc =
        sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    try {
      if (rc != SQLITE_OK) fail(rc, "open");
      // The key of a complaint that keeps none (schema 14) is its text folded: copy.cpp.
      sqlite::register_duplicate_key(db_, fold_);
      // The first read tells a file that is not a database; the transaction keeps one snapshot.
      exec("BEGIN");
      auto version = query("PRAGMA user_version");
      if (step(version.get(), "PRAGMA user_version"))
        version_ = sqlite3_column_int(version.get(), 0);
    } catch (...) {
      sqlite3_close_v2(db_);
      throw;
    }
  }
  ~sqlite_source() override {
    sqlite3_close_v2(db_);  // ends the read transaction; nothing was written
  }
  sqlite_source(const sqlite_source&) = delete;
  sqlite_source& operator=(const sqlite_source&) = delete;

  int schema_version() override { return version_; }

  std::vector<std::pair<std::string, std::vector<std::string>>> tables() override {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    auto t = query(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE "
        "'sqlite\\_%' ESCAPE '\\' ORDER BY name");
    while (step(t.get(), "sqlite_master"))
      out.emplace_back(text(t.get(), 0), std::vector<std::string>{});
    for (auto& [name, columns] : out) {
      auto c = query("SELECT name FROM pragma_table_info(?1)");
      sqlite3_bind_text(c.get(), 1, name.c_str(), -1, SQLITE_TRANSIENT);
      while (step(c.get(), "pragma_table_info"))
        columns.push_back(text(c.get(), 0));
    }
    return out;
  }

  std::int64_t count(const table_spec& t) override {
    auto q = query("SELECT count(*) FROM " + std::string(t.name));
    step(q.get(), t.name);
    return sqlite3_column_int64(q.get(), 0);
  }

  void read(const table_spec& t, const std::function<void(const row&)>& put) override {
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      const auto& c = t.columns[i];
      sql += (i ? ", " : "") + std::string(c.source_expr ? c.source_expr : c.name);
    }
    sql += " FROM " + std::string(t.name) + " ORDER BY " + t.order_by;
    auto q = query(sql);
    row r(t.columns.size());
    while (step(q.get(), t.name)) {
      for (int i = 0; i < static_cast<int>(r.size()); ++i)
        fill(r[static_cast<std::size_t>(i)], q.get(), i);
      put(r);
    }
  }

  std::vector<std::pair<std::string, std::int64_t>> counters() override {
    std::vector<std::pair<std::string, std::int64_t>> out;
    auto q = query("SELECT name, value FROM counters ORDER BY name");
    while (step(q.get(), "counters"))
      out.emplace_back(text(q.get(), 0), sqlite3_column_int64(q.get(), 1));
    return out;
  }

 private:
  struct finalize {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };
  using statement = std::unique_ptr<sqlite3_stmt, finalize>;

  [[noreturn]] void fail(int rc, std::string_view what) const {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    const errc e = sqlite::errc_of(rc);
    throw store_error(e == errc::ok ? errc::internal : e,
                      "store copy: " + path_ + ": " + msg + " (in: " + std::string(what) + ")");
  }
  void exec(const char* sql) {
    if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); rc != SQLITE_OK) fail(rc, sql);
  }
  statement query(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr); rc != SQLITE_OK)
      fail(rc, sql);
    return statement(s);
  }
  bool step(sqlite3_stmt* s, std::string_view what) {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail(rc, what);
    return false;
  }
  static std::string text(sqlite3_stmt* s, int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, col)))
             : std::string();
  }
  static void fill(cell& c, sqlite3_stmt* s, int col) {
    switch (sqlite3_column_type(s, col)) {
      case SQLITE_NULL:
        c.k = cell::kind::null;
        break;
      case SQLITE_INTEGER:
        c.k = cell::kind::integer;
        c.integer = sqlite3_column_int64(s, col);
        break;
      case SQLITE_BLOB: {
        c.k = cell::kind::bytes;
        const void* p = sqlite3_column_blob(s, col);
        c.data.assign(p ? static_cast<const char*>(p) : "",
                      static_cast<std::size_t>(sqlite3_column_bytes(s, col)));
        break;
      }
      default:  // TEXT (the schema is STRICT: no REAL column)
        c.k = cell::kind::text;
        c.data = text(s, col);
        break;
    }
  }

  std::string path_;
  std::function<std::string(std::string_view)> fold_;
  sqlite3* db_ = nullptr;
  int version_ = 0;
};

}  // namespace

std::unique_ptr<source> open_sqlite_source(
    const std::string& path, std::function<std::string(std::string_view)> duplicate_key) {
  return std::make_unique<sqlite_source>(path, std::move(duplicate_key));
}

}  // namespace lapord::store::copying
