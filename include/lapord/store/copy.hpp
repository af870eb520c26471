#pragma once
// Copying a whole store from one backend to another: how a deployment grows out of SQLite
// (`laporctl store copy --from PATH.db --to-env LAPORD_PG_URL`). Backend-neutral: the caller
// names the two stores by their database_options; the store layer reads the source table by
// table and writes the target in one transaction. See docs/store.md, "Copying a store".
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/store/database.hpp"

namespace lapord::store {

struct copied_table {
  std::string name;
  std::int64_t rows = 0;  // read from the source, written to and counted again in the target
};

struct copy_report {
  int schema_version = 0;
  std::vector<copied_table> tables;
  std::uint64_t ref_counter = 0;  // the next complaint on the target gets a later ref
};

// Called after each table was written (before the COMMIT).
using copy_progress = std::function<void(const copied_table&)>;

// Copies every row of the store `from` into the empty store `to` in one transaction of the
// target, checks each table's count in the target against the source before the COMMIT, and
// returns what was copied. Supported: from SQLite (read only, never migrated: its schema
// version must be this build's) to PostgreSQL (migrated to this build's schema first).
// Throws store_error with a clear message and leaves the target as it was: a missing or
// non-lapord source, a source schema version other than this build's, a target that holds
// data already, an unreachable server, a count that differs.
copy_report copy_store(const database_options& from, const database_options& to,
                       const copy_progress& progress = {});

}  // namespace lapord::store
