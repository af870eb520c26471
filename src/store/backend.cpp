// Chooses the backend named in the options. The only file that knows both.
#include "lapord/store/backend.hpp"

#include "lapord/store/database.hpp"
#include "store/postgresql/connection.hpp"
#include "store/sqlite/connection.hpp"

namespace lapord::store {

std::unique_ptr<backend_connection> open_backend(const database_options& options) {
  switch (options.backend) {
    case store_backend::sqlite:
      return std::make_unique<sqlite::connection>(options);
    case store_backend::postgresql:
      return std::make_unique<postgresql::connection>(options);
  }
  throw store_error(errc::internal, "store: unknown backend");
}

int latest_schema_version() noexcept {
  return sqlite::latest_version();
}

int latest_schema_version(store_backend b) noexcept {
  return b == store_backend::postgresql ? postgresql::latest_version() : sqlite::latest_version();
}

// --- the text layer's part_store on any backend's transaction -----------------------------------

namespace detail {

bool transaction_parts::put(const text::message_part& part) {
  return tx_.put_part(part);
}
std::vector<text::message_part> transaction_parts::parts(const text::part_key& key) {
  return tx_.parts_of(key);
}
void transaction_parts::erase(const text::part_key& key) {
  tx_.erase_parts(key);
}
std::vector<text::part_key> transaction_parts::keys_older_than(text::wall_time cutoff) {
  return tx_.part_keys_older_than(cutoff);
}

}  // namespace detail

}  // namespace lapord::store
