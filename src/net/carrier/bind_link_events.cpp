// bind_link's plain functions: carrying out the session's actions (MO handed up, responses and
// failures handed to bind_machine, MO answers sent back), filling the submit pump from the
// machine, stopping, and the log lines of a connection that ended.
#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include "lapord/net/log_flood.hpp"
#include "lapord/smpp/session_error.hpp"
#include "net/carrier/bind_connection.hpp"
#include "net/carrier/bind_link.hpp"
#include "net/carrier/feed_slices.hpp"

namespace lapord::net {

using namespace bind_detail;

// The bytes waiting to be written or the session's MO count changed: update the gate and wake
// the reader if it may read again.
void bind_link::note_output(connection& c) {
  c.gate.on_output(c.out.size() + c.writing, steady::now());
  if (c.reader_waiting && c.gate.may_read(c.session.input_paused())) c.read_wake.cancel();
}

// Sends what the machine lets out now; returns when to look again.
smpp::time_point bind_link::fill_pump(connection& c) {
  const auto now = steady::now();
  for (;;) {
    const link_view view{c.session.is_bound(), c.session.can_submit(),
                         c.session.awaiting_response()};
    auto step = machine_.pump(now, view);
    if (step.unbind) {
      log_->info("drained, unbinding");
      c.session.unbind(now);
      apply(c);
    }
    if (!step.submit) return step.wake_at;
    std::uint32_t sequence = 0;
    // Encoded from where the machine keeps it: not moved into a pdu_body and back.
    const auto error = c.session.send(step.submit->message, now, sequence);
    if (error) {
      if (machine_.not_sent(std::move(*step.submit), error)) {
        return machine_.wake_at(steady::now(), view);
      }
      continue;
    }
    machine_.sent(sequence, std::move(*step.submit));
    apply(c);
  }
}

void bind_link::set_bound(bool up) {
  if (bound_ == up) return;
  bound_ = up;
  if (observer_ != nullptr) observer_->bind_changed(bind_name_, up);
}

void bind_link::apply(connection& c) {
  // Taken from the connection for this call (a nested call finds it empty and uses its own).
  std::vector<smpp::session_action> actions = std::exchange(c.spare_actions, {});
  for (;;) {
    // The bytes first: they precede any close_connection among the actions.
    if (c.session.has_output()) {
      c.session.take_output(c.out);
      c.wake.cancel();
    }
    c.session.take_actions(actions);
    if (actions.empty()) {
      if (observer_ != nullptr && can_transmit()) observer_->window_in_use(machine_.in_flight());
      note_output(c);
      c.spare_actions = std::move(actions);
      return;
    }
    for (auto& action : actions) {
      std::visit(
          [&](auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, smpp::request_received>) {
              on_request(c, a.request);
            } else if constexpr (std::is_same_v<T, smpp::response_received>) {
              on_response(a);
            } else if constexpr (std::is_same_v<T, smpp::request_failed>) {
              on_request_failed(c, a);
            } else if constexpr (std::is_same_v<T, smpp::back_off>) {
              // Handled with its response_received (the message is requeued there).
            } else if constexpr (std::is_same_v<T, smpp::bound>) {
              machine_.on_bound();
              set_bound(true);
              log_->info("bind up: bound as {} to SMSC \"{}\"", role_name(role_), a.peer_system_id);
              log_flood::shared().clear(log_->name() + ": ");
              wake_pump();
            } else if constexpr (std::is_same_v<T, smpp::arm_timer>) {
              // The session moves its deadline with every PDU (keep-alive, dead peer); re-arming
              // the timer each time cost a cancel, a coroutine wake-up and a timerfd_settime
              // per PDU. Only an earlier deadline re-arms it: a later one lets it fire early,
              // and timer_loop then arms it at the session's next deadline.
              if (a.at < c.timer.expiry()) c.timer.expires_at(a.at);
            } else if constexpr (std::is_same_v<T, smpp::cancel_timer>) {
              // Left to fire: on_timer runs no deadline that is not due (none while input is
              // paused), and timer_loop re-arms it from the session.
            } else if constexpr (std::is_same_v<T, smpp::close_connection>) {
              close_after_flush(c, a.reason);
            } else if constexpr (std::is_same_v<T, smpp::pdu_seen>) {
              if (observer_ == nullptr) return;
              if (a.direction == smpp::pdu_direction::received) {
                observer_->pdu_received(a.command, a.status);
              } else {
                observer_->pdu_sent(a.command, a.status);
              }
            } else if constexpr (std::is_same_v<T, smpp::protocol_warning>) {
              pdu_rejected("malformed",
                           fmt::format("{} (sequence_number {})", a.what.message(), a.sequence));
            }
          },
          action);
    }
  }
}

void bind_link::on_request(connection& c, smpp::pdu& request) {
  const auto sequence = request.sequence_number;
  const auto now = steady::now();
  const bool is_mo = std::holds_alternative<smpp::deliver_sm>(request.body) ||
                     std::holds_alternative<smpp::data_sm>(request.body);
  if (is_mo) {
    if (!machine_.accepts_mo()) {
      // Not taken: the SMSC keeps it and delivers it again once lapord is back.
      (void)c.session.respond(sequence, smpp::command_status::esme_rx_t_appn, now);
      log_->info("MO refused while stopping (ESME_RX_T_APPN): the SMSC will deliver it again");
      return;
    }
    auto gate = gate_;
    const auto epoch = c.epoch;
    auto answer = [gate, epoch, sequence](smpp::command_status status) {
      std::lock_guard<std::mutex> lock(gate->mutex);
      if (!gate->executor) return;
      gate->answers.push_back({epoch, sequence, status});
      if (gate->answers.size() > 1) return;  // the task posted for the first sends this too
      asio::post(*gate->executor, [link = gate->link] {
        if (auto self = link.lock()) self->send_answers();
      });
    };
    // Kept in the completion, not allocated: an MO's answer is made here and dropped on the
    // completion thread.
    static_assert(sizeof(answer) <= mo_completion::inline_size);
    handler_.on_mo(mo_message{settings_.name, bind_name_, std::move(request),
                              std::chrono::system_clock::now()},
                   mo_completion(std::move(answer)));
    return;
  }
  if (std::holds_alternative<smpp::outbind>(request.body) ||
      std::holds_alternative<smpp::alert_notification>(request.body)) {
    log_->info("{} from the SMSC ignored (takes no response)", smpp::name(request.command()));
    return;
  }
  // Anything else an SMSC may not send to an ESME (submit_sm, bind_*, ...).
  pdu_rejected("not for an ESME",
               fmt::format("the SMSC sent {}, which an ESME does not accept; answered "
                           "ESME_RINVCMDID",
                           smpp::name(request.command())));
  if (auto error = c.session.respond(sequence, smpp::command_status::esme_rinvcmdid, now)) {
    log_->debug("could not answer {}: {}", smpp::name(request.command()), error.message());
  }
}

void bind_link::pdu_rejected(std::string_view kind, const std::string& what) {
  // A peer may send bad PDUs by the thousand: one line each would bury the log.
  const auto v = rejected_.occur(kind, steady::now());
  if (!v.log) return;
  if (v.suppressed == 0) {
    log_->warn("PDU rejected: {}", what);
  } else {
    log_->warn("PDU rejected: {} ({} more {} since the last line, not logged)", what, v.suppressed,
               kind);
  }
}

void bind_link::flush_rejected() {
  for (std::string_view kind : {"malformed", "not for an ESME"}) {
    if (const auto n = rejected_.flush(kind); n > 0) {
      log_->warn("PDU rejected: {} more {} on the connection that ended, not logged", n, kind);
    }
  }
}

void bind_link::send_answers() {
  answering_.clear();
  {
    std::lock_guard<std::mutex> lock(gate_->mutex);
    answering_.swap(gate_->answers);  // both keep their capacity: no allocation per batch
  }
  const auto now = steady::now();
  std::size_t unapplied = 0;  // answers given to the session since the last apply()
  for (const post_gate::answer& a : answering_) {
    if (!conn_ || !machine_.is_current(a.epoch)) {
      log_->info(
          "answer to MO sequence_number {} dropped: its connection is gone, the SMSC will "
          "deliver it again",
          a.sequence);
      continue;
    }
    if (auto error = conn_->session.respond(a.sequence, a.status, now)) {
      log_->warn("answer to MO sequence_number {} not sent: {}", a.sequence, error.message());
    }
    // A few at a time (feed_slices.hpp): a whole window's answers and the frames they let the
    // session take would grow the action vectors for the bind's life.
    if (++unapplied == answers_per_apply) {
      apply(*conn_);
      unapplied = 0;
    }
  }
  if (conn_) apply(*conn_);
  if (machine_.stopping()) wake_pump();
}

void bind_link::on_response(const smpp::response_received& r) {
  if (r.request != smpp::command_id::submit_sm) return;
  const auto* resp = std::get_if<smpp::submit_sm_resp>(&r.response.body);
  machine_.on_submit_response(r.response.sequence_number, r.response.status,
                              resp != nullptr ? resp->message_id : std::string(), steady::now());
  wake_pump();
}

void bind_link::on_request_failed(connection& c, const smpp::request_failed& f) {
  if (auto close = machine_.on_request_failed(f.sequence, f.request, f.reason)) {
    close_after_flush(c, *close);
    return;
  }
  wake_pump();
}

void bind_link::close_after_flush(connection& c, std::error_code why) {
  c.note_end(why);
  c.close_after_flush = true;
  c.wake.cancel();
}

void bind_link::log_failure(const connection& c, const std::error_code& failure,
                            const reconnect_plan& plan, smpp::time_point started) {
  if (plan.rejected_credentials) {
    log_->error(
        "bind rejected: {}: check system_id/password; next attempt in {:.1f} s (the maximum: "
        "a rejected login is not retried sooner)",
        describe(failure), seconds(plan.wait));
    return;
  }
  if (plan.was_bound) {
    log_->warn("bind down: {}", describe(failure));
  } else {
    // Once TCP is up, a TLS failure is the handshake's, with the check that failed.
    const bool tls_failed = !c.tcp_connected && !c.tls_failure.empty();
    const char* what = c.tcp_connected ? "bind to"
                       : tls_failed    ? "TLS handshake with"
                                       : "connect to";
    const std::string cause = tls_failed ? c.tls_failure : describe(failure);
    // An SMSC down for an hour is an attempt per back-off ceiling: the first few lines and
    // then a summary per window (cleared by the next bind up), not two lines per attempt.
    if (!log_flood::shared().admit(log_, spdlog::level::warn,
                                   fmt::format("{}: {} {}:{} failed: {}", log_->name(), what,
                                               settings_.host, settings_.port, cause))) {
      return;
    }
    log_->warn(
        "{} {}:{} failed after {} ms: {}", what, settings_.host, settings_.port,
        std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started).count(),
        cause);
  }
  log_->info("reconnect scheduled in {:.3f} s (back-off ceiling {:.1f} s)", seconds(plan.wait),
             seconds(plan.ceiling));
}

void bind_link::submit(smpp::submit_sm&& message, mt_completion done) {
  machine_.submit(std::move(message), std::move(done));
  wake_pump();
}

void bind_link::wake_pump() {
  // A burst of replies (one post each) or of submit_sm_resp wakes the pump once: the first
  // wake-up's fill_pump sends all that is due by then.
  if (conn_ && !conn_->pump_woken) {
    conn_->pump_woken = true;
    conn_->pump_timer.cancel();
  }
}

void bind_link::stop(std::function<void()> closed) {
  if (stopped_) {
    if (closed) closed();
    return;
  }
  on_closed_ = std::move(closed);
  if (machine_.stopping()) return;
  const auto step = machine_.stop(conn_ != nullptr, conn_ && conn_->session.is_bound());
  retry_timer_.cancel();
  if (step == stop_step::drain) {
    wake_pump();  // drains, then unbinds
  } else if (step == stop_step::close) {
    conn_->close_socket();  // still connecting or binding: nothing to drain
  }
}

void bind_link::close_now() {
  machine_.stop_now();
  retry_timer_.cancel();
  if (conn_) {
    log_->warn("closing without unbind: the shutdown deadline passed");
    conn_->note_end(make_error_code(carrier_error::shutting_down));
    conn_->close_socket();
  }
}

void bind_link::finish_stop() {
  stopped_ = true;
  machine_.finished();
  log_->info("closed");
  if (auto closed = std::exchange(on_closed_, nullptr)) closed();
}

std::string bind_link::describe(const std::error_code& ec) const {
  if (ec.category() == smpp::command_status_category()) {
    return smpp::describe(static_cast<smpp::command_status>(ec.value()));
  }
  if (ec == make_error_code(smpp::session_error::response_timeout) ||
      ec == make_error_code(smpp::session_error::bind_timeout)) {
    return fmt::format("{} (response_timeout_s = {:.1f})", ec.message(),
                       seconds(settings_.response_timeout));
  }
  if (ec == make_error_code(smpp::session_error::peer_dead)) {
    return fmt::format("{} (nothing received for {:.1f} s)", ec.message(),
                       2 * seconds(settings_.enquire_link_interval));
  }
  return ec.message();
}

}  // namespace lapord::net
