#pragma once
// What libpq says, through lapord's log instead of stderr (docs/scaling.md, *Running lapord on
// PostgreSQL*): the server's notices and warnings (a notice receiver on every connection), and
// why connecting failed, once per series of failed attempts. Never the connection string's
// password: libpq quotes pieces of a connection string it cannot parse, so every message is
// scrubbed of the password before it leaves this file or an error.
#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "lapord/store/database.hpp"

namespace lapord::store::postgresql {

using log_sink = std::function<void(backend_log, std::string_view)>;

// A libpq message made safe for a log line or an error: one line (libpq's "\n\t" hints joined
// with "; "), trailing blanks gone, the password (parsed from the connection string) replaced by
// "***". A connection string libpq cannot parse may hold the password anywhere: then every
// quoted piece of the message is replaced by "\"...\"".
class message_scrubber {
 public:
  explicit message_scrubber(const std::string& conninfo);
  [[nodiscard]] std::string operator()(std::string_view libpq_message) const;

 private:
  std::string password_;
  bool parsed_ = false;
};

// A connection's way to the log: the sink (may be empty: then nothing is said, and libpq's
// notices keep going to stderr, as for laporctl) and the scrubber for its connection string.
class libpq_log {
 public:
  libpq_log(const std::string& conninfo, log_sink sink)
      : scrub_(conninfo), sink_(std::move(sink)) {}
  libpq_log(const libpq_log&) = delete;
  libpq_log& operator=(const libpq_log&) = delete;

  [[nodiscard]] std::string scrub(std::string_view libpq_message) const {
    return scrub_(libpq_message);
  }
  const log_sink& sink() const noexcept { return sink_; }
  void line(backend_log level, std::string_view text) const noexcept;
  // The connection's notices (WARNING, NOTICE ...) come here instead of libpq's default
  // receiver, which prints them to stderr. This object must outlive `c`.
  void route_notices(PGconn* c) const;

 private:
  message_scrubber scrub_;
  log_sink sink_;
};

// One warning when a series of reconnect attempts begins to fail (the first attempt's reason),
// one info line when the series ends with a connection: not a line per attempt (the back-off
// retries every 100 ms .. 5 s for as long as the server is away).
class reconnect_log {
 public:
  void failed(const log_sink& sink, std::string_view why) noexcept;
  void connected(const log_sink& sink, std::string_view host) noexcept;

 private:
  std::uint64_t failures_ = 0;
};

}  // namespace lapord::store::postgresql
