#include "lapord/app/ops/access_log.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>
#include <stdexcept>

#include <pthread.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "lapord/lapor/msisdn.hpp"

namespace lapord::app::ops {
namespace {

constexpr std::size_t max_field = 64;
// Where sd_journal_sendv sends (systemd's journal-send.c).
constexpr const char* journal_socket = "/run/systemd/journal/socket";
constexpr auto linger = std::chrono::milliseconds(5);

// 0..999 as three digits ("007") at `p`: the milliseconds of a time, the fraction of a latency.
char* put_three_digits(char* p, long long v) {
  *p++ = static_cast<char>('0' + v / 100);
  *p++ = static_cast<char>('0' + v / 10 % 10);
  *p++ = static_cast<char>('0' + v % 10);
  return p;
}

// "2026-12-06T21:15:03.123Z" at `p` (24 bytes, at most 36); returns the end. The date and time to
// the second are formatted once a second per thread (gmtime_r and its formatting cost more than the
// rest of a line).
char* put_time(char* p, std::chrono::system_clock::time_point tp) {
  const auto since = tp.time_since_epoch();
  const auto secs = std::chrono::floor<std::chrono::seconds>(since);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since - secs).count();
  thread_local long long cached_second = -1;
  thread_local char cached[32];
  thread_local std::size_t cached_size = 0;
  if (secs.count() != cached_second) {
    const std::time_t t = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    gmtime_r(&t, &tm);
    const int n =
        std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_size = n > 0 ? std::min(static_cast<std::size_t>(n), sizeof cached - 1) : 0;
    cached_second = secs.count();
  }
  p = std::copy_n(cached, cached_size, p);
  p = put_three_digits(p, millis);
  *p++ = 'Z';
  return p;
}

// "3.214" (milliseconds, three decimals) at `p` (at most 24 bytes); returns the end.
char* put_ms(char* p, std::chrono::microseconds latency) {
  const long long us = latency.count() < 0 ? 0 : static_cast<long long>(latency.count());
  p = std::to_chars(p, p + 20, us / 1000).ptr;
  *p++ = '.';
  return put_three_digits(p, us % 1000);
}

// One word of a text line at `p`; returns the end (at most max_field bytes). A field never
// splits the line into more columns or lines.
// Each byte as a text line's word shows it: a space as '_', a control character as '?'
// (a table: a dozen words of two lines per MO, on the completion thread).
constexpr std::array<char, 256> word_bytes = [] {
  std::array<char, 256> t{};
  for (std::size_t u = 0; u < t.size(); ++u) {
    t[u] = u == ' ' ? '_' : (u < 0x20 || u == 0x7f) ? '?' : static_cast<char>(u);
  }
  return t;
}();

char* put_word(char* p, std::string_view s) {
  if (s.empty()) {
    *p++ = '-';
    return p;
  }
  for (const char c : s.substr(0, max_field))
    *p++ = word_bytes[static_cast<unsigned char>(c)];
  return p;
}

char* put(char* p, std::string_view s) {
  return std::copy(s.begin(), s.end(), p);
}

void append_json_string(std::string_view s, std::string& out) {
  out.push_back('"');
  for (char c : s.substr(0, max_field)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(u));
      out.append(buf);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

void append_json_member(std::string_view key, std::string_view value, std::string& out) {
  out.append(",\"");
  out.append(key);
  out.append("\":");
  append_json_string(value, out);
}

}  // namespace

access_record access_event(std::string_view direction, std::string_view carrier,
                           std::string_view number, std::string_view kind, std::string_view outcome,
                           std::chrono::microseconds latency) {
  access_record r;
  r.time = std::chrono::system_clock::now();
  r.direction = direction;
  r.carrier = carrier;
  r.kind = kind;
  r.number = number;
  r.outcome = outcome;
  r.latency = latency;
  return r;
}

void format_access_line(const access_record& r, access_format format, std::string& out) {
  const lapor::masked_msisdn masked_number(r.number);  // two lines per MO: no allocation
  const std::string_view masked = masked_number.view();
  if (format == access_format::text) {
    // Written through a raw pointer into room for the longest line (every field at most
    // max_field bytes, one to one), then cut to size: a piece at a time through std::string
    // was ~2.2k instructions per line (callgrind).
    // The time (24, at most 36), four words, " ref=", " inst=", " outcome=" and their words,
    // " ms=" and its 24.
    constexpr std::size_t room = 36 + 4 * (1 + max_field) + 20 + 3 * max_field + 28 + 1;
    const std::size_t start = out.size();
    out.resize(start + room);
    char* p = put_time(out.data() + start, r.time);
    for (std::string_view f : {r.direction, r.carrier, r.kind, masked}) {
      *p++ = ' ';
      p = put_word(p, f);
    }
    if (!r.ref.empty()) p = put_word(put(p, " ref="), r.ref);
    if (!r.institution.empty()) p = put_word(put(p, " inst="), r.institution);
    p = put_word(put(p, " outcome="), r.outcome);
    p = put_ms(put(p, " ms="), r.latency);
    *p++ = '\n';
    out.resize(static_cast<std::size_t>(p - out.data()));
    return;
  }
  char stamp[40];  // put_time writes at most 36
  char* const stamp_end = put_time(stamp, r.time);
  out.append("{\"ts\":\"");
  out.append(stamp, stamp_end);
  out.push_back('"');
  append_json_member("dir", r.direction, out);
  append_json_member("carrier", r.carrier, out);
  append_json_member("kind", r.kind, out);
  append_json_member("number", masked, out);
  if (!r.ref.empty()) append_json_member("ref", r.ref, out);
  if (!r.institution.empty()) append_json_member("institution", r.institution, out);
  append_json_member("outcome", r.outcome, out);
  out.append(",\"ms\":");
  char ms[32];
  out.append(ms, put_ms(ms, r.latency));
  out.append("}\n");
}

access_log::access_log(access_log_options options) : options_(std::move(options)) {
  if (options_.target == access_target::off) return;
  if (options_.target == access_target::file) {
    file_ = std::fopen(options_.path.c_str(), "ae");
    if (file_ == nullptr) throw std::runtime_error("cannot open access log " + options_.path);
  }
  if (options_.max_queued == 0) options_.max_queued = 1;
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "lapord-access");  // as the store's writer
    run();
  });
}

access_log::~access_log() {
  if (writer_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    writer_.join();
  }
  if (file_ != nullptr) std::fclose(file_);
}

void access_log::write(const access_record& r) noexcept {
  if (options_.target == access_target::off) return;
  try {
    // Formatted into this thread's own buffer, then copied into the queue's: no allocation per
    // line, and no block freed on the writer's thread that this one allocated.
    thread_local std::string line;
    line.clear();
    format_access_line(r, options_.format, line);
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      if (queued_lines_ >= options_.max_queued) {
        ++dropped_since_report_;
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      queue_.append(line);
      ++queued_lines_;
      ++queued_total_;
      // Only a sleeping writer needs the (system call) wake-up; a busy one finds the line.
      wake = writer_waiting_;
      writer_waiting_ = false;
    }
    if (wake) wake_.notify_one();
  } catch (...) {  // NOLINT(bugprone-empty-catch): an access line must never cost an MO
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

void access_log::run() {
  std::string lines;  // whole lines, each ending in '\n'
  std::size_t count = 0;
  for (;;) {
    std::uint64_t dropped = 0;
    {
      std::unique_lock lock(mutex_);
      written_total_ += count;
      lines.clear();
      drained_.notify_all();
      while (queued_lines_ == 0 && dropped_since_report_ == 0 && !stop_) {
        writer_waiting_ = true;
        wake_.wait(lock);
      }
      if (queued_lines_ == 0 && dropped_since_report_ == 0 && stop_) return;
      // Woken by a first line: let more come for a few milliseconds, so a busy MO path wakes
      // this thread (a system call for the caller) a few hundred times a second at most, and
      // one write(2) takes them all. A line still reaches the file within ~5 ms.
      if (!stop_) wake_.wait_for(lock, linger, [this] { return stop_; });
      lines.swap(queue_);
      count = queued_lines_;
      queued_lines_ = 0;
      dropped = dropped_since_report_;
      dropped_since_report_ = 0;
    }
    if (dropped != 0) {
      lines +=
          "access log: " + std::to_string(dropped) + " line(s) dropped (the writer fell behind)\n";
    }
    output(lines);
    written_.fetch_add(count, std::memory_order_relaxed);
  }
}

void access_log::output(std::string_view lines) {
  if (options_.target == access_target::journal) {
    // Without journald (a container, a test) sd_journal_sendv drops each line silently, after
    // a failed sendmsg(2) of its own: one look for the socket per batch spares one system call
    // per line (two per MO).
    if (::access(journal_socket, F_OK) != 0) return;
    // sd_journal_sendv: no printf-style formatting per line (half the cost of sd_journal_send).
    static constexpr std::string_view priority = "PRIORITY=6";
    static constexpr std::string_view identifier = "SYSLOG_IDENTIFIER=lapord-access";
    std::string message;
    while (!lines.empty()) {
      const auto end = lines.find('\n');  // no field holds one (format_access_line)
      const std::string_view l = lines.substr(0, end);
      lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 1);
      message.assign("MESSAGE=");
      message.append(l);
      iovec fields[3] = {{message.data(), message.size()},
                         {const_cast<char*>(priority.data()), priority.size()},
                         {const_cast<char*>(identifier.data()), identifier.size()}};
      // Failures (no journald: a container, a test) are not worth a line each.
      (void)sd_journal_sendv(fields, 3);
    }
    return;
  }
  std::lock_guard lock(file_mutex_);
  std::fwrite(lines.data(), 1, lines.size(), file_);
  // One flush per batch: `tail -f` sees the lines at once, and a busy writer makes one
  // write(2) for many of them.
  std::fflush(file_);
}

bool access_log::reopen() {
  if (options_.target != access_target::file) return true;
  std::FILE* fresh = std::fopen(options_.path.c_str(), "ae");
  if (fresh == nullptr) return false;
  std::lock_guard lock(file_mutex_);
  std::fflush(file_);
  std::fclose(file_);
  file_ = fresh;
  return true;
}

void access_log::flush() {
  if (options_.target == access_target::off) return;
  std::unique_lock lock(mutex_);
  const std::uint64_t target = queued_total_;
  drained_.wait(lock, [&] { return written_total_ >= target; });
}

}  // namespace lapord::app::ops
