#pragma once
// An in-memory outbox for the forwarder's loopback tests and benchmark: the same contract as the
// durable one (due items leased, reports close them), answered synchronously, with counts of
// every report so tests can tell a ref was never reported twice.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "lapord/net/http/outbox.hpp"

namespace lapord::net::http::test {

class memory_outbox : public outbox {
 public:
  enum class state { pending, leased, forwarded, parked };
  struct entry {
    std::string body;
    unsigned attempts = 0;
    state st = state::pending;
    clock::time_point next_at{};
    clock::time_point lease_until{};
    std::optional<std::string> tracking_id;
    unsigned http_status = 0;  // of the last answer (0: none)
    std::string answer;        // parked: the store's answer
    std::string last_error;    // retried: why
    unsigned reports = 0;      // forwarded + parked reports (must end at exactly 1)
    std::vector<clock::time_point> retry_reported_at;  // when each retry_later came
    std::vector<clock::time_point> retry_next_at;      // and the time it asked for
  };

  explicit memory_outbox(std::chrono::milliseconds lease = std::chrono::seconds{60})
      : lease_(lease) {}

  void add(const std::string& ref, std::string body) {
    std::lock_guard lock(mu_);
    entries_[ref].body = std::move(body);
    due_.emplace(clock::time_point{}, ref);
  }

  // As the durable outbox stores an MO's forward taken at insert (enqueue_forward's lease):
  // leased to the caller from `now`, never handed out by a take until the lease ends.
  void add_leased(const std::string& ref, std::string body, clock::time_point now) {
    std::lock_guard lock(mu_);
    auto& e = entries_[ref];
    e.body = std::move(body);
    e.st = state::leased;
    e.lease_until = now + lease_;
    leases_.emplace(e.lease_until, ref);
  }

  void take_due(clock::time_point now, std::size_t limit,
                std::function<void(std::vector<outbox_item>)> done) override {
    std::vector<outbox_item> items;
    {
      std::lock_guard lock(mu_);
      ++takes_;
      // Expired leases come back, as in the durable outbox.
      for (auto it = leases_.begin(); it != leases_.end() && it->first <= now;) {
        auto& e = entries_.at(it->second);
        if (e.st == state::leased && e.lease_until <= now) {
          e.st = state::pending;
          due_.emplace(now, it->second);
        }
        it = leases_.erase(it);
      }
      for (auto it = due_.begin(); it != due_.end() && it->first <= now && items.size() < limit;) {
        auto& e = entries_.at(it->second);
        if (e.st == state::pending && e.next_at <= now) {
          e.st = state::leased;
          e.lease_until = now + lease_;
          leases_.emplace(e.lease_until, it->second);
          items.push_back({it->second, e.body, e.attempts});
        }
        it = due_.erase(it);
      }
    }
    done(std::move(items));
  }

  void forwarded(std::string ref, unsigned http_status, std::optional<std::string> tracking_id,
                 std::function<void()> done) override {
    {
      std::lock_guard lock(mu_);
      auto& e = entries_.at(ref);
      e.st = state::forwarded;
      e.http_status = http_status;
      e.tracking_id = std::move(tracking_id);
      ++e.reports;
      ++closed_;
    }
    changed_.notify_all();
    done();
  }

  void parked(std::string ref, unsigned http_status, std::string answer,
              std::function<void()> done) override {
    {
      std::lock_guard lock(mu_);
      auto& e = entries_.at(ref);
      e.st = state::parked;
      e.http_status = http_status;
      e.answer = std::move(answer);
      ++e.reports;
      ++closed_;
    }
    changed_.notify_all();
    done();
  }

  void retry_later(std::string ref, clock::time_point next_at, std::string error,
                   unsigned http_status, std::function<void()> done) override {
    {
      std::lock_guard lock(mu_);
      auto& e = entries_.at(ref);
      e.st = state::pending;
      ++e.attempts;
      e.next_at = next_at;
      e.last_error = std::move(error);
      e.http_status = http_status;
      e.retry_reported_at.push_back(clock::now());
      e.retry_next_at.push_back(next_at);
      due_.emplace(next_at, ref);
      ++retries_;
    }
    changed_.notify_all();
    done();
  }

  // Waits (with a deadline, never a bare sleep) until `n` refs are forwarded or parked.
  bool wait_closed(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return closed_ >= n; });
  }
  bool wait_retries(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return retries_ >= n; });
  }

  entry get(const std::string& ref) {
    std::lock_guard lock(mu_);
    return entries_.at(ref);
  }
  std::size_t closed() {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::size_t retries() {
    std::lock_guard lock(mu_);
    return retries_;
  }

 private:
  std::chrono::milliseconds lease_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::unordered_map<std::string, entry> entries_;
  std::multimap<clock::time_point, std::string> due_;
  std::multimap<clock::time_point, std::string> leases_;
  std::size_t closed_ = 0;
  std::size_t retries_ = 0;
  std::size_t takes_ = 0;
};

}  // namespace lapord::net::http::test
