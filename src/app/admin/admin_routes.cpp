#include "lapord/app/admin/admin_routes.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <spdlog/logger.h>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "app/admin/admin_views.hpp"
#include "lapord/app/config/config_error.hpp"
#include "lapord/app/mo/mo_ingest.hpp"
#include "lapord/app/replies/reply_sender.hpp"
#include "lapord/lapor/msisdn.hpp"
#include "lapord/smpp/command_status.hpp"

namespace lapord::app {
namespace {

using net::http::api_answer;
using net::http::api_reply;
using net::http::api_request;
using net::http::error_answer;
using net::http::route_access;
using steady = std::chrono::steady_clock;

// One thread for what may block: the daemon's hooks wait for the network thread, the store's
// answers for a commit. Also the deadline of a test SMS. Operator requests are rare; one
// thread keeps them in order and off the HTTP thread (which also runs the forwarder).
class admin_worker {
 public:
  admin_worker() : thread_([this] { run(); }) {}
  ~admin_worker() { stop(); }
  admin_worker(const admin_worker&) = delete;
  admin_worker& operator=(const admin_worker&) = delete;

  // False once stopping: the caller answers for itself.
  bool post(std::function<void()> task) {
    {
      std::lock_guard lock(m_);
      if (stopping_) return false;
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }

  // `fire` runs at `when`, or at once when the worker stops first.
  void at(steady::time_point when, std::function<void()> fire) {
    {
      std::lock_guard lock(m_);
      if (!done_) {
        timers_.emplace(when, std::move(fire));
        cv_.notify_one();
        return;
      }
    }
    fire();
  }

  // Runs what is queued, fires every timer, joins.
  void stop() {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(m_);
    while (true) {
      if (!tasks_.empty()) {
        auto task = std::move(tasks_.front());
        tasks_.pop_front();
        lock.unlock();
        task();
        lock.lock();
        continue;
      }
      if (!timers_.empty() && (stopping_ || timers_.begin()->first <= steady::now())) {
        auto fire = std::move(timers_.begin()->second);
        timers_.erase(timers_.begin());
        lock.unlock();
        fire();
        lock.lock();
        continue;
      }
      if (stopping_) break;
      if (timers_.empty()) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, timers_.begin()->first);
      }
    }
    done_ = true;
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::multimap<steady::time_point, std::function<void()>> timers_;
  bool stopping_ = false;
  bool done_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

api_answer json_answer(unsigned status, const boost::json::object& o) {
  api_answer a;
  a.status = status;
  a.body = boost::json::serialize(o);
  return a;
}

api_answer bad(const admin::bad_request& e) {
  return error_answer(400, e.code, e.message);
}

api_answer unavailable() {
  return error_answer(503, "stopping", "lapord is stopping; try again when it runs");
}

api_answer unknown_ref(std::string_view ref) {
  return error_answer(404, "unknown_ref", "no complaint with ref " + std::string(ref));
}

store::wall_time wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// What one test SMS waits for: every segment's submit_sm_resp, or the deadline.
struct pending_send {
  std::mutex m;
  bool answered = false;
  std::size_t remaining = 0;
  std::vector<std::string> message_ids;
  std::error_code first_error;
  std::size_t failed_segment = 0;
  api_reply reply;
  std::string carrier, to_masked, from;
  std::shared_ptr<spdlog::logger> log;
};

api_answer send_failure(const pending_send& s) {
  const std::error_code ec = s.first_error;
  const std::string seg = "segment " + std::to_string(s.failed_segment + 1) + " of " +
                          std::to_string(s.message_ids.size());
  api_answer a;
  if (ec.category() == smpp::command_status_category()) {
    const auto status = static_cast<smpp::command_status>(ec.value());
    a = error_answer(
        502, "carrier_refused",
        "carrier " + s.carrier + " refused " + seg + ": " + std::string(smpp::name(status)));
  } else if (ec == net::carrier_error::unknown_carrier) {
    a = error_answer(400, "unknown_carrier", "no carrier named " + s.carrier);
  } else if (ec == net::carrier_error::shutting_down) {
    a = error_answer(503, "stopping", "lapord stopped before the carrier answered " + seg);
  } else if (ec == net::carrier_error::no_response) {
    a = error_answer(504, "no_response", "carrier " + s.carrier + " never answered " + seg);
  } else {
    a = error_answer(502, "not_sent", seg + " was not sent: " + ec.message());
  }
  return a;
}

// Called with the lock held, once.
void finish_send(pending_send& s) {
  s.answered = true;
  std::vector<std::string> accepted;
  for (const auto& id : s.message_ids)
    if (!id.empty()) accepted.push_back(id);
  std::string ids;
  for (const auto& id : accepted)
    ids += ids.empty() ? id : "," + id;
  if (s.first_error) {
    api_answer a = send_failure(s);
    try {
      s.log->warn("admin: test SMS via {} to {} not sent: {}", s.carrier, s.to_masked, a.body);
    } catch (...) {  // NOLINT(bugprone-empty-catch)
    }
    s.reply(std::move(a));
    return;
  }
  try {
    s.log->info("admin: test SMS via {} to {}: {} segment(s) accepted, message id(s) {}", s.carrier,
                s.to_masked, accepted.size(), ids);
  } catch (...) {  // NOLINT(bugprone-empty-catch)
  }
  boost::json::array arr;
  for (const auto& id : accepted)
    arr.emplace_back(id);
  s.reply(json_answer(200, boost::json::object{{"carrier", s.carrier},
                                               {"to", s.to_masked},
                                               {"from", s.from},
                                               {"segments", s.message_ids.size()},
                                               {"message_ids", std::move(arr)}}));
}

}  // namespace

struct admin_api::impl {
  impl(admin_backend b, admin_settings s) : backend(std::move(b)), settings(std::move(s)) {}
  admin_backend backend;
  admin_settings settings;
  std::atomic<std::uint16_t> sms_reference{0};
  admin_worker worker;

  void info(std::string_view line) const {
    try {
      backend.log->info("{}", line);
    } catch (...) {  // NOLINT(bugprone-empty-catch)
    }
  }

  // Runs `work` on the worker; its answer (nullopt: it answers later itself) goes to `reply`.
  // A store failure is a 503 the operator may retry.
  void later(const api_reply& reply, std::function<std::optional<api_answer>()> work) {
    auto task = [reply, work = std::move(work)] {
      std::optional<api_answer> a;
      try {
        a = work();
      } catch (const store::store_error& e) {
        a = error_answer(503, "store_unavailable", std::string("the store failed: ") + e.what());
      } catch (const std::exception& e) {
        a = error_answer(500, "internal", e.what());
      }
      if (a) reply(std::move(*a));
    };
    if (!worker.post(std::move(task))) reply(unavailable());
  }

  api_answer status() {
    admin::status_facts f;
    if (backend.bind_states) {
      f.binds = backend.bind_states();
      f.binds_known = true;
    }
    f.queues = backend.db->call([](store::transaction& tx) { return tx.counts(); });
    f.writer = backend.db->stats();
    f.schema_version = backend.db->schema_version();
    if (backend.forwarder) f.forwarder = backend.forwarder();
    return json_answer(200, admin::status_json(f));
  }

  api_answer list(const admin::list_request& r) {
    auto rows =
        backend.db->call([&](store::transaction& tx) { return tx.find_complaints(r.filter); });
    if (r.unmask) info("admin: complaints listed with the reporters' numbers unmasked");
    boost::json::array arr;
    for (const auto& s : rows)
      arr.push_back(admin::summary_json(s, r.unmask));
    return json_answer(
        200, boost::json::object{{"complaints", std::move(arr)}, {"limit", r.filter.limit}});
  }

  api_answer show(const std::string& ref, bool unmask) {
    auto found = backend.db->call([&](store::transaction& tx) {
      std::pair<std::optional<store::complaint_view>, std::vector<store::reply_record>> out;
      out.first = tx.complaint_view_by_ref(ref);
      if (out.first) out.second = tx.replies_for(ref);
      return out;
    });
    if (!found.first) return unknown_ref(ref);
    if (unmask) info("admin: complaint " + ref + " shown with the reporter's number unmasked");
    return json_answer(200, admin::complaint_json(*found.first, found.second, unmask));
  }

  api_answer parked(int limit) {
    auto rows = backend.db->call([&](store::transaction& tx) { return tx.parked_forwards(limit); });
    boost::json::array arr;
    for (const auto& p : rows)
      arr.push_back(admin::parked_json(p));
    return json_answer(200, boost::json::object{{"parked", std::move(arr)}, {"limit", limit}});
  }

  api_answer act(const std::string& ref, bool drop, const std::string& reason) {
    const store::wall_time now = wall_now();
    const store::parked_action a = backend.db->call([&](store::transaction& tx) {
      return drop ? tx.drop_parked(ref, reason, now) : tx.retry_parked(ref, now);
    });
    switch (a.outcome) {
      case store::parked_outcome::unknown:
        return unknown_ref(ref);
      case store::parked_outcome::not_parked: {
        const std::string_view state = admin::forwarding_name(a.state);
        auto answer =
            error_answer(409, "not_parked",
                         "the forward of " + ref + " is " + std::string(state) + ", not parked");
        boost::json::object o{
            {"error", "not_parked"},
            {"message", "the forward of " + ref + " is " + std::string(state) + ", not parked"},
            {"ref", ref},
            {"forwarding", state}};
        answer.body = boost::json::serialize(o);
        return answer;
      }
      case store::parked_outcome::done:
        break;
    }
    if (drop) {
      info("admin: parked forward " + ref + " dropped" +
           (reason.empty() ? std::string() : " (" + reason + ")"));
    } else {
      info("admin: parked forward " + ref + " retried: pending, due now");
      if (backend.forward_queued) backend.forward_queued();
    }
    return json_answer(200, boost::json::object{{"ref", ref},
                                                {"result", drop ? "dropped" : "retried"},
                                                {"forwarding", drop ? "dropped" : "pending"}});
  }

  std::optional<api_answer> send(admin::send_request r, const api_reply& reply) {
    if (backend.bind_states) {
      bool known = false, up = false;
      std::string names;
      for (const auto& b : backend.bind_states()) {
        if (names.find(b.carrier) == std::string::npos)
          names += names.empty() ? b.carrier : ", " + b.carrier;
        if (b.carrier != r.carrier) continue;
        known = true;
        up = up || (b.bound && b.bind != "rx");
      }
      if (!known) {
        return error_answer(400, "unknown_carrier",
                            "no carrier named " + r.carrier + " (configured: " + names + ")");
      }
      if (!up) {
        return error_answer(503, "carrier_unbound",
                            "carrier " + r.carrier + " has no bound transmitter now");
      }
    }
    store::reply message;
    message.id = ++sms_reference;
    message.carrier = r.carrier;
    message.source = r.from.value_or(settings.service_number);
    message.destination = reply_destination(r.to);
    message.text = r.text;
    reply_sender_options options;
    options.concat = settings.concat;
    options.registered_delivery = 0;  // no receipt: a test SMS has no reply row to record it
    // Sent as the carrier's replies are (its source_addr, source_ton, source_npi); a `from`
    // in the request wins over its source_addr.
    reply_source source =
        backend.carriers != nullptr ? backend.carriers->of(r.carrier).source : reply_source{};
    if (r.from) source.addr.clear();
    std::vector<smpp::submit_sm> segments = reply_segments(message, options, source);
    if (segments.empty()) return error_answer(400, "bad_body", "text: too long for one SMS");

    auto s = std::make_shared<pending_send>();
    s->remaining = segments.size();
    s->message_ids.resize(segments.size());
    s->reply = reply;
    s->carrier = r.carrier;
    s->to_masked = lapor::mask_msisdn(r.to);
    s->from = source.addr.empty() ? message.source : source.addr;
    s->log = backend.log;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      backend.mt->submit(r.carrier, std::move(segments[i]),
                         [s, i](std::error_code status, std::string message_id) {
                           std::lock_guard lock(s->m);
                           if (s->answered) return;
                           if (status && !s->first_error) {
                             s->first_error = status;
                             s->failed_segment = i;
                           }
                           if (!status) s->message_ids[i] = std::move(message_id);
                           if (--s->remaining == 0) finish_send(*s);
                         });
    }
    auto give_up = [s, timeout = settings.send_timeout] {
      std::lock_guard lock(s->m);
      if (s->answered) return;
      s->answered = true;
      try {
        s->log->warn("admin: test SMS via {} to {}: no answer from the carrier in {} ms",
                     s->carrier, s->to_masked, timeout.count());
      } catch (...) {  // NOLINT(bugprone-empty-catch)
      }
      s->reply(error_answer(504, "no_answer",
                            "no answer from carrier " + s->carrier + " within " +
                                std::to_string(timeout.count()) +
                                " ms; the message may still be sent"));
    };
    if (backend.send_deadline) {
      backend.send_deadline(settings.send_timeout, std::move(give_up));
    } else {
      worker.at(steady::now() + settings.send_timeout, std::move(give_up));
    }
    return std::nullopt;
  }

  api_answer reload() {
    if (!backend.reload) return error_answer(503, "reload_unavailable", "reload not available");
    try {
      std::string summary = backend.reload();
      info("admin: reload: " + summary);
      return json_answer(200, boost::json::object{{"summary", summary}});
    } catch (const config_error& e) {
      return error_answer(422, "invalid_config", e.what());
    } catch (const std::exception& e) {
      return error_answer(500, "reload_failed", e.what());
    }
  }
};

admin_api::admin_api(admin_backend backend, admin_settings settings)
    : impl_(std::make_shared<impl>(std::move(backend), std::move(settings))) {}

admin_api::~admin_api() {
  impl_->worker.stop();
}

void add_admin_routes(net::http::api_router& router, admin_api& api) {
  using P = std::shared_ptr<admin_api::impl>;
  const P p = api.impl_;
  router.add("GET", "/admin/v1/status", route_access::token_required,
             [p](const api_request&, const api_reply& reply) {
               p->later(reply, [p] { return p->status(); });
             });
  router.add("GET", "/admin/v1/complaints", route_access::token_required,
             [p](const api_request& request, const api_reply& reply) {
               auto r = admin::parse_list_query(request.query, p->settings.max_limit);
               if (auto* e = std::get_if<admin::bad_request>(&r)) return reply(bad(*e));
               p->later(reply, [p, req = std::get<admin::list_request>(std::move(r))] {
                 return p->list(req);
               });
             });
  router.add("GET", "/admin/v1/complaints/{ref}", route_access::token_required,
             [p](const api_request& request, const api_reply& reply) {
               auto unmask = admin::parse_unmask_query(request.query);
               if (auto* e = std::get_if<admin::bad_request>(&unmask)) return reply(bad(*e));
               p->later(reply, [p, ref = request.params.at("ref"), u = std::get<bool>(unmask)] {
                 return p->show(ref, u);
               });
             });
  router.add("GET", "/admin/v1/parked", route_access::token_required,
             [p](const api_request& request, const api_reply& reply) {
               auto limit = admin::parse_parked_query(request.query, p->settings.max_limit);
               if (auto* e = std::get_if<admin::bad_request>(&limit)) return reply(bad(*e));
               p->later(reply, [p, n = std::get<int>(limit)] { return p->parked(n); });
             });
  router.add("POST", "/admin/v1/parked/{ref}/retry", route_access::token_required,
             [p](const api_request& request, const api_reply& reply) {
               if (!request.body.empty() || !request.query.empty())
                 return reply(error_answer(400, "bad_body", "retry takes no body or query"));
               p->later(reply,
                        [p, ref = request.params.at("ref")] { return p->act(ref, false, ""); });
             });
  router.add("POST", "/admin/v1/parked/{ref}/drop", route_access::token_required,
             [p](const api_request& request, const api_reply& reply) {
               if (!request.query.empty())
                 return reply(error_answer(400, "bad_query", "drop takes no query"));
               auto reason = admin::parse_drop_body(request.body);
               if (auto* e = std::get_if<admin::bad_request>(&reason)) return reply(bad(*e));
               p->later(reply, [p, ref = request.params.at("ref"),
                                why = std::get<std::string>(std::move(reason))] {
                 return p->act(ref, true, why);
               });
             });
  router.add("POST", "/admin/v1/send", route_access::token_required,
             [p](const api_request& request, const api_reply& reply) {
               auto r = admin::parse_send_body(request.body);
               if (auto* e = std::get_if<admin::bad_request>(&r)) return reply(bad(*e));
               if (!p->backend.mt)
                 return reply(error_answer(503, "send_unavailable", "no carrier links here"));
               p->later(reply, [p, reply, req = std::get<admin::send_request>(std::move(r))] {
                 return p->send(req, reply);
               });
             });
  router.add("POST", "/admin/v1/reload", route_access::token_required,
             [p](const api_request& request, const api_reply& reply) {
               if (!request.body.empty() || !request.query.empty())
                 return reply(error_answer(400, "bad_body", "reload takes no body or query"));
               p->later(reply, [p] { return p->reload(); });
             });
}

}  // namespace lapord::app
