// The admin API's status, complaints, parked and reload routes (admin_fixture.hpp: no socket,
// a real SQLite store); the file is checked behind the API's back where an action changes it.
#include <doctest/doctest.h>

#include <future>

#include "lapord/app/config/config_error.hpp"
#include "pipeline/admin_fixture.hpp"

using namespace lapord;
using namespace lapord::app;
using namespace lapord::app::admin_test;
using namespace std::chrono_literals;

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
  CHECK(raw.rows("SELECT forward_state, forward_leased FROM complaints WHERE ref='10000002'") ==
        "pending|0\n");
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
  CHECK(raw.integer("SELECT count(*) FROM complaints WHERE ref='10000002' "
                    "AND forward_state IS NOT NULL") == 0);
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
