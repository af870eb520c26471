// Scripts: each dialogue a coroutine running its MO, wait and delay steps.

#include "smsc_server.hpp"

namespace lapord::smsc_sim {

void smsc::start_sources() {
  if (sources_started_) return;
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

awaitable<void> smsc::run_dialogue(std::shared_ptr<dialogue_run> r) {
  const auto& file = r->script->s->file;
  bool ok = true;
  std::string error;
  std::size_t line = 0;
  for (const auto& st : r->d->steps) {
    if (stopping_) {
      ok = false;
      error = "stopped";
      break;
    }
    line = st.line;
    json::object base{{"script", file}, {"line", st.line}, {"dialogue", r->d->name}};
    if (const auto* mo = std::get_if<mo_step>(&st.action)) {
      auto parts = build_parts(*mo, next_ref_++);
      json::object extra{{"script", file}, {"line", st.line}, {"dialogue", r->d->name}};
      if (!mo->label.empty()) extra["label"] = mo->label;
      if (mo->wait_ack) r->pending_acks = parts.size();
      json::array ids;
      for (auto& part : parts)
        ids.push_back(
            add_stored(std::move(part), mo->system_id, mo->wait_ack ? r : nullptr, extra));
      auto o = base;
      o["step"] = "mo";
      o["mo"] = ids;
      records_.write("script_step", o);
      pump();
      while (r->pending_acks > 0 && !stopping_) {
        r->wake.expires_at(steady::time_point::max());
        co_await r->wake.async_wait(use_tuple);
      }
      if (r->ack_failed) {
        ok = false;
        error = "an MO part was given up after --max-attempts";
        break;
      }
    } else if (const auto* w = std::get_if<wait_step>(&st.action)) {
      auto o = base;
      o["step"] = "wait";
      records_.write("script_step", o);
      r->matched.reset();
      for (std::size_t i = r->seen_start; i < seen_.size(); ++i) {
        if (!seen_[i].taken && matches(*w, seen_[i].view())) {
          seen_[i].taken = true;
          r->matched = seen_[i].message_id;
          break;
        }
      }
      if (!r->matched) {
        r->waiting = w;
        waiters_.push_back(r);
        r->wake.expires_after(std::chrono::milliseconds(w->timeout_ms));
        co_await r->wake.async_wait(use_tuple);
        r->waiting = nullptr;
        waiters_.remove(r);
      }
      if (!r->matched) {
        ok = false;
        error =
            stopping_ ? "stopped" : "wait timed out after " + std::to_string(w->timeout_ms) + " ms";
        break;
      }
      auto m = base;
      m["message_id"] = *r->matched;
      records_.write("script_matched", m);
    } else if (const auto* d = std::get_if<delay_step>(&st.action)) {
      auto o = base;
      o["step"] = "delay";
      records_.write("script_step", o);
      r->wake.expires_after(std::chrono::milliseconds(d->ms));
      co_await r->wake.async_wait(use_tuple);
    }
  }
  if (!ok) {
    records_.write("script_failed",
                   {{"script", file}, {"line", line}, {"dialogue", r->d->name}, {"error", error}});
    log(2, file + ":" + std::to_string(line) + ": dialogue " + r->d->name + " failed: " + error);
    r->script->ok = false;
    exit_code_ = 1;
  }
  if (--dialogues_running_ == 0) seen_.clear();
  if (--r->script->running == 0) {
    --scripts_running_;
    records_.write(
        "script_done",
        {{"script", file}, {"dialogues", r->script->s->dialogues.size()}, {"ok", r->script->ok}});
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
