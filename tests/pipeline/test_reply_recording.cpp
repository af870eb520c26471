// reply_sender against a real store and a fake carrier: every answer is recorded, in batches
// (several replies per store item), and each reply gets the outcome its own answer says.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include <spdlog/logger.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "lapord/app/replies/reply_sender.hpp"
#include "lapord/smpp/command_status.hpp"
#include "pipeline_fixture.hpp"

namespace lapord::app {
namespace {

using namespace std::chrono_literals;

// Answers the queued submit_sm when the test says, as the carriers' thread does: ROK with an id,
// except for destinations that end in 1 (refused for good) and 2 (a temporary refusal).
class fake_carrier final : public net::mt_sender {
 public:
  void submit(const std::string&, smpp::submit_sm&& m, net::mt_completion done) override {
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
  // The short_message of every submit_sm waiting, in the order they came.
  std::vector<std::string> texts() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& q : queued_)
      out.push_back(q.first.short_message);
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<smpp::submit_sm, net::mt_completion>> queued_;
};

// The sender's executor runs on the test's own thread: each step waits for the next handler
// the code under test posts (a store answer, a freed slot, a wake-up), never a timed poll; the
// poll interval is an hour, so no timer drives anything. The bound only turns a hang into a
// failure.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  while (!done()) {
    if (io.run_one_for(30s) == 0) return done();
  }
  return true;
}

// Stops the sender and runs what it still has queued (the stop itself, store answers) on this
// thread, so nothing of it is left to run on the writer thread after the io_context is gone
// (ASan: heap-use-after-free of the timer's service).
void shut_down(std::unique_ptr<reply_sender>& sender, boost::asio::io_context& io,
               store::database& db) {
  sender->stop();
  sender.reset();
  io.poll();                            // the stop runs: no new store work from here on
  db.call([](store::transaction&) {});  // what the store still had has posted its answers
  io.restart();
  io.poll();
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
  fake_carrier carrier;
  reply_sender_options options;
  options.batch = 100;
  options.max_in_flight = 1000;
  options.poll_interval = 1h;
  auto sender = std::make_unique<reply_sender>(io.get_executor(), s.db, carrier, options,
                                               std::make_shared<spdlog::logger>("replies"));
  sender->start();
  std::size_t answered = 0;
  REQUIRE(run_until(io, [&] {
    answered += carrier.answer_all();
    const auto st = sender->stats();
    return st.submitted + st.failed + st.retried == static_cast<std::uint64_t>(n);
  }));
  CHECK(answered == static_cast<std::size_t>(n));
  // Recorded (the stats count answers; the store is written a moment later).
  REQUIRE(run_until(io, [&] {
    return s.db.call([&](store::transaction& tx) {
      int done = 0;
      for (auto id : ids) {
        auto st = tx.reply_status_of(id);
        if (st && (st->state != store::reply_state::in_flight)) ++done;
      }
      return done == n;
    });
  }));
  shut_down(sender, io, s.db);

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
  // out again; it is still on its way, so it must not be submitted a second time. The sender's
  // clock is scripted: the lease runs out when the test says so.
  test::store_under_test s;
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  std::atomic<store::wall_time> clock{now};
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
  fake_carrier carrier;
  reply_sender_options options;
  options.lease = 1min;
  options.poll_interval = 1h;
  options.clock = [&clock] { return clock.load(); };
  auto sender = std::make_unique<reply_sender>(io.get_executor(), s.db, carrier, options,
                                               std::make_shared<spdlog::logger>("replies"));
  sender->start();
  REQUIRE(run_until(io, [&] { return carrier.waiting() == 1; }));
  // Taken again twice after its lease ran out, while the carrier holds it.
  for (std::uint64_t again = 1; again <= 2; ++again) {
    clock = clock.load() + options.lease + 1s;
    sender->notify();
    REQUIRE(run_until(io, [&] { return sender->stats().taken_while_sending == again; }));
  }
  CHECK(carrier.waiting() == 1);
  CHECK(carrier.answer_all() == 1);
  REQUIRE(run_until(io, [&] {
    return s.db.call([&](store::transaction& tx) { return tx.reply_status_of(id); })->state ==
           store::reply_state::submitted;
  }));
  CHECK(carrier.waiting() == 0);
  shut_down(sender, io, s.db);
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
  options.poll_interval = 1h;
  options.max_in_flight = 4;  // room for 64 handed over (the floor), then the MO stores it due
  auto sender = std::make_unique<reply_sender>(io.get_executor(), s.db, carrier, options,
                                               std::make_shared<spdlog::logger>("replies"));
  // Not started: it never polls the store, so only send_now() can make these go out. The
  // executor runs only once all are handed over, so none has left the backlog yet.
  for (int i = 0; i < 64; ++i) {
    REQUIRE(sender->reserve());
    sender->send_now(store::reply(replies[static_cast<std::size_t>(i)]));
  }
  CHECK_FALSE(sender->reserve());  // the 65th MO stores its reply due (refused) ...
  sender->refusal_done();          // ... and its item is done
  REQUIRE(run_until(io, [&] { return carrier.waiting() == 4; }));  // max_in_flight at once
  std::size_t answered = 0;
  REQUIRE(run_until(io, [&] {
    answered += carrier.answer_all();
    return sender->stats().submitted == 64;
  }));
  CHECK(answered == 64);
  CHECK(sender->stats().deferred == 1);
  REQUIRE(run_until(io, [&] {
    return s.db.call([&](store::transaction& tx) {
      return tx.reply_status_of(replies[63].id)->state == store::reply_state::submitted;
    });
  }));
  shut_down(sender, io, s.db);
  // Leased at insert, they are never due to a poll: only send_now() sent them.
  const auto st = s.db.call([&](store::transaction& tx) {
    int submitted = 0;
    for (const auto& r : replies)
      submitted += tx.reply_status_of(r.id)->state == store::reply_state::submitted ? 1 : 0;
    return submitted;
  });
  CHECK(st == 64);
}

TEST_CASE(
    "full: an MO's reply past the sender's places is stored due - later ones too until a take "
    "found it - none overtakes an earlier one to the same citizen") {
  test::store_under_test s;
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  fake_carrier carrier;
  reply_sender_options options;
  options.poll_interval = 1h;
  options.max_in_flight = 4;  // 64 places (the floor)
  // The take's time, past both replies' creation: on the system clock a run within the 1 ms
  // between them found only the first, and the second waited for the hour's poll.
  options.clock = [now] { return now + 1s; };
  auto sender = std::make_unique<reply_sender>(io.get_executor(), s.db, carrier, options,
                                               std::make_shared<spdlog::logger>("replies"));
  const std::string citizen = "6281234569990";
  // As mo_path does: a place asked before the MO's item; the reply stored taken with it (and
  // handed over), or due without it (and the refusal reported once the item is done).
  auto mo_reply = [&](const std::string& text, int ms) {
    const bool place = sender->reserve();
    const std::int64_t id = s.db.call([&](store::transaction& tx) {
      store::new_reply n{
          "tsel", "1708", citizen, text, "ack", "1", now + std::chrono::milliseconds(ms)};
      if (place) n.lease = 5min;
      return tx.enqueue_reply(n);
    });
    if (place) {
      sender->send_now(store::reply{id, "tsel", "1708", citizen, text, "ack", std::string("1"), 1});
    } else {
      sender->refusal_done();
    }
    return place;
  };
  for (int i = 0; i < 64; ++i)
    REQUIRE(sender->reserve());
  // The citizen's first reply finds no place: stored due, for a take.
  CHECK_FALSE(mo_reply("pertama", 0));
  for (int i = 0; i < 64; ++i)
    sender->unreserve();  // those MOs' items failed: every place free again
  // Their second reply must not go past the first, still in the store: stored due too.
  CHECK_FALSE(mo_reply("kedua", 1));
  CHECK(sender->stats().deferred == 2);
  // A take finds both, in order; it found no full batch, so replies go straight again.
  sender->start();
  REQUIRE(run_until(io, [&] { return carrier.waiting() == 2; }));
  CHECK(sender->reserve());
  sender->unreserve();
  std::vector<std::string> texts = carrier.texts();
  REQUIRE(texts.size() == 2);
  const auto encoded = [&](const char* text) {
    return reply_segments(store::reply{0, "tsel", "1708", citizen, text, "ack", {}, 1}, options)
        .front()
        .short_message;
  };
  CHECK(texts[0] == encoded("pertama"));
  CHECK(texts[1] == encoded("kedua"));
  carrier.answer_all();
  REQUIRE(run_until(io, [&] { return sender->stats().submitted == 2; }));
  shut_down(sender, io, s.db);
}

}  // namespace lapord::app
