// Applies the SQLite schema's migrations (their texts in migrations.cpp) in one transaction,
// and checks at every open that the ref key gives the stored complaints' numbers.
#include <string>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/migrations.hpp"

namespace lapord::store::sqlite {
namespace {

int user_version(connection& c) {
  auto q = c.prepare("PRAGMA user_version");
  return q.step() ? static_cast<int>(q.int64(0)) : 0;
}

void check_numbers(connection& c);

// Migration 12 needs lapord_ref_number(), which fails on a ref that is no ref: said as what it is.
void migrate_to_numbers(connection& c) {
  try {
    c.exec(migrations[11]);  // version 11 -> 12
  } catch (const store_error& e) {
    if (e.code() != make_error_code(errc::internal)) throw;
    throw store_error(errc::schema, std::string(e.what()) +
                                        ": migrating to schema 12 (complaints keyed by their "
                                        "ref's number); nothing was changed");
  }
  check_numbers(c);
}

// After migration 12, before its COMMIT: the numbers must be those the ref counter handed out.
// A ref key other than the one the refs were made with still inverts every ref (to some other
// number of the space, distinct, as the permutation is one): nothing in a ref tells. But the
// counter does: every complaint's number is below it (ref = make(counter - 1)), while another
// key's numbers are spread over the whole space. Refused, the file stays at version 11.
void check_numbers(connection& c) {
  auto q = c.prepare(
      "SELECT count(*), (SELECT value FROM counters WHERE name = 'ref') FROM complaints "
      "WHERE number >= (SELECT value FROM counters WHERE name = 'ref')");
  if (q.step() && q.int64(0) > 0)
    throw store_error(errc::schema,
                      "store: migrating to schema 12: " + std::to_string(q.int64(0)) +
                          " complaint ref(s) give a number at or past the ref counter (" +
                          std::to_string(q.int64(1)) +
                          "): is [service] ref_key the key this store's refs were made with? "
                          "Nothing was changed (the store stays at version 11)");
}

// At every open: the newest complaint's ref gives its number, or the key is not the one the
// store was keyed with (changed since, or another store's): refs would not be found, and new
// refs could repeat old ones, so the store is not used. A stored ref that is no ref at all
// (lapord never makes one; scripts/bench's prefill writes such rows, apart from every ref the
// daemon makes) says nothing about the key: not checked.
void check_ref_key(connection& c) {
  auto q = c.prepare("SELECT number, ref FROM complaints ORDER BY number DESC LIMIT 1");
  if (!q.step()) return;
  const std::string ref = q.text(1);
  const auto n = c.number_of(ref);
  if (n && *n != q.int64(0))
    throw store_error(
        errc::schema,
        "store: the ref key does not give the stored complaints' numbers (complaint " +
            std::to_string(q.int64(0)) +
            "): is [service] ref_key the key this store's refs were made with?");
}

}  // namespace

int latest_version() noexcept {
  return static_cast<int>(migrations.size());
}

int migrate(connection& c) {
  // BEGIN IMMEDIATE even when nothing is pending: it proves at start that the file, its WAL
  // and the directory are writable, instead of failing on the first citizen's message.
  c.exec("BEGIN IMMEDIATE");
  try {
    int version = user_version(c);
    if (version > latest_version())
      throw store_error(errc::schema, "store: the database schema is version " +
                                          std::to_string(version) + ", newer than this lapord (" +
                                          std::to_string(latest_version()) +
                                          "): upgrade lapord or restore a backup");
    if (version < 0) throw store_error(errc::schema, "store: negative schema version");
    for (; version < latest_version(); ++version) {
      if (version + 1 == 12) {
        migrate_to_numbers(c);
      } else {
        c.exec(migrations[static_cast<std::size_t>(version)]);
      }
      std::string set = "PRAGMA user_version=" + std::to_string(version + 1);
      c.exec(set.c_str());
    }
    check_ref_key(c);
    c.exec("COMMIT");
    return version;
  } catch (...) {
    sqlite3_exec(c.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace lapord::store::sqlite
