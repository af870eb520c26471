// The PostgreSQL end of copy_store: the store migrated to this build's schema, one transaction
// for the whole copy (a failure leaves the target as it was), the tables locked against a lapord
// started meanwhile, rows sent with COPY FROM STDIN in its text format.
#include <string>

#include "store/copy_rows.hpp"
#include "store/postgresql/connection.hpp"

namespace lapord::store::copying {
namespace {

constexpr char counter_sql[] = "SELECT value FROM counters WHERE name=$1";
constexpr char set_counter_sql[] =
    "INSERT INTO counters (name, value) VALUES ($1, $2) "
    "ON CONFLICT (name) DO UPDATE SET value=excluded.value";
// EXCLUSIVE: reads go on, writers (a lapord started on the target too early) wait for the COMMIT.
constexpr char lock_sql[] =
    "LOCK TABLE received, parts, complaints, events, reporters, counters, replies, "
    "reply_segments, dropped_forwards IN EXCLUSIVE MODE";
// Identity columns given explicit values do not move their sequences: the next row inserted by
// lapord must get an id after the copied ones.
constexpr const char* identities[] = {
    "SELECT setval(pg_get_serial_sequence('received', 'id'), max(id)) FROM received "
    "HAVING max(id) IS NOT NULL",
    "SELECT setval(pg_get_serial_sequence('replies', 'id'), max(id)) FROM replies "
    "HAVING max(id) IS NOT NULL",
};
constexpr std::size_t flush_bytes = 256 * 1024;

// COPY's text format: backslash escapes for the delimiter (tab), line ends and the backslash;
// bytea as \\x + hex (the backslash itself escaped).
void append_escaped(std::string& out, std::string_view s) {
  for (char ch : s) {
    switch (ch) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += ch;
    }
  }
}

void append_hex(std::string& out, std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  out += "\\\\x";
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
}

class postgresql_sink final : public sink {
 public:
  explicit postgresql_sink(const database_options& options) : c_(options) {
    c_.pq().exec("BEGIN");
    c_.pq().exec(lock_sql);
  }

  std::int64_t count(const table_spec& t) override {
    const std::string sql = "SELECT count(*) FROM " + std::string(t.name);
    return c_.pq().exec(sql.c_str()).int64(0, 0);
  }

  std::int64_t counter(const std::string& name) override {
    auto r = c_.pq().run(counter_sql, postgresql::params().add(name));
    return r.rows() ? r.int64(0, 0) : 0;
  }

  void begin_table(const table_spec& t) override {
    table_ = t.name;
    std::string sql = "COPY " + table_ + " (";
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      sql += (i ? ", " : "") + std::string(t.columns[i].name);
    sql += ") FROM STDIN";
    c_.pq().copy_begin(sql);
    buffer_.clear();
  }

  void put(const row& r) override {
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i) buffer_ += '\t';
      const cell& c = r[i];
      switch (c.k) {
        case cell::kind::null:
          buffer_ += "\\N";
          break;
        case cell::kind::integer:
          buffer_ += std::to_string(c.integer);
          break;
        case cell::kind::text:
          append_escaped(buffer_, c.data);
          break;
        case cell::kind::bytes:
          append_hex(buffer_, c.data);
          break;
      }
    }
    buffer_ += '\n';
    if (buffer_.size() >= flush_bytes) flush();
  }

  void end_table() override {
    flush();
    c_.pq().copy_end("COPY " + table_);
  }

  void set_counter(const std::string& name, std::int64_t value) override {
    c_.pq().run(set_counter_sql, postgresql::params().add(name).add(value));
  }

  void finish() override {
    for (const char* sql : identities)
      c_.pq().exec(sql);
  }

  void commit() override {
    if (c_.pq().transaction_status() != PQTRANS_INTRANS)
      throw store_error(errc::internal, "store copy: the target's transaction failed");
    c_.pq().exec("COMMIT");
  }

 private:
  void flush() {
    if (buffer_.empty()) return;
    c_.pq().copy_data(buffer_);
    buffer_.clear();
  }

  // Not a lapord instance: takes no name and no epoch; connects, checks it may write, migrates.
  postgresql::connection c_;
  std::string table_;
  std::string buffer_;
};

}  // namespace

std::unique_ptr<sink> open_postgresql_sink(const database_options& options) {
  return std::make_unique<postgresql_sink>(options);
}

}  // namespace lapord::store::copying
