#include "store/postgresql/pq.hpp"

#include <charconv>
#include <cstdio>
#include <utility>

namespace lapord::store::postgresql {

errc errc_of(std::string_view s) noexcept {
  if (s.size() != 5) return errc::unavailable;  // no SQLSTATE: the connection went
  const std::string_view cls = s.substr(0, 2);
  if (cls == "23" || cls == "22") return errc::item_failed;  // a constraint or a bad value
  if (s == "53100") return errc::disk_full;
  if (cls == "53") return errc::busy;  // out of memory or connections on the server
  if (cls == "08" || cls == "57") return errc::unavailable;  // lost, or shutting down
  if (s == "25006") return errc::read_only;                  // a standby: failover in progress
  if (s == "40001" || s == "40P01" || s == "55P03") return errc::busy;
  if (cls == "58") return errc::io_error;
  if (s == "XX001" || s == "XX002") return errc::corrupt;
  return errc::internal;
}

// --- result ------------------------------------------------------------------------------------

std::optional<std::string> result::opt_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return text(row, col);
}

std::int64_t result::int64(int row, int col) const {
  auto v = view(row, col);
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size())
    throw store_error(errc::internal, "store: not an integer from PostgreSQL: " + std::string(v));
  return out;
}

std::optional<std::int64_t> result::opt_int64(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return int64(row, col);
}

std::optional<wall_time> result::opt_time(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return time(row, col);
}

int result::affected() const noexcept {
  const char* n = libpq().PQcmdTuples(r_.get());
  int out = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), out);
  return out;
}

// --- params ------------------------------------------------------------------------------------

int params::next() {
  if (n_ == max) throw store_error(errc::internal, "store: too many statement parameters");
  return n_++;
}

params& params::add(std::int64_t v) {
  int i = next();
  auto& buf = numbers_[static_cast<std::size_t>(i)];
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size() - 1, v);
  *end = '\0';
  values_[static_cast<std::size_t>(i)] = buf.data();
  lengths_[static_cast<std::size_t>(i)] = 0;
  formats_[static_cast<std::size_t>(i)] = 0;
  return *this;
}

params& params::add_bytes(std::string_view bytes) {
  int i = next();
  values_[static_cast<std::size_t>(i)] = bytes.data() ? bytes.data() : "";
  lengths_[static_cast<std::size_t>(i)] = static_cast<int>(bytes.size());
  formats_[static_cast<std::size_t>(i)] = 1;  // binary: text and bytea are their raw bytes
  return *this;
}

params& params::add_null() {
  int i = next();
  values_[static_cast<std::size_t>(i)] = nullptr;
  lengths_[static_cast<std::size_t>(i)] = 0;
  formats_[static_cast<std::size_t>(i)] = 0;
  return *this;
}

// --- pq_connection-----------------------------------------------------------------------------

pq_connection::pq_connection(const std::string& conninfo, log_sink log)
    : conninfo_(conninfo), log_(conninfo, std::move(log)) {
  reconnect();
}

void pq_connection::reconnect() {
  prepared_.clear();
  sent_.clear();
  c_.reset(libpq().PQconnectdb(conninfo_.c_str()));
  if (!c_) throw store_error(errc::unavailable, "store: PostgreSQL: out of memory");
  if (libpq().PQstatus(c_.get()) != CONNECTION_OK)
    throw store_error(errc::unavailable, "store: cannot connect to PostgreSQL: " + error_message());
  log_.route_notices(c_.get());
  // Durability is not left to the server's default: an ack follows a COMMIT that is on disk
  // (and on the synchronous standby, when one is configured).
  exec("SET synchronous_commit = on");
  // A statement of ours still running (a lock wait) when lapord is killed ends within a second,
  // and with it the session's locks: the instance name is free for the restarted process.
  // A managed server may not let a session set it: then the server's own value stands.
  try {
    exec("SET client_connection_check_interval = 1000");
  } catch (const store_error&) {  // NOLINT(bugprone-empty-catch): optional, see above
  }
  exec("SET client_min_messages = warning");
}

std::string pq_connection::host() const {
  const char* h = libpq().PQhost(c_.get());
  const char* p = libpq().PQport(c_.get());
  return std::string(h ? h : "?") + ":" + (p ? p : "?");
}

void pq_connection::fail(const PGresult* r, std::string_view what) const {
  const char* state = r ? libpq().PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = r ? libpq().PQresultErrorMessage(r) : "";
  if (msg.empty()) msg = libpq().PQerrorMessage(c_.get());
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
    msg.pop_back();
  errc e = errc_of(state ? std::string_view(state) : std::string_view());
  if (libpq().PQstatus(c_.get()) != CONNECTION_OK) e = errc::unavailable;
  throw store_error(e, "store: PostgreSQL: " + msg + " (in: " + std::string(what) + ")");
}

result pq_connection::check(PGresult* r, std::string_view what) {
  auto st = r ? libpq().PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return result(r);
  result owner(r);  // cleared whatever happens
  fail(r, what);
}

result pq_connection::exec(const char* sql) {
  settle();  // writes the rows kept back first
  return check(libpq().PQexec(c_.get(), sql), sql);
}

result pq_connection::run(const char* sql, const params& p) {
  flush_deferred();
  return run_beside_deferred(sql, p);
}

result pq_connection::run_beside_deferred(const char* sql, const params& p) {
  if (!sent_.empty()) {
    send_one(sql, p);
    return std::move(*read_sent(true));
  }
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    check(libpq().PQprepare(c_.get(), name.c_str(), sql, 0, nullptr), sql);
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  return check(libpq().PQexecPrepared(c_.get(), it->second.c_str(), p.size(), p.values(),
                                      p.lengths(), p.formats(), 0),
               sql);
}

result pq_connection::run_planned(const char* sql, const params& p) {
  if (!sent_.empty()) {
    send_one(sql, p, false);
    return std::move(*read_sent(true));
  }
  return check(libpq().PQexecParams(c_.get(), sql, p.size(), nullptr, p.values(), p.lengths(),
                                    p.formats(), 0),
               sql);
}

// --- pipeline: statements sent without waiting ------------------------------------------------

void pq_connection::send(const char* sql, const params& p) {
  send_one(sql, p);
  // Results wait in the server's socket buffer until read: read them before it could fill.
  if (sent_.size() >= 256) read_sent(false);
}

void pq_connection::send_one(const char* sql, const params& p, bool prepare) {
  if (sent_.empty() && libpq().PQpipelineStatus(c_.get()) == PQ_PIPELINE_OFF &&
      libpq().PQenterPipelineMode(c_.get()) != 1)
    fail(nullptr, sql);
  if (!prepare) {
    if (libpq().PQsendQueryParams(c_.get(), sql, p.size(), nullptr, p.values(), p.lengths(),
                                  p.formats(), 0) != 1)
      fail(nullptr, sql);
    sent_.push_back({sql, false});
    return;
  }
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    if (libpq().PQsendPrepare(c_.get(), name.c_str(), sql, 0, nullptr) != 1) fail(nullptr, sql);
    sent_.push_back({sql, true});
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  if (libpq().PQsendQueryPrepared(c_.get(), it->second.c_str(), p.size(), p.values(), p.lengths(),
                                  p.formats(), 0) != 1)
    fail(nullptr, sql);
  sent_.push_back({sql, false});
}

void pq_connection::settle() {
  flush_deferred();
  if (!sent_.empty()) read_sent(false);
}

// Sync, then each statement's result (and the NULL after it), then the sync's. The first error
// is thrown once everything was read and the connection is out of pipeline mode; statements
// after it were not run (PGRES_PIPELINE_ABORTED), their prepares neither.
std::optional<result> pq_connection::read_sent(bool keep_last) {
  auto entries = std::move(sent_);
  sent_.clear();
  PGconn* c = c_.get();
  if (libpq().PQpipelineSync(c) != 1) fail(nullptr, "pipeline sync");
  std::optional<result> error, last;
  const char* error_sql = "pipeline";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    PGresult* r = libpq().PQgetResult(c);
    if (!r) {
      if (libpq().PQstatus(c) != CONNECTION_OK) fail(nullptr, entries[i].sql);
      continue;
    }
    const auto st = libpq().PQresultStatus(r);
    const bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok && entries[i].prepare) prepared_.erase(entries[i].sql);
    if (!ok && st != PGRES_PIPELINE_ABORTED && !error) {
      error.emplace(r);
      error_sql = entries[i].sql;
    } else if (ok && keep_last && i + 1 == entries.size()) {
      last.emplace(r);
    } else {
      libpq().PQclear(r);
    }
    while (PGresult* extra = libpq().PQgetResult(c))  // the NULL that ends this statement's results
      libpq().PQclear(extra);
  }
  PGresult* sync = libpq().PQgetResult(c);
  const bool synced = sync && libpq().PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  libpq().PQclear(sync);
  if (!synced || libpq().PQexitPipelineMode(c) != 1) {
    if (error) fail(error->get(), error_sql);
    fail(nullptr, "pipeline sync");
  }
  if (error) fail(error->get(), error_sql);
  if (keep_last && !last) fail(nullptr, entries.back().sql);
  return last;
}

// --- COPY FROM STDIN (laporctl store copy) ---------------------------------------------------

void pq_connection::copy_begin(const std::string& sql) {
  PGresult* r = libpq().PQexec(c_.get(), sql.c_str());
  if (r && libpq().PQresultStatus(r) == PGRES_COPY_IN) {
    libpq().PQclear(r);
    return;
  }
  result owner(r);
  fail(r, sql);
}

void pq_connection::copy_data(std::string_view data) {
  if (libpq().PQputCopyData(c_.get(), data.data(), static_cast<int>(data.size())) != 1)
    fail(nullptr, "COPY");
}

void pq_connection::copy_end(std::string_view what) {
  if (libpq().PQputCopyEnd(c_.get(), nullptr) != 1) fail(nullptr, what);
  // The COPY's own result, then the end of the command.
  bool failed = false;
  std::optional<result> error;
  while (PGresult* r = libpq().PQgetResult(c_.get())) {
    if (libpq().PQresultStatus(r) != PGRES_COMMAND_OK && !failed) {
      failed = true;
      error.emplace(r);
    } else {
      libpq().PQclear(r);
    }
  }
  if (failed) fail(error->get(), what);
}

}  // namespace lapord::store::postgresql
