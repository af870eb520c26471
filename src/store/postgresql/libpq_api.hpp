#pragma once
// libpq, loaded when the PostgreSQL backend first needs it (dlopen), not linked into lapord.
//
// Why: linked, libpq and what it pulls in (gnutls, krb5, ldap, sasl, p11-kit, nettle, gmp ...)
// are mapped and relocated at every start, ~3.3 MB of resident memory, also in the default
// SQLite deployment that never talks to PostgreSQL (docs/benchmarks.md, "peak RSS, where it
// goes"). The header still gives the types and constants; every call goes through the table
// below. Only src/store/postgresql/pq*.{hpp,cpp} use it.
#include <libpq-fe.h>

namespace lapord::store::postgresql {

// Every libpq function the backend calls, once each.
#define LAPORD_LIBPQ_FUNCTIONS(X) \
  X(PQclear)                      \
  X(PQcmdTuples)                  \
  X(PQconnectdb)                  \
  X(PQconninfoFree)               \
  X(PQconninfoParse)              \
  X(PQenterPipelineMode)          \
  X(PQerrorMessage)               \
  X(PQexec)                       \
  X(PQexecParams)                 \
  X(PQexecPrepared)               \
  X(PQexitPipelineMode)           \
  X(PQfinish)                     \
  X(PQfreemem)                    \
  X(PQgetResult)                  \
  X(PQgetisnull)                  \
  X(PQgetlength)                  \
  X(PQgetvalue)                   \
  X(PQhost)                       \
  X(PQntuples)                    \
  X(PQpipelineStatus)             \
  X(PQpipelineSync)               \
  X(PQport)                       \
  X(PQprepare)                    \
  X(PQputCopyData)                \
  X(PQputCopyEnd)                 \
  X(PQresultErrorField)           \
  X(PQresultErrorMessage)         \
  X(PQresultStatus)               \
  X(PQsendPrepare)                \
  X(PQsendQueryParams)            \
  X(PQsendQueryPrepared)          \
  X(PQsetNoticeReceiver)          \
  X(PQstatus)                     \
  X(PQtransactionStatus)

struct libpq_functions {
#define LAPORD_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
  LAPORD_LIBPQ_FUNCTIONS(LAPORD_LIBPQ_MEMBER)
#undef LAPORD_LIBPQ_MEMBER
};

// Loads `file` (dlopen, then every function by name). Throws store_error(errc::unavailable)
// naming the file and what is missing: the package to install, not a crash at the first call.
libpq_functions load_libpq(const char* file);

// The process's libpq (libpq.so.5, Debian's libpq5), loaded at the first call, thread-safe.
// A failed load throws, and the next call tries again (the operator may install it meanwhile).
const libpq_functions& libpq();

}  // namespace lapord::store::postgresql
