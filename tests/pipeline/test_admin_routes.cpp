// The admin API through the pure api_router (no socket): a real SQLite store, a scripted
// carrier (mt_sender) and bind states. Every answer is read as JSON; the file is checked
// behind the API's back where an action changes it.
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <mutex>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <boost/json/parse.hpp>

#include "lapord/app/admin/admin_routes.hpp"
#include "lapord/app/config/config_error.hpp"
#include "lapord/smpp/command_status.hpp"
#include "store/store_fixture.hpp"

using namespace lapord;
using namespace lapord::app;
using namespace std::chrono_literals;
using store::test::at;
namespace json = boost::json;

namespace {

constexpr const char* token = "admin-token-for-tests";

// A carrier that answers each submit_sm as told: accepted with an id, refused, or never.
class scripted_carrier final : public net::mt_sender {
 public:
  enum class mode { accept, refuse_second, silent };
  std::atomic<mode> answer{mode::accept};

  void submit(const std::string& carrier, smpp::submit_sm message,
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
      if (queued) tx.enqueue_forward(ref, "{\"ref\":\"" + ref + "\"}", when);
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

std::vector<std::string> refs_in(const answer& a) {
  std::vector<std::string> out;
  for (const auto& c : a.body.at("complaints").as_array())
    out.emplace_back(c.at("ref").as_string());
  return out;
}

}  // namespace

TEST_CASE("admin: every route needs the admin token") {
  admin_under_test t;
  for (auto [method, path] : {std::pair<const char*, const char*>{"GET", "/admin/v1/status"},
                              {"GET", "/admin/v1/complaints"},
                              {"GET", "/admin/v1/complaints/10000001"},
                              {"GET", "/admin/v1/parked"},
                              {"POST", "/admin/v1/parked/10000001/retry"},
                              {"POST", "/admin/v1/parked/10000001/drop"},
                              {"POST", "/admin/v1/send"},
                              {"POST", "/admin/v1/reload"}}) {
    INFO(method, " ", path);
    auto a = t.ask(method, path, "", "Bearer wrong");
    CHECK(a.status == 401);
    CHECK(a.error() == "unauthorized");
    CHECK(t.ask(method, path, "", "").status == 401);
  }
  CHECK(t.carrier.sent().empty());
}

TEST_CASE("admin status: binds, outbox by state, replies, store - from the real file") {
  admin_under_test t;
  t.three();
  auto a = t.ask("GET", "/admin/v1/status");
  REQUIRE(a.status == 200);
  const auto& binds = a.body.at("binds").as_array();
  REQUIRE(binds.size() == 3);
  CHECK(binds[0].at("carrier") == "tsel");
  CHECK(binds[0].at("bind") == "trx");
  CHECK(binds[0].at("bound") == true);
  CHECK(binds[1].at("bound") == false);
  CHECK(a.body.at("outbox").at("pending") == 1);
  CHECK(a.body.at("outbox").at("parked") == 1);
  CHECK(a.body.at("outbox").at("in_flight") == 0);
  CHECK(a.body.at("outbox").at("dropped") == 0);
  CHECK(a.body.at("replies").at("queued") == 1);
  CHECK(a.body.at("store").at("schema_version") == store::database::latest_schema_version());
  CHECK(a.body.at("forwarder").is_null());
}

TEST_CASE("admin complaints list: newest first, numbers masked unless unmask=1 (logged)") {
  admin_under_test t;
  t.three();
  auto a = t.ask("GET", "/admin/v1/complaints");
  REQUIRE(a.status == 200);
  CHECK(refs_in(a) == std::vector<std::string>{"10000003", "10000002", "10000001"});
  const auto& first = a.body.at("complaints").as_array()[2];
  CHECK(first.at("reporter") == "+62812****7890");
  CHECK(first.at("status") == "verified");
  CHECK(first.at("forwarding") == "forwarded");
  CHECK(first.at("tracking_id") == "SIM-1");
  CHECK(first.at("institution").at("code") == "36.03");
  CHECK(first.at("created_at") == "2027-01-15T08:01:40Z");
  CHECK(t.log_text.str().find("unmasked") == std::string::npos);
  CHECK(a.body.as_object().at("limit") == 20);

  auto u = t.ask("GET", "/admin/v1/complaints?unmask=1&limit=1");
  REQUIRE(u.status == 200);
  CHECK(refs_in(u) == std::vector<std::string>{"10000003"});
  CHECK(u.body.at("complaints").as_array()[0].at("reporter") == "+6281234567890");
  CHECK(t.log_text.str().find("unmasked") != std::string::npos);
  CHECK(t.log_text.str().find("6281234567890") == std::string::npos);
}

TEST_CASE("admin complaints list: filters by status, institution, forwarding, since") {
  admin_under_test t;
  t.three();
  using refs = std::vector<std::string>;
  CHECK(refs_in(t.ask("GET", "/admin/v1/complaints?status=verified")) == refs{"10000001"});
  CHECK(refs_in(t.ask("GET", "/admin/v1/complaints?forwarding=parked")) == refs{"10000002"});
  CHECK(refs_in(t.ask("GET", "/admin/v1/complaints?institution=TANGKAB&limit=2")) ==
        refs{"10000003", "10000002"});
  CHECK(refs_in(t.ask("GET", "/admin/v1/complaints?institution=national")).empty());
  // 1'800'000'200 s is 2027-01-15T08:03:20Z; ':' percent-encoded as a client would.
  CHECK(refs_in(t.ask("GET", "/admin/v1/complaints?since=2027-01-15T08%3A03%3A20Z")) ==
        refs{"10000003", "10000002"});
}

TEST_CASE("admin complaints list: a bad query is a 400 that names the problem") {
  admin_under_test t;
  for (auto [query, code, words] :
       {std::tuple<const char*, const char*, const char*>{"colour=red", "unknown_parameter",
                                                          "colour"},
        {"status=lost", "bad_parameter", "status: must be one of received"},
        {"forwarding=gone", "bad_parameter", "forwarding"},
        {"limit=0", "bad_parameter", "limit: must be a whole number from 1 to 1000"},
        {"limit=1001", "bad_parameter", "limit"},
        {"limit=ten", "bad_parameter", "limit"},
        {"since=yesterday", "bad_parameter", "since: must be an RFC 3339 time"},
        {"institution=a%20b", "bad_parameter", "institution"},
        {"unmask=yes", "bad_parameter", "unmask"},
        {"limit=1&limit=2", "bad_query", "given twice"},
        {"limit=%zz", "bad_query", "percent-encoding"}}) {
    INFO(query);
    auto a = t.ask("GET", std::string("/admin/v1/complaints?") + query);
    CHECK(a.status == 400);
    CHECK(a.error() == code);
    CHECK(a.message().find(words) != std::string::npos);
  }
}

TEST_CASE("admin complaint show: events, forwarding, replies - 404 for an unknown ref") {
  admin_under_test t;
  t.three();
  auto a = t.ask("GET", "/admin/v1/complaints/10000001");
  REQUIRE(a.status == 200);
  CHECK(a.body.at("ref") == "10000001");
  CHECK(a.body.at("reporter") == "+62812****7890");
  REQUIRE(a.body.at("events").as_array().size() == 1);
  CHECK(a.body.at("events").as_array()[0].at("status") == "verified");
  CHECK(a.body.at("events").as_array()[0].at("message") == "diverifikasi");
  CHECK(a.body.at("forward").at("state") == "forwarded");
  CHECK(a.body.at("forward").at("http_status") == 201);

  auto pending = t.ask("GET", "/admin/v1/complaints/10000003");
  REQUIRE(pending.status == 200);
  const auto& replies = pending.body.at("replies").as_array();
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].at("kind") == "ack");
  CHECK(replies[0].at("state") == "queued");
  CHECK(replies[0].at("destination") == "62812****7890");
  CHECK(pending.body.at("forward").at("next_attempt_at") == "2027-01-15T08:15:00Z");
  CHECK(pending.body.at("forward").at("last_error") == "503");
  auto unmasked = t.ask("GET", "/admin/v1/complaints/10000003?unmask=true");
  CHECK(unmasked.body.at("replies").as_array()[0].at("destination") == "6281234567890");

  auto missing = t.ask("GET", "/admin/v1/complaints/99999999");
  CHECK(missing.status == 404);
  CHECK(missing.error() == "unknown_ref");
  CHECK(missing.message() == "no complaint with ref 99999999");
  CHECK(t.ask("GET", "/admin/v1/complaints/10000001?colour=1").status == 400);
}

TEST_CASE("admin parked: listed with the store's answer - retry wakes the forwarder") {
  admin_under_test t;
  t.three();
  auto list = t.ask("GET", "/admin/v1/parked");
  REQUIRE(list.status == 200);
  const auto& parked = list.body.at("parked").as_array();
  REQUIRE(parked.size() == 1);
  CHECK(parked[0].at("ref") == "10000002");
  CHECK(parked[0].at("http_status") == 422);
  CHECK(parked[0].at("answer") == "{\"error\":\"unknown institution\"}");
  CHECK(parked[0].at("parked_at") == "2027-01-15T08:05:02Z");

  auto r = t.ask("POST", "/admin/v1/parked/10000002/retry");
  REQUIRE(r.status == 200);
  CHECK(r.body.at("result") == "retried");
  CHECK(t.wakes == 1);
  store::test::raw_db raw(t.path);
  CHECK(raw.rows("SELECT state, leased FROM outbox WHERE ref='10000002'") == "pending|0\n");
  CHECK(t.log_text.str().find("parked forward 10000002 retried") != std::string::npos);

  auto again = t.ask("POST", "/admin/v1/parked/10000002/retry");
  CHECK(again.status == 409);
  CHECK(again.error() == "not_parked");
  CHECK(again.body.at("forwarding") == "pending");
  CHECK(again.message() == "the forward of 10000002 is pending, not parked");
  CHECK(t.wakes == 1);
  CHECK(t.ask("POST", "/admin/v1/parked/99999999/retry").status == 404);
  CHECK(t.ask("POST", "/admin/v1/parked/10000002/retry", "{}").status == 400);
  CHECK(t.ask("GET", "/admin/v1/parked?limit=0").status == 400);
}

TEST_CASE("admin parked: drop keeps the forward whole with the reason - never silently") {
  admin_under_test t;
  t.three();
  auto bad_body = t.ask("POST", "/admin/v1/parked/10000002/drop", "{\"why\":\"x\"}");
  CHECK(bad_body.status == 400);
  CHECK(bad_body.message().find("unknown member 'why'") != std::string::npos);
  CHECK(t.ask("POST", "/admin/v1/parked/10000002/drop", "[1]").status == 400);
  CHECK(t.ask("POST", "/admin/v1/parked/10000002/drop", "{\"reason\":7}").status == 400);
  CHECK(t.ask("POST", "/admin/v1/parked/10000002/drop",
              "{\"reason\":\"" + std::string(201, 'x') + "\"}")
            .status == 400);

  auto d = t.ask("POST", "/admin/v1/parked/10000002/drop", "{\"reason\":\"duplicate of 1\"}");
  REQUIRE(d.status == 200);
  CHECK(d.body.at("result") == "dropped");
  store::test::raw_db raw(t.path);
  CHECK(raw.rows("SELECT ref, http_status, reason FROM dropped_forwards") ==
        "10000002|422|duplicate of 1\n");
  CHECK(raw.integer("SELECT count(*) FROM outbox WHERE ref='10000002'") == 0);
  auto show = t.ask("GET", "/admin/v1/complaints/10000002");
  CHECK(show.body.at("forwarding") == "dropped");
  CHECK(show.body.at("forward").at("drop_reason") == "duplicate of 1");
  CHECK(t.ask("GET", "/admin/v1/status").body.at("outbox").at("dropped") == 1);

  auto twice = t.ask("POST", "/admin/v1/parked/10000002/drop");
  CHECK(twice.status == 409);
  CHECK(twice.body.at("forwarding") == "dropped");
  CHECK(t.ask("POST", "/admin/v1/parked/10000001/drop").body.at("forwarding") == "forwarded");
  CHECK(t.ask("POST", "/admin/v1/parked/99999999/drop").status == 404);
}

TEST_CASE("admin send: a test SMS in segments through the carrier - the message ids") {
  admin_under_test t;
  auto a = t.ask(
      "POST", "/admin/v1/send",
      R"({"carrier":"tsel","to":"0812-3456-7890","text":")" + std::string(200, 'a') + R"("})");
  REQUIRE(a.status == 200);
  CHECK(a.body.at("segments") == 2);
  CHECK(a.body.at("message_ids") == json::parse(R"(["msg-1","msg-2"])"));
  CHECK(a.body.at("to") == "+62812****7890");
  CHECK(a.body.at("from") == "1708");
  auto sent = t.carrier.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].first == "tsel");
  CHECK(sent[0].second.destination_addr == "6281234567890");
  CHECK(sent[0].second.source_addr == "1708");
  CHECK(sent[0].second.esm_class == 0x40);  // UDH: concatenated
  CHECK(sent[0].second.registered_delivery == 0);
  const std::string log = t.log_text.str();
  CHECK(log.find("test SMS via tsel to +62812****7890: 2 segment(s) accepted") !=
        std::string::npos);
  CHECK(log.find("81234567890") == std::string::npos);

  auto from = t.ask("POST", "/admin/v1/send",
                    R"({"carrier":"tsel","to":"+6281234567890","text":"tes","from":"LAPOR"})");
  REQUIRE(from.status == 200);
  CHECK(t.carrier.sent().back().second.source_addr == "LAPOR");
}

TEST_CASE("admin send: refused by the carrier, unknown or unbound carrier, bad body") {
  admin_under_test t;
  t.carrier.answer = scripted_carrier::mode::refuse_second;
  auto refused = t.ask(
      "POST", "/admin/v1/send",
      R"({"carrier":"tsel","to":"+6281234567890","text":")" + std::string(200, 'b') + R"("})");
  CHECK(refused.status == 502);
  CHECK(refused.error() == "carrier_refused");
  CHECK(refused.message() == "carrier tsel refused segment 2 of 2: ESME_RINVDSTADR");

  auto unknown =
      t.ask("POST", "/admin/v1/send", R"({"carrier":"xl","to":"+6281234567890","text":"t"})");
  CHECK(unknown.status == 400);
  CHECK(unknown.error() == "unknown_carrier");
  CHECK(unknown.message() == "no carrier named xl (configured: tsel, isat)");
  auto unbound =
      t.ask("POST", "/admin/v1/send", R"({"carrier":"isat","to":"+6281234567890","text":"t"})");
  CHECK(unbound.status == 503);  // its receiver is bound, its transmitter is not
  CHECK(unbound.error() == "carrier_unbound");
  const std::size_t before = t.carrier.sent().size();

  for (auto [body, words] :
       {std::pair<const char*, const char*>{"", "one JSON object"},
        {R"({"carrier":"tsel","text":"t"})", "to: missing"},
        {R"({"carrier":"tsel","to":"1708","text":"t"})", "to: not a phone"},
        {R"({"carrier":"tsel","to":"+6281234567890","text":""})", "text"},
        {R"({"carrier":"tsel","to":"+6281234567890","text":"t","x":"1"})", "unknown member 'x'"},
        {R"({"carrier":"tsel","to":"+6281234567890","text":5})", "text: must be a string"},
        {R"({"carrier":"tsel","to":"+6281234567890","text":"t","from":"1 7"})", "from"}}) {
    INFO(body);
    auto a = t.ask("POST", "/admin/v1/send", body);
    CHECK(a.status == 400);
    CHECK(a.message().find(words) != std::string::npos);
  }
  CHECK(t.carrier.sent().size() == before);
}

TEST_CASE("admin send: no answer from the carrier in time is a 504, not a hang") {
  admin_under_test t(200ms, true);
  t.carrier.answer = scripted_carrier::mode::silent;
  auto pending = t.ask_later("POST", "/admin/v1/send",
                             R"({"carrier":"tsel","to":"+6281234567890","text":"t"})");
  auto asked = t.asked_deadline.get_future();
  REQUIRE(asked.wait_for(10s) == std::future_status::ready);
  auto deadline = asked.get();
  CHECK(deadline.timeout == 200ms);
  // Nothing answers the operator before the deadline passes.
  CHECK(pending.wait_for(0s) == std::future_status::timeout);
  deadline.give_up();
  auto a = admin_under_test::read(std::move(pending));
  CHECK(a.status == 504);
  CHECK(a.error() == "no_answer");
  CHECK(a.message() == "no answer from carrier tsel within 200 ms; the message may still be sent");
  // The API still answers afterwards.
  CHECK(t.ask("GET", "/admin/v1/status").status == 200);
}

TEST_CASE("admin reload: the daemon's summary - its refusal - 503 while it has none") {
  admin_under_test t;
  t.reload = [] { return std::string("templates reloaded, 1 carrier added (xl)"); };
  auto ok = t.ask("POST", "/admin/v1/reload");
  REQUIRE(ok.status == 200);
  CHECK(ok.body.at("summary") == "templates reloaded, 1 carrier added (xl)");
  CHECK(t.log_text.str().find("admin: reload: templates reloaded") != std::string::npos);
  t.reload = []() -> std::string { throw config_error("/etc/lapord/lapord.toml", 7, "bad key"); };
  auto refused = t.ask("POST", "/admin/v1/reload");
  CHECK(refused.status == 422);
  CHECK(refused.error() == "invalid_config");
  CHECK(refused.message() == "/etc/lapord/lapord.toml:7: bad key");
  CHECK(t.ask("POST", "/admin/v1/reload", "x").status == 400);

  // A daemon without a reload hook.
  store::test::temp_dir dir;
  store::database db(store::test::options_for(dir.file("x.db")));
  admin_backend b;
  b.db = &db;
  b.log = t.log;
  net::http::api_router router{net::http::bearer_token(token)};
  {
    admin_api api(std::move(b), {});
    add_admin_routes(router, api);
    net::http::api_request r;
    r.method = "POST";
    r.path = "/admin/v1/reload";
    r.authorization = std::string("Bearer ") + token;
    std::promise<net::http::api_answer> got;
    router.handle(r, [&](net::http::api_answer a) { got.set_value(std::move(a)); });
    auto a = got.get_future().get();
    CHECK(a.status == 503);
    CHECK(a.body.find("reload not available") != std::string::npos);
    // Without carrier links there is no test SMS and status has no binds.
    r.path = "/admin/v1/send";
    r.body = R"({"carrier":"tsel","to":"+6281234567890","text":"t"})";
    std::promise<net::http::api_answer> sent;
    router.handle(r, [&](net::http::api_answer x) { sent.set_value(std::move(x)); });
    CHECK(sent.get_future().get().status == 503);
  }
  // The API is gone: its routes say so instead of hanging.
  net::http::api_request s;
  s.method = "GET";
  s.path = "/admin/v1/status";
  s.authorization = std::string("Bearer ") + token;
  std::promise<net::http::api_answer> late;
  router.handle(s, [&](net::http::api_answer a) { late.set_value(std::move(a)); });
  auto a = late.get_future().get();
  CHECK(a.status == 503);
  CHECK(a.body.find("stopping") != std::string::npos);
}
