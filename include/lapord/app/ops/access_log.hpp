#pragma once
// The access log: one line per MO, per USSD screen and per reply, like Kannel's access log
// (docs/operations.md, "Access log"). The caller formats its line (about a microsecond) and
// queues it; a thread of the log's own writes the queue to a file (one write for many lines)
// or to the journal under SYSLOG_IDENTIFIER=lapord-access. The queue is bounded: when the
// writer falls behind, lines are dropped and counted (`dropped()`, and a line saying so), the
// MO path never waits for the disk or journald.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace lapord::app::ops {

// One event. Every view need only live during write(). `number` is the citizen's number as
// it came: it is always written masked (lapor::mask_msisdn), never in full.
struct access_record {
  std::chrono::system_clock::time_point time{};
  std::string_view direction;  // "mo" (from a citizen) or "mt" (to one)
  std::string_view carrier;
  std::string_view kind;  // complaint, status, help, stop, start, duplicate, redelivery, ...
  std::string_view number;
  std::string_view ref;          // empty: none
  std::string_view institution;  // empty: none
  std::string_view outcome;
  std::chrono::microseconds latency{0};
};

// The one builder of access records (the SMS MO path, the USSD path, the reply sender): an event
// stamped now, `latency` after it began. The caller adds `ref` and `institution` when it has
// them. `direction`: "mo" or "mt".
[[nodiscard]] access_record access_event(std::string_view direction, std::string_view carrier,
                                         std::string_view number, std::string_view kind,
                                         std::string_view outcome,
                                         std::chrono::microseconds latency);

enum class access_format { text, json };

// Appends the record's line (with its '\n') to `out`:
//   text: 2026-12-06T21:15:03.123Z mo tsel complaint +62812****0001 ref=94778655 inst=36.03
//         outcome=created ms=3.214
//   json: {"ts":"...","dir":"mo","carrier":"tsel","kind":"complaint","number":"+62812****0001",
//          "ref":"94778655","institution":"36.03","outcome":"created","ms":3.214}
// Text fields are one word each (spaces become '_', control characters '?'), ref= and inst=
// only when there is one; every field is cut at 64 bytes so a line stays bounded.
void format_access_line(const access_record& r, access_format format, std::string& out);

enum class access_target { off, journal, file };

struct access_log_options {
  access_target target = access_target::journal;
  std::string path;  // access_target::file
  access_format format = access_format::text;
  std::size_t max_queued = 8192;  // lines waiting for the writer; more are dropped
};

class access_log {
 public:
  // Opens the file (append) for access_target::file; throws std::runtime_error when it cannot.
  explicit access_log(access_log_options options);
  // Writes what is queued, then stops the writer thread.
  ~access_log();
  access_log(const access_log&) = delete;
  access_log& operator=(const access_log&) = delete;

  // Any thread; never blocks on I/O, never throws. Does nothing when the target is off.
  void write(const access_record& r) noexcept;
  // SIGHUP: the file is opened again by its name (logrotate renamed it). False, and the old
  // file kept, when it cannot be; true for the journal and off.
  bool reopen();
  // Waits until every line queued before the call has been written (tests, benchmark).
  void flush();

  [[nodiscard]] bool enabled() const { return options_.target != access_target::off; }
  [[nodiscard]] std::uint64_t written() const { return written_.load(); }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_.load(); }
  [[nodiscard]] const access_log_options& options() const { return options_; }

 private:
  void run();
  void output(std::string_view lines);

  access_log_options options_;
  std::mutex file_mutex_;  // file_ between the writer and reopen()
  std::FILE* file_ = nullptr;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::string queue_;                // whole lines waiting for the writer, each ending in '\n'
  std::size_t queued_lines_ = 0;     // lines in queue_
  std::uint64_t queued_total_ = 0;   // lines ever queued (under mutex_)
  std::uint64_t written_total_ = 0;  // lines ever taken and output (under mutex_)
  std::uint64_t dropped_since_report_ = 0;
  bool writer_waiting_ = false;
  bool stop_ = false;
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace lapord::app::ops
