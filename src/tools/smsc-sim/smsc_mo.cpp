// The MO queue: script MO and receipts (stored PDUs), flood MO (made from their number), the
// pump that fills the receiving binds' windows, the responses, redelivery and --mo-timeout.

#include "smsc_server.hpp"

namespace lapord::smsc_sim {

std::uint64_t smsc::add_stored(smpp::pdu_body body, const std::string& system_id,
                               std::shared_ptr<dialogue_run> waiter, json::object extra) {
  stored_.push_back(stored_mo{std::move(body), system_id, std::move(waiter), std::move(extra)});
  mo_state m;
  m.payload = stored_.size() - 1;
  mos_.push_back(m);
  std::uint64_t id = mos_.size() - 1;
  queue_for(system_id).push_back(id);
  return id;
}

void smsc::reserve_flood(std::uint64_t n) {
  std::uint64_t first = mos_.size();
  mos_.reserve(mos_.size() + n);
  for (std::uint64_t i = 0; i < n; ++i) {
    mo_state m;
    m.flood = true;
    m.payload = flood_total_ + i;
    mos_.push_back(m);
  }
  flood_ranges_.push_back({first, n});
  flood_total_ += n;
  if (flood_next_range_ == flood_ranges_.size() - 1) flood_cursor_ = first;
}

void smsc::requeue_front(std::uint64_t mo) {
  auto& m = mos_[mo];
  m.status = mo_status::queued;
  queue_for(m.flood ? std::string() : stored_[m.payload].system_id).push_front(mo);
}

// The next MO for a bind of `system_id`, or nullopt. Flood MO only when the rate allows.
std::optional<std::uint64_t> smsc::next_mo(const std::string& system_id, bool& rate_limited) {
  for (const std::string* key : {&system_id, &empty_}) {
    auto it = queues_.find(*key);
    if (it != queues_.end() && !it->second.empty()) {
      auto mo = it->second.front();
      it->second.pop_front();
      return mo;
    }
    if (key == &empty_) break;
  }
  if (flood_next_range_ >= flood_ranges_.size()) return std::nullopt;
  if (opt_.rate > 0) {
    auto now = steady::now();
    if (flood_first_sent_ == 0) rate_epoch_ = now;
    double elapsed = std::chrono::duration<double>(now - rate_epoch_).count();
    auto allowed = static_cast<std::uint64_t>(elapsed * opt_.rate) + 1;
    if (flood_first_sent_ >= allowed) {
      rate_limited = true;
      return std::nullopt;
    }
  }
  auto& range = flood_ranges_[flood_next_range_];
  auto mo = flood_cursor_++;
  ++flood_first_sent_;
  if (flood_cursor_ >= range.first + range.count) {
    ++flood_next_range_;
    if (flood_next_range_ < flood_ranges_.size())
      flood_cursor_ = flood_ranges_[flood_next_range_].first;
  }
  return mo;
}

// Fills the receiving binds' windows from the queue, one MO per bind in turn (spread.hpp), so
// that the binds share the MO as a carrier spreads them over the binds it granted.
void smsc::pump() {
  if (stopping_ || !sources_started_) return;
  bool rate_limited = false;
  auto now = steady::now();
  std::vector<bind_room> rooms;
  auto binds = pumpable(rooms);
  std::vector<bool> sent(binds.size(), false);
  spread_.fill(rooms, [&](std::size_t i) {
    const auto& c = binds[i];
    auto mo = next_mo(c->system_id, rate_limited);
    if (!mo) return offer_result::none;
    send_mo(c, *mo, now);
    sent[i] = true;
    return c->close_after_write ? offer_result::sent_last : offer_result::sent;
  });
  for (std::size_t i = 0; i < binds.size(); ++i)
    if (sent[i]) flush(binds[i]);
  if (rate_limited && !rate_timer_armed_) {
    rate_timer_armed_ = true;
    double next = static_cast<double>(flood_first_sent_) / opt_.rate;
    rate_timer_.expires_at(rate_epoch_ + std::chrono::duration_cast<steady::duration>(
                                             std::chrono::duration<double>(next)));
    rate_timer_.async_wait([this](boost::system::error_code) {
      rate_timer_armed_ = false;
      pump();
    });
  }
}

// The binds that can take MO now, in accept order (ascending id), and each one's window room.
std::vector<connection_ptr> smsc::pumpable(std::vector<bind_room>& rooms) const {
  std::vector<connection_ptr> binds;
  for (const auto& c : connections_) {
    if (!c->receives() || c->closed || c->silent || c->close_after_write || c->unbinding) continue;
    if (c->live_flights >= opt_.window) continue;
    binds.push_back(c);
    rooms.push_back(bind_room{c->id, opt_.window - c->live_flights});
  }
  return binds;
}

void smsc::send_mo(const connection_ptr& c, std::uint64_t mo, steady::time_point now) {
  auto& m = mos_[mo];
  ++m.attempts;
  m.status = mo_status::in_flight;
  std::uint32_t seq = c->take_seq();
  c->flights[seq] = in_flight{mo, m.attempts, now, false};
  ++c->live_flights;
  ++c->mo_sent;
  ++deliver_sm_sent_;
  if (m.attempts > 1) ++redelivered_;
  if (m.flood && flood_started_at_ == steady::time_point{}) flood_started_at_ = now;
  if (m.flood) {
    if (c->share) ++c->share->deliver_sm;
    flood_pdu_.sequence_number = seq;
    auto& d = std::get<smpp::deliver_sm>(flood_pdu_.body);
    make_flood_message(m.payload, d);
    auto ec = smpp::encode(flood_pdu_, c->out);
    if (ec) log(2, "cannot encode flood message: " + ec.message());
    if (opt_.flood_records) {
      records_.write("deliver_sm", {{"conn", c->id},
                                    {"system_id", c->system_id},
                                    {"seq", seq},
                                    {"mo", mo},
                                    {"attempt", m.attempts},
                                    {"source", d.source_addr},
                                    {"destination", d.destination_addr},
                                    {"text", decode_text(d.short_message, 0).value_or("")}});
    }
  } else {
    const auto& s = stored_[m.payload];
    smpp::pdu p{smpp::command_status::esme_rok, seq, s.body};
    auto ec = smpp::encode(p, c->out);
    if (ec) log(2, "cannot encode MO " + std::to_string(mo) + ": " + ec.message());
    json::object o;
    if (auto* d = std::get_if<smpp::deliver_sm>(&s.body)) {
      o = sm_json(*d);
    } else if (auto* ds = std::get_if<smpp::data_sm>(&s.body)) {
      o = data_sm_json(*ds);
      o["pdu"] = "data_sm";
    }
    o["conn"] = c->id;
    o["system_id"] = c->system_id;
    o["seq"] = seq;
    o["mo"] = mo;
    o["attempt"] = m.attempts;
    for (const auto& kv : s.extra)
      o[kv.key()] = kv.value();
    records_.write("deliver_sm", o);
  }
  if (auto* f = active_fault(fault_kind::drop_after_mo, c); f && c->mo_sent >= f->n) {
    note_fault(c, *f, "dropped after deliver_sm " + std::to_string(c->mo_sent));
    close_after_write(c, "fault drop-after-mo");
  }
}

void smsc::make_flood_message(std::uint64_t n, smpp::deliver_sm& d) {
  d.source_addr = flood_source(n);
  d.destination_addr = opt_.flood_dest;
  auto num = std::to_string(n);
  d.short_message.clear();
  for (std::size_t i = 0; i < flood_segments_.size(); ++i) {
    if (i > 0) d.short_message += num;  // digits are the same octets in GSM 03.38
    d.short_message += flood_segments_[i];
  }
}

std::string smsc::flood_source(std::uint64_t n) const {
  // Adds (n mod K) * stride to the decimal base, keeping its width.
  std::string s = opt_.flood_source;
  std::uint64_t carry =
      n % std::max<std::uint64_t>(1, opt_.flood_sources) * opt_.flood_source_stride;
  for (auto i = s.size(); i-- > 0 && carry > 0;) {
    std::uint64_t digit = static_cast<std::uint64_t>(s[i] - '0') + carry;
    s[i] = static_cast<char>('0' + digit % 10);
    carry = digit / 10;
  }
  return s;
}

void smsc::on_mo_resp(const connection_ptr& c, std::uint32_t seq, std::uint32_t status,
                      const char* what) {
  auto it = c->flights.find(seq);
  if (it == c->flights.end()) {
    records_.write(
        "bad_pdu",
        {{"conn", c->id}, {"error", std::string(what) + " for no outstanding MO"}, {"seq", seq}});
    return;
  }
  in_flight f = it->second;
  c->flights.erase(it);
  auto latency =
      std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - f.sent).count();
  auto& m = mos_[f.mo];
  if (record_mo(f.mo)) {
    json::object o{{"conn", c->id},        {"seq", seq},       {"mo", f.mo},
                   {"attempt", f.attempt}, {"status", status}, {"status_name", status_name(status)},
                   {"latency_us", latency}};
    if (f.timed_out) o["late"] = true;
    o["resp"] = what;
    records_.write("deliver_sm_resp", o);
  }
  if (f.timed_out) return;  // already counted as unanswered and requeued
  --c->live_flights;
  latencies_.push_back(static_cast<std::uint64_t>(latency));
  if (m.flood) flood_latencies_.push_back(static_cast<std::uint64_t>(latency));
  if (status == 0) {
    m.status = mo_status::acked_ok;
    ++acked_ok_;
    if (m.flood) {
      ++flood_ok_;
      if (c->share) ++c->share->acked_ok;
      flood_last_ok_ = steady::now();
    }
    finish_mo(f.mo, true);
  } else {
    ++rejected_;
    if (opt_.max_attempts > 0 && m.attempts >= opt_.max_attempts) {
      m.status = mo_status::failed;
      ++failed_;
      if (m.flood) ++flood_failed_;
      records_.write("mo_failed", {{"mo", f.mo}, {"attempts", m.attempts}});
      finish_mo(f.mo, false);
    } else {
      schedule_retry(f.mo);
    }
  }
}

void smsc::finish_mo(std::uint64_t mo, bool ok) {
  auto& m = mos_[mo];
  if (!m.flood) {
    auto& s = stored_[m.payload];
    if (s.waiter) {
      if (!ok) s.waiter->ack_failed = true;
      if (s.waiter->pending_acks > 0 && --s.waiter->pending_acks == 0) s.waiter->wake.cancel();
      s.waiter.reset();
    }
  } else if (flood_ok_ + flood_failed_ == flood_total_) {
    report_flood();
  }
  check_done();
}

void smsc::schedule_retry(std::uint64_t mo) {
  mos_[mo].status = mo_status::retry_wait;
  if (opt_.retry_delay_ms == 0) {
    requeue_front(mo);
    return;
  }
  retry_wait_.emplace_back(steady::now() + std::chrono::milliseconds(opt_.retry_delay_ms), mo);
  if (retry_wait_.size() == 1) asio::co_spawn(io_, retry_loop(), asio::detached);
}

awaitable<void> smsc::retry_loop() {
  while (!retry_wait_.empty() && !stopping_) {
    retry_timer_.expires_at(retry_wait_.front().first);
    co_await retry_timer_.async_wait(use_tuple);
    auto now = steady::now();
    while (!retry_wait_.empty() && retry_wait_.front().first <= now) {
      auto mo = retry_wait_.front().second;
      retry_wait_.pop_front();
      auto& m = mos_[mo];
      m.status = mo_status::queued;
      queue_for(m.flood ? std::string() : stored_[m.payload].system_id).push_back(mo);
    }
    pump();
  }
}

// --mo-timeout: an MO unanswered for too long is redelivered; a late resp is only recorded.
awaitable<void> smsc::timeout_loop() {
  auto period = std::chrono::milliseconds(std::max<std::uint64_t>(5, opt_.mo_timeout_ms / 4));
  while (!stopping_) {
    timeout_timer_.expires_after(period);
    co_await timeout_timer_.async_wait(use_tuple);
    auto limit = steady::now() - std::chrono::milliseconds(opt_.mo_timeout_ms);
    for (auto& c : connections_) {
      for (auto& [seq, f] : c->flights) {
        if (f.timed_out || f.sent > limit) continue;
        f.timed_out = true;
        --c->live_flights;
        if (record_mo(f.mo))
          records_.write(
              "mo_unanswered",
              {{"conn", c->id}, {"mo", f.mo}, {"attempt", f.attempt}, {"reason", "timeout"}});
        requeue_front(f.mo);
      }
    }
    pump();
  }
}

}  // namespace lapord::smsc_sim
