// USSD dialogues between two screens (transaction.hpp, ussd_dialogue_record): one row each,
// replaced at every screen, gone when the dialogue ends or expires.
#include "store/sqlite/connection.hpp"

namespace lapord::store::sqlite {

namespace {

constexpr char get_sql[] =
    "SELECT state, expires_at FROM ussd_dialogues WHERE key=? AND expires_at>?";
constexpr char put_sql[] =
    "INSERT INTO ussd_dialogues (key, state, expires_at) VALUES (?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET state=excluded.state, expires_at=excluded.expires_at";
constexpr char erase_sql[] = "DELETE FROM ussd_dialogues WHERE key=?";
constexpr char erase_expired_sql[] = "DELETE FROM ussd_dialogues WHERE expires_at<=?";

}  // namespace

std::optional<ussd_dialogue_record> sqlite_transaction::ussd_dialogue(std::string_view key,
                                                                      wall_time now) {
  auto q = c_.prepare(get_sql);
  q.bind(1, key).bind(2, now);
  if (!q.step()) return std::nullopt;
  return ussd_dialogue_record{std::string(key), q.text(0), q.time(1)};
}

void sqlite_transaction::put_ussd_dialogue(const ussd_dialogue_record& d) {
  auto q = c_.prepare(put_sql);
  q.bind(1, d.key).bind(2, d.state).bind(3, d.expires_at);
  q.run();
}

void sqlite_transaction::erase_ussd_dialogue(std::string_view key) {
  auto q = c_.prepare(erase_sql);
  q.bind(1, key);
  q.run();
}

std::int64_t sqlite_transaction::erase_expired_ussd_dialogues(wall_time now) {
  auto q = c_.prepare(erase_expired_sql);
  q.bind(1, now);
  q.run();
  return q.changes();
}

}  // namespace lapord::store::sqlite
