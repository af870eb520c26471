// laporctl store copy --from PATH.db --to-env VAR: the upgrade path from SQLite to PostgreSQL
// (docs/scaling.md). The copying is the store layer's (lapord/store/copy.hpp); here only the
// command line and the environment variable that holds the connection string (never printed:
// it may hold a password).
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "app/laporctl/commands.hpp"
#include "lapord/lapor/policy.hpp"
#include "lapord/store/copy.hpp"

namespace lapord::app::laporctl {
namespace {

int run_copy(const std::string& from, const std::string& to_env) {
  const char* url = std::getenv(to_env.c_str());
  if (!url || !*url) {
    std::cerr << "laporctl: store copy: the environment variable " << to_env
              << " holds no PostgreSQL connection string (set it, or name another with "
                 "--to-env)\n";
    return 2;
  }
  store::database_options source;
  source.backend = store::store_backend::sqlite;
  source.path = from;
  // A complaint whose duplicate key is its text folded keeps none in SQLite (schema 14): the
  // copy gives PostgreSQL its key.
  source.duplicate_key = [](std::string_view text) { return lapor::duplicate_key(text); };
  store::database_options target;
  target.backend = store::store_backend::postgresql;
  target.url = url;
  try {
    auto report = store::copy_store(source, target, [](const store::copied_table& t) {
      std::cerr << "laporctl: store copy: " << t.name << ": " << t.rows << " rows\n";
    });
    std::int64_t total = 0;
    for (const auto& t : report.tables)
      total += t.rows;
    std::cout << "copied " << from << " (schema version " << report.schema_version << ") to "
              << to_env << ": " << total << " rows in " << report.tables.size()
              << " tables, counts checked; ref counter " << report.ref_counter << "\n";
    for (const auto& t : report.tables)
      std::cout << "  " << t.name << " " << t.rows << "\n";
    return 0;
  } catch (const store::store_error& e) {
    // what() ends with the error category's generic words: the store's own message says more.
    std::string what = e.what();
    const std::string generic = ": " + e.code().message();
    if (what.ends_with(generic)) what.resize(what.size() - generic.size());
    std::cerr << "laporctl: " << what << "\n";
    return 1;
  }
}

}  // namespace

void add_store_command(CLI::App& app, command_action& action) {
  auto* cmd = app.add_subcommand("store", "The store itself (no running daemon needed)");
  cmd->require_subcommand(1);
  auto* copy = cmd->add_subcommand(
      "copy", "Copy an SQLite store into an empty PostgreSQL one (stop lapord first)");
  auto from = std::make_shared<std::string>();
  auto to_env = std::make_shared<std::string>("LAPORD_PG_URL");
  copy->add_option("--from", *from, "the SQLite store file (lapord.db)")->required();
  copy->add_option("--to-env", *to_env,
                   "environment variable holding the PostgreSQL connection string")
      ->capture_default_str();
  copy->callback(
      [&action, from, to_env] { action = [from, to_env] { return run_copy(*from, *to_env); }; });
}

}  // namespace lapord::app::laporctl
