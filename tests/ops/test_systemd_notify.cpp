// sd_notify through the wrapper: a no-op without NOTIFY_SOCKET, and real datagrams to a unix
// socket this test binds in a temporary directory (what systemd does for Type=notify).
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "lapord/app/ops/systemd_notify.hpp"

using namespace lapord::app::ops;

namespace {

// A bound AF_UNIX datagram socket in a fresh temporary directory, removed afterwards.
struct notify_socket {
  std::filesystem::path dir;
  std::string path;
  int fd = -1;

  notify_socket() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lapord-notify-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    path = (dir / "notify").string();
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~notify_socket() {
    close(fd);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // The next datagram, waiting at most 5 s for it (poll, not sleep).
  std::string receive() const {
    pollfd p{fd, POLLIN, 0};
    REQUIRE(poll(&p, 1, 5000) == 1);
    char buf[4096];
    const auto n = recv(fd, buf, sizeof buf, 0);
    REQUIRE(n >= 0);
    return {buf, static_cast<std::size_t>(n)};
  }
  bool nothing_pending() const {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 0) == 0;
  }
};

// Sets or clears an environment variable for one test, restoring "unset" afterwards.
struct env_var {
  const char* name;
  env_var(const char* n, const char* value) : name(n) {
    if (value != nullptr) {
      setenv(n, value, 1);
    } else {
      unsetenv(n);
    }
  }
  ~env_var() { unsetenv(name); }
};

}  // namespace

TEST_CASE("systemd: without NOTIFY_SOCKET every call is a no-op") {
  const env_var sock("NOTIFY_SOCKET", nullptr);
  const env_var usec("WATCHDOG_USEC", nullptr);
  const systemd_notifier n;
  for (const auto r : {n.ready("x"), n.reloading(), n.stopping(), n.status("x"), n.watchdog()}) {
    CHECK_FALSE(r.sent);
    CHECK_FALSE(r.error);
  }
  CHECK_FALSE(n.watchdog_interval().has_value());
}

TEST_CASE("systemd: READY, STATUS, RELOADING, WATCHDOG and STOPPING reach the notify socket") {
  const notify_socket s;
  const env_var sock("NOTIFY_SOCKET", s.path.c_str());
  const systemd_notifier n;

  auto r = n.ready();
  CHECK(r.sent);
  CHECK_FALSE(r.error);
  CHECK(s.receive() == "READY=1");

  CHECK(n.ready("2 carriers configured\nstore open").sent);
  CHECK(s.receive() == "READY=1\nSTATUS=2 carriers configured store open");
  CHECK(n.reloading().sent);
  CHECK(s.receive() == "RELOADING=1");
  CHECK(n.status("tsel bound").sent);
  CHECK(s.receive() == "STATUS=tsel bound");
  CHECK(n.watchdog().sent);
  CHECK(s.receive() == "WATCHDOG=1");
  CHECK(n.stopping().sent);
  CHECK(s.receive() == "STOPPING=1");
  CHECK(s.nothing_pending());
}

TEST_CASE("systemd: a NOTIFY_SOCKET nobody listens on is reported, not fatal") {
  const notify_socket s;
  const std::string gone = (s.dir / "nobody").string();
  const env_var sock("NOTIFY_SOCKET", gone.c_str());
  const systemd_notifier n;
  const auto r = n.ready();
  CHECK_FALSE(r.sent);
  CHECK(r.error);
}

TEST_CASE("systemd: the watchdog interval is half of WATCHDOG_USEC, for this process only") {
  const std::string pid = std::to_string(getpid());
  {
    const env_var usec("WATCHDOG_USEC", "4000000");
    const env_var wpid("WATCHDOG_PID", pid.c_str());
    const systemd_notifier n;
    REQUIRE(n.watchdog_interval().has_value());
    CHECK(*n.watchdog_interval() == std::chrono::seconds(2));
  }
  {
    const env_var usec("WATCHDOG_USEC", "4000000");
    const env_var wpid("WATCHDOG_PID", "1");  // meant for another process
    const systemd_notifier n;
    CHECK_FALSE(n.watchdog_interval().has_value());
  }
  {
    const env_var usec("WATCHDOG_USEC", "not a number");
    const systemd_notifier n;
    CHECK_FALSE(n.watchdog_interval().has_value());
  }
}
