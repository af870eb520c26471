#pragma once
// The two ends of copy_store (copy.cpp): a source that reads a store's tables row by row and a
// sink that writes them, in backend-neutral values. Each backend implements its end in its own
// folder (sqlite/copy_source.cpp, postgresql/copy_sink.cpp); copy.cpp knows neither engine.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lapord/store/database.hpp"

namespace lapord::store::copying {

// One value as both backends store it.
struct cell {
  enum class kind { null, integer, text, bytes };
  kind k = kind::null;
  std::int64_t integer = 0;
  std::string data;  // text (UTF-8) or raw bytes
};
using row = std::vector<cell>;

struct column {
  const char* name;
  // What the source selects for it (nullptr: the column itself).
  const char* source_expr = nullptr;
};

// A table as both schemas have it. PostgreSQL's own `seq` identity columns (insertion order,
// SQLite's rowid) are not listed: the target numbers the rows as they come, in `order_by`.
struct table_spec {
  const char* name;
  std::vector<column> columns;
  const char* order_by;
};

class source {
 public:
  virtual ~source() = default;
  virtual int schema_version() = 0;
  // Every table of the store and its columns (to refuse one copy_store does not know).
  virtual std::vector<std::pair<std::string, std::vector<std::string>>> tables() = 0;
  virtual std::int64_t count(const table_spec& t) = 0;
  // Calls `put` with each row, columns in the spec's order.
  virtual void read(const table_spec& t, const std::function<void(const row&)>& put) = 0;
  // The counters table: ref, epoch ...
  virtual std::vector<std::pair<std::string, std::int64_t>> counters() = 0;
};

class sink {
 public:
  virtual ~sink() = default;
  // Rows already in the target's table (inside the copy's transaction).
  virtual std::int64_t count(const table_spec& t) = 0;
  virtual std::int64_t counter(const std::string& name) = 0;
  virtual void begin_table(const table_spec& t) = 0;
  virtual void put(const row& r) = 0;
  virtual void end_table() = 0;
  virtual void set_counter(const std::string& name, std::int64_t value) = 0;
  // After every table: identity columns continue after the largest copied id.
  virtual void finish() = 0;
  virtual void commit() = 0;
};

// A read-only snapshot of an SQLite store file (never created, never migrated), with
// lapord_duplicate_key() folding by `duplicate_key` (database_options::duplicate_key).
std::unique_ptr<source> open_sqlite_source(
    const std::string& path, std::function<std::string(std::string_view)> duplicate_key);
// A PostgreSQL store, migrated to this build's schema, its tables locked against writers, in
// one open transaction until commit().
std::unique_ptr<sink> open_postgresql_sink(const database_options& options);

}  // namespace lapord::store::copying
