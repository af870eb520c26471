#pragma once
// The PostgreSQL side of the store tests: which cluster (LAPORD_TEST_PG_URL_FILE names a file
// holding its base connection string, written by tests/system/pg_cluster.py), one database per
// store path, and a raw libpq connection to look behind the store's back.
#include <libpq-fe.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

namespace lapord::store::test {

inline bool on_postgresql() {
  const char* f = std::getenv("LAPORD_TEST_PG_URL_FILE");
  return f && *f;
}

inline std::string pg_base_url() {
  std::ifstream in(std::getenv("LAPORD_TEST_PG_URL_FILE"));
  std::string url;
  if (!in || !std::getline(in, url) || url.empty())
    throw std::runtime_error("no test cluster: LAPORD_TEST_PG_URL_FILE names no URL");
  return url;  // "host=127.0.0.1 port=N user=postgres dbname=postgres"
}

class pg_raw {
 public:
  explicit pg_raw(const std::string& url) : c_(PQconnectdb(url.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK)
      throw std::runtime_error(std::string("connect: ") + PQerrorMessage(c_));
  }
  ~pg_raw() { PQfinish(c_); }
  pg_raw(const pg_raw&) = delete;
  pg_raw& operator=(const pg_raw&) = delete;

  void exec(const std::string& sql) { result(sql); }
  std::int64_t integer(const std::string& sql) {
    auto* r = result(sql);
    std::int64_t v =
        PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? std::stoll(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    return v;
  }
  // Every row's columns joined by '|', rows joined by '\n' (NULL as "NULL"), as raw_db does.
  std::string rows(const std::string& sql) {
    auto* r = result(sql);
    std::string out;
    for (int i = 0; i < PQntuples(r); ++i) {
      for (int j = 0; j < PQnfields(r); ++j) {
        if (j) out += '|';
        out += PQgetisnull(r, i, j) ? "NULL" : PQgetvalue(r, i, j);
      }
      out += '\n';
    }
    PQclear(r);
    return out;
  }

 private:
  PGresult* result(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string e = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error(e + " in " + sql);
    }
    return r;
  }
  PGconn* c_;
};

// The connection string of the database that stands for the store at `path` (created the first
// time): each test's temp path is unique, so each test has a database of its own.
inline std::string pg_database_for(const std::string& path) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char ch : path)
    h = (h ^ ch) * 1099511628211ULL;
  const std::string name = "t" + std::to_string(h);
  const std::string base = pg_base_url();
  pg_raw admin(base);
  if (admin.integer("SELECT count(*) FROM pg_database WHERE datname='" + name + "'") == 0)
    admin.exec("CREATE DATABASE " + name);
  return base + " dbname=" + name;
}

}  // namespace lapord::store::test
