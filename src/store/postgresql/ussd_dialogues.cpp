// USSD dialogues between two screens on PostgreSQL (the same as src/store/sqlite/).
#include "store/postgresql/connection.hpp"

namespace lapord::store::postgresql {

namespace {

constexpr char get_sql[] =
    "SELECT state, expires_at FROM ussd_dialogues WHERE key=$1 AND expires_at>$2";
constexpr char put_sql[] =
    "INSERT INTO ussd_dialogues (key, state, expires_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (key) DO UPDATE SET state=excluded.state, expires_at=excluded.expires_at";
constexpr char erase_sql[] = "DELETE FROM ussd_dialogues WHERE key=$1";
constexpr char erase_expired_sql[] = "DELETE FROM ussd_dialogues WHERE expires_at<=$1";

}  // namespace

std::optional<ussd_dialogue_record> pg_transaction::ussd_dialogue(std::string_view key,
                                                                  wall_time now) {
  auto r = c_.pq().run(get_sql, params().add(key).add(now));
  if (r.rows() == 0) return std::nullopt;
  return ussd_dialogue_record{std::string(key), r.text(0, 0), r.time(0, 1)};
}

void pg_transaction::put_ussd_dialogue(const ussd_dialogue_record& d) {
  c_.pq().run(put_sql, params().add(d.key).add(d.state).add(d.expires_at));
}

void pg_transaction::erase_ussd_dialogue(std::string_view key) {
  c_.pq().run(erase_sql, params().add(key));
}

std::int64_t pg_transaction::erase_expired_ussd_dialogues(wall_time now) {
  return c_.pq().run(erase_expired_sql, params().add(now)).affected();
}

}  // namespace lapord::store::postgresql
