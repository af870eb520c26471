// reply_sender against a real store and a fake carrier: every answer is recorded, in batches
// (several replies per store item), and each reply gets the outcome its own answer says.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <spdlog/logger.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "lapord/app/replies/reply_sender.hpp"
#include "lapord/smpp/command_status.hpp"
#include "pipeline_fixture.hpp"

namespace lapord::app {
namespace {

using namespace std::chrono_literals;

// Answers every submit_sm from its own thread, as the carriers' thread does: ROK with an id,
// except for destinations that end in 1 (refused for good) and 2 (a temporary refusal).
class fake_carrier final : public net::mt_sender {
 public:
  void submit(const std::string&, smpp::submit_sm m, net::mt_completion done) override {
    std::lock_guard lock(mutex_);
    queued_.emplace_back(std::move(m), std::move(done));
  }
  // Answers what is queued, all at once (one "read" of the bind).
  std::size_t answer_all() {
    std::vector<std::pair<smpp::submit_sm, net::mt_completion>> now;
    {
      std::lock_guard lock(mutex_);
      now.swap(queued_);
    }
    for (auto& [m, done] : now) {
      const char last = m.destination_addr.back();
      if (last == '1') {
        done(smpp::make_error_code(smpp::command_status::esme_rinvdstadr), {});
      } else if (last == '2') {
        done(smpp::make_error_code(smpp::command_status::esme_rsyserr), {});
      } else {
        done({}, m.destination_addr.substr(m.destination_addr.size() - 6));
      }
    }
    return now.size();
  }
  std::size_t waiting() {
    std::lock_guard lock(mutex_);
    return queued_.size();
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<smpp::submit_sm, net::mt_completion>> queued_;
};

bool poll_until(const std::function<bool()>& done, std::chrono::seconds limit = 20s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

}  // namespace

TEST_CASE("reply_sender records every carrier answer, several per store item") {
  test::store_under_test s;
  constexpr int n = 300;
  std::vector<std::int64_t> ids;
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  s.db.call([&](store::transaction& tx) {
    for (int i = 0; i < n; ++i) {
      // new_reply holds views: the strings must outlive the call.
      const std::string destination = "628123456" + std::to_string(1000 + i);
      const std::string text = "LAPOR! Laporan diterima, tiket " + std::to_string(48219375 + i);
      store::new_reply r;
      r.carrier = "tsel";
      r.source = "1708";
      r.destination = destination;
      r.text = text;
      r.kind = "ack";
      r.created_at = now - 1s;
      ids.push_back(tx.enqueue_reply(r));
    }
  });
  const auto items_before = s.db.stats().items;

  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::thread thread([&] { io.run(); });
  fake_carrier carrier;
  reply_sender_options options;
  options.batch = 100;
  options.max_in_flight = 1000;
  options.poll_interval = 50ms;
  auto sender = std::make_unique<reply_sender>(io.get_executor(), s.db, carrier, options,
                                               std::make_shared<spdlog::logger>("replies"));
  sender->start();
  std::size_t answered = 0;
  REQUIRE(poll_until([&] {
    answered += carrier.answer_all();
    const auto st = sender->stats();
    return st.submitted + st.failed + st.retried == static_cast<std::uint64_t>(n);
  }));
  CHECK(answered == static_cast<std::size_t>(n));
  // Recorded (the stats count answers; the store is written a moment later).
  REQUIRE(poll_until([&] {
    return s.db.call([&](store::transaction& tx) {
      int done = 0;
      for (auto id : ids) {
        auto st = tx.reply_status_of(id);
        if (st && (st->state != store::reply_state::in_flight)) ++done;
      }
      return done == n;
    });
  }));
  sender->stop();
  sender.reset();
  // A poll of the store may still be queued, holding the sender: let it complete while the
  // io_context runs, or it is released on the writer thread after the io_context is gone
  // (ASan: heap-use-after-free of the timer's service).
  s.db.call([](store::transaction&) {});
  guard.reset();
  thread.join();

  s.db.call([&](store::transaction& tx) {
    for (int i = 0; i < n; ++i) {
      auto st = tx.reply_status_of(ids[static_cast<std::size_t>(i)]);
      REQUIRE(st.has_value());
      const std::string destination = "628123456" + std::to_string(1000 + i);
      switch (destination.back()) {
        case '1':
          CHECK(st->state == store::reply_state::failed);
          break;
        case '2':
          CHECK(st->state == store::reply_state::queued);  // due again later
          CHECK(st->last_error.has_value());
          break;
        default:
          CHECK(st->state == store::reply_state::submitted);
          REQUIRE(st->message_ids.size() == 1);
          CHECK(st->message_ids[0] ==
                text::canonical_message_id(destination.substr(destination.size() - 6)));
      }
    }
  });
  // Fewer store items than replies: the outcomes were recorded in batches (the takes of due
  // replies are items too, 3 or more of them).
  const auto items = s.db.stats().items - items_before;
  MESSAGE("store items for ", n, " replies: ", items);
  CHECK(items < static_cast<std::uint64_t>(n));
}

TEST_CASE(
    "reply_sender: a reply whose lease ran out while it waits for the carrier goes out once") {
  // The carrier is down (or throttling) for longer than the lease: the store hands the reply
  // out again; it is still on its way, so it must not be submitted a second time.
  test::store_under_test s;
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const std::int64_t id = s.db.call([&](store::transaction& tx) {
    store::new_reply r;
    r.carrier = "tsel";
    r.source = "1708";
    r.destination = "6281234561000";
    r.text = "LAPOR! Laporan diterima, tiket 48219375";
    r.kind = "ack";
    r.created_at = now - 1s;
    return tx.enqueue_reply(r);
  });
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::thread thread([&] { io.run(); });
  fake_carrier carrier;
  reply_sender_options options;
  options.lease = 20ms;
  options.poll_interval = 10ms;
  auto sender = std::make_unique<reply_sender>(io.get_executor(), s.db, carrier, options,
                                               std::make_shared<spdlog::logger>("replies"));
  sender->start();
  // Taken again at least twice after its lease ran out, while the carrier holds it.
  REQUIRE(poll_until([&] { return sender->stats().taken_while_sending >= 2; }));
  CHECK(carrier.waiting() == 1);
  CHECK(carrier.answer_all() == 1);
  REQUIRE(poll_until([&] {
    return s.db.call([&](store::transaction& tx) { return tx.reply_status_of(id); })->state ==
           store::reply_state::submitted;
  }));
  CHECK(carrier.waiting() == 0);
  sender->stop();
  sender.reset();
  // A poll of the store may still be queued, holding the sender: let it complete while the
  // io_context runs, or it is released on the writer thread after the io_context is gone
  // (ASan: heap-use-after-free of the timer's service).
  s.db.call([](store::transaction&) {});
  guard.reset();
  thread.join();
}

TEST_CASE("a reply handed over from its commit is sent without asking the store for it") {
  test::store_under_test s;
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  constexpr int n = 70;
  std::vector<store::reply> replies;
  s.db.call([&](store::transaction& tx) {
    for (int i = 0; i < n; ++i) {
      const std::string destination = "628123456" + std::to_string(3000 + 10 * i);  // all ROK
      store::new_reply r{"tsel", "1708", destination, "LAPOR! tiket 1", "ack", "1", now};
      r.lease = 5min;
      const std::int64_t id = tx.enqueue_reply(r);
      replies.push_back(store::reply{id, "tsel", "1708", destination, "LAPOR! tiket 1", "ack",
                                     std::string("1"), 1});
    }
  });

  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  fake_carrier carrier;
  reply_sender_options options;
  options.max_in_flight = 4;  // room for 64 handed over (the floor), then the MO stores it due
  auto sender = std::make_unique<reply_sender>(io.get_executor(), s.db, carrier, options,
                                               std::make_shared<spdlog::logger>("replies"));
  // Not started: it never polls the store, so only send_now() can make these go out. The
  // executor runs only once all are handed over, so none has left the backlog yet.
  for (int i = 0; i < 64; ++i) {
    CHECK(sender->has_room());
    sender->send_now(replies[static_cast<std::size_t>(i)]);
  }
  CHECK_FALSE(sender->has_room());
  std::thread thread([&] { io.run(); });
  REQUIRE(poll_until([&] { return carrier.waiting() == 4; }));  // max_in_flight at once
  std::size_t answered = 0;
  REQUIRE(poll_until([&] {
    answered += carrier.answer_all();
    return sender->stats().submitted == 64;
  }));
  CHECK(answered == 64);
  REQUIRE(poll_until([&] { return sender->has_room(); }));
  REQUIRE(poll_until([&] {
    return s.db.call([&](store::transaction& tx) {
      return tx.reply_status_of(replies[63].id)->state == store::reply_state::submitted;
    });
  }));
  sender->stop();
  sender.reset();
  s.db.call([](store::transaction&) {});
  guard.reset();
  thread.join();
  // Leased at insert, they are never due to a poll: only send_now() sent them.
  const auto st = s.db.call([&](store::transaction& tx) {
    int submitted = 0;
    for (const auto& r : replies)
      submitted += tx.reply_status_of(r.id)->state == store::reply_state::submitted ? 1 : 0;
    return submitted;
  });
  CHECK(st == 64);
}

}  // namespace lapord::app
