#pragma once
// The SQLite schema's migrations: migrations[i] takes a file from version i to version i + 1.
#include <array>
#include <cstddef>

namespace lapord::store::sqlite {

inline constexpr std::size_t migration_count = 15;
extern const std::array<const char*, migration_count> migrations;

}  // namespace lapord::store::sqlite
