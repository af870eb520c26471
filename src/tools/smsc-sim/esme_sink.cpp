// The ESME sink (--esme-sink): binds to an SMSC and answers every deliver_sm / data_sm at once,
// so that the simulator's flood can be measured against a peer that is never the bottleneck.
// Plain blocking POSIX sockets: one connection, nothing else to wait for.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "lapord/smpp/codec.hpp"
#include "lapord/smpp/framer.hpp"
#include "smsc.hpp"

namespace lapord::smsc_sim {
namespace {

bool write_all(int fd, const std::vector<std::uint8_t>& out) {
  std::size_t done = 0;
  while (done < out.size()) {
    auto n = ::write(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

using steady = std::chrono::steady_clock;

// Connects to the SMSC: the socket, or -1 with the exit code in `rc` (2 bad address, 1 refused).
int connect_to(const sink_options& o, int& rc) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o.port);
  if (fd < 0 || ::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) {
    std::fprintf(stderr, "esme-sink: bad address %s\n", o.host.c_str());
    rc = 2;
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "esme-sink: cannot connect to %s:%u: %s\n", o.host.c_str(), o.port,
                 std::strerror(errno));
    rc = 1;
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool send_bind(int fd, const sink_options& o) {
  smpp::bind_fields b;
  b.system_id = o.system_id;
  b.password = o.password;
  smpp::pdu bind{smpp::command_status::esme_rok, 1, smpp::bind_transceiver{}};
  if (o.bind == "receiver") {
    bind.body = smpp::bind_receiver{b};
  } else if (o.bind == "transmitter") {
    bind.body = smpp::bind_transmitter{b};
  } else {
    bind.body = smpp::bind_transceiver{b};
  }
  std::vector<std::uint8_t> out;
  if (auto ec = smpp::encode(bind, out)) {
    std::fprintf(stderr, "esme-sink: cannot encode the bind: %s\n", ec.message().c_str());
    return false;
  }
  write_all(fd, out);
  return true;
}

struct sink_state {
  std::uint64_t received = 0;
  steady::time_point first{}, last{};
  bool bound = false;
};

enum class after { go_on, stop, refused };

// Answers one PDU into `out` (MO with `status`); `stop` after an unbind, `refused` when the
// bind was refused.
after answer(std::span<const std::uint8_t> frame, smpp::command_status status, sink_state& st,
             std::vector<std::uint8_t>& out) {
  auto h = smpp::read_header(frame);
  auto id = static_cast<smpp::command_id>(h->command_id);
  smpp::pdu resp{smpp::command_status::esme_rok, h->sequence_number, smpp::generic_nack{}};
  auto next = after::go_on;
  switch (id) {
    case smpp::command_id::deliver_sm:
      if (st.received++ == 0) st.first = steady::now();
      resp.status = status;
      resp.body = smpp::deliver_sm_resp{};
      break;
    case smpp::command_id::data_sm:
      if (st.received++ == 0) st.first = steady::now();
      resp.status = status;
      resp.body = smpp::data_sm_resp{};
      break;
    case smpp::command_id::enquire_link:
      resp.body = smpp::enquire_link_resp{};
      break;
    case smpp::command_id::unbind:
      resp.body = smpp::unbind_resp{};
      next = after::stop;
      break;
    case smpp::command_id::bind_receiver_resp:
    case smpp::command_id::bind_transmitter_resp:
    case smpp::command_id::bind_transceiver_resp:
      if (h->command_status != 0) {
        std::fprintf(
            stderr, "esme-sink: bind refused: %s\n",
            std::string(smpp::name(static_cast<smpp::command_status>(h->command_status))).c_str());
        return after::refused;
      }
      st.bound = true;
      std::fprintf(stderr, "esme-sink: bound\n");
      return after::go_on;
    default:
      if ((h->command_id & 0x80000000U) != 0) return after::go_on;  // a response: no answer
      resp.status = smpp::command_status::esme_rinvcmdid;
      break;
  }
  (void)smpp::encode(resp, out);
  return next;
}

}  // namespace

int run_esme_sink(const sink_options& o) {
  int rc = 0;
  int fd = connect_to(o, rc);
  if (fd < 0) return rc;
  if (!send_bind(fd, o)) return 2;
  smpp::framer framer;
  sink_state st;
  std::vector<std::uint8_t> out;
  const auto status = static_cast<smpp::command_status>(o.status);
  for (bool running = true; running;) {
    auto buf = framer.prepare(1 << 16);
    auto n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    framer.commit(static_cast<std::size_t>(n));
    for (;;) {
      std::span<const std::uint8_t> frame;
      if (auto ec = framer.next(frame)) {
        std::fprintf(stderr, "esme-sink: framing error: %s\n", ec.message().c_str());
        running = false;
        rc = 1;
        break;
      }
      if (frame.empty()) break;
      auto next = answer(frame, status, st, out);
      if (next == after::refused) return 1;
      if (next == after::stop) running = false;
    }
    if (!out.empty()) {
      if (!write_all(fd, out)) break;
      out.clear();
    }
    st.last = steady::now();
  }
  ::close(fd);
  double secs = st.received > 0 ? std::chrono::duration<double>(st.last - st.first).count() : 0.0;
  std::printf(
      "{\"event\":\"sink_stats\",\"bound\":%s,\"received\":%llu,\"seconds\":%.6f,\"rate\":%.1f}\n",
      st.bound ? "true" : "false", static_cast<unsigned long long>(st.received), secs,
      secs > 0 ? static_cast<double>(st.received) / secs : 0.0);
  std::fflush(stdout);
  return st.bound ? rc : 1;
}

}  // namespace lapord::smsc_sim
