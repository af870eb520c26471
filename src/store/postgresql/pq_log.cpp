#include "store/postgresql/pq_log.hpp"

#include "store/postgresql/libpq_api.hpp"

#include <utility>

namespace lapord::store::postgresql {

namespace {

void send(const log_sink& sink, backend_log level, std::string_view line) noexcept {
  if (!sink) return;
  try {
    sink(level, line);
  } catch (...) {  // NOLINT(bugprone-empty-catch): a log line must not stop the writer
  }
}

std::string replace_all(std::string text, std::string_view what, std::string_view with) {
  if (what.empty()) return text;
  for (std::size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
  return text;
}

// Every "..." in the text becomes "\"...\"" (libpq quotes the pieces of a connection string).
std::string without_quoted(std::string_view text) {
  std::string out;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') {
      if (!quoted) out += "\"...\"";
      quoted = !quoted;
    } else if (!quoted) {
      out += c;
    }
  }
  return out;
}

void on_notice(void* arg, const PGresult* r) {
  const auto* log = static_cast<const libpq_log*>(arg);
  try {
    const char* severity = libpq().PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    const std::string_view s = severity != nullptr ? severity : "";
    const backend_log level = s == "WARNING" ? backend_log::warn : backend_log::info;
    log->line(level, "store: PostgreSQL says: " + log->scrub(libpq().PQresultErrorMessage(r)));
  } catch (...) {  // NOLINT(bugprone-empty-catch): libpq's C caller must not see an exception
  }
}

}  // namespace

message_scrubber::message_scrubber(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = libpq().PQconninfoParse(conninfo.c_str(), &error);
  libpq().PQfreemem(error);
  if (options == nullptr) return;
  parsed_ = true;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o)
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) password_ = o->val;
  libpq().PQconninfoFree(options);
}

std::string message_scrubber::operator()(std::string_view libpq_message) const {
  std::string text = parsed_ ? replace_all(std::string(libpq_message), password_, "***")
                             : without_quoted(libpq_message);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t'))
    text.pop_back();
  text = replace_all(std::move(text), "\n\t", " ");
  text = replace_all(std::move(text), "\n", "; ");
  return text;
}

void libpq_log::line(backend_log level, std::string_view text) const noexcept {
  send(sink_, level, text);
}

void libpq_log::route_notices(PGconn* c) const {
  if (c == nullptr || !sink_) return;
  libpq().PQsetNoticeReceiver(c, on_notice, const_cast<libpq_log*>(this));  // NOLINT: libpq's void*
}

void reconnect_log::failed(const log_sink& sink, std::string_view why) noexcept {
  if (failures_++ > 0) return;
  try {
    send(sink, backend_log::warn,
         std::string(why) + " (retrying with back-off; said once until connected again)");
  } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory for a log line
  }
}

void reconnect_log::connected(const log_sink& sink, std::string_view host) noexcept {
  const std::uint64_t failed = failures_;
  failures_ = 0;
  try {
    send(sink, backend_log::info,
         "store: connected to PostgreSQL at " + std::string(host) +
             (failed > 0 ? " after " + std::to_string(failed) + " failed attempt(s)" : ""));
  } catch (...) {  // NOLINT(bugprone-empty-catch)
  }
}

}  // namespace lapord::store::postgresql
