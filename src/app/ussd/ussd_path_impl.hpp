#pragma once
// ussd_path's state and its steps, shared by its two files (private to src/app/ussd):
// ussd_path.cpp takes a message through its gateway and the dialogue kept in the store, sends
// the screens and expires idle dialogues; ussd_filing.cpp files a complaint and looks a status
// up in the store, then hands the result back to the gateway.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/steady_timer.hpp>

#include "lapord/app/ops/lapord_metrics.hpp"
#include "lapord/app/ussd/ussd_generations.hpp"
#include "lapord/app/ussd/ussd_path.hpp"
#include "lapord/app/ussd/ussd_state_store.hpp"
#include "lapord/lapor/ussd/gateway.hpp"
#include "lapord/smpp/pdu.hpp"

namespace lapord::app {

namespace ussd = lapor::ussd;

struct ussd_path::impl : std::enable_shared_from_this<impl> {
  impl(boost::asio::any_io_executor ex, store::database& database, ingest_context ctx,
       std::shared_ptr<const ussd_menu> m, net::mt_sender& sender, mo_path_hooks h,
       std::shared_ptr<spdlog::logger> l, ops::lapord_metrics* mx)
      : executor(std::move(ex)),
        db(database),
        context(ctx),
        current_menu(std::move(m)),
        mt(sender),
        hooks(std::move(h)),
        log(std::move(l)),
        metrics(mx),
        timer(std::make_unique<boost::asio::steady_timer>(executor)) {}

  boost::asio::any_io_executor executor;
  store::database& db;
  ingest_context context;
  // The menu new dialogues get; a reload replaces it (any thread, under the mutex).
  mutable std::mutex menu_mutex;
  std::shared_ptr<const ussd_menu> current_menu;
  std::uint64_t menu_generation = 1;
  net::mt_sender& mt;
  mo_path_hooks hooks;
  std::shared_ptr<spdlog::logger> log;
  ops::lapord_metrics* metrics;  // may be null (tests)
  // Destroyed by ~ussd_path, before the executor's io_context (handlers still queued in it may
  // hold this impl).
  std::unique_ptr<boost::asio::steady_timer> timer;
  std::atomic<bool> stopping{false};

  // Executor only: each carrier's gateways (one per menu generation still in use) and its
  // lapord_ussd_dialogues_open series.
  struct carrier_gateway {
    explicit carrier_gateway(const std::string& carrier) : gens(carrier) {}
    ussd_generations gens;
    std::optional<ops::gauge> open_gauge;
  };
  using slot = ussd_generations::slot;
  std::map<std::string, carrier_gateway, std::less<>> gateways;

  // Read from any thread.
  mutable std::mutex open_mutex;
  std::map<std::string, std::size_t, std::less<>> open;

  // What the deliver_sm that led to an action said, for the filing and the logs.
  struct origin {
    std::string carrier;
    std::string citizen;  // source_addr
    std::string dialled;  // destination_addr
    store::wall_time received_at{};
    std::uint64_t generation = 0;  // of the gateway that holds the dialogue
    std::string key;               // the dialogue's in the store (lapor::ussd::store_key)
    lapor::ussd::session_key session;
  };

  // Executor only. A dialogue lives in the store between two screens (ussd_state_store.hpp), so
  // that the carrier may send the next message to any instance. While one message of a
  // dialogue is between its read of the store and its write (or its filing or lookup), the
  // next ones of the same dialogue wait here: each then reads what the one before it wrote.
  struct waiting {
    origin o;
    ussd::message_in pdu;
  };
  static constexpr std::size_t max_waiting = 8;  // per dialogue: a citizen answers one screen
  std::map<std::string, std::deque<waiting>, std::less<>> in_progress;
  unsigned ticks = 0;  // of the expiry timer: the store's sweep runs every 60th

  std::pair<std::shared_ptr<const ussd_menu>, std::uint64_t> menu_now() const {
    std::lock_guard lock(menu_mutex);
    return {current_menu, menu_generation};
  }

  carrier_gateway& gateway_for(const std::string& carrier) {
    auto it = gateways.find(carrier);
    if (it != gateways.end()) return it->second;
    carrier_gateway entry(carrier);
    if (metrics != nullptr) entry.open_gauge = metrics->ussd_dialogues_open.with({carrier});
    return gateways.emplace(carrier, std::move(entry)).first->second;
  }

  // The gateway for this message (see ussd_generations::route), or null when none can be made.
  slot* route(carrier_gateway& g, const ussd::message_in& pdu, ussd::instant now);

  // After a gateway call: an older generation with no dialogue left goes, with its menu.
  void settle(const std::string& carrier, carrier_gateway& g);

  void count_open(const std::string& carrier, const carrier_gateway& g);

  void on_deliver(origin o, ussd::message_in pdu);

  // A dial starts afresh whatever the store holds; any other message first reads the dialogue.
  void begin_step(origin o, ussd::message_in pdu);

  // The message on the gateway, once this instance holds what the store holds.
  void step(origin o, const ussd::message_in& pdu, const stored_dialogue& stored);

  bool adopt(slot& s, const origin& o, const store::ussd_dialogue_record& r, ussd::instant now);

  // Writes the dialogue as it now stands (or its end), then sends what the gateway said: the
  // carrier may send the citizen's answer to another instance, which must read this.
  void save_then(origin o, std::shared_ptr<const ussd_menu> menu, ussd::action a,
                 std::optional<store::ussd_dialogue_record> keep);

  // The dialogue's message is done: the next one waiting for it goes on.
  void release(const std::string& key);

  // `menu`: the one the dialogue began with (its filing and lookup use its service).
  void handle(const origin& o, const std::shared_ptr<const ussd_menu>& menu, ussd::action a);

  // The access log's line for a screen or a filing; latency from the deliver_sm's arrival.
  void access(const origin& o, std::string_view kind, std::string_view outcome,
              std::string_view ref = {}, std::string_view institution = {}) const;

  void send(const origin& o, smpp::submit_sm reply, bool ended, std::string_view reason);

  // A ticket's answer goes back to the generation that holds its dialogue (if still there).
  void answer(const origin& o, const std::function<ussd::action(ussd::gateway&)>& call);

  void file(const origin& o, std::shared_ptr<const ussd_menu> m, ussd::dialogue_ticket ticket,
            lapor::decision filing);

  void look_up(const origin& o, const std::shared_ptr<const ussd_menu>& m,
               ussd::dialogue_ticket ticket, lapor::decision status);

  // Dialogues idle past their timeout are never read again (the read asks for unexpired ones);
  // this only keeps the table small. Every instance sweeps; the deletes are idempotent.
  void sweep_store();

  void schedule_expiry();

  void expire();
};

}  // namespace lapord::app
