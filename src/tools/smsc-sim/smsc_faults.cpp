// Fault injection (--fault, the `fault` control command): which fault applies to a connection,
// malformed PDUs sent to the ESME, responses withheld or delayed.

#include "smsc_server.hpp"

namespace lapord::smsc_sim {

fault* smsc::active_fault(fault_kind kind, const connection_ptr& c) {
  for (auto& f : faults_)
    if (f.kind == kind && f.applies_to(c->id) && !f.spent()) return &f;
  return nullptr;
}

void smsc::note_fault(const connection_ptr& c, fault& f, const std::string& what) {
  ++f.used;
  records_.write("fault", {{"conn", c->id}, {"fault", f.spec}, {"what", what}});
  log(1, "fault " + f.spec + " on connection " + std::to_string(c->id) + ": " + what);
}

void smsc::check_malformed(const connection_ptr& c) {
  for (auto& f : faults_) {
    if (f.kind != fault_kind::malformed || !f.applies_to(c->id) || f.spent()) continue;
    // Once per connection, as soon as it has received N PDUs (also for a fault added at run
    // time on a connection that is already past N).
    if (c->received < f.n) continue;
    if (std::find(c->malformed_sent.begin(), c->malformed_sent.end(), f.serial) !=
        c->malformed_sent.end())
      continue;
    c->malformed_sent.push_back(f.serial);
    std::vector<std::uint8_t> b;
    auto put32 = [&b](std::uint32_t v) {
      for (int shift = 24; shift >= 0; shift -= 8)
        b.push_back(static_cast<std::uint8_t>(v >> shift));
    };
    std::uint32_t seq = c->take_seq();
    std::string kind;
    switch (f.malformed) {
      case malformed_kind::bad_length:
        put32(8), put32(raw(smpp::command_id::deliver_sm)), put32(0), put32(seq);
        kind = "bad-length";
        break;
      case malformed_kind::huge_length:
        put32(0x7FFFFFFF), put32(raw(smpp::command_id::deliver_sm)), put32(0), put32(seq);
        kind = "huge-length";
        break;
      case malformed_kind::unknown_command:
        put32(16), put32(0x00000666), put32(0), put32(seq);
        kind = "unknown-command";
        break;
      case malformed_kind::truncated:
        // service_type "", source ton/npi, then a source_addr cut off before its NUL.
        put32(16 + 5), put32(raw(smpp::command_id::deliver_sm)), put32(0), put32(seq);
        b.insert(b.end(), {0x00, 0x01, 0x01, '6', '2'});
        kind = "truncated";
        break;
    }
    send_bytes(c, b);
    note_fault(c, f, "sent malformed " + kind + " seq " + std::to_string(seq));
    flush(c);
  }
}

// Sends a response unless a fault withholds or delays it.
void smsc::respond(const connection_ptr& c, std::uint32_t request_id, const smpp::pdu& resp) {
  for (auto& f : faults_) {
    if (withholds(f, c, request_id)) {
      note_fault(c, f, "withheld " + std::string(smpp::name(resp.command())));
      return;
    }
  }
  for (auto& f : faults_) {
    if (f.kind == fault_kind::delay && f.applies_to(c->id) && !f.spent() &&
        matches(f.pdu, request_id)) {
      std::vector<std::uint8_t> bytes;
      if (smpp::encode(resp, bytes)) return;
      ++f.used;
      bool idle = c->delayed.empty();
      c->delayed.emplace_back(steady::now() + std::chrono::milliseconds(f.n), std::move(bytes));
      if (idle) asio::co_spawn(io_, delay_loop(c), asio::detached);
      return;
    }
  }
  send(c, resp);
}

awaitable<void> smsc::delay_loop(connection_ptr c) {
  while (!c->delayed.empty() && !c->closed) {
    c->delay_timer.expires_at(c->delayed.front().first);
    co_await c->delay_timer.async_wait(use_tuple);
    if (c->closed) co_return;
    send_bytes(c, c->delayed.front().second);
    c->delayed.pop_front();
    flush(c);
  }
}

// withhold=all means everything after the bind; binds only when named.
bool smsc::withholds(const fault& f, const connection_ptr& c, std::uint32_t request_id) {
  if (f.kind != fault_kind::withhold || !f.applies_to(c->id) || f.spent()) return false;
  if (f.pdu == request_class::all) return !matches(request_class::bind, request_id);
  return matches(f.pdu, request_id);
}

bool smsc::withheld(const connection_ptr& c, std::uint32_t request_id) const {
  for (const auto& f : faults_)
    if (withholds(f, c, request_id)) return true;
  return false;
}

}  // namespace lapord::smsc_sim
