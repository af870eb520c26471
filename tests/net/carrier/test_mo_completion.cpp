// mo_completion: the one answer to an MO. Called once; a handler that drops it answers
// ESME_RX_T_APPN (the SMSC redelivers) instead of leaving the MO hanging.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "lapord/net/mo_handler.hpp"

using lapord::net::mo_completion;
using lapord::smpp::command_status;

TEST_CASE("the completion answers once, with the handler's status") {
  std::vector<command_status> answers;
  mo_completion done([&](command_status s) { answers.push_back(s); });
  CHECK(done.pending());
  done(command_status::esme_rok);
  done(command_status::esme_rsyserr);  // a second call is ignored
  CHECK_FALSE(done.pending());
  CHECK(answers == std::vector<command_status>{command_status::esme_rok});
}

TEST_CASE("a completion dropped unanswered answers ESME_RX_T_APPN") {
  std::vector<command_status> answers;
  {
    mo_completion done([&](command_status s) { answers.push_back(s); });
  }
  CHECK(answers == std::vector<command_status>{command_status::esme_rx_t_appn});
}

TEST_CASE("moving a completion moves the duty to answer") {
  std::vector<command_status> answers;
  mo_completion a([&](command_status s) { answers.push_back(s); });
  mo_completion b(std::move(a));
  CHECK_FALSE(a.pending());  // NOLINT(bugprone-use-after-move): the moved-from state is defined
  CHECK(b.pending());
  mo_completion c;
  c = std::move(b);
  CHECK(answers.empty());
  c(command_status::esme_rok);
  CHECK(answers == std::vector<command_status>{command_status::esme_rok});
  // Assigning over a pending completion answers the old one first.
  mo_completion d([&](command_status s) { answers.push_back(s); });
  d = mo_completion([&](command_status s) { answers.push_back(s); });
  CHECK(answers.size() == 2);
  CHECK(answers[1] == command_status::esme_rx_t_appn);
}

TEST_CASE("a completion may be called from another thread") {
  std::atomic<int> calls{0};
  mo_completion done([&](command_status s) {
    if (s == command_status::esme_rok) ++calls;
  });
  std::thread worker([d = std::move(done)]() mutable { d(command_status::esme_rok); });
  worker.join();
  CHECK(calls == 1);
}
