// laporctl top: the running daemon at a glance, refreshed each second (docs/operations.md,
// "laporctl top"). Plain ANSI (cursor home, clear to end of line), no curses: it works over
// ssh in any 80x24 terminal. `q` quits (also Ctrl-C). The numbers come from /metrics (no
// token), the last complaints from the admin API (with the operator's token, masked).
#include "app/laporctl/top_command.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <ctime>
#include <iostream>
#include <optional>
#include <thread>

#include "app/laporctl/top_view.hpp"

namespace lapord::app::laporctl {
namespace {

volatile std::sig_atomic_t interrupted = 0;

void on_interrupt(int) {
  interrupted = 1;
}

// Raw keys (no echo, no line buffering) while the view runs; the terminal as it was after.
class raw_terminal {
 public:
  raw_terminal() {
    if (::isatty(STDIN_FILENO) == 0 || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~raw_terminal() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  raw_terminal(const raw_terminal&) = delete;
  raw_terminal& operator=(const raw_terminal&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

std::string utc_clock() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S UTC", &tm);
  return buf;
}

// The scrape now, or the reason there is none.
std::optional<top_snapshot> scrape(const admin_endpoint& e, std::string& problem) {
  try {
    const admin_response r = admin_call(e, "GET", "/metrics", "", std::chrono::seconds(5));
    if (r.status != 200) {
      problem = "/metrics answered " + std::to_string(r.status);
      return std::nullopt;
    }
    problem.clear();
    return snapshot_of(parse_metrics(r.body), std::chrono::steady_clock::now());
  } catch (const admin_unreachable& x) {
    problem = x.what();
    return std::nullopt;
  }
}

void fetch_complaints(const admin_endpoint& e, top_frame& f) {
  f.complaints.clear();
  if (e.token.empty()) {
    f.complaints_note = "no admin token: give LAPORD_ADMIN_TOKEN";
    return;
  }
  try {
    const admin_response r =
        admin_call(e, "GET", "/admin/v1/complaints?limit=10", "", std::chrono::seconds(5));
    if (r.status != 200) {
      f.complaints_note = "admin API answered " + std::to_string(r.status);
      return;
    }
    f.complaints = complaints_of(r.body);
    f.complaints_note = f.complaints.empty() ? "none yet" : "";
  } catch (const std::exception& x) {
    f.complaints_note = x.what();
  }
}

std::pair<std::size_t, std::size_t> terminal_size() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    return {ws.ws_col, ws.ws_row};
  }
  return {80, 24};
}

void draw(const std::vector<std::string>& lines, bool ansi) {
  std::string out = ansi ? "\x1b[H" : "";
  for (const auto& line : lines) {
    out += line;
    out += ansi ? "\x1b[K\r\n" : "\n";
  }
  if (ansi) out += "\x1b[J";
  std::cout << out << std::flush;
}

// Waits until `deadline` or a key; true when that key asks to quit.
bool quit_requested(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (interrupted != 0) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{STDIN_FILENO, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n <= 0) continue;  // timeout (checked above) or a signal
    char c = 0;
    const ssize_t got = ::read(STDIN_FILENO, &c, 1);
    if (got == 0) return false;  // stdin closed: keep refreshing until Ctrl-C
    if (got == 1 && (c == 'q' || c == 'Q')) return true;
  }
}

}  // namespace

int run_top(const admin_endpoint& e, const top_options& o) {
  const auto every = std::chrono::milliseconds(o.interval_ms < 200 ? 200 : o.interval_ms);
  top_frame f;
  f.origin = e.origin;
  std::optional<top_snapshot> before;
  if (o.once) {
    // Two scrapes `every` apart, so the rates are known; one plain frame, no ANSI.
    before = scrape(e, f.problem);
    std::this_thread::sleep_for(every);
  }
  interrupted = 0;
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  const raw_terminal keys;
  if (!o.once) std::cout << "\x1b[?25l\x1b[2J" << std::flush;  // hide the cursor, clear
  int status = 0;
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    std::optional<top_snapshot> now = scrape(e, f.problem);
    if (now) {
      f.rates = before ? rates_between(*before, *now) : top_rates{};
      f.now = *now;
      before = now;
    } else {
      before.reset();  // no rate across a gap
    }
    fetch_complaints(e, f);
    f.clock = utc_clock();
    const auto [width, height] =
        o.once ? std::pair<std::size_t, std::size_t>{80, 24} : terminal_size();
    draw(render_top(f, width, height), !o.once);
    if (o.once) {
      status = now ? 0 : 3;
      break;
    }
    if (quit_requested(started + every)) break;
  }
  if (!o.once) std::cout << "\x1b[?25h\r\n" << std::flush;  // the cursor back
  return status;
}

}  // namespace lapord::app::laporctl
