#include "lapord/app/ussd/ussd_path.hpp"

#include "app/ussd/ussd_path_impl.hpp"

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <variant>

#include <spdlog/logger.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "lapord/app/mo/pipeline_metrics.hpp"
#include "lapord/app/ops/access_log.hpp"
#include "lapord/app/ops/lapord_metrics.hpp"
#include "lapord/app/ussd/ussd_generations.hpp"
#include "lapord/app/ussd/ussd_messages.hpp"
#include "lapord/app/ussd/ussd_state_store.hpp"
#include "lapord/lapor/msisdn.hpp"
#include "lapord/lapor/ussd/dialogue_state.hpp"
#include "lapord/lapor/ussd/gateway.hpp"

namespace lapord::app {
namespace {

using namespace std::chrono_literals;

store::wall_time wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// A delivery receipt or another notification (esm_class message type bits) is never a dialogue.
bool is_notification(const smpp::deliver_sm& d) {
  return (d.esm_class & 0x3C) != 0;
}

}  // namespace

ussd_path::impl::slot* ussd_path::impl::route(carrier_gateway& g, const ussd::message_in& pdu,
                                              ussd::instant now) {
  const auto [menu, generation] = menu_now();
  const std::size_t before = g.gens.generations();
  try {
    slot& s = g.gens.route(pdu, now, menu, generation);
    if (g.gens.generations() > before && s.generation == generation) {
      log->info("ussd {}: gateway ready (profile {}, {} dialogues at most, timeout {} s{})",
                g.gens.carrier(), s.gateway->carrier_profile().name, menu->settings.max_dialogues,
                menu->settings.timeout.count(),
                before > 0 ? "; menu reloaded: dialogues in progress finish on the old one" : "");
    }
    return &s;
  } catch (const std::exception& e) {
    // load_screens checked every profile when the menu was loaded: this is a bug, not a
    // citizen's doing.
    log->error("ussd {}: no gateway: {}", g.gens.carrier(), e.what());
    return nullptr;
  }
}

void ussd_path::impl::settle(const std::string& carrier, carrier_gateway& g) {
  if (const std::size_t dropped = g.gens.drop_drained(); dropped > 0) {
    log->info("ussd {}: the menu before the reload has no dialogue left: dropped", carrier);
  }
  count_open(carrier, g);
}

void ussd_path::impl::count_open(const std::string& carrier, const carrier_gateway& g) {
  const std::size_t n = g.gens.open_dialogues();
  if (g.open_gauge) g.open_gauge->set(static_cast<std::int64_t>(n));
  std::lock_guard lock(open_mutex);
  open[carrier] = n;
}

void ussd_path::impl::on_deliver(origin o, ussd::message_in pdu) {
  if (stopping) return;
  const auto menu = menu_now().first;
  o.session = ussd::session_key_of(menu->settings.profile_for(o.carrier), pdu);
  o.key = ussd::store_key(o.carrier, o.session);
  if (auto it = in_progress.find(o.key); it != in_progress.end()) {
    if (it->second.size() >= max_waiting) {
      log->warn("ussd {} {}: {} messages of one dialogue waiting already: dropped", o.carrier,
                lapor::mask_msisdn(o.citizen), max_waiting);
      return;
    }
    it->second.push_back({std::move(o), std::move(pdu)});
    return;
  }
  in_progress.emplace(o.key, std::deque<waiting>{});
  begin_step(std::move(o), std::move(pdu));
}

void ussd_path::impl::begin_step(origin o, ussd::message_in pdu) {
  const auto menu = menu_now().first;
  const auto& profile = menu->settings.profile_for(o.carrier);
  if (ussd::meaning_of(profile, pdu.ussd_service_op, true) == ussd::op_meaning::begin) {
    step(std::move(o), pdu, stored_dialogue::unknown());
    return;
  }
  auto self = shared_from_this();
  const std::string key = o.key;
  db.submit([key](store::transaction& tx) { return tx.ussd_dialogue(key, wall_now()); },
            [self, o = std::move(o), pdu = std::move(pdu)](
                store::result<std::optional<store::ussd_dialogue_record>> r) mutable {
              stored_dialogue stored = stored_dialogue::unknown();
              if (r) {
                stored = stored_dialogue::read(std::move(*r.value));
              } else {
                self->log->warn(
                    "ussd {} {}: the dialogue not read from the store ({}); "
                    "going on with what this instance holds",
                    o.carrier, lapor::mask_msisdn(o.citizen), r.detail);
              }
              boost::asio::post(self->executor, [self, o = std::move(o), pdu = std::move(pdu),
                                                 stored = std::move(stored)]() mutable {
                self->step(std::move(o), pdu, stored);
              });
            });
}

void ussd_path::impl::step(origin o, const ussd::message_in& pdu, const stored_dialogue& stored) {
  if (stopping) return;
  carrier_gateway& g = gateway_for(o.carrier);
  const ussd::instant now = ussd::clock::now();
  if (stored.known && !stored.record) g.gens.forget(o.session, now);
  slot* s = route(g, pdu, now);
  if (s == nullptr) return release(o.key);
  if (stored.record && !adopt(*s, o, *stored.record, now)) g.gens.forget(o.session, now);
  o.generation = s->generation;
  const std::shared_ptr<const ussd_menu> menu = s->menu;
  ussd::action a = s->gateway->on_deliver(pdu, now);
  std::optional<store::ussd_dialogue_record> keep;
  if (const auto* e = s->gateway->peek(o.session, now); e != nullptr && !a.ended)
    keep = to_record(o.key, *e, now, menu->settings.timeout);
  settle(o.carrier, g);
  if (a.kind == ussd::action_kind::file || a.kind == ussd::action_kind::look_up) {
    // Its transaction ends the dialogue in the store; the next message waits for its answer.
    handle(o, menu, std::move(a));
    return;
  }
  if (!keep && stored.known && !stored.record) {  // nothing in the store, nothing to keep
    handle(o, menu, std::move(a));
    return release(o.key);
  }
  save_then(std::move(o), menu, std::move(a), std::move(keep));
}

bool ussd_path::impl::adopt(slot& s, const origin& o, const store::ussd_dialogue_record& r,
                            ussd::instant now) {
  std::string why;
  if (adopt_record(*s.gateway, *s.menu->service, o.session, r, now, why)) return true;
  log->warn("ussd {} {}: the dialogue in the store not taken up ({})", o.carrier,
            lapor::mask_msisdn(o.citizen), why);
  return false;
}

void ussd_path::impl::save_then(origin o, std::shared_ptr<const ussd_menu> menu, ussd::action a,
                                std::optional<store::ussd_dialogue_record> keep) {
  auto self = shared_from_this();
  auto act = std::make_shared<ussd::action>(std::move(a));
  const std::string key = o.key;
  db.submit(
      [key, keep = std::move(keep)](store::transaction& tx) {
        if (keep) {
          tx.put_ussd_dialogue(*keep);
        } else {
          tx.erase_ussd_dialogue(key);
        }
      },
      [self, o = std::move(o), menu = std::move(menu), act](store::result<std::monostate> r) {
        if (!r) {
          self->log->warn(
              "ussd {} {}: the dialogue not written to the store ({}); it goes on "
              "on this instance only",
              o.carrier, lapor::mask_msisdn(o.citizen), r.detail);
        }
        boost::asio::post(self->executor, [self, o, menu, act] {
          if (self->stopping) return;
          self->handle(o, menu, std::move(*act));
          self->release(o.key);
        });
      });
}

void ussd_path::impl::release(const std::string& key) {
  auto it = in_progress.find(key);
  if (it == in_progress.end()) return;
  if (it->second.empty()) {
    in_progress.erase(it);
    return;
  }
  waiting next = std::move(it->second.front());
  it->second.pop_front();
  begin_step(std::move(next.o), std::move(next.pdu));
}

void ussd_path::impl::handle(const origin& o, const std::shared_ptr<const ussd_menu>& menu,
                             ussd::action a) {
  switch (a.kind) {
    case ussd::action_kind::reply:
      send(o, submit_sm_of(std::move(*a.reply)), a.ended, a.reason);
      return;
    case ussd::action_kind::file:
      file(o, menu, a.ticket, std::move(a.decision));
      return;
    case ussd::action_kind::look_up:
      look_up(o, menu, a.ticket, std::move(a.decision));
      return;
    case ussd::action_kind::none:
      if (a.reason == "abort" || a.reason == "network_end") {
        log->info("ussd {} {}: dialogue ended by the network ({})", o.carrier,
                  lapor::mask_msisdn(o.citizen), a.reason);
      } else if (a.reason != "waiting") {
        log->debug("ussd {} {}: nothing to send ({})", o.carrier, lapor::mask_msisdn(o.citizen),
                   a.reason);
      }
      return;
  }
}

void ussd_path::impl::access(const origin& o, std::string_view kind, std::string_view outcome,
                             std::string_view ref, std::string_view institution) const {
  if (hooks.access == nullptr) return;
  ops::access_record r = ops::access_event("mo", o.carrier, o.citizen, kind, outcome,
                                           std::chrono::duration_cast<std::chrono::microseconds>(
                                               std::chrono::system_clock::now() - o.received_at));
  r.ref = ref;
  r.institution = institution;
  hooks.access->write(r);
}

void ussd_path::impl::send(const origin& o, smpp::submit_sm reply, bool ended,
                           std::string_view reason) {
  log->debug("ussd {} {}: {} screen ({})", o.carrier, lapor::mask_msisdn(o.citizen),
             ended ? "last" : "next", reason);
  if (ended) {
    log->info("ussd {} {}: dialogue ended ({})", o.carrier, lapor::mask_msisdn(o.citizen), reason);
  }
  auto self = shared_from_this();
  mt.submit(o.carrier, std::move(reply),
            [self, o, last = ended ? "last:" + std::string(reason) : std::string("next")](
                std::error_code ec, const std::string&) {
              self->access(o, "ussd_screen", ec ? "not_sent:" + ec.message() : last);
              if (!ec) return;
              // A screen is not retried: the citizen's phone has moved on by then.
              self->log->warn("ussd {} {}: screen not sent: {}", o.carrier,
                              lapor::mask_msisdn(o.citizen), ec.message());
            });
}

void ussd_path::impl::sweep_store() {
  auto self = shared_from_this();
  db.submit([](store::transaction& tx) { return tx.erase_expired_ussd_dialogues(wall_now()); },
            [self](store::result<std::int64_t> r) {
              if (r && *r.value > 0)
                self->log->debug("ussd: {} expired dialogue(s) swept from the store", *r.value);
            });
}

void ussd_path::impl::schedule_expiry() {
  if (!timer) return;
  timer->expires_after(1s);
  timer->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->stopping) return;
    self->expire();
    self->schedule_expiry();
  });
}

void ussd_path::impl::expire() {
  const ussd::instant now = ussd::clock::now();
  if (++ticks % 60 == 0) sweep_store();
  for (auto& [carrier, g] : gateways) {
    const std::size_t n = g.gens.expire(now);
    if (n == 0) continue;
    settle(carrier, g);
    log->info("ussd {}: {} idle dialogue(s) timed out ({} open)", carrier, n,
              g.gens.open_dialogues());
  }
}

ussd_path::ussd_path(boost::asio::any_io_executor executor, store::database& db,
                     ingest_context context, std::shared_ptr<const ussd_menu> menu,
                     net::mt_sender& mt, mo_path_hooks hooks, std::shared_ptr<spdlog::logger> log,
                     ops::lapord_metrics* metrics)
    : impl_(std::make_shared<impl>(std::move(executor), db, context, std::move(menu), mt,
                                   std::move(hooks), std::move(log), metrics)) {}

ussd_path::~ussd_path() {
  impl_->stopping = true;
  impl_->timer.reset();
}

bool ussd_path::take(net::mo_message& message, net::mo_completion& done) {
  auto* deliver = std::get_if<smpp::deliver_sm>(&message.pdu.body);
  if (deliver == nullptr || is_notification(*deliver)) return false;
  const auto menu = impl_->menu_now().first;
  if (!ussd::is_ussd(menu->settings.profile_for(message.carrier), deliver->service_type,
                     deliver->tlvs.ussd_service_op)) {
    return false;
  }
  // A screen is no complaint: the SMSC hears ESME_ROK at once (the dialogue's state is written
  // to the store before its next screen goes out, not before this answer).
  done(smpp::command_status::esme_rok);
  impl::origin o;
  o.carrier = std::move(message.carrier);
  o.citizen = deliver->source_addr;
  o.dialled = deliver->destination_addr;
  o.received_at = std::chrono::time_point_cast<std::chrono::milliseconds>(message.received_at);
  if (o.received_at.time_since_epoch().count() == 0) o.received_at = wall_now();
  boost::asio::post(impl_->executor, [self = impl_, o = std::move(o),
                                      m = ussd_message_of(std::move(*deliver))]() mutable {
    self->on_deliver(std::move(o), std::move(m));
  });
  return true;
}

void ussd_path::replace_menu(std::shared_ptr<const ussd_menu> menu) {
  std::lock_guard lock(impl_->menu_mutex);
  impl_->current_menu = std::move(menu);
  ++impl_->menu_generation;
}

std::shared_ptr<const ussd_menu> ussd_path::menu() const {
  return impl_->menu_now().first;
}

void ussd_path::start() {
  boost::asio::post(impl_->executor, [self = impl_] { self->schedule_expiry(); });
}

void ussd_path::stop() {
  impl_->stopping = true;
  boost::asio::post(impl_->executor, [self = impl_] {
    if (self->timer) self->timer->cancel();
  });
}

std::size_t ussd_path::open_dialogues(std::string_view carrier) const {
  std::lock_guard lock(impl_->open_mutex);
  auto it = impl_->open.find(carrier);
  return it == impl_->open.end() ? 0 : it->second;
}

std::size_t ussd_path::open_dialogues() const {
  std::lock_guard lock(impl_->open_mutex);
  std::size_t n = 0;
  for (const auto& [carrier, count] : impl_->open)
    n += count;
  return n;
}

}  // namespace lapord::app
