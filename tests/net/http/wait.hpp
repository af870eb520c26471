#pragma once
// Waits for a condition that another thread makes true, checking often, failing at a deadline.
#include <chrono>
#include <thread>

namespace lapord::net::http::test {

template <class Predicate>
bool wait_for_condition(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace lapord::net::http::test
