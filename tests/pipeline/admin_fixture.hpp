#pragma once
// The admin API through the pure api_router (no socket): a real SQLite store, a scripted
// carrier (mt_sender), bind states and a test SMS's deadline fired by the test. Every answer
// is read as JSON.
#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <boost/json/parse.hpp>

#include "lapord/app/admin/admin_routes.hpp"
#include "lapord/smpp/command_status.hpp"
#include "store/store_fixture.hpp"

namespace lapord::app::admin_test {

using namespace std::chrono_literals;
using store::test::at;
namespace json = boost::json;

constexpr const char* token = "admin-token-for-tests";

// A carrier that answers each submit_sm as told: accepted with an id, refused, or never.
class scripted_carrier final : public net::mt_sender {
 public:
  enum class mode { accept, refuse_second, silent };
  std::atomic<mode> answer{mode::accept};

  void submit(const std::string& carrier, smpp::submit_sm&& message,
              net::mt_completion done) override {
    std::size_t n;
    {
      std::lock_guard lock(m_);
      sent_.push_back({carrier, message});
      n = sent_.size();
    }
    switch (answer.load()) {
      case mode::accept:
        done({}, "msg-" + std::to_string(n));
        return;
      case mode::refuse_second:
        if (n == 2) {
          done(smpp::make_error_code(smpp::command_status::esme_rinvdstadr), "");
        } else {
          done({}, "msg-" + std::to_string(n));
        }
        return;
      case mode::silent:
        std::lock_guard lock(m_);
        held_.push_back(std::move(done));  // answered never (kept so it is not destroyed)
        return;
    }
  }
  std::vector<std::pair<std::string, smpp::submit_sm>> sent() {
    std::lock_guard lock(m_);
    return sent_;
  }

 private:
  std::mutex m_;
  std::vector<std::pair<std::string, smpp::submit_sm>> sent_;
  std::vector<net::mt_completion> held_;
};

struct answer {
  unsigned status = 0;
  json::value body;
  std::string error() const {
    const auto* o = body.if_object();
    if (!o || !o->contains("error")) return "";
    return std::string(o->at("error").as_string());
  }
  std::string message() const { return std::string(body.at("message").as_string()); }
};

struct admin_under_test {
  store::test::temp_dir dir;
  std::string path = dir.file("lapord.db");
  store::database db{store::test::options_for(path)};
  scripted_carrier carrier;
  std::vector<net::bind_state> binds{
      {"tsel", "trx", true}, {"isat", "tx", false}, {"isat", "rx", true}};
  std::atomic<int> wakes{0};
  std::function<std::string()> reload;
  std::ostringstream log_text;
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>(
      "admin", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text));
  net::http::api_router router{net::http::bearer_token(token)};
  std::unique_ptr<admin_api> api;

  // A test SMS's deadline as the API asked for it, fired by the test (scripted_deadline).
  struct deadline {
    std::chrono::milliseconds timeout{};
    std::function<void()> give_up;
  };
  std::promise<deadline> asked_deadline;

  explicit admin_under_test(std::chrono::milliseconds send_timeout = 8s,
                            bool scripted_deadline = false) {
    admin_backend b;
    if (scripted_deadline) {
      b.send_deadline = [this](std::chrono::milliseconds timeout, std::function<void()> give_up) {
        asked_deadline.set_value({timeout, std::move(give_up)});
      };
    }
    b.db = &db;
    b.bind_states = [this] { return binds; };
    b.reload = [this]() -> std::string {
      if (!reload) throw std::logic_error("not set");
      return reload();
    };
    b.mt = &carrier;
    b.forward_queued = [this] { ++wakes; };
    b.log = log;
    admin_settings s;
    s.send_timeout = send_timeout;
    api = std::make_unique<admin_api>(std::move(b), s);
    add_admin_routes(router, *api);
  }

  answer ask(std::string method, std::string target, std::string body = "",
             std::string auth = std::string("Bearer ") + token) {
    return read(ask_later(std::move(method), std::move(target), std::move(body), std::move(auth)));
  }

  std::future<net::http::api_answer> ask_later(std::string method, std::string target,
                                               std::string body = "",
                                               std::string auth = std::string("Bearer ") + token) {
    net::http::api_request r;
    r.method = std::move(method);
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = std::move(body);
    r.authorization = std::move(auth);
    if (!r.body.empty()) r.content_type = "application/json";
    auto got = std::make_shared<std::promise<net::http::api_answer>>();
    auto future = got->get_future();
    router.handle(std::move(r), [got](net::http::api_answer a) { got->set_value(std::move(a)); });
    return future;
  }

  static answer read(std::future<net::http::api_answer> future) {
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    auto a = future.get();
    answer out;
    out.status = a.status;
    CHECK(a.content_type == "application/json");
    boost::system::error_code ec;
    out.body = json::parse(a.body, ec);
    REQUIRE_MESSAGE(!ec, a.body);
    return out;
  }

  void complaint(const std::string& ref, store::wall_time when, bool queued = true) {
    db.call([&](store::transaction& tx) {
      tx.create_complaint(
          store::test::sample_complaint(ref, "+6281234567890", "Jalan rusak " + ref, when));
      if (queued) tx.enqueue_forward(ref, when);
    });
  }

  // 10000001 forwarded, 10000002 parked, 10000003 pending (with an ack reply).
  void three() {
    complaint("10000001", at(1'800'000'100));
    complaint("10000002", at(1'800'000'200));
    complaint("10000003", at(1'800'000'300));
    db.call([](store::transaction& tx) {
      REQUIRE(tx.take_due_forwards(at(1'800'000'300), 10, 30s).size() == 3);
      tx.mark_forwarded("10000001", 201, "SIM-1", at(1'800'000'301));
      tx.park("10000002", 422, "{\"error\":\"unknown institution\"}", at(1'800'000'302));
      tx.schedule_retry("10000003", at(1'800'000'900), "503", 503);
      tx.enqueue_reply({"tsel", "1708", "6281234567890", "Terima kasih, ref 10000003", "ack",
                        std::string_view("10000003"), at(1'800'000'300)});
      tx.add_event({"10000001", "verified", at(1'800'000'500), "Kabupaten Tangerang",
                    std::string_view("diverifikasi"), at(1'800'000'501)});
    });
  }
};

inline std::vector<std::string> refs_in(const answer& a) {
  std::vector<std::string> out;
  for (const auto& c : a.body.at("complaints").as_array())
    out.emplace_back(c.at("ref").as_string());
  return out;
}

}  // namespace lapord::app::admin_test
