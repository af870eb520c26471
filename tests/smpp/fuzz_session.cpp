// libFuzzer target smpp_session: a bound session (esme or smsc, from the first octet) fed a
// script decoded from the input: peer bytes in chunks, time steps, our own submits, responses
// and unbind. It must never crash, keep its window and its cap on the peer's requests awaiting
// an answer (bits 1-2 of the first octet), and everything it sends must be whole PDUs our
// decoder reads back (we are strict in what we send).
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <span>
#include <vector>

#include "lapord/smpp/codec.hpp"
#include "lapord/smpp/framer.hpp"
#include "lapord/smpp/session.hpp"

using namespace lapord::smpp;
using namespace std::chrono_literals;

namespace {

void check_sent(std::span<const std::uint8_t> bytes) {
  framer f;
  f.feed(bytes);
  std::size_t seen = 0;
  for (;;) {
    std::span<const std::uint8_t> frame;
    if (f.next(frame)) std::abort();
    if (frame.empty()) break;
    pdu p;
    if (decode(frame, p)) std::abort();
    seen += frame.size();
  }
  if (seen != bytes.size()) std::abort();  // only whole PDUs
}

struct harness {
  session s;
  time_point now = time_point{} + 1000s;
  std::deque<std::uint32_t> to_answer;

  explicit harness(session_config c) : s(c) {}

  void drain() {
    std::vector<std::uint8_t> out;
    s.take_output(out);
    if (!out.empty()) check_sent(out);
    for (auto& a : s.take_actions()) {
      if (auto* rr = std::get_if<request_received>(&a)) {
        to_answer.push_back(rr->request.sequence_number);
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  session_config c;
  c.role = data[0] & 1 ? session_role::smsc : session_role::esme;
  c.window = 3;
  c.response_timeout = 2s;
  c.enquire_link_interval = 5s;
  c.max_pdu_size = 1024;
  c.max_requests_in = (data[0] >> 1) & 3;  // 0: no cap; else 1-3 requests awaiting an answer
  harness h(c);
  // Bind first, so the script exercises the bound states.
  if (c.role == session_role::esme) {
    (void)h.s.bind(bind_mode::transceiver, bind_fields{}, h.now);
    const std::uint8_t resp[] = {0, 0, 0, 17, 0x80, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    h.s.on_bytes(resp, h.now);
  } else {
    const std::uint8_t bind[] = {0, 0, 0, 23, 0, 0, 0, 9,    0, 0, 0, 0,
                                 0, 0, 0, 1,  0, 0, 0, 0x34, 0, 0, 0};
    h.s.on_bytes(bind, h.now);
    (void)h.s.respond(1, command_status::esme_rok, h.now);
  }
  h.drain();
  std::size_t i = 1;
  while (i + 1 < size) {
    const std::uint8_t op = data[i++];
    const std::uint8_t arg = data[i++];
    switch (op % 6) {
      case 0:
      case 1: {  // peer bytes: the next `arg` octets
        const std::size_t n = std::min<std::size_t>(arg, size - i);
        h.s.on_bytes(std::span(data + i, n), h.now);
        i += n;
        break;
      }
      case 2:  // time passes
        h.now += std::chrono::milliseconds(arg * 100);
        h.s.on_timer(h.now);
        break;
      case 3: {  // we send our main message
        std::uint32_t seq = 0;
        if (c.role == session_role::esme) {
          submit_sm m;
          m.short_message.assign(arg % 8, '\0');
          (void)h.s.send(m, h.now, seq);
        } else {
          (void)h.s.send(deliver_sm{}, h.now, seq);
        }
        break;
      }
      case 4:  // we answer the oldest request handed up
        if (!h.to_answer.empty()) {
          (void)h.s.respond(h.to_answer.front(), static_cast<command_status>(arg), h.now);
          h.to_answer.pop_front();
        }
        break;
      case 5:
        if (arg == 0) h.s.unbind(h.now);
        if (arg == 1) h.s.on_transport_closed(h.now);
        break;
    }
    h.drain();
    if (h.s.outstanding() > c.window + 1) std::abort();  // the window (+ unbind)
    if (c.max_requests_in != 0 && h.s.awaiting_response() > c.max_requests_in) std::abort();
    if (h.s.state() == session_state::closed && h.s.next_deadline()) std::abort();
  }
  return 0;
}
