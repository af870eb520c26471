#include "net/carrier/bind_machine.hpp"

#include <algorithm>

#include "lapord/lapor/msisdn.hpp"
#include "lapord/net/log_flood.hpp"
#include "lapord/smpp/session_error.hpp"

namespace lapord::net {
namespace {

class link_category_impl final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "lapord.carrier_link"; }
  [[nodiscard]] std::string message(int v) const override {
    switch (static_cast<link_error>(v)) {
      case link_error::peer_closed:
        return "the SMSC closed the connection";
      case link_error::connect_timeout:
        return "no connection within connect_timeout_s";
      case link_error::enquire_link_unanswered:
        return "the SMSC did not answer enquire_link within response_timeout_s";
      case link_error::output_stalled:
        return "the SMSC is not reading what lapord sends (responses waiting over the bound "
               "for response_timeout_s)";
    }
    return "carrier link error";
  }
};

// A destination for the log: masked, in E.164 when it is a phone number.
std::string masked_destination(const smpp::submit_sm& m) {
  if (auto e164 = lapor::to_e164(m.destination_addr, m.dest_addr_ton, m.dest_addr_npi)) {
    return lapor::mask_msisdn(*e164);
  }
  return lapor::mask_msisdn(m.destination_addr);
}

double seconds(std::chrono::milliseconds ms) {
  return static_cast<double>(ms.count()) / 1000.0;
}

bool is_rejected_credentials(const std::error_code& ec) {
  if (ec.category() != smpp::command_status_category()) return false;
  const auto s = static_cast<smpp::command_status>(ec.value());
  return s == smpp::command_status::esme_rinvpaswd || s == smpp::command_status::esme_rinvsysid;
}

}  // namespace

const std::error_category& link_category() {
  static const link_category_impl category;
  return category;
}

std::error_code make_link_error(link_error e) {
  return {static_cast<int>(e), link_category()};
}

bind_machine::bind_machine(const carrier_settings& settings, std::shared_ptr<spdlog::logger> log,
                           carrier_observer* observer, time_point now, std::uint64_t seed)
    : log_(std::move(log)),
      refused_key_(log_->name() + ": submit_sm refused: "),
      observer_(observer),
      backoff_(settings.reconnect_min, settings.reconnect_max),
      bucket_(settings.submit_rate, settings.submit_burst, now),
      throttle_(settings.throttle_pause),
      random_(seed) {}

void bind_machine::submit(smpp::submit_sm&& message, mt_completion done) {
  if (stopping_) {
    done(make_error_code(carrier_error::shutting_down), {});
    return;
  }
  // Built in place: a queued_mt (six strings and the completion) is not moved once more.
  queue_.emplace_back(std::move(message), std::move(done), 0, next_order_++);
}

pump_step bind_machine::pump(time_point now, const link_view& link) {
  pump_step step;
  if (stopping_) {
    // Draining at SIGTERM: unbind once every MO we were handed is answered and every submit_sm
    // we sent has its response.
    if (link.bound && !unbind_sent_ && link.mo_unanswered == 0 && in_flight_.empty()) {
      unbind_sent_ = true;
      step.unbind = true;
    }
    return step;
  }
  if (!queue_.empty() && link.window_open && now >= paused_until_ && bucket_.try_take(now)) {
    step.submit = std::move(queue_.front());
    queue_.pop_front();
    return step;
  }
  step.wake_at = wake_at(now, link);
  return step;
}

bind_machine::time_point bind_machine::wake_at(time_point now, const link_view& link) {
  // Nothing queued, the window full or stopping: a submit or a response wakes the pump.
  if (stopping_ || queue_.empty() || !link.window_open) return time_point::max();
  return std::max(paused_until_, bucket_.next_token(now));
}

void bind_machine::sent(std::uint32_t sequence, queued_mt&& item) {
  in_flight_.emplace(sequence, std::move(item));
}

bool bind_machine::not_sent(queued_mt item, std::error_code why) {
  if (why.category() == smpp::session_category()) {
    queue_.push_front(std::move(item));  // the window closed under us: try again later
    return true;
  }
  log_->warn("submit_sm to {} not sent: {}", masked_destination(item.message), why.message());
  item.done(make_error_code(carrier_error::invalid_message), {});
  return false;
}

void bind_machine::on_submit_response(std::uint32_t sequence, smpp::command_status status,
                                      std::string message_id, time_point now) {
  auto it = in_flight_.find(sequence);
  if (it == in_flight_.end()) return;
  // The map's node taken out whole: the message is not moved out of it (one per reply).
  auto node = in_flight_.extract(it);
  queued_mt& item = node.mapped();
  if (smpp::asks_back_off(status)) {
    if (observer_ != nullptr) observer_->throttled();
    // Several responses of one window may say so at once: one pause for all of them.
    if (now >= paused_until_) {
      const auto pause = throttle_.on_throttled();
      paused_until_ = now + pause;
      log_->warn(
          "throttled by the SMSC ({}): holding submit_sm for {:.1f} s, then sending the "
          "same message again",
          smpp::name(status), seconds(pause));
    }
    requeue(std::move(item));
  } else if (status == smpp::command_status::esme_rok) {
    throttle_.on_accepted();
    log_flood::shared().clear(refused_key_);  // one atomic load while nothing is held
    item.done({}, std::move(message_id));
  } else {
    // An SMSC refusing every reply refuses each of them max_attempts times: keyed by the
    // status, not the number, so that the flood is a few lines and a count.
    if (log_flood::shared().admit(log_, spdlog::level::warn,
                                  refused_key_ + std::string(smpp::name(status)))) {
      log_->warn("submit_sm to {} refused by the SMSC: {}", masked_destination(item.message),
                 smpp::describe(status));
    }
    item.done(smpp::make_error_code(status), {});
  }
}

std::optional<std::error_code> bind_machine::on_request_failed(std::uint32_t sequence,
                                                               smpp::command_id request,
                                                               std::error_code why) {
  const bool timed_out = why == make_error_code(smpp::session_error::response_timeout);
  if (request == smpp::command_id::enquire_link && timed_out) {
    return make_link_error(link_error::enquire_link_unanswered);
  }
  if (request != smpp::command_id::submit_sm) return std::nullopt;
  auto it = in_flight_.find(sequence);
  if (it == in_flight_.end()) return std::nullopt;
  queued_mt item = std::move(it->second);
  in_flight_.erase(it);
  if (timed_out && ++item.timeouts >= max_submit_timeouts) {
    if (log_flood::shared().admit(log_, spdlog::level::warn,
                                  log_->name() + ": submit_sm given up (no submit_sm_resp)")) {
      log_->warn("submit_sm to {} given up: no submit_sm_resp after {} attempts",
                 masked_destination(item.message), item.timeouts);
    }
    item.done(make_error_code(carrier_error::no_response), {});
    return std::nullopt;
  }
  // No answer (timeout or the connection dropped): the SMSC may or may not have it; sending it
  // again risks a duplicate SMS, dropping it loses a reply, and a duplicate is the lesser harm.
  requeue(std::move(item));
  return std::nullopt;
}

void bind_machine::requeue(queued_mt item) {
  // Several of a window may come back; each goes back where it was, so the order holds.
  auto at = std::find_if(queue_.begin(), queue_.end(),
                         [&](const queued_mt& q) { return q.order > item.order; });
  queue_.insert(at, std::move(item));
}

std::uint64_t bind_machine::connecting() {
  connected_ = true;
  was_bound_ = false;
  unbind_sent_ = false;
  return ++epoch_;
}

void bind_machine::on_bound() {
  was_bound_ = true;
  backoff_.reset();
}

reconnect_plan bind_machine::on_connection_ended(std::error_code failure) {
  connected_ = false;
  // The session fails what it had outstanding before this; anything left (a response it never
  // saw) goes back in line all the same.
  while (!in_flight_.empty()) {
    requeue(std::move(in_flight_.begin()->second));
    in_flight_.erase(in_flight_.begin());
  }
  reconnect_plan plan;
  plan.was_bound = was_bound_;
  if (is_rejected_credentials(failure)) {
    plan.rejected_credentials = true;
    plan.wait = backoff_.after_rejected_credentials();
    plan.ceiling = plan.wait;
  } else {
    plan.ceiling = backoff_.ceiling();
    plan.wait = backoff_.next(random_);
  }
  return plan;
}

stop_step bind_machine::stop(bool connected, bool session_bound) {
  if (stopping_) return stop_step::none;
  stopping_ = true;
  if (!queue_.empty()) log_->info("stopping: {} queued submit_sm not sent", queue_.size());
  fail_queued(make_error_code(carrier_error::shutting_down));
  if (!connected) return stop_step::none;
  return session_bound ? stop_step::drain : stop_step::close;
}

void bind_machine::finished() {
  stopping_ = true;
  fail_queued(make_error_code(carrier_error::shutting_down));
}

void bind_machine::fail_queued(std::error_code why) {
  auto queued = std::move(queue_);
  queue_.clear();
  for (auto& item : queued)
    item.done(why, {});
}

}  // namespace lapord::net
