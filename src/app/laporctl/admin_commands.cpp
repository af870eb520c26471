// laporctl status | complaints list|show | parked list|retry|drop | send | reload: the running
// daemon's admin API (docs/operations.md, "laporctl"). Tables for people, --json for scripts
// (the API's own JSON). Exit 0 done, 1 the daemon refused or something was not done, 2 a
// usage or configuration problem, 3 the daemon could not be reached.
#include <iostream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "app/laporctl/admin_requests.hpp"
#include "app/laporctl/commands.hpp"
#include "app/laporctl/table.hpp"
#include "app/laporctl/top_command.hpp"

namespace lapord::app::laporctl {
namespace {

// --- the commands ----------------------------------------------------------------------------

int run_status(const admin_cli& cli) {
  const admin_endpoint e = endpoint_of(cli);
  const json::value s = expect_ok(cli, e, "GET", "/admin/v1/status");
  if (cli.json_out) {
    print_json(s);
    return 0;
  }
  const json::value& binds = s.at("binds");
  if (binds.is_array()) {
    text_table t({"CARRIER", "BIND", "STATE"});
    for (const auto& b : binds.as_array())
      t.add({field(b, "carrier"), field(b, "bind"), b.at("bound").as_bool() ? "bound" : "DOWN"});
    if (t.size() == 0) t.add({"(no carriers configured)", "", ""});
    t.print(std::cout);
  } else {
    std::cout << "binds: not known here\n";
  }
  std::cout << "\n";
  const json::value& o = s.at("outbox");
  const json::value& r = s.at("replies");
  text_table q({"QUEUE", "PENDING", "IN FLIGHT", "PARKED", "DROPPED", "FAILED"});
  q.add({"outbox", field(o, "pending"), field(o, "in_flight"), field(o, "parked"),
         field(o, "dropped"), ""});
  q.add({"replies", field(r, "queued"), field(r, "in_flight"), "", "", field(r, "failed")});
  q.add({"long messages", field(s, "long_messages_waiting"), "", "", "", ""});
  q.print(std::cout);
  std::cout << "\n";
  const json::value& st = s.at("store");
  std::cout << "store      schema " << field(st, "schema_version") << ", " << field(st, "queued")
            << " queued, " << field(st, "commits") << " commits, " << field(st, "failed_batches")
            << " failed batches\n";
  const json::value& f = s.at("forwarder");
  if (f.is_object()) {
    std::cout << "forwarder  circuit " << field(f, "circuit") << ", " << field(f, "in_flight")
              << " in flight, " << field(f, "forwarded") << " forwarded, " << field(f, "retried")
              << " retried, " << field(f, "parked") << " parked (since start)\n";
  } else {
    std::cout << "forwarder  none (no [store_api]: complaints wait in the outbox)\n";
  }
  return 0;
}

struct list_options {
  std::string status, institution, forwarding, since;
  int limit = 0;
};

int run_list(const admin_cli& cli, const list_options& lo) {
  const admin_endpoint e = endpoint_of(cli);
  std::string query;
  auto add = [&](std::string_view k, const std::string& v) {
    if (v.empty()) return;
    query += (query.empty() ? "?" : "&") + std::string(k) + "=" + percent_encode(v);
  };
  add("status", lo.status);
  add("institution", lo.institution);
  add("forwarding", lo.forwarding);
  add("since", lo.since.empty() ? "" : since_value(lo.since));
  if (lo.limit) add("limit", std::to_string(lo.limit));
  if (cli.unmask) add("unmask", "1");
  const json::value v = expect_ok(cli, e, "GET", "/admin/v1/complaints" + query);
  if (cli.json_out) {
    print_json(v);
    return 0;
  }
  text_table t({"REF", "CREATED (UTC)", "CARRIER", "REPORTER", "INSTITUTION", "STATUS",
                "FORWARDING", "TEXT"});
  for (const auto& c : v.at("complaints").as_array()) {
    t.add({field(c, "ref"), when(c, "created_at"), field(c, "carrier"), field(c, "reporter"),
           institution_of(c), field(c, "status"), field(c, "forwarding"),
           one_line(field(c, "text"), 40)});
  }
  if (t.size() == 0) {
    std::cout << "no complaints match\n";
    return 0;
  }
  t.print(std::cout);
  return 0;
}

int run_show(const admin_cli& cli, const std::string& ref) {
  const admin_endpoint e = endpoint_of(cli);
  const json::value c =
      expect_ok(cli, e, "GET",
                "/admin/v1/complaints/" + percent_encode(ref) + (cli.unmask ? "?unmask=1" : ""));
  if (cli.json_out) {
    print_json(c);
    return 0;
  }
  text_table t({"ref", field(c, "ref")});
  t.add({"created", when(c, "created_at") + " UTC"});
  t.add({"channel", field(c, "channel") + " via " + field(c, "carrier")});
  t.add({"reporter",
         field(c, "reporter") + (c.at("confidential").as_bool() ? " (confidential)" : "")});
  const json::value& inst = c.at("institution");
  t.add({"institution", inst.is_null()
                            ? "national desk"
                            : field(inst, "code") + " " + field(inst, "name") +
                                  (addressee(c) ? " (addressee, keyword " : " (keyword ") +
                                  field(inst, "keyword") +
                                  (inst.at("corrected").as_bool() ? ", corrected" : "") + ")"});
  t.add({"status", field(c, "status") + " since " + when(c, "status_at") + " UTC"});
  t.add({"text", one_line(field(c, "text"), 200)});
  const json::value& f = c.at("forward");
  if (f.is_null()) {
    t.add({"forwarding", "held (never queued: over the reporter's hourly limit)"});
  } else {
    std::string line = field(f, "state") + ", " + field(f, "attempts") + " attempt(s)";
    if (!f.at("http_status").is_null()) line += ", last HTTP " + field(f, "http_status");
    if (!c.at("tracking_id").is_null()) line += ", tracking id " + field(c, "tracking_id");
    t.add({"forwarding", line});
    if (!f.at("next_attempt_at").is_null())
      t.add({"next attempt", when(f, "next_attempt_at") + " UTC"});
    if (!f.at("answer").is_null()) t.add({"store said", one_line(field(f, "answer"), 200)});
    if (!f.at("last_error").is_null()) t.add({"last error", one_line(field(f, "last_error"), 200)});
    if (!f.at("dropped_at").is_null()) {
      t.add({"dropped", when(f, "dropped_at") + " UTC" +
                            (f.at("drop_reason").is_null() ? "" : ": " + field(f, "drop_reason"))});
    }
  }
  t.print(std::cout);
  const auto& events = c.at("events").as_array();
  std::cout << "\nstatus history (" << events.size() << ")\n";
  if (!events.empty()) {
    text_table ev({"AT (UTC)", "STATUS", "INSTITUTION", "MESSAGE"});
    for (const auto& x : events)
      ev.add({when(x, "at"), field(x, "status"), field(x, "institution"),
              one_line(field(x, "message"), 60)});
    ev.print(std::cout, "  ");
  }
  const auto& replies = c.at("replies").as_array();
  std::cout << "\nreplies (" << replies.size() << ")\n";
  if (!replies.empty()) {
    text_table rt({"ID", "KIND", "TO", "STATE", "ATTEMPTS", "CREATED (UTC)", "RECEIPT", "TEXT"});
    for (const auto& x : replies)
      rt.add({field(x, "id"), field(x, "kind"), field(x, "destination"), field(x, "state"),
              field(x, "attempts"), when(x, "created_at"), field(x, "receipt"),
              one_line(field(x, "text"), 40)});
    rt.print(std::cout, "  ");
  }
  return 0;
}

int run_parked_list(const admin_cli& cli, int limit) {
  const admin_endpoint e = endpoint_of(cli);
  const json::value v = expect_ok(
      cli, e, "GET", "/admin/v1/parked" + (limit ? "?limit=" + std::to_string(limit) : ""));
  if (cli.json_out) {
    print_json(v);
    return 0;
  }
  text_table t({"REF", "PARKED (UTC)", "HTTP", "ATTEMPTS", "STORE SAID"});
  for (const auto& p : v.at("parked").as_array())
    t.add({field(p, "ref"), when(p, "parked_at"), field(p, "http_status"), field(p, "attempts"),
           one_line(field(p, "answer"), 60)});
  if (t.size() == 0) {
    std::cout << "nothing parked\n";
    return 0;
  }
  t.print(std::cout);
  return 0;
}

// Each ref on its own; one line each (or one JSON array); exit 1 if any was not done.
int run_parked_action(const admin_cli& cli, const std::string& action,
                      const std::vector<std::string>& refs, const std::string& reason) {
  const admin_endpoint e = endpoint_of(cli);
  std::string body;
  if (action == "drop" && !reason.empty()) body = json::serialize(json::object{{"reason", reason}});
  int status = 0;
  json::array results;
  text_table t({"REF", "RESULT"});
  for (const auto& ref : refs) {
    api_answer a = call(e, "POST", "/admin/v1/parked/" + percent_encode(ref) + "/" + action, body);
    if (a.status == 401 || a.status == 403) throw refused(refusal(e, a));
    json::object r{{"ref", ref}, {"http_status", a.status}, {"answer", a.body}};
    results.push_back(std::move(r));
    if (a.status / 100 == 2) {
      t.add({ref, action == "drop" ? "dropped (kept for audit, never sent)"
                                   : "retried (pending, due now)"});
    } else {
      status = 1;
      t.add({ref, "NOT " + std::string(action == "drop" ? "dropped" : "retried") + ": " +
                      text_of(a.body, "message")});
    }
  }
  if (cli.json_out) {
    print_json(results);
  } else {
    t.print(std::cout);
  }
  return status;
}

struct send_options {
  std::string carrier, to, from;
  std::vector<std::string> words;
};

int run_send(const admin_cli& cli, const send_options& so) {
  const admin_endpoint e = endpoint_of(cli);
  std::string text;
  for (const auto& w : so.words)
    text += text.empty() ? w : " " + w;
  json::object body{{"carrier", so.carrier}, {"to", so.to}, {"text", text}};
  if (!so.from.empty()) body["from"] = so.from;
  const json::value v = expect_ok(cli, e, "POST", "/admin/v1/send", json::serialize(body));
  if (cli.json_out) {
    print_json(v);
    return 0;
  }
  std::string ids;
  for (const auto& id : v.at("message_ids").as_array())
    ids += (ids.empty() ? "" : ", ") + str(id);
  std::cout << "sent via " << field(v, "carrier") << " to " << field(v, "to") << " from "
            << field(v, "from") << ": " << field(v, "segments")
            << " segment(s) accepted, message id(s) " << ids << "\n";
  return 0;
}

int run_reload(const admin_cli& cli) {
  const admin_endpoint e = endpoint_of(cli);
  const json::value v = expect_ok(cli, e, "POST", "/admin/v1/reload");
  if (cli.json_out) {
    print_json(v);
  } else {
    std::cout << "reloaded: " << field(v, "summary") << "\n";
  }
  return 0;
}

CLI::App* sub(CLI::App& parent, const char* name, const char* help) {
  CLI::App* c = parent.add_subcommand(name, help);
  c->fallthrough();
  return c;
}

using shared_cli = std::shared_ptr<admin_cli>;

void add_top_command(CLI::App& app, command_action& action, const shared_cli& cli) {
  auto top = std::make_shared<top_options>();
  CLI::App* top_cmd = sub(app, "top",
                          "A live view refreshed each second: binds, rates, the "
                          "outbox, the last complaints (q quits)");
  top_cmd->add_option("--interval-ms", top->interval_ms, "between refreshes (default 1000)");
  top_cmd->add_flag("--once", top->once, "print one plain frame (two scrapes) and exit");
  top_cmd->callback([&action, cli, top] {
    action = [cli, top] { return guarded([&] { return run_top(endpoint_of(*cli), *top); }); };
  });
}

void add_complaints_commands(CLI::App& app, command_action& action, const shared_cli& cli) {
  CLI::App* complaints = sub(app, "complaints", "List or show complaints");
  complaints->require_subcommand(1);
  auto lo = std::make_shared<list_options>();
  CLI::App* list = sub(*complaints, "list", "Complaints, newest first");
  list->add_option("--status", lo->status,
                   "received, verified, dispatched, responded, closed or rejected");
  list->add_option("--institution", lo->institution,
                   "an institution code (36.03), a keyword (TANGKAB) or 'national'");
  list->add_option("--forwarding", lo->forwarding,
                   "pending, in_flight, forwarded, parked, dropped or held");
  list->add_option("--since", lo->since,
                   "created at or after: 90m, 2h, 7d, 2026-12-04 or an RFC 3339 time");
  list->add_option("--limit", lo->limit, "at most this many (default 20, at most 1000)");
  list->callback([&action, cli, lo] {
    action = [cli, lo] { return guarded([&] { return run_list(*cli, *lo); }); };
  });
  auto ref = std::make_shared<std::string>();
  CLI::App* show = sub(*complaints, "show", "One complaint: status history, forwarding, replies");
  show->add_option("REF", *ref, "the complaint's ref")->required();
  show->callback([&action, cli, ref] {
    action = [cli, ref] { return guarded([&] { return run_show(*cli, *ref); }); };
  });
}

void add_parked_commands(CLI::App& app, command_action& action, const shared_cli& cli) {
  CLI::App* parked = sub(app, "parked", "Forwards the national store refused for good");
  parked->require_subcommand(1);
  auto plimit = std::make_shared<int>(0);
  CLI::App* plist = sub(*parked, "list", "Parked forwards with the store's answer");
  plist->add_option("--limit", *plimit, "at most this many (default 100)");
  plist->callback([&action, cli, plimit] {
    action = [cli, plimit] { return guarded([&] { return run_parked_list(*cli, *plimit); }); };
  });
  auto refs = std::make_shared<std::vector<std::string>>();
  CLI::App* retry = sub(*parked, "retry", "Forward again now (back to pending, due now)");
  retry->add_option("REF", *refs, "refs of parked complaints")->required();
  retry->callback([&action, cli, refs] {
    action = [cli, refs] {
      return guarded([&] { return run_parked_action(*cli, "retry", *refs, ""); });
    };
  });
  auto reason = std::make_shared<std::string>();
  CLI::App* drop = sub(*parked, "drop", "Give up forwarding (kept in the store for audit)");
  drop->add_option("--reason", *reason, "why, kept with the dropped forward");
  drop->add_option("REF", *refs, "refs of parked complaints")->required();
  drop->callback([&action, cli, refs, reason] {
    action = [cli, refs, reason] {
      return guarded([&] { return run_parked_action(*cli, "drop", *refs, *reason); });
    };
  });
}

void add_send_command(CLI::App& app, command_action& action, const shared_cli& cli) {
  auto so = std::make_shared<send_options>();
  CLI::App* send = sub(app, "send", "Send a test SMS through a carrier's bind");
  send->add_option("--carrier", so->carrier, "the [[carrier]] name")->required();
  send->add_option("--to", so->to, "the phone number (+62812..., 0812...)")->required();
  send->add_option("--from", so->from, "the sender (default: the service number)");
  send->add_option("TEXT", so->words, "the message")->required();
  send->callback([&action, cli, so] {
    action = [cli, so] { return guarded([&] { return run_send(*cli, *so); }); };
  });
}

}  // namespace

void add_admin_commands(CLI::App& app, command_action& action) {
  auto cli = std::make_shared<admin_cli>();
  app.add_option("--admin", cli->url,
                 "the daemon's admin API, http://HOST:PORT (default: [admin] listen of the "
                 "config file, else http://127.0.0.1:8471; env LAPORD_ADMIN_URL)");
  app.add_option("--token", cli->token,
                 "the admin token (better: env LAPORD_ADMIN_TOKEN, or [admin] token_env of the "
                 "config file)");
  app.add_option("--config", cli->config,
                 std::string("lapord's configuration file, for [admin] (default ") +
                     default_config_path + " when it exists)");
  app.add_flag("--json", cli->json_out, "print the admin API's JSON instead of tables");
  app.add_flag("--unmask", cli->unmask,
               "show reporters' phone numbers in full (logged by the daemon, without them)");

  sub(app, "status", "Binds, queues, the outbox and the store of the running daemon")
      ->callback(
          [&action, cli] { action = [cli] { return guarded([&] { return run_status(*cli); }); }; });
  add_top_command(app, action, cli);
  add_complaints_commands(app, action, cli);
  add_parked_commands(app, action, cli);
  add_send_command(app, action, cli);
  sub(app, "reload", "Re-read the configuration as SIGHUP does; prints what changed")
      ->callback(
          [&action, cli] { action = [cli] { return guarded([&] { return run_reload(*cli); }); }; });
}

}  // namespace lapord::app::laporctl
