#pragma once
// /healthz and /readyz. The verdict is a pure function of a few facts (tested as a truth
// table); health_state collects those facts from the daemon's callbacks, from any thread.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lapord::app::ops {

struct health_facts {
  std::size_t carriers_configured = 0;
  std::size_t carriers_bound = 0;  // carriers whose MO-receiving bind (trx or rx) is up
  bool store_open = false;         // the database opened (the open checks it can write)
  bool store_connected = true;     // the store's connection is up (PostgreSQL can lose it)
  bool last_commit_ok = true;      // the last batch committed (true before the first)
  std::string last_commit_error;   // when !last_commit_ok, e.g. "disk_full"
  // How long the store's writer has been on its current batch (store::database::busy_for):
  // a COMMIT waiting for a synchronous standby that is gone never fails, it waits.
  std::chrono::milliseconds store_waiting{0};
  std::chrono::milliseconds store_stalled_after{0};  // [store] stalled_after_s; 0: no check
  bool stopping = false;  // SIGTERM: leave the load balancer before the binds go
};

// Body and status for the HTTP router; the body is text/plain, one check per line.
struct health_answer {
  unsigned status = 200;
  std::string body;
};
inline constexpr std::string_view health_content_type = "text/plain; charset=utf-8";

// Ready: not stopping, at least one carrier bound, the store open, connected, its last commit
// ok, and its current batch not waiting longer than store_stalled_after.
[[nodiscard]] bool is_ready(const health_facts& facts);

// GET /readyz: 200 "ready\n..." or 503 "not ready\n..." with a line per check.
[[nodiscard]] health_answer readiness(const health_facts& facts);

// GET /healthz: the process answers (its HTTP thread runs). 200 "ok\n"; "ok stopping\n" while
// stopping (still alive: a supervisor must not kill a clean stop).
[[nodiscard]] health_answer liveness(const health_facts& facts);

// The facts, updated from the daemon's callbacks (any thread). Bind and open events are rare
// and take a lock; a commit result is one atomic store unless it changes to a failure.
class health_state {
 public:
  void set_carriers_configured(std::size_t n);
  // For the MO-receiving bind of a carrier (trx, or rx of a pair) going up or down.
  void bind_changed(std::string_view carrier, bool up);
  // For the bind MT go out on (trx, or tx of a pair).
  void sending_bind_changed(std::string_view carrier, bool up);
  // The carriers with that bind up now, by name (the reply sender takes only their replies).
  [[nodiscard]] std::vector<std::string> sending_carriers() const;
  // Whether that carrier's sending bind is up now (asked per MO: no copy).
  [[nodiscard]] bool can_send(std::string_view carrier) const;
  void store_opened(bool ok);
  // The store's connection lost (false) or made again (true).
  void store_connection(bool up);
  void commit_finished(bool ok, std::string_view error = {});
  // How to ask the store how long its writer has been on its batch (any thread), and the bound
  // past which /readyz says not ready. watch_store({}, ...) before the store goes.
  void watch_store(std::function<std::chrono::nanoseconds()> busy_for,
                   std::chrono::milliseconds stalled_after);
  void set_stopping();

  [[nodiscard]] health_facts facts() const;

 private:
  mutable std::mutex mutex_;
  std::size_t configured_ = 0;
  std::map<std::string, bool, std::less<>> bound_;
  std::map<std::string, bool, std::less<>> sending_;
  bool store_open_ = false;
  std::string last_error_;
  std::function<std::chrono::nanoseconds()> store_busy_for_;
  std::chrono::milliseconds stalled_after_{0};
  std::atomic<bool> store_connected_{true};
  std::atomic<bool> last_commit_ok_{true};
  std::atomic<bool> stopping_{false};
};

}  // namespace lapord::app::ops
