// The access log's cost per line (not a test; docs/operations.md, "Access log", has the
// command and the figures). For each output: the CPU time the calling thread (the MO path's)
// spends per line, the CPU time of the whole process (caller + writer thread) per line, and
// the wall time until every line is out. CPU time, because on a shared machine the wall
// time mostly measures the other processes.
//   access_log_bench [LINES] [DIR]     (default 200000 lines, files in /tmp)
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

#include "lapord/app/ops/access_log.hpp"

using namespace lapord::app::ops;
using bench_clock = std::chrono::steady_clock;

namespace {

access_record record(int i, std::string& ref) {
  access_record r;
  r.time = std::chrono::system_clock::now();
  r.direction = "mo";
  r.carrier = "tsel";
  r.kind = "complaint";
  r.number = (i & 1) != 0 ? "+6281234560001" : "081298765432";
  ref = std::to_string(10000000 + i);
  r.ref = ref;
  r.institution = "36.03";
  r.outcome = "created";
  r.latency = std::chrono::microseconds(3214 + i % 100);
  return r;
}

std::chrono::nanoseconds cpu(clockid_t which) {
  timespec ts{};
  clock_gettime(which, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

double ns_per(std::chrono::nanoseconds d, int n) {
  return static_cast<double>(d.count()) / static_cast<double>(n);
}

void format_only(access_format f, const char* name, int n) {
  std::string ref;
  std::string out;
  std::size_t bytes = 0;
  const auto c0 = cpu(CLOCK_THREAD_CPUTIME_ID);
  for (int i = 0; i < n; ++i) {
    out.clear();
    format_access_line(record(i, ref), f, out);
    bytes += out.size();
  }
  const auto c = cpu(CLOCK_THREAD_CPUTIME_ID) - c0;
  std::printf("format only, %-5s           %6.0f ns/line CPU (%zu bytes a line)\n", name,
              ns_per(c, n), bytes / static_cast<std::size_t>(n));
}

void through(access_log_options o, const char* name, int n) {
  access_log log(o);
  std::string ref;
  const auto t0 = bench_clock::now();
  const auto p0 = cpu(CLOCK_PROCESS_CPUTIME_ID);
  const auto c0 = cpu(CLOCK_THREAD_CPUTIME_ID);
  for (int i = 0; i < n; ++i)
    log.write(record(i, ref));
  const auto c = cpu(CLOCK_THREAD_CPUTIME_ID) - c0;
  log.flush();
  const auto p = cpu(CLOCK_PROCESS_CPUTIME_ID) - p0;
  const auto t = bench_clock::now() - t0;
  std::printf(
      "%-24s %6.0f ns/line caller CPU, %6.0f ns/line all threads' CPU, %6.0f ns/line "
      "wall; %llu written, %llu dropped\n",
      name, ns_per(c, n), ns_per(p, n), ns_per(t, n),
      static_cast<unsigned long long>(log.written()),
      static_cast<unsigned long long>(log.dropped()));
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200000;
  const std::filesystem::path dir = argc > 2 ? argv[2] : "/tmp";
  if (n <= 0) {
    std::fprintf(stderr, "usage: access_log_bench [LINES > 0] [DIR]\n");
    return 2;
  }
  const auto file = dir / ("lapord-access-bench-" + std::to_string(::getpid()) + ".log");
  const auto queue = static_cast<std::size_t>(n);  // nothing dropped: every line is measured
  format_only(access_format::text, "text", n);
  format_only(access_format::json, "json", n);
  through({access_target::file, file.string(), access_format::text, queue}, "file, text", n);
  std::filesystem::remove(file);
  through({access_target::file, file.string(), access_format::json, queue}, "file, json", n);
  std::filesystem::remove(file);
  through({access_target::file, file.string(), access_format::text, 8192}, "file, text, queue 8192",
          n);
  std::filesystem::remove(file);
  const int journal_lines = n < 20000 ? n : 20000;  // do not flood a real journal
  through({access_target::journal, "", access_format::text, queue}, "journal, text", journal_lines);
  std::printf("(journal: %s)\n", std::filesystem::exists("/run/systemd/journal/socket")
                                     ? "journald socket present"
                                     : "no journald socket here: sends fail at once");
  return 0;
}
