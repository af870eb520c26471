#pragma once
// An in-memory complaint_events for tests: complaints by ref, events de-duplicated by
// (status, at_text), answered synchronously. `fail_next` makes the next call report failed.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "lapord/net/http/complaint_events.hpp"

namespace lapord::net::http::test {

class fake_complaint_events : public complaint_events {
 public:
  void add_complaint(const std::string& ref, std::string body = "{}",
                     std::string routed_by = "national") {
    std::lock_guard lock(mu_);
    complaint_view v;
    v.ref = ref;
    v.routed_by = std::move(routed_by);
    v.status = "new";
    v.complaint = std::move(body);
    v.forward.state = "pending";
    complaints_[ref] = v;
  }

  void add_event(std::string ref, complaint_event event,
                 std::function<void(event_result)> done) override {
    event_result r = event_result::failed;
    {
      std::lock_guard lock(mu_);
      ++calls_;
      auto it = complaints_.find(ref);
      if (fail_next_) {
        fail_next_ = false;
      } else if (it == complaints_.end()) {
        r = event_result::unknown_ref;
      } else if (!seen_.insert({ref, std::string(to_string(event.status)), event.at_text}).second) {
        r = event_result::duplicate;
      } else {
        it->second.status = std::string(to_string(event.status));
        it->second.events.push_back({std::string(to_string(event.status)), event.at_text,
                                     event.institution, event.message});
        r = event_result::applied;
      }
    }
    done(r);
  }

  void find_complaint(std::string ref,
                      std::function<void(lookup_result, complaint_view)> done) override {
    std::unique_lock lock(mu_);
    ++calls_;
    if (fail_next_) {
      fail_next_ = false;
      lock.unlock();
      done(lookup_result::failed, {});
      return;
    }
    auto it = complaints_.find(ref);
    if (it == complaints_.end()) {
      lock.unlock();
      done(lookup_result::unknown_ref, {});
      return;
    }
    auto v = it->second;
    lock.unlock();
    done(lookup_result::found, std::move(v));
  }

  void fail_next() {
    std::lock_guard lock(mu_);
    fail_next_ = true;
  }
  std::size_t events_of(const std::string& ref) {
    std::lock_guard lock(mu_);
    return complaints_.at(ref).events.size();
  }
  std::size_t calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, complaint_view> complaints_;
  std::set<std::tuple<std::string, std::string, std::string>> seen_;
  bool fail_next_ = false;
  std::size_t calls_ = 0;
};

}  // namespace lapord::net::http::test
