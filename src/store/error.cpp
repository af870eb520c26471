#include "lapord/store/error.hpp"

namespace lapord::store {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lapord.store"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok:
        return "ok";
      case errc::item_failed:
        return "the work item failed and was rolled back alone";
      case errc::disk_full:
        return "database or disk is full: nothing of the batch was stored";
      case errc::io_error:
        return "I/O error writing the database: nothing of the batch was stored";
      case errc::read_only:
        return "the database cannot be written (read-only)";
      case errc::busy:
        return "the database is locked by another process";
      case errc::corrupt:
        return "the database file is corrupt or not a database";
      case errc::closed:
        return "the store is shutting down";
      case errc::schema:
        return "the database schema cannot be used by this lapord";
      case errc::internal:
        return "internal database error";
      case errc::unavailable:
        return "the database server cannot be reached: nothing of the batch was stored";
    }
    return "unknown store error";
  }
};

}  // namespace

const std::error_category& store_category() noexcept {
  static const category c;
  return c;
}

std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), store_category()};
}

bool is_temporary(std::error_code ec) noexcept {
  return ec &&
         !(ec.category() == store_category() && ec.value() == static_cast<int>(errc::item_failed));
}

}  // namespace lapord::store
