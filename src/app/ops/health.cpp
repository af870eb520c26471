#include "lapord/app/ops/health.hpp"

#include <algorithm>
#include <utility>

namespace lapord::app::ops {

namespace {
bool store_stalled(const health_facts& f) {
  return f.store_stalled_after.count() > 0 && f.store_waiting > f.store_stalled_after;
}
std::string seconds(std::chrono::milliseconds t) {
  const auto tenths = t.count() / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}
}  // namespace

bool is_ready(const health_facts& f) {
  return !f.stopping && f.carriers_bound > 0 && f.store_open && f.store_connected &&
         f.last_commit_ok && !store_stalled(f);
}

health_answer readiness(const health_facts& f) {
  health_answer a;
  const bool ready = is_ready(f);
  a.status = ready ? 200 : 503;
  a.body = ready ? "ready\n" : "not ready\n";
  a.body += "carriers: " + std::to_string(f.carriers_bound) + " of " +
            std::to_string(f.carriers_configured) + " bound" +
            (f.carriers_bound == 0 ? " (none: no MO can arrive)\n" : "\n");
  if (!f.store_open) {
    a.body += "store: not open\n";
  } else if (!f.store_connected) {
    a.body += "store: connection lost (reconnecting)\n";
  } else if (!f.last_commit_ok) {
    a.body += "store: last commit failed";
    if (!f.last_commit_error.empty()) {
      a.body += ": ";
      // One line per check whatever the error text holds.
      std::string e = f.last_commit_error;
      std::replace(e.begin(), e.end(), '\n', ' ');
      std::replace(e.begin(), e.end(), '\r', ' ');
      a.body += e;
    }
    a.body += '\n';
  } else if (store_stalled(f)) {
    a.body += "store: a batch has waited " + seconds(f.store_waiting) +
              " for the store (over [store] stalled_after_s = " + seconds(f.store_stalled_after) +
              "): a COMMIT waiting for a lost synchronous standby, or a server not answering\n";
  } else {
    a.body += "store: ok\n";
  }
  if (f.stopping) a.body += "stopping\n";
  return a;
}

health_answer liveness(const health_facts& f) {
  return {200, f.stopping ? "ok stopping\n" : "ok\n"};
}

void health_state::set_carriers_configured(std::size_t n) {
  const std::lock_guard lock(mutex_);
  configured_ = n;
}

void health_state::bind_changed(std::string_view carrier, bool up) {
  const std::lock_guard lock(mutex_);
  auto it = bound_.find(carrier);
  if (it == bound_.end()) {
    bound_.emplace(std::string(carrier), up);
  } else {
    it->second = up;
  }
}

void health_state::sending_bind_changed(std::string_view carrier, bool up) {
  const std::lock_guard lock(mutex_);
  auto it = sending_.find(carrier);
  if (it == sending_.end()) {
    sending_.emplace(std::string(carrier), up);
  } else {
    it->second = up;
  }
}

std::vector<std::string> health_state::sending_carriers() const {
  const std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, up] : sending_)
    if (up) out.push_back(name);
  return out;
}

bool health_state::can_send(std::string_view carrier) const {
  const std::lock_guard lock(mutex_);
  const auto it = sending_.find(carrier);
  return it != sending_.end() && it->second;
}

void health_state::store_opened(bool ok) {
  const std::lock_guard lock(mutex_);
  store_open_ = ok;
}

void health_state::store_connection(bool up) {
  store_connected_.store(up, std::memory_order_relaxed);
}

void health_state::commit_finished(bool ok, std::string_view error) {
  if (ok) {
    last_commit_ok_.store(true, std::memory_order_relaxed);
    return;
  }
  const std::lock_guard lock(mutex_);
  last_error_ = std::string(error);
  last_commit_ok_.store(false, std::memory_order_relaxed);
}

void health_state::watch_store(std::function<std::chrono::nanoseconds()> busy_for,
                               std::chrono::milliseconds stalled_after) {
  const std::lock_guard lock(mutex_);
  store_busy_for_ = std::move(busy_for);
  stalled_after_ = stalled_after;
}

void health_state::set_stopping() {
  stopping_.store(true);
}

health_facts health_state::facts() const {
  const std::lock_guard lock(mutex_);
  health_facts f;
  f.carriers_configured = configured_;
  f.carriers_bound = static_cast<std::size_t>(
      std::count_if(bound_.begin(), bound_.end(), [](const auto& kv) { return kv.second; }));
  f.store_open = store_open_;
  f.store_connected = store_connected_.load();
  f.last_commit_ok = last_commit_ok_.load();
  if (!f.last_commit_ok) f.last_commit_error = last_error_;
  if (store_busy_for_) {
    f.store_waiting = std::chrono::duration_cast<std::chrono::milliseconds>(store_busy_for_());
    f.store_stalled_after = stalled_after_;
  }
  f.stopping = stopping_.load();
  return f;
}

}  // namespace lapord::app::ops
