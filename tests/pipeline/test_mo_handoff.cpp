// mo_path's handoff against a real store: a place is asked for each MO's reply and forward
// before its item is queued; with one, they are stored taken and handed on from the commit;
// without (the queues full), stored due for the polls; a place not used is given back.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <tuple>

#include <spdlog/logger.h>

#include "lapord/app/mo/mo_path.hpp"
#include "pipeline/pipeline_fixture.hpp"

namespace lapord::app {
namespace {

using namespace std::chrono_literals;

// A bounded queue as the reply sender and the forwarder keep one: `places` at first, each
// handoff or unreserve counted (from the store's writer thread).
struct fake_queue {
  std::atomic<int> places{0};
  std::atomic<int> unreserved{0};
  std::atomic<int> refusals_done{0};
  std::mutex mutex;
  std::vector<std::string> handed;  // the reply's destination / the forward's ref

  bool reserve() {
    int n = places.load();
    while (n > 0) {
      if (places.compare_exchange_weak(n, n - 1)) return true;
    }
    return false;
  }
  void add(std::string what) {
    std::lock_guard lock(mutex);
    handed.push_back(std::move(what));
  }
};

}  // namespace

TEST_CASE(
    "full queues: an MO without a place stores its reply and forward due - with one, taken and "
    "handed on from the commit - a place not used is given back") {
  test::store_under_test s;
  fake_queue replies;
  fake_queue forwards;
  replies.places = 2;
  forwards.places = 3;
  mo_path_hooks hooks;
  hooks.replies.reserve = [&] { return replies.reserve(); };
  hooks.replies.unreserve = [&] { ++replies.unreserved; };
  hooks.replies.refusal_done = [&] { ++replies.refusals_done; };
  hooks.replies.send = [&](store::reply r) { replies.add(r.destination); };
  hooks.forwards.reserve = [&] { return forwards.reserve(); };
  hooks.forwards.unreserve = [&] { ++forwards.unreserved; };
  hooks.forwards.send = [&](net::http::complaint_record c) { forwards.add(c.ref); };
  std::atomic<int> woke_forwarder{0};
  std::atomic<int> woke_sender{0};
  hooks.forward_queued = [&] { ++woke_forwarder; };
  hooks.reply_queued = [&] { ++woke_sender; };
  ingest_context ctx = test::test_context();
  ctx.reply_lease = 5min;
  ctx.forward_lease = 1min;
  mo_path path(s.db, ctx, {}, std::move(hooks), std::make_shared<spdlog::logger>("mo"));

  std::atomic<int> acked{0};
  auto send = [&](const std::string& from, const std::string& text) {
    path.on_mo(test::deliver(from, text), net::mo_completion([&](smpp::command_status st) {
                 CHECK(st == smpp::command_status::esme_rok);
                 ++acked;
               }));
  };
  // INFO: a reply, no complaint: its forward place goes back unused.
  send("6281234567800", "INFO");
  send("6281234567801", "LAPOR TANGKAB jalan rusak parah sekali");
  // The reply queue is full now, the forward queue after the next complaint.
  send("6281234567802", "LAPOR TANGKAB lampu jalan mati total");
  send("6281234567803", "LAPOR SLEMAN sampah menumpuk di pasar");
  for (int i = 0; i < 100 && acked < 4; ++i)
    s.db.call([](store::transaction&) {});  // a barrier: the items before it are done
  REQUIRE(acked == 4);

  // Replies: the first two MOs had places, the next two were refused.
  CHECK(replies.handed == std::vector<std::string>{"6281234567800", "6281234567801"});
  CHECK(replies.unreserved == 0);
  CHECK(replies.refusals_done == 2);
  // Forwards: INFO gave its place back; two complaints handed, the third stored due.
  CHECK(forwards.unreserved == 1);
  REQUIRE(forwards.handed.size() == 2);
  CHECK(woke_forwarder == 1);  // the pump is woken for the one stored due only
  CHECK(woke_sender == 2);
  const auto [leased_replies, due_replies, leased_forwards,
              due_forwards] = s.db.call([](store::transaction& tx) {
    const auto c = tx.counts();
    return std::tuple{c.replies_in_flight, c.replies_queued, c.outbox_in_flight, c.outbox_pending};
  });
  CHECK(leased_replies == 2);
  CHECK(due_replies == 2);
  CHECK(leased_forwards == 2);
  CHECK(due_forwards == 1);
  const auto due = s.db.call([](store::transaction& tx) {
    return tx.take_due_forwards(store::wall_time{} + 1'800'000'000s, 10, 1min);
  });
  REQUIRE(due.size() == 1);
  CHECK(std::find(forwards.handed.begin(), forwards.handed.end(), due[0].ref) ==
        forwards.handed.end());
}

}  // namespace lapord::app
