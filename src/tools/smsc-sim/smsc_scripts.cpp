// Scripts: each dialogue a coroutine running its MO, wait and delay steps.

#include "smsc_server.hpp"

namespace lapord::smsc_sim {

// Scripts and the flood start once --start-binds receiving binds are up, so that a flood meant
// for several binds (or lapord instances) is spread over all of them from its first MO.
void smsc::start_sources() {
  if (sources_started_ || receiving_binds() < opt_.start_binds) return;
  sources_started_ = true;
  for (const auto& s : opt_.scripts)
    start_script(s);
  pump();
}

void smsc::start_script(const script& s) {
  auto run = std::make_shared<script_run>();
  run->s = &s;
  run->running = s.dialogues.size();
  ++scripts_running_;
  for (const auto& d : s.dialogues) {
    auto dr = std::make_shared<dialogue_run>(io_.get_executor());
    dr->script = run;
    dr->d = &d;
    dr->seen_start = seen_.size();
    ++dialogues_running_;
    asio::co_spawn(io_, run_dialogue(dr), asio::detached);
  }
}

std::size_t smsc::receiving_binds() const {
  return static_cast<std::size_t>(
      std::count_if(connections_.begin(), connections_.end(),
                    [](const connection_ptr& c) { return c->receives() && !c->closed; }));
}

// Runs the dialogue's steps in order; the first step that fails ends it (script_failed).
awaitable<void> smsc::run_dialogue(std::shared_ptr<dialogue_run> r) {
  const auto& file = r->script->s->file;
  std::string error;
  std::size_t line = 0;
  for (const auto& st : r->d->steps) {
    if (stopping_) {
      error = "stopped";
      break;
    }
    line = st.line;
    json::object base{{"script", file}, {"line", st.line}, {"dialogue", r->d->name}};
    if (const auto* mo = std::get_if<mo_step>(&st.action)) {
      error = co_await run_mo_step(r, *mo, base);
    } else if (const auto* w = std::get_if<wait_step>(&st.action)) {
      error = co_await run_wait_step(r, *w, base);
    } else if (const auto* d = std::get_if<delay_step>(&st.action)) {
      auto o = base;
      o["step"] = "delay";
      records_.write("script_step", o);
      r->wake.expires_after(std::chrono::milliseconds(d->ms));
      co_await r->wake.async_wait(use_tuple);
    }
    if (!error.empty()) break;
  }
  end_dialogue(*r, line, error);
}

// Queues the step's MO (its parts); with wait_ack, waits until each got ESME_ROK or was given
// up. Returns the error that fails the dialogue, "" when the step is done.
awaitable<std::string> smsc::run_mo_step(std::shared_ptr<dialogue_run> r, const mo_step& mo,
                                         json::object base) {
  auto parts = build_parts(mo, next_ref_++);
  json::object extra = base;
  if (!mo.label.empty()) extra["label"] = mo.label;
  if (mo.wait_ack) r->pending_acks = parts.size();
  json::array ids;
  for (auto& part : parts)
    ids.push_back(add_stored(std::move(part), mo.system_id, mo.wait_ack ? r : nullptr, extra));
  auto o = std::move(base);
  o["step"] = "mo";
  o["mo"] = ids;
  records_.write("script_step", o);
  pump();
  while (r->pending_acks > 0 && !stopping_) {
    r->wake.expires_at(steady::time_point::max());
    co_await r->wake.async_wait(use_tuple);
  }
  co_return r->ack_failed ? "an MO part was given up after --max-attempts" : "";
}

// Takes a matching submit seen since the dialogue started, or waits for one (offer_submit wakes
// it) until the step's timeout. Returns the error that fails the dialogue, "" when matched.
awaitable<std::string> smsc::run_wait_step(std::shared_ptr<dialogue_run> r, const wait_step& w,
                                           json::object base) {
  auto o = base;
  o["step"] = "wait";
  records_.write("script_step", o);
  r->matched.reset();
  for (std::size_t i = r->seen_start; i < seen_.size(); ++i) {
    if (!seen_[i].taken && matches(w, seen_[i].view())) {
      seen_[i].taken = true;
      r->matched = seen_[i].message_id;
      break;
    }
  }
  if (!r->matched) {
    r->waiting = &w;
    waiters_.push_back(r);
    r->wake.expires_after(std::chrono::milliseconds(w.timeout_ms));
    co_await r->wake.async_wait(use_tuple);
    r->waiting = nullptr;
    waiters_.remove(r);
  }
  if (!r->matched)
    co_return stopping_ ? "stopped"
                        : "wait timed out after " + std::to_string(w.timeout_ms) + " ms";
  auto m = std::move(base);
  m["message_id"] = *r->matched;
  records_.write("script_matched", m);
  co_return "";
}

// Records a failure (exit code 1 at the end) and, when the script's last dialogue ends, its
// script_done.
void smsc::end_dialogue(dialogue_run& r, std::size_t line, const std::string& error) {
  const auto& file = r.script->s->file;
  if (!error.empty()) {
    records_.write("script_failed",
                   {{"script", file}, {"line", line}, {"dialogue", r.d->name}, {"error", error}});
    log(2, file + ":" + std::to_string(line) + ": dialogue " + r.d->name + " failed: " + error);
    r.script->ok = false;
    exit_code_ = 1;
  }
  if (--dialogues_running_ == 0) seen_.clear();
  if (--r.script->running == 0) {
    --scripts_running_;
    records_.write(
        "script_done",
        {{"script", file}, {"dialogues", r.script->s->dialogues.size()}, {"ok", r.script->ok}});
    check_done();
  }
}

void smsc::offer_submit(seen_submit s) {
  if (dialogues_running_ == 0) return;
  auto view = s.view();
  for (auto& r : waiters_) {
    if (r->waiting && !r->matched && matches(*r->waiting, view)) {
      r->matched = s.message_id;
      r->wake.cancel();
      return;
    }
  }
  seen_.push_back(std::move(s));
}

}  // namespace lapord::smsc_sim
