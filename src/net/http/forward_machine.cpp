#include "lapord/net/http/forward_machine.hpp"

#include <utility>

namespace lapord::net::http {

forward_machine::forward_machine(forward_machine_settings settings, std::uint64_t seed)
    : settings_(settings), breaker_(settings.breaker), random_(seed) {}

take_step forward_machine::next_take(time_point now) {
  take_step step;
  if (breaker_.state(now) == circuit_state::open) {
    step.sleep_until = breaker_.reopens_at();
    step.circuit_open = true;
    return step;
  }
  if (queue_.size() >= settings_.in_flight) {
    step.sleep_until = now + settings_.poll_interval;  // a worker taking one wakes it sooner
    return step;
  }
  notified_ = false;
  step.take = settings_.batch;
  return step;
}

after_take forward_machine::on_taken(std::vector<outbox_item> items, time_point now) {
  after_take after;
  const auto got = items.size();
  for (auto& item : items) {
    // A ref still in flight here (its lease ran out) is not sent a second time.
    if (!stopping_ && busy_.insert(item.ref).second) {
      queue_.push_back(std::move(item));
      after.wake_workers = true;
    }
  }
  // A full batch: there may be more due at once. A notify meanwhile: new complaints are due.
  if (got < settings_.batch && !notified_ && !stopping_) {
    after.sleep_until = now + settings_.poll_interval;
  }
  return after;
}

bool forward_machine::on_handed(outbox_item item) {
  if (stopping_ || !busy_.insert(item.ref).second) return false;
  queue_.push_back(std::move(item));
  return true;
}

worker_step forward_machine::next_send(time_point now) {
  worker_step step;
  if (stopping_) {
    step.what = worker_step::kind::stop;
    return step;
  }
  if (queue_.empty()) return step;  // wait
  if (!breaker_.allow(now)) {
    if (breaker_.state(now) == circuit_state::open) {
      step.what = worker_step::kind::release;
      step.released = release_queue(now);
    }
    return step;  // half-open: wait for the probe's outcome
  }
  step.what = worker_step::kind::send;
  step.item = std::move(queue_.front());
  queue_.pop_front();
  step.wake_pump = queue_.size() < settings_.in_flight;
  return step;
}

std::vector<outbox_report> forward_machine::release_queue(time_point now) {
  // Due again when the circuit may let a probe out: nothing is tried while it is open.
  const auto wait =
      std::chrono::duration_cast<std::chrono::milliseconds>(breaker_.reopens_at() - now);
  std::vector<outbox_report> released;
  while (!queue_.empty()) {
    outbox_report r;
    r.ref = std::move(queue_.front().ref);
    queue_.pop_front();
    r.detail = "circuit open: the store is failing";
    r.retry_in = wait;
    ++reports_pending_;
    released.push_back(std::move(r));
  }
  return released;
}

outcome_step forward_machine::on_outcome(outbox_item item, const forward_outcome& outcome,
                                         time_point now) {
  outcome_step step;
  const auto before = breaker_.state(now);
  if (is_store_failure(outcome)) {
    breaker_.on_failure(now);
  } else {
    breaker_.on_success();
  }
  step.circuit_changed = before != breaker_.state(now);
  auto& r = step.report;
  r.verdict = outcome.verdict;
  r.ref = std::move(item.ref);
  r.http_status = outcome.http_status;
  r.detail = outcome.detail;
  if (outcome.verdict == forward_verdict::taken) r.tracking_id = outcome.tracking_id;
  if (outcome.verdict == forward_verdict::retry) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    r.retry_in = retry_delay(full_jitter_delay(item.attempts + 1, settings_.backoff, unit(random_)),
                             outcome.retry_after, settings_.retry_after_max);
  }
  ++reports_pending_;
  return step;
}

pipe_step forward_machine::next_sends(forward_pipe& pipe, time_point now) {
  pipe_step step;
  const bool waiting = !pipe.unanswered.empty();
  if (!waiting) pipe.draining = false;  // its answers are in: the connection may carry more
  if (stopping_) {
    step.what = waiting ? pipe_step::kind::read : pipe_step::kind::stop;
    return step;
  }
  while (!pipe.draining && pipe.unanswered.size() < settings_.pipeline) {
    // next_send lets exactly one through while half-open: then it says wait.
    auto one = next_send(now);
    if (one.what == worker_step::kind::release) step.released = std::move(one.released);
    if (one.what != worker_step::kind::send) break;
    pipe.unanswered.push_back(std::move(*one.item));
    ++step.added;
    step.wake_pump = one.wake_pump;  // the queue only shrinks here: the last word holds
  }
  if (!step.released.empty()) {
    step.what = pipe_step::kind::release;
  } else if (step.added != 0) {
    step.what = pipe_step::kind::send;
  } else if (waiting) {
    step.what = pipe_step::kind::read;
  }
  return step;
}

answer_step forward_machine::on_answer(forward_pipe& pipe, const forward_outcome& outcome,
                                       bool keep_alive, time_point now) {
  answer_step step;
  auto item = std::move(pipe.unanswered.front());
  pipe.unanswered.pop_front();
  static_cast<outcome_step&>(step) = on_outcome(std::move(item), outcome, now);
  // A store that fails or asks for time gets nothing more on this connection until what it
  // already has is answered; then the connection carries requests again (the breaker and the
  // back-off decide how many).
  if (is_store_failure(outcome) || outcome.retry_after ||
      breaker_.state(now) == circuit_state::open) {
    pipe.draining = true;
  }
  if (!keep_alive) {
    step.close = true;
    step.requeued = requeue(pipe);
  }
  return step;
}

std::optional<outcome_step> forward_machine::on_broken(forward_pipe& pipe,
                                                       const forward_outcome& failure, bool stale,
                                                       time_point now) {
  std::optional<outcome_step> step;
  if (!pipe.unanswered.empty() && !stale) {
    auto item = std::move(pipe.unanswered.front());
    pipe.unanswered.pop_front();
    step = on_outcome(std::move(item), failure, now);
  }
  requeue(pipe);
  return step;
}

std::size_t forward_machine::requeue(forward_pipe& pipe) {
  // Back at the front, in their order: they were next. Still busy (not reported), so a take
  // cannot queue them twice. Stopping: left leased in the outbox, as stop() leaves the queue.
  const std::size_t n = pipe.unanswered.size();
  while (!pipe.unanswered.empty()) {
    if (stopping_) {
      busy_.erase(pipe.unanswered.back().ref);
    } else {
      queue_.push_front(std::move(pipe.unanswered.back()));
    }
    pipe.unanswered.pop_back();
  }
  pipe.draining = false;
  return n;
}

void forward_machine::on_reported(const std::string& ref) {
  busy_.erase(ref);
  if (reports_pending_ > 0) --reports_pending_;
}

void forward_machine::stop() {
  stopping_ = true;
  // Items taken but not sent stay leased in the outbox and are due again after the lease.
  for (const auto& item : queue_)
    busy_.erase(item.ref);
  queue_.clear();
}

}  // namespace lapord::net::http
