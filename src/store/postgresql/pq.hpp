#pragma once
// A small RAII wrapper over libpq for the PostgreSQL backend: a connection, a result, the
// parameters of one statement, and statements prepared once per connection. No ORM: the SQL is
// written out in the domain files (complaints.cpp, outbox.cpp ...). The only place (with its .cpp
// files in src/store/postgresql/) that sees libpq-fe.h.
#include "store/postgresql/libpq_api.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lapord/store/error.hpp"
#include "lapord/store/records.hpp"
#include "store/postgresql/pq_log.hpp"

namespace lapord::store::postgresql {

// The store error for an SQLSTATE: a constraint or a bad value fails the item, a lost
// connection or a shutting-down server the batch (errc::unavailable), and so on.
errc errc_of(std::string_view sqlstate) noexcept;

class result {
 public:
  explicit result(PGresult* r) noexcept : r_(r) {}
  const PGresult* get() const noexcept { return r_.get(); }
  int rows() const noexcept { return libpq().PQntuples(r_.get()); }
  bool is_null(int row, int col) const noexcept {
    return libpq().PQgetisnull(r_.get(), row, col) != 0;
  }
  std::string_view view(int row, int col) const noexcept {
    return {libpq().PQgetvalue(r_.get(), row, col),
            static_cast<std::size_t>(libpq().PQgetlength(r_.get(), row, col))};
  }
  std::string text(int row, int col) const { return std::string(view(row, col)); }
  std::optional<std::string> opt_text(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  std::optional<std::int64_t> opt_int64(int row, int col) const;
  wall_time time(int row, int col) const {
    return wall_time(std::chrono::milliseconds(int64(row, col)));
  }
  std::optional<wall_time> opt_time(int row, int col) const;
  bool boolean(int row, int col) const { return view(row, col) == "t"; }
  // Rows changed by an INSERT/UPDATE/DELETE.
  int affected() const noexcept;

 private:
  struct clear {
    void operator()(PGresult* r) const noexcept { libpq().PQclear(r); }
  };
  std::unique_ptr<PGresult, clear> r_;
};

// The parameters of one statement. Text and bytea go in binary format straight from the
// caller's views (valid until the statement ran: no copy); integers as decimal text.
class params {
 public:
  static constexpr int max = 24;  // complaints INSERT of deferred_rows 23, receipts' 22
  params& add(std::int64_t v);
  params& add(std::string_view text) { return add_bytes(text); }
  params& add(const std::string& text) { return add_bytes(text); }
  params& add(const char* text) { return add_bytes(std::string_view(text)); }
  params& add(std::optional<std::string_view> text) { return text ? add(*text) : add_null(); }
  params& add(std::optional<std::int64_t> v) { return v ? add(*v) : add_null(); }
  params& add(wall_time t) { return add(static_cast<std::int64_t>(t.time_since_epoch().count())); }
  params& add(std::optional<wall_time> t) { return t ? add(*t) : add_null(); }
  params& add(bool b) { return add(std::int64_t{b ? 1 : 0}); }
  params& add_bytes(std::string_view bytes);
  params& add_null();

  int size() const noexcept { return n_; }
  const char* const* values() const noexcept { return values_.data(); }
  const int* lengths() const noexcept { return lengths_.data(); }
  const int* formats() const noexcept { return formats_.data(); }

 private:
  int next();
  int n_ = 0;
  std::array<const char*, max> values_{};
  std::array<int, max> lengths_{};
  std::array<int, max> formats_{};
  std::array<std::array<char, 24>, max> numbers_{};
};

class pq_connection {
 public:
  // Rows kept back to be written together (deferred_rows.hpp): written (sent, by send())
  // before every statement that waits for a result, so that it sees them.
  class deferred {
   public:
    virtual bool pending() const noexcept = 0;
    virtual void flush(pq_connection& pq) = 0;

   protected:
    ~deferred() = default;
  };
  void defer_to(deferred* d) noexcept { deferred_ = d; }

  // Connects with a libpq connection string or URI. Throws store_error(unavailable) with
  // libpq's message (never the connection string: it may hold a password). libpq's notices go
  // to `log` (pq_log.hpp), when given.
  explicit pq_connection(const std::string& conninfo, log_sink log = {});
  pq_connection(const pq_connection&) = delete;
  pq_connection& operator=(const pq_connection&) = delete;

  bool ok() const noexcept { return libpq().PQstatus(c_.get()) == CONNECTION_OK; }
  // Idle, in a transaction, in a failed transaction, or unknown (connection lost).
  PGTransactionStatusType transaction_status() const noexcept {
    return libpq().PQtransactionStatus(c_.get());
  }
  // Connects again (after a lost connection or a failover); the prepared statements go.
  void reconnect();
  // Drops the connection (a server that turned out to be a standby).
  void close() noexcept {
    prepared_.clear();
    sent_.clear();
    c_.reset();
  }

  // A statement without parameters, by the simple protocol (BEGIN, COMMIT, DDL, several
  // statements separated by ';').
  result exec(const char* sql);
  // `sql` must have static storage: its address keys the statements prepared on this
  // connection. Statements sent before (send()) go in the same round trip; the first error
  // among them is thrown here.
  result run(const char* sql, const params& p);
  // run() without writing the rows kept back first: only for a statement that reads none of
  // their tables, or whose caller adds them itself (facts_about).
  result run_beside_deferred(const char* sql, const params& p);
  // run_beside_deferred() unprepared: planned at each call for its parameters and the tables
  // as they are now. For a statement run once per batch whose best plan changes as a table
  // grows (a plan kept from an empty table would scan the whole table ever after).
  result run_planned(const char* sql, const params& p);
  // A statement whose result the caller does not need (an INSERT or UPDATE without RETURNING),
  // sent without waiting for it: libpq's pipeline mode. Its result is read, and its error
  // thrown, by the next statement that waits (run, exec) or by settle(): one round trip for
  // them all. The parameters are copied into libpq's buffer at once.
  void send(const char* sql, const params& p);
  // Waits for every statement sent; throws the first one's error.
  void settle();
  bool unsettled() const noexcept { return !sent_.empty(); }
  [[noreturn]] void fail(const PGresult* r, std::string_view what) const;
  std::string host() const;
  const libpq_log& log() const noexcept { return log_; }
  // libpq's last message on this connection, one line, without the password.
  std::string error_message() const { return log_.scrub(libpq().PQerrorMessage(c_.get())); }

  // COPY ... FROM STDIN: starts it, sends rows in COPY's text format, ends it (throws
  // store_error with the server's message if it refused a row).
  void copy_begin(const std::string& sql);
  void copy_data(std::string_view data);
  void copy_end(std::string_view what);

 private:
  result check(PGresult* r, std::string_view what);
  struct finish {
    void operator()(PGconn* c) const noexcept { libpq().PQfinish(c); }
  };
  struct sent {
    const char* sql;
    bool prepare;  // the PQsendPrepare of a statement new to this connection
  };
  std::optional<result> read_sent(bool keep_last);
  void flush_deferred() {
    if (deferred_ && deferred_->pending()) deferred_->flush(*this);
  }
  deferred* deferred_ = nullptr;
  void send_one(const char* sql, const params& p, bool prepare = true);
  std::string conninfo_;
  libpq_log log_;  // before c_: the notice receiver points here while c_ lives
  std::unique_ptr<PGconn, finish> c_;
  std::unordered_map<const char*, std::string> prepared_;
  std::vector<sent> sent_;  // in pipeline mode while not empty
};

}  // namespace lapord::store::postgresql
