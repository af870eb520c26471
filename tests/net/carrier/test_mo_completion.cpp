// mo_completion: the one answer to an MO. Called once; a handler that drops it answers
// ESME_RX_T_APPN (the SMSC redelivers) instead of leaving the MO hanging.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
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

TEST_CASE("an answer too large to keep inline answers and is dropped as one kept inline") {
  std::vector<command_status> answers;
  struct large {
    std::vector<command_status>* to;
    unsigned char padding[mo_completion::inline_size] = {};
    void operator()(command_status s) const { to->push_back(s); }
  };
  mo_completion a{large{&answers}};
  mo_completion b(std::move(a));
  CHECK_FALSE(a.pending());  // NOLINT(bugprone-use-after-move): the moved-from state is defined
  b(command_status::esme_rok);
  { mo_completion dropped{large{&answers}}; }
  CHECK(answers ==
        std::vector<command_status>{command_status::esme_rok, command_status::esme_rx_t_appn});
}

TEST_CASE("an answer's captures are released once it has answered, and a move-only one works") {
  auto held = std::make_shared<int>(7);
  auto owned = std::make_unique<int>(8);
  int seen = 0;
  mo_completion done([held, owned = std::move(owned), &seen](command_status) { seen = *owned; });
  CHECK(held.use_count() == 2);
  mo_completion moved(std::move(done));
  CHECK(held.use_count() == 2);  // moved, not copied
  moved(command_status::esme_rok);
  CHECK(seen == 8);
  CHECK(held.use_count() == 1);  // the answer is gone with its call, not with the completion
}
