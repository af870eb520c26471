// PostgreSQL only: a COMMIT whose answer the connection lost may have committed (a failover
// with a synchronous standby: the promoted standby has it). The leases such a COMMIT took are
// released at the reconnect; before, they stayed with the live instance, which did not hold
// them, until the lease ran out (a reply 5 minutes late after a failover; scripts/demo --ha).
//
// The lost answer is made by a TCP proxy between the store and the test cluster that forwards
// the next COMMIT to the server, waits for its answer and closes both sides instead of passing
// it on: the server committed, the store saw the connection go. Real sockets and the store's
// real reconnect back-off: not a unit test (store_pg_real_time_tests, label system).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store/store_fixture.hpp"

using namespace lapord::store;
using namespace lapord::store::test;
using namespace std::chrono_literals;

namespace {

class commit_cutter {
 public:
  explicit commit_cutter(int server_port) : server_port_(server_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), len) == 0);
    REQUIRE(::listen(listener_, 8) == 0);
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~commit_cutter() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : pumps_)
      t.join();
    ::close(listener_);
  }
  commit_cutter(const commit_cutter&) = delete;
  commit_cutter& operator=(const commit_cutter&) = delete;

  int port() const { return port_; }
  void arm() { armed_ = true; }
  bool cut() const { return cut_; }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      const int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<std::uint16_t>(server_port_));
      if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      pumps_.emplace_back([this, client, server] { pump(client, server); });
    }
  }

  // Bytes both ways; once armed, a client message holding the simple query "COMMIT" is passed
  // on and the server's answer to it swallowed: both sockets closed instead.
  void pump(int client, int server) {
    const std::string commit("COMMIT\0", 7);
    bool cutting = false;
    char buf[16384];
    while (!stop_) {
      pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (::poll(p, 2, 50) <= 0) continue;
      if (p[0].revents != 0) {
        const auto n = ::read(client, buf, sizeof buf);
        if (n <= 0 || ::write(server, buf, static_cast<std::size_t>(n)) != n) break;
        if (armed_ &&
            std::string(buf, static_cast<std::size_t>(n)).find(commit) != std::string::npos) {
          armed_ = false;
          cutting = true;
        }
      }
      if (p[1].revents != 0) {
        const auto n = ::read(server, buf, sizeof buf);
        if (n <= 0) break;
        if (cutting) {  // the server has committed: its answer is lost
          cut_ = true;
          break;
        }
        if (::write(client, buf, static_cast<std::size_t>(n)) != n) break;
      }
    }
    ::close(client);
    ::close(server);
  }

  int server_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> armed_{false};
  std::atomic<bool> cut_{false};
  std::thread acceptor_;
  std::vector<std::thread> pumps_;  // touched by the acceptor only; joined after it
};

std::string with_port(std::string url, int port) {
  const auto at = url.find("port=");
  REQUIRE(at != std::string::npos);
  const auto end = url.find(' ', at);
  return url.replace(at, end == std::string::npos ? std::string::npos : end - at,
                     "port=" + std::to_string(port));
}

int port_of(const std::string& url) {
  return std::stoi(url.substr(url.find("port=") + 5));
}

struct taken {
  std::size_t replies = 0;
  std::size_t forwards = 0;
};

taken take_both(transaction& tx, wall_time now) {
  taken t;
  t.replies = tx.take_due_replies(now, 10, 300s).size();
  t.forwards = tx.take_due_forwards(now, 10, 60s).size();
  return t;
}

// A store whose connection goes through a commit_cutter, its epoch begun (instance gw-a).
struct store_behind_cutter {
  temp_dir dir;
  database_options options = options_for(dir.file("lapord.db"));
  std::string direct = options.url;  // to the server, not through the cutter
  commit_cutter cutter{port_of(direct)};
  database db{with_cutter(options, cutter)};

  store_behind_cutter() {
    db.call([](transaction& tx) { tx.begin_epoch("gw-a", at(0)); });
  }
  static database_options with_cutter(database_options o, const commit_cutter& c) {
    o.url = with_port(o.url, c.port());
    return o;
  }
};

// Runs `work` once the store has reconnected: it fails with errc::unavailable until the
// back-off (100 ms after the loss, real time) has passed, so it is asked again, for 10 s at most.
template <class F>
auto once_reconnected(database& db, F work) -> std::optional<decltype(db.call(work))> {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      return db.call(work);
    } catch (const store_error& e) {
      REQUIRE(e.code() == make_error_code(errc::unavailable));  // reconnecting
      std::this_thread::sleep_for(20ms);
    }
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE(
    "failover: leases taken by a COMMIT whose answer was lost are released at the reconnect") {
  if (!on_postgresql()) {
    MESSAGE("PostgreSQL only: an SQLite COMMIT does not lose its answer");
    return;
  }
  store_behind_cutter s;
  database& db = s.db;
  db.call([](transaction& tx) {
    tx.enqueue_reply({"telkomsel", "1708", "6281234567890", "teks", "ack", std::nullopt, at(100)});
    tx.create_complaint(sample_complaint("10000001", "+6281234567890", "Jalan rusak", at(100)));
    tx.enqueue_forward("10000001", at(100));
  });

  s.cutter.arm();
  CHECK_THROWS_AS(db.call([](transaction& tx) { return take_both(tx, at(100)); }), store_error);
  REQUIRE(s.cutter.cut());
  // Behind the store's back: the COMMIT happened, the leases are this live instance's.
  pg_raw raw(s.direct);
  CHECK(raw.integer("SELECT count(*) FROM replies WHERE leased = 1") == 1);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE forward_leased = 1") == 1);

  // The next transaction reconnects (once the back-off, 100 ms, has passed) and releases them:
  // due again now, not when the lease runs out (at(400) for the reply, at(160) the forward).
  const auto again = once_reconnected(db, [](transaction& tx) { return take_both(tx, at(101)); });
  REQUIRE(again);
  CHECK(again->replies == 1);
  CHECK(again->forwards == 1);
}

TEST_CASE(
    "failover: replies and forwards stored taken by a COMMIT whose answer was lost are due "
    "again") {
  if (!on_postgresql()) {
    MESSAGE("PostgreSQL only: an SQLite COMMIT does not lose its answer");
    return;
  }
  store_behind_cutter s;
  database& db = s.db;

  // Two MOs' replies stored taken for this instance's sender (new_reply::lease), the answer to
  // their COMMIT lost: the MOs were told to try again, nobody holds the replies.
  s.cutter.arm();
  CHECK_THROWS_AS(db.call([](transaction& tx) {
    for (int i = 0; i < 2; ++i) {
      new_reply r{"telkomsel", "1708", "6281234567890", "teks", "ack", std::nullopt, at(100 + i)};
      r.lease = 300s;
      tx.enqueue_reply(r);
      // An MO's forward, stored taken for the forwarder between its replies.
      const std::string ref = "1000000" + std::to_string(i + 1);
      tx.create_complaint(sample_complaint(ref, "+6281234567890", "Jalan rusak", at(100 + i)));
      tx.enqueue_forward(ref, at(100 + i), 60s);
    }
  }),
                  store_error);
  REQUIRE(s.cutter.cut());
  pg_raw raw(s.direct);
  CHECK(raw.integer("SELECT count(*) FROM replies WHERE leased = 1 AND attempts = 1") == 2);
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE forward_leased = 1 "
                    "AND forward_attempts = 1") == 2);

  // The reconnect makes them due from their creation, as if stored untaken (before: taken by
  // nobody until at(400)).
  const auto again = once_reconnected(db, [](transaction& tx) { return take_both(tx, at(102)); });
  REQUIRE(again);
  CHECK(again->replies == 2);
  CHECK(again->forwards == 2);
}
