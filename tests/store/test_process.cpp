// What only another process can show: a writer that dies without closing leaves every
// committed (acknowledged) item in the file, and a file lapord may not write is refused.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <set>
#include <string>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;

namespace {

std::string ref_of(int i) {
  return std::to_string(30000000 + i);
}

int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The child's side of the crash test: submits `n` items, at most `window` unanswered at a time
// (as the SMSC's window bounds lapord's), and writes the ref of every acknowledged (committed)
// item to `ack_fd`; after `die_after` acks it _exit()s from inside a completion, with more items
// queued and a batch possibly in the middle of its run. The window keeps the writer from
// committing everything before the acks reach `die_after`: with sqlite_sync = "overlap" the
// writer commits ahead of the acks, and on a loaded machine a free run could commit all `n`.
class crashing_writer {
 public:
  crashing_writer(const std::string& path, int ack_fd, int n, int die_after)
      : ack_fd_(ack_fd), n_(n), die_after_(die_after) {
    auto o = options_for(path);
    o.max_batch = 64;
    db_ = new database(o);  // never deleted: the process dies instead of closing
  }

  [[noreturn]] void run(int window) {
    for (int i = 0; i < window && i < n_; ++i)
      submit_next();
    for (;;)
      ::pause();
  }

 private:
  void submit_next() {
    const int i = next_.fetch_add(1);
    if (i >= n_) return;
    auto ref = ref_of(i);
    db_->submit(
        [ref](transaction& tx) {
          tx.create_complaint(sample_complaint(ref, "+6281234567890", "jalan rusak", at(1)));
          tx.enqueue_forward(ref, at(1));
        },
        [this, ref](result<std::monostate> r) {
          if (!r) ::_exit(3);
          std::string line = ref + "\n";
          if (::write(ack_fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
            ::_exit(4);
          if (++acked_ == die_after_) ::_exit(0);
          submit_next();
        });
  }

  database* db_;
  int ack_fd_, n_, die_after_;
  std::atomic<int> next_{0}, acked_{0};
};

}  // namespace

TEST_CASE("crash safety: everything acknowledged before the writer process died is in the file") {
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  { database create(options_for(path)); }  // schema first, so the child only writes rows

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const int n = 5000, die_after = 1500, window = 200;
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    try {
      (new crashing_writer(path, fds[1], n, die_after))->run(window);
    } catch (...) {
      ::_exit(2);
    }
  }
  ::close(fds[1]);
  std::string acks;
  char buf[4096];
  for (ssize_t got; (got = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (got < 0 && errno == EINTR) continue;
    REQUIRE(got > 0);
    acks.append(buf, static_cast<std::size_t>(got));
  }
  ::close(fds[0]);
  REQUIRE(wait_child(pid) == 0);

  std::set<std::string> acked;
  for (std::size_t pos = 0, nl; (nl = acks.find('\n', pos)) != std::string::npos; pos = nl + 1)
    acked.insert(acks.substr(pos, nl - pos));
  CHECK(acked.size() == static_cast<std::size_t>(die_after));

  // Reopen as the restarted daemon would (the WAL is recovered) and find every acked item,
  // whole: its complaint and its outbox entry.
  database db(options_for(path));
  auto stored = db.call([&](transaction& tx) {
    std::set<std::string> found;
    for (int i = 0; i < n; ++i) {
      auto ref = ref_of(i);
      if (tx.complaint_by_ref(ref)) found.insert(ref);
    }
    return found;
  });
  for (const auto& ref : acked)
    CHECK_MESSAGE(stored.count(ref) == 1, ref);
  CHECK(stored.size() >= acked.size());
  // It really died before the end: at most a window beyond the acks was ever submitted.
  CHECK(stored.size() <= static_cast<std::size_t>(die_after + window));
  raw_db raw(path);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE forward_state IS NOT NULL") ==
        static_cast<std::int64_t>(stored.size()));
  if (!on_postgresql()) CHECK(raw.rows("PRAGMA integrity_check") == "ok\n");
  MESSAGE("acked before the crash: " << acked.size() << ", in the file after: " << stored.size());
}

TEST_CASE("a database file lapord may not write is refused at open with a clear error") {
  LAPORD_SQLITE_ONLY();
  temp_dir dir;
  const auto path = dir.file("lapord.db");
  { database create(options_for(path)); }
  REQUIRE(::chmod(path.c_str(), 0444) == 0);
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);

  // Root may write any file: the check then runs in a child that gives up root first.
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(10);
    try {
      database db(options_for(path));
      ::_exit(11);  // opened: wrong
    } catch (const store_error& e) {
      bool clear = e.code() == make_error_code(errc::read_only) &&
                   std::string(e.what()).find(path) != std::string::npos &&
                   std::string(e.what()).find("read-only") != std::string::npos;
      if (!clear) std::fprintf(stderr, "child saw: %s\n", e.what());
      ::_exit(clear ? 0 : 12);
    } catch (...) {
      ::_exit(13);
    }
  }
  CHECK(wait_child(pid) == 0);
}
