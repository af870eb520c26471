// The simulated SMSC: an Asio shell (single-threaded io_context, C++20 coroutines) around
// lapord's own SMPP codec. One reader coroutine per connection; writes are batched into one
// buffer per connection so that a flood costs one write() per many PDUs.

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

#include "lapord/smpp/codec.hpp"
#include "lapord/smpp/framer.hpp"
#include "lapord/text/utf8.hpp"
#include "latency.hpp"
#include "records.hpp"
#include "smsc.hpp"

namespace lapord::smsc_sim {
namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(use_awaitable);

namespace {

std::uint32_t raw(smpp::command_id id) {
  return static_cast<std::uint32_t>(id);
}
std::uint32_t raw(smpp::command_status s) {
  return static_cast<std::uint32_t>(s);
}
std::string status_name(std::uint32_t s) {
  return std::string(smpp::name(static_cast<smpp::command_status>(s)));
}

enum class bind_mode { none, transmitter, receiver, transceiver };

const char* mode_name(bind_mode m) {
  switch (m) {
    case bind_mode::transmitter:
      return "transmitter";
    case bind_mode::receiver:
      return "receiver";
    case bind_mode::transceiver:
      return "transceiver";
    case bind_mode::none:
      break;
  }
  return "none";
}

enum class mo_status : std::uint8_t { queued, in_flight, retry_wait, acked_ok, failed };

// Every MO the simulator ever sends; flood MO are generated from their number on each attempt.
struct mo_state {
  std::uint64_t payload = 0;  // flood: n; stored: index into stored_
  std::uint32_t attempts = 0;
  mo_status status = mo_status::queued;
  bool flood = false;
};

struct dialogue_run;

// An MO whose PDU is kept (script steps and receipts).
struct stored_mo {
  smpp::pdu_body body;
  std::string system_id;                 // deliver only to binds of this account ("" = any)
  std::shared_ptr<dialogue_run> waiter;  // a dialogue waiting for its ESME_ROK (wait_ack)
  json::object extra;                    // script/line/label for the records
};

struct in_flight {
  std::uint64_t mo = 0;
  std::uint32_t attempt = 0;
  steady::time_point sent;
  bool timed_out = false;
};

struct connection {
  explicit connection(tcp::socket s)
      : socket(std::move(s)),
        delay_timer(socket.get_executor()),
        enquire_timer(socket.get_executor()) {}
  std::uint64_t id = 0;
  tcp::socket socket;
  smpp::framer framer;
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> writing;
  bool write_active = false;
  bool closed = false;
  bool close_after_write = false;
  std::string close_reason;
  bool silent = false;
  bool unbinding = false;  // we sent unbind (shutdown)
  bind_mode mode = bind_mode::none;
  std::string system_id;
  std::uint64_t received = 0;
  std::uint64_t mo_sent = 0;
  std::uint32_t next_seq = 1;
  std::unordered_map<std::uint32_t, in_flight> flights;
  std::size_t live_flights = 0;  // flights not timed out: what counts against the window
  asio::steady_timer delay_timer;
  std::deque<std::pair<steady::time_point, std::vector<std::uint8_t>>> delayed;
  asio::steady_timer enquire_timer;
  std::vector<std::uint64_t> malformed_sent;  // serials of malformed faults done here

  bool receives() const { return mode == bind_mode::receiver || mode == bind_mode::transceiver; }
  bool transmits() const {
    return mode == bind_mode::transmitter || mode == bind_mode::transceiver;
  }
  std::uint32_t take_seq() {
    std::uint32_t s = next_seq++;
    if (next_seq > 0x7FFFFFFF) next_seq = 1;
    return s;
  }
};
using connection_ptr = std::shared_ptr<connection>;

// A received submit_sm / data_sm as a wait step sees it.
struct seen_submit {
  bool data_sm = false;
  std::string system_id, service_type, source, destination, text, message_id;
  std::uint8_t data_coding = 0, esm_class = 0;
  std::optional<std::uint8_t> ussd_service_op;
  std::optional<std::uint16_t> its_session_info;
  bool taken = false;

  submit_view view() const {
    return submit_view{data_sm,     system_id, service_type,    source,           destination,
                       data_coding, esm_class, ussd_service_op, its_session_info, text};
  }
};

struct script_run {
  const script* s = nullptr;
  std::size_t running = 0;
  bool ok = true;
};

struct dialogue_run {
  explicit dialogue_run(asio::any_io_executor ex) : wake(ex) {}
  std::shared_ptr<script_run> script;
  const dialogue* d = nullptr;
  asio::steady_timer wake;
  std::size_t seen_start = 0;
  const wait_step* waiting = nullptr;
  std::size_t waiting_line = 0;
  std::optional<std::string> matched;  // message_id that satisfied the wait
  std::size_t pending_acks = 0;
  bool ack_failed = false;
};

class smsc {
 public:
  smsc(asio::io_context& io, smsc_options o)
      : io_(io),
        opt_(std::move(o)),
        acceptor_(io),
        signals_(io, SIGTERM, SIGINT),
        flush_timer_(io),
        retry_timer_(io),
        rate_timer_(io),
        timeout_timer_(io),
        control_(io) {
    next_message_id_ = opt_.message_id_start;
    faults_ = opt_.faults;
    for (auto& f : faults_)
      f.serial = ++fault_serial_;
    auto& d = std::get<smpp::deliver_sm>(flood_pdu_.body);
    d.source_addr_ton = 1;
    d.source_addr_npi = 1;
  }

  // The flood template cut at each {n} and encoded in GSM 03.38 once.
  static bool flood_template(const std::string& tmpl, std::vector<std::string>& segments,
                             std::string& error) {
    std::size_t pos = 0;
    for (;;) {
      auto p = tmpl.find("{n}", pos);
      auto enc = encode_text(tmpl.substr(pos, p == std::string::npos ? std::string::npos : p - pos),
                             0, error);
      if (!enc) return false;
      segments.push_back(std::move(*enc));
      if (p == std::string::npos) return true;
      pos = p + 3;
    }
  }

  int start() {
    std::string error;
    if (!flood_template(opt_.flood_text, flood_segments_, error)) {
      std::cerr << "smsc-sim: --flood-text: " << error << "\n";
      return 2;
    }
    if (!records_.open(opt_.records_path, error)) {
      std::cerr << "smsc-sim: " << error << "\n";
      return 2;
    }
    boost::system::error_code ec;
    tcp::endpoint ep(asio::ip::make_address(opt_.host, ec), opt_.port);
    if (ec) {
      std::cerr << "smsc-sim: bad --host " << opt_.host << ": " << ec.message() << "\n";
      return 2;
    }
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      std::cerr << "smsc-sim: cannot listen on " << opt_.host << ":" << opt_.port << ": "
                << ec.message() << "\n";
      return 2;
    }
    auto port = acceptor_.local_endpoint().port();
    if (!opt_.port_file.empty()) {
      std::string tmp = opt_.port_file + ".tmp";
      {
        std::ofstream f(tmp);
        f << port << "\n";
      }
      if (std::rename(tmp.c_str(), opt_.port_file.c_str()) != 0) {
        std::cerr << "smsc-sim: cannot write --port-file " << opt_.port_file << "\n";
        return 2;
      }
    }
    if (!opt_.control_path.empty() && !open_control()) return 2;
    records_.write("listening", {{"port", port}});
    records_.flush();
    std::printf("smsc-sim listening on %s:%u\n", opt_.host.c_str(), port);
    std::fflush(stdout);
    if (opt_.flood > 0) reserve_flood(opt_.flood);
    asio::co_spawn(io_, accept_loop(), asio::detached);
    asio::co_spawn(io_, flush_loop(), asio::detached);
    signals_.async_wait([this](boost::system::error_code e, int) {
      if (!e) begin_shutdown();
    });
    if (opt_.mo_timeout_ms > 0) asio::co_spawn(io_, timeout_loop(), asio::detached);
    return 0;
  }

  int exit_code() const { return exit_code_; }

 private:
  // ---------------------------------------------------------------- logging
  void log(int level, const std::string& line) {
    if (level >= opt_.log_level) std::cerr << "smsc-sim: " << line << "\n";
  }

  // ---------------------------------------------------------------- accepting
  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(use_tuple);
      if (ec) {
        if (stopping_) co_return;
        log(2, "accept failed: " + ec.message());
        continue;
      }
      if (stopping_) co_return;
      sock.set_option(tcp::no_delay(true), ec);
      auto c = std::make_shared<connection>(std::move(sock));
      c->id = ++connection_count_;
      connections_.push_back(c);
      auto peer = c->socket.remote_endpoint(ec);
      records_.write("connect",
                     {{"conn", c->id},
                      {"peer", peer.address().to_string() + ":" + std::to_string(peer.port())}});
      log(0, "connection " + std::to_string(c->id) + " accepted");
      check_malformed(c);
      asio::co_spawn(io_, read_loop(c), asio::detached);
    }
  }

  awaitable<void> read_loop(connection_ptr c) {
    for (;;) {
      auto buf = c->framer.prepare(65536);
      auto [ec, n] =
          co_await c->socket.async_read_some(asio::buffer(buf.data(), buf.size()), use_tuple);
      if (c->closed) co_return;
      if (ec) {
        close(c, ec == asio::error::eof ? "eof" : ec.message());
        co_return;
      }
      c->framer.commit(n);
      for (;;) {
        std::span<const std::uint8_t> frame;
        auto fe = c->framer.next(frame);
        if (fe) {
          json::object o{{"conn", c->id}, {"error", fe.message()}};
          if (auto seq = c->framer.error_sequence()) o["seq"] = *seq;
          records_.write("bad_pdu", o);
          if (!c->silent) {
            smpp::pdu nack{smpp::command_status::esme_rinvcmdlen,
                           c->framer.error_sequence().value_or(0), smpp::generic_nack{}};
            send(c, nack);
          }
          close_after_write(c, "malformed from esme");
          co_return;
        }
        if (frame.empty()) break;
        on_frame(c, frame);
        if (c->closed || c->close_after_write) break;
      }
      if (c->closed) co_return;
      pump();
      flush(c);
      if (c->close_after_write) co_return;
    }
  }

  // ---------------------------------------------------------------- writing
  void send_bytes(const connection_ptr& c, const std::vector<std::uint8_t>& bytes) {
    if (c->closed || c->silent) return;
    c->out.insert(c->out.end(), bytes.begin(), bytes.end());
  }

  void send(const connection_ptr& c, const smpp::pdu& p) {
    if (c->closed || c->silent) return;
    auto ec = smpp::encode(p, c->out);
    if (ec) log(2, "cannot encode " + std::string(smpp::name(p.command())) + ": " + ec.message());
  }

  void flush(const connection_ptr& c) {
    if (c->write_active || c->closed) return;
    if (c->out.empty()) {
      if (c->close_after_write) close(c, c->close_reason);
      return;
    }
    c->write_active = true;
    asio::co_spawn(io_, write_loop(c), asio::detached);
  }

  awaitable<void> write_loop(connection_ptr c) {
    while (!c->out.empty() && !c->closed) {
      std::swap(c->out, c->writing);
      auto [ec, n] = co_await asio::async_write(c->socket, asio::buffer(c->writing), use_tuple);
      c->writing.clear();
      if (ec) {
        c->write_active = false;
        close(c, "write failed: " + ec.message());
        co_return;
      }
    }
    c->write_active = false;
    if (c->close_after_write) close(c, c->close_reason);
  }

  void close_after_write(const connection_ptr& c, std::string reason) {
    if (c->close_after_write) return;
    c->close_after_write = true;
    c->close_reason = std::move(reason);
    flush(c);
  }

  void close(const connection_ptr& c, const std::string& reason) {
    if (c->closed) return;
    c->closed = true;
    boost::system::error_code ec;
    c->socket.shutdown(tcp::socket::shutdown_both, ec);
    c->socket.close(ec);
    c->delay_timer.cancel();
    c->enquire_timer.cancel();
    json::object o{{"conn", c->id}, {"reason", reason}};
    if (!c->system_id.empty()) o["system_id"] = c->system_id;
    records_.write("disconnect", o);
    log(1, "connection " + std::to_string(c->id) + " closed: " + reason);
    // Unanswered MO go back to the front of the queue, oldest first (a real SMSC redelivers).
    std::vector<in_flight> lost;
    for (auto& [seq, f] : c->flights)
      if (!f.timed_out) lost.push_back(f);
    std::sort(lost.begin(), lost.end(),
              [](const in_flight& a, const in_flight& b) { return a.mo > b.mo; });
    for (const auto& f : lost) {
      if (record_mo(f.mo))
        records_.write(
            "mo_unanswered",
            {{"conn", c->id}, {"mo", f.mo}, {"attempt", f.attempt}, {"reason", "disconnect"}});
      requeue_front(f.mo);
    }
    c->flights.clear();
    c->live_flights = 0;
    connections_.remove(c);
    pump();
    check_done();
  }

  // ---------------------------------------------------------------- faults
  fault* active_fault(fault_kind kind, const connection_ptr& c) {
    for (auto& f : faults_)
      if (f.kind == kind && f.applies_to(c->id) && !f.spent()) return &f;
    return nullptr;
  }

  void note_fault(const connection_ptr& c, fault& f, const std::string& what) {
    ++f.used;
    records_.write("fault", {{"conn", c->id}, {"fault", f.spec}, {"what", what}});
    log(1, "fault " + f.spec + " on connection " + std::to_string(c->id) + ": " + what);
  }

  void check_malformed(const connection_ptr& c) {
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

  // ---------------------------------------------------------------- incoming PDUs
  void on_frame(const connection_ptr& c, std::span<const std::uint8_t> frame) {
    if (c->silent) return;
    auto header = smpp::read_header(frame);
    if (!header) return;
    ++c->received;
    for (auto& f : faults_) {
      if (f.kind == fault_kind::silent && f.applies_to(c->id) && !f.spent() && c->received > f.n) {
        c->silent = true;
        note_fault(c, f, "silent");
        return;
      }
    }
    if (auto* f = active_fault(fault_kind::drop_after, c); f && c->received >= f->n) {
      note_fault(c, *f, "dropped");
      close(c, "fault drop-after");
      return;
    }
    smpp::pdu p;
    auto ec = smpp::decode(frame, p);
    if (ec) {
      records_.write("bad_pdu", {{"conn", c->id},
                                 {"error", ec.message()},
                                 {"command_id", header->command_id},
                                 {"seq", header->sequence_number}});
      bool request = (header->command_id & 0x80000000U) == 0;
      if (request) {
        auto status = smpp::status_for(ec);
        smpp::pdu nack{status, header->sequence_number, smpp::generic_nack{}};
        respond(c, header->command_id, nack);
      }
      check_malformed(c);
      return;
    }
    std::visit([&](auto& body) { on_pdu(c, p, body); }, p.body);
    check_malformed(c);
  }

  // Sends a response unless a fault withholds or delays it.
  void respond(const connection_ptr& c, std::uint32_t request_id, const smpp::pdu& resp) {
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

  awaitable<void> delay_loop(connection_ptr c) {
    while (!c->delayed.empty() && !c->closed) {
      c->delay_timer.expires_at(c->delayed.front().first);
      co_await c->delay_timer.async_wait(use_tuple);
      if (c->closed) co_return;
      send_bytes(c, c->delayed.front().second);
      c->delayed.pop_front();
      flush(c);
    }
  }

  template <class Bind>
  void on_bind(const connection_ptr& c, const smpp::pdu& p, const Bind& b, bind_mode mode) {
    using resp_t = std::conditional_t<
        std::is_same_v<Bind, smpp::bind_transmitter>, smpp::bind_transmitter_resp,
        std::conditional_t<std::is_same_v<Bind, smpp::bind_receiver>, smpp::bind_receiver_resp,
                           smpp::bind_transceiver_resp>>;
    std::uint32_t status = 0;
    if (c->mode != bind_mode::none) {
      status = raw(smpp::command_status::esme_ralybnd);
    } else if (auto* f = active_fault(fault_kind::refuse_bind, c)) {
      status = f->status;
      note_fault(c, *f, "refused bind with " + status_name(status));
    } else if (!opt_.accounts.empty()) {
      status = raw(smpp::command_status::esme_rinvsysid);
      for (const auto& [id, pw] : opt_.accounts) {
        if (id == b.system_id)
          status = pw == b.password ? 0 : raw(smpp::command_status::esme_rinvpaswd);
      }
    }
    records_.write("bind", {{"conn", c->id},
                            {"mode", mode_name(mode)},
                            {"system_id", b.system_id},
                            {"system_type", b.system_type},
                            {"interface_version", b.interface_version},
                            {"status", status},
                            {"status_name", status_name(status)}});
    resp_t r;
    if (status == 0) {
      r.system_id = "smsc-sim";
      r.tlvs.sc_interface_version = smpp::interface_version_34;
    }
    respond(c, raw(Bind::id),
            smpp::pdu{static_cast<smpp::command_status>(status), p.sequence_number, r});
    if (status != 0) {
      ++binds_refused_;
      log(1, "bind refused for '" + b.system_id + "': " + status_name(status));
      return;
    }
    ++binds_;
    c->mode = mode;
    c->system_id = b.system_id;
    log(1, std::string("bound ") + mode_name(mode) + " '" + b.system_id + "' on connection " +
               std::to_string(c->id));
    if (opt_.enquire_link_ms > 0) asio::co_spawn(io_, enquire_loop(c), asio::detached);
    if (c->receives()) start_sources();
  }

  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::bind_transmitter& b) {
    on_bind(c, p, b, bind_mode::transmitter);
  }
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::bind_receiver& b) {
    on_bind(c, p, b, bind_mode::receiver);
  }
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::bind_transceiver& b) {
    on_bind(c, p, b, bind_mode::transceiver);
  }

  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::enquire_link&) {
    bool answered = !withheld(c, raw(smpp::command_id::enquire_link));
    json::object o{{"conn", c->id}, {"answered", answered}};
    if (!c->system_id.empty()) o["system_id"] = c->system_id;
    records_.write("enquire_link", o);
    respond(
        c, raw(smpp::command_id::enquire_link),
        smpp::pdu{smpp::command_status::esme_rok, p.sequence_number, smpp::enquire_link_resp{}});
  }

  // withhold=all means everything after the bind; binds only when named.
  static bool withholds(const fault& f, const connection_ptr& c, std::uint32_t request_id) {
    if (f.kind != fault_kind::withhold || !f.applies_to(c->id) || f.spent()) return false;
    if (f.pdu == request_class::all) return !matches(request_class::bind, request_id);
    return matches(f.pdu, request_id);
  }

  bool withheld(const connection_ptr& c, std::uint32_t request_id) const {
    for (const auto& f : faults_)
      if (withholds(f, c, request_id)) return true;
    return false;
  }

  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::enquire_link_resp&) {
    records_.write("enquire_link_resp", {{"conn", c->id}, {"seq", p.sequence_number}});
  }

  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::unbind&) {
    records_.write("unbind", {{"conn", c->id}, {"system_id", c->system_id}, {"by", "esme"}});
    respond(c, raw(smpp::command_id::unbind),
            smpp::pdu{smpp::command_status::esme_rok, p.sequence_number, smpp::unbind_resp{}});
    close_after_write(c, "unbind");
  }

  void on_pdu(const connection_ptr& c, const smpp::pdu&, const smpp::unbind_resp&) {
    close(c, c->unbinding ? "shutdown" : "unbind_resp");
  }

  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::submit_sm& s) {
    on_submit(c, p, s, false);
  }
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::data_sm& d) {
    on_submit(c, p, d, true);
  }

  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::deliver_sm_resp&) {
    on_mo_resp(c, p.sequence_number, raw(p.status), "deliver_sm_resp");
  }
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::data_sm_resp&) {
    on_mo_resp(c, p.sequence_number, raw(p.status), "data_sm_resp");
  }
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::generic_nack&) {
    records_.write("generic_nack", {{"conn", c->id},
                                    {"seq", p.sequence_number},
                                    {"status", raw(p.status)},
                                    {"status_name", status_name(raw(p.status))}});
    if (c->flights.count(p.sequence_number))
      on_mo_resp(c, p.sequence_number,
                 p.status == smpp::command_status::esme_rok
                     ? raw(smpp::command_status::esme_rsyserr)
                     : raw(p.status),
                 "generic_nack");
  }

  // Anything else an ESME has no business sending to an SMSC.
  template <class Body>
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const Body&) {
    auto id = raw(p.command());
    records_.write("bad_pdu", {{"conn", c->id},
                               {"error", "unexpected " + std::string(smpp::name(p.command()))},
                               {"command_id", id},
                               {"seq", p.sequence_number}});
    if ((id & 0x80000000U) == 0)
      respond(
          c, id,
          smpp::pdu{smpp::command_status::esme_rinvcmdid, p.sequence_number, smpp::generic_nack{}});
  }

  template <class Sm>
  void on_submit(const connection_ptr& c, const smpp::pdu& p, const Sm& s, bool is_data) {
    std::uint32_t status = 0;
    auto request_id = raw(Sm::id);
    if (!c->transmits()) {
      status = raw(smpp::command_status::esme_rinvbndsts);
    } else if (auto* f = active_fault(fault_kind::throttle, c)) {
      ++f->seen;
      bool hit = f->throttle == throttle_mode::all ||
                 (f->throttle == throttle_mode::first && f->seen <= f->n) ||
                 (f->throttle == throttle_mode::every && f->seen % f->n == 0);
      if (hit) {
        status = f->status;
        note_fault(c, *f,
                   "answered " + std::string(is_data ? "data_sm" : "submit_sm") + " with " +
                       status_name(status));
      }
    }
    std::string message_id;
    if (status == 0) message_id = format_message_id(next_message_id_++, opt_.message_id_hex);
    bool answered = !withheld(c, request_id);
    json::object o;
    if constexpr (std::is_same_v<Sm, smpp::data_sm>) {
      o = data_sm_json(s);
    } else {
      o = sm_json(s);
    }
    o["conn"] = c->id;
    o["system_id"] = c->system_id;
    o["seq"] = p.sequence_number;
    o["status"] = status;
    o["status_name"] = status_name(status);
    o["message_id"] = message_id;
    o["answered"] = answered;
    std::string text;
    if (auto it = o.find("text"); it != o.end()) text = std::string(it->value().get_string());
    records_.write(is_data ? "data_sm" : "submit_sm", o);
    if (is_data) {
      ++data_sms_;
      smpp::data_sm_resp r;
      r.message_id = message_id;
      respond(c, request_id,
              smpp::pdu{static_cast<smpp::command_status>(status), p.sequence_number, r});
    } else {
      ++submits_;
      smpp::submit_sm_resp r;
      r.message_id = message_id;
      respond(c, request_id,
              smpp::pdu{static_cast<smpp::command_status>(status), p.sequence_number, r});
    }
    if (status != 0) return;
    if (opt_.receipts == receipts_mode::all ||
        (opt_.receipts == receipts_mode::requested && (s.registered_delivery & 0x03) != 0))
      schedule_receipt(c->system_id, s.source_addr, s.source_addr_ton, s.source_addr_npi,
                       s.destination_addr, s.dest_addr_ton, s.dest_addr_npi, message_id, text);
    seen_submit seen;
    seen.data_sm = is_data;
    seen.system_id = c->system_id;
    seen.service_type = s.service_type;
    seen.source = s.source_addr;
    seen.destination = s.destination_addr;
    seen.text = std::move(text);
    seen.message_id = message_id;
    seen.data_coding = s.data_coding;
    seen.esm_class = s.esm_class;
    seen.ussd_service_op = s.tlvs.ussd_service_op;
    seen.its_session_info = s.tlvs.its_session_info;
    offer_submit(std::move(seen));
  }

  // ---------------------------------------------------------------- receipts
  void schedule_receipt(std::string system_id, std::string src, std::uint8_t src_ton,
                        std::uint8_t src_npi, std::string dst, std::uint8_t dst_ton,
                        std::uint8_t dst_npi, std::string message_id, std::string sent_text) {
    smpp::deliver_sm r;
    r.source_addr = dst;
    r.source_addr_ton = dst_ton;
    r.source_addr_npi = dst_npi;
    r.destination_addr = src;
    r.dest_addr_ton = src_ton;
    r.dest_addr_npi = src_npi;
    r.esm_class = 0x04;
    std::string stat = opt_.receipt_stat;
    auto date = receipt_date();
    std::string first20;
    {
      std::string error;
      std::size_t pos = 0, chars = 0;
      while (pos < sent_text.size() && chars < 20) {
        std::size_t start = pos;
        text::next_code_point(sent_text, pos);
        std::string one = sent_text.substr(start, pos - start);
        if (encode_text(one, 0, error)) first20 += one;
        ++chars;
      }
    }
    std::string text_id = message_id;
    if (opt_.receipt_text_id != "same") {  // the same number, written in the other base
      const std::uint64_t value = std::stoull(message_id, nullptr, opt_.message_id_hex ? 16 : 10);
      text_id = format_message_id(value, opt_.receipt_text_id == "hex");
    }
    std::string body = "id:" + text_id + " sub:001 dlvrd:" + (stat == "DELIVRD" ? "001" : "000") +
                       " submit date:" + date + " done date:" + date + " stat:" + stat +
                       " err:000 text:" + first20;
    std::string error;
    r.short_message = encode_text(body, 0, error).value_or(body);
    if (opt_.receipt_id_tlv) r.tlvs.receipted_message_id = message_id;
    r.tlvs.message_state = message_state_of(stat);
    auto add = [this, r = std::move(r), system_id = std::move(system_id), message_id,
                stat]() mutable {
      auto mo = add_stored(std::move(r), system_id, nullptr, {});
      records_.write("receipt", {{"message_id", message_id}, {"mo", mo}, {"stat", stat}});
      pump();
    };
    if (opt_.receipt_delay_ms == 0) {
      add();
      return;
    }
    ++pending_receipts_;
    auto t =
        std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(opt_.receipt_delay_ms));
    t->async_wait([this, t, add = std::move(add)](boost::system::error_code) mutable {
      --pending_receipts_;
      if (!stopping_) add();
    });
  }

  // Decimal, or upper-case hex of 8 digits at least ("5A000001"), as SMSCs write them.
  static std::string format_message_id(std::uint64_t value, bool hex) {
    if (!hex) return std::to_string(value);
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%08llX", static_cast<unsigned long long>(value));
    return buffer;
  }

  static std::uint8_t message_state_of(const std::string& stat) {
    if (stat == "DELIVRD") return 2;
    if (stat == "EXPIRED") return 3;
    if (stat == "DELETED") return 4;
    if (stat == "UNDELIV") return 5;
    if (stat == "ACCEPTD") return 6;
    if (stat == "REJECTD") return 8;
    return 7;  // UNKNOWN
  }

  static std::string receipt_date() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d", tm.tm_year % 100, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min);
    return buf;
  }

  // ---------------------------------------------------------------- the MO queue
  std::uint64_t add_stored(smpp::pdu_body body, const std::string& system_id,
                           std::shared_ptr<dialogue_run> waiter, json::object extra) {
    stored_.push_back(stored_mo{std::move(body), system_id, std::move(waiter), std::move(extra)});
    mo_state m;
    m.payload = stored_.size() - 1;
    mos_.push_back(m);
    std::uint64_t id = mos_.size() - 1;
    queue_for(system_id).push_back(id);
    return id;
  }

  void reserve_flood(std::uint64_t n) {
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

  std::deque<std::uint64_t>& queue_for(const std::string& system_id) { return queues_[system_id]; }

  void requeue_front(std::uint64_t mo) {
    auto& m = mos_[mo];
    m.status = mo_status::queued;
    queue_for(m.flood ? std::string() : stored_[m.payload].system_id).push_front(mo);
  }

  bool record_mo(std::uint64_t mo) const { return opt_.flood_records || !mos_[mo].flood; }

  // The next MO for a bind of `system_id`, or nullopt. Flood MO only when the rate allows.
  std::optional<std::uint64_t> next_mo(const std::string& system_id, bool& rate_limited) {
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

  // Fills every receiving bind's window from the queue.
  void pump() {
    if (stopping_ || !sources_started_) return;
    bool rate_limited = false;
    auto now = steady::now();
    for (auto& c : connections_) {
      if (!c->receives() || c->closed || c->silent || c->close_after_write || c->unbinding)
        continue;
      bool sent_any = false;
      while (c->live_flights < opt_.window) {
        auto mo = next_mo(c->system_id, rate_limited);
        if (!mo) break;
        send_mo(c, *mo, now);
        sent_any = true;
        if (c->close_after_write) break;
      }
      if (sent_any) flush(c);
    }
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

  void send_mo(const connection_ptr& c, std::uint64_t mo, steady::time_point now) {
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

  void make_flood_message(std::uint64_t n, smpp::deliver_sm& d) {
    d.source_addr = flood_source(n);
    d.destination_addr = opt_.flood_dest;
    auto num = std::to_string(n);
    d.short_message.clear();
    for (std::size_t i = 0; i < flood_segments_.size(); ++i) {
      if (i > 0) d.short_message += num;  // digits are the same octets in GSM 03.38
      d.short_message += flood_segments_[i];
    }
  }

  std::string flood_source(std::uint64_t n) const {
    // Adds n mod K to the decimal base, keeping its width.
    std::string s = opt_.flood_source;
    std::uint64_t carry = n % std::max<std::uint64_t>(1, opt_.flood_sources);
    for (auto i = s.size(); i-- > 0 && carry > 0;) {
      std::uint64_t digit = static_cast<std::uint64_t>(s[i] - '0') + carry;
      s[i] = static_cast<char>('0' + digit % 10);
      carry = digit / 10;
    }
    return s;
  }

  void on_mo_resp(const connection_ptr& c, std::uint32_t seq, std::uint32_t status,
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
      json::object o{{"conn", c->id},        {"seq", seq},
                     {"mo", f.mo},           {"attempt", f.attempt},
                     {"status", status},     {"status_name", status_name(status)},
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

  void finish_mo(std::uint64_t mo, bool ok) {
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

  void schedule_retry(std::uint64_t mo) {
    mos_[mo].status = mo_status::retry_wait;
    if (opt_.retry_delay_ms == 0) {
      requeue_front(mo);
      return;
    }
    retry_wait_.emplace_back(steady::now() + std::chrono::milliseconds(opt_.retry_delay_ms), mo);
    if (retry_wait_.size() == 1) asio::co_spawn(io_, retry_loop(), asio::detached);
  }

  awaitable<void> retry_loop() {
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
  awaitable<void> timeout_loop() {
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

  // ---------------------------------------------------------------- scripts and flood
  void start_sources() {
    if (sources_started_) return;
    sources_started_ = true;
    for (const auto& s : opt_.scripts)
      start_script(s);
    pump();
  }

  void start_script(const script& s) {
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

  awaitable<void> run_dialogue(std::shared_ptr<dialogue_run> r) {
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
          error = stopping_ ? "stopped"
                            : "wait timed out after " + std::to_string(w->timeout_ms) + " ms";
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
      records_.write(
          "script_failed",
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

  void offer_submit(seen_submit s) {
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

  void report_flood() {
    double secs = std::chrono::duration<double>(flood_last_ok_ - flood_started_at_).count();
    auto lat = summarise(flood_latencies_);
    json::object o{{"messages", flood_total_},
                   {"acked_ok", flood_ok_},
                   {"failed", flood_failed_},
                   {"deliver_sm_sent", deliver_sm_sent_},
                   {"redelivered", redelivered_},
                   {"seconds", secs},
                   {"rate", secs > 0 ? std::llround(static_cast<double>(flood_ok_) / secs) : 0},
                   {"cpu_seconds", cpu_seconds()},
                   {"window", opt_.window},
                   {"latency_us", latency_json(lat)}};
    records_.write("flood_done", o);
    json::object line{{"event", "flood_done"}};
    for (const auto& kv : o)
      line[kv.key()] = kv.value();
    std::printf("%s\n", json::serialize(line).c_str());
    std::fflush(stdout);
  }

  // User + system CPU time of this process so far, to show the flood's own cost.
  static double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto tv = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return tv(u.ru_utime) + tv(u.ru_stime);
  }

  static json::object latency_json(const latency_summary& l) {
    return {{"count", l.count}, {"p50", l.p50}, {"p90", l.p90}, {"p99", l.p99}, {"max", l.max}};
  }

  json::object stats() {
    std::uint64_t outstanding = mos_.size() - acked_ok_ - failed_;
    auto copy = latencies_;
    auto lat = summarise(copy);
    return {{"connections", connection_count_},
            {"binds", binds_},
            {"binds_refused", binds_refused_},
            {"submit_sm", submits_},
            {"data_sm", data_sms_},
            {"mo", json::object{{"total", mos_.size()},
                                {"deliver_sm_sent", deliver_sm_sent_},
                                {"acked_ok", acked_ok_},
                                {"rejected", rejected_},
                                {"redelivered", redelivered_},
                                {"outstanding", outstanding},
                                {"failed", failed_}}},
            {"latency_us", latency_json(lat)}};
  }

  void write_stats() {
    auto o = stats();
    records_.write("stats", o);
    records_.flush();
    json::object line{{"event", "stats"}};
    for (const auto& kv : o)
      line[kv.key()] = kv.value();
    std::printf("%s\n", json::serialize(line).c_str());
    std::fflush(stdout);
  }

  void check_done() {
    if (!opt_.exit_when_done || stopping_ || !sources_started_) return;
    if (scripts_running_ > 0 || pending_receipts_ > 0) return;
    if (acked_ok_ + failed_ < mos_.size()) return;
    begin_shutdown();
  }

  // ---------------------------------------------------------------- keepalive from our side
  awaitable<void> enquire_loop(connection_ptr c) {
    while (!c->closed) {
      c->enquire_timer.expires_after(std::chrono::milliseconds(opt_.enquire_link_ms));
      auto [ec] = co_await c->enquire_timer.async_wait(use_tuple);
      if (ec || c->closed || stopping_) co_return;
      send(c, smpp::pdu{smpp::command_status::esme_rok, c->take_seq(), smpp::enquire_link{}});
      flush(c);
    }
  }

  // ---------------------------------------------------------------- control channel
  bool open_control() {
    int fd = -1;
    if (opt_.control_path == "-") {
      fd = ::dup(0);
    } else {
      // O_RDWR keeps the FIFO open when a writer closes, so we never read a spurious EOF.
      fd = ::open(opt_.control_path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    }
    if (fd < 0) {
      std::cerr << "smsc-sim: cannot open --control " << opt_.control_path << "\n";
      return false;
    }
    control_.assign(fd);
    asio::co_spawn(io_, control_loop(), asio::detached);
    return true;
  }

  awaitable<void> control_loop() {
    std::string buf;
    for (;;) {
      auto [ec, n] =
          co_await asio::async_read_until(control_, asio::dynamic_buffer(buf), '\n', use_tuple);
      if (ec) co_return;
      std::string line = buf.substr(0, n);
      buf.erase(0, n);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.pop_back();
      on_control(line);
    }
  }

  void on_control(const std::string& line) {
    auto sp = line.find(' ');
    std::string cmd = line.substr(0, sp);
    std::string arg = sp == std::string::npos ? "" : line.substr(sp + 1);
    std::string error;
    if (cmd == "script") {
      auto s = load_script(arg, error);
      if (!s) {
        records_.write("control_error", {{"command", line}, {"error", error}});
        log(2, error);
        return;
      }
      control_scripts_.push_back(std::move(*s));
      start_script(control_scripts_.back());
      pump();
    } else if (cmd == "flood") {
      std::uint64_t n = 0;
      try {
        n = std::stoull(arg);
      } catch (const std::exception&) {
        records_.write("control_error", {{"command", line}, {"error", "flood needs a number"}});
        return;
      }
      reserve_flood(n);
      sources_started_ = sources_started_ || std::any_of(connections_.begin(), connections_.end(),
                                                         [](auto& c) { return c->receives(); });
      pump();
    } else if (cmd == "fault") {
      if (arg == "clear") {
        faults_.clear();
      } else if (auto f = parse_fault(arg, error)) {
        f->serial = ++fault_serial_;
        faults_.push_back(std::move(*f));
      } else {
        records_.write("control_error", {{"command", line}, {"error", error}});
        return;
      }
    } else if (cmd == "drop") {
      auto all = connections_;
      for (auto& c : all)
        close(c, "control drop");
    } else if (cmd == "stats") {
      write_stats();
      return;
    } else if (cmd == "quit") {
      begin_shutdown();
    } else if (!cmd.empty()) {
      records_.write("control_error", {{"command", line}, {"error", "unknown command"}});
      return;
    }
    if (!cmd.empty()) records_.write("control", {{"command", line}});
  }

  // ---------------------------------------------------------------- shutdown
  void begin_shutdown() {
    if (stopping_) return;
    stopping_ = true;
    asio::co_spawn(io_, shutdown(), asio::detached);
  }

  awaitable<void> shutdown() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    signals_.cancel(ec);
    control_.close(ec);
    for (auto& c : connections_) {
      if (c->mode == bind_mode::none || c->silent || c->closed) continue;
      c->unbinding = true;
      send(c, smpp::pdu{smpp::command_status::esme_rok, c->take_seq(), smpp::unbind{}});
      records_.write("unbind", {{"conn", c->id}, {"system_id", c->system_id}, {"by", "smsc"}});
      flush(c);
    }
    auto deadline = steady::now() + std::chrono::seconds(1);
    asio::steady_timer t(io_);
    while (!connections_.empty() && steady::now() < deadline) {
      bool waiting = false;
      for (auto& c : connections_)
        waiting = waiting || (c->unbinding && !c->closed);
      if (!waiting) break;
      t.expires_after(std::chrono::milliseconds(5));
      co_await t.async_wait(use_tuple);
    }
    auto rest = connections_;
    for (auto& c : rest)
      close(c, "shutdown");
    for (auto& r : waiters_)
      r->wake.cancel();
    write_stats();
    flush_timer_.cancel();
    retry_timer_.cancel();
    rate_timer_.cancel();
    timeout_timer_.cancel();
    io_.stop();
  }

  awaitable<void> flush_loop() {
    while (!stopping_) {
      flush_timer_.expires_after(std::chrono::milliseconds(5));
      co_await flush_timer_.async_wait(use_tuple);
      records_.flush();
    }
  }

  // ---------------------------------------------------------------- state
  asio::io_context& io_;
  smsc_options opt_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::steady_timer flush_timer_, retry_timer_, rate_timer_, timeout_timer_;
  asio::posix::stream_descriptor control_;
  records records_;
  std::vector<fault> faults_;
  std::uint64_t fault_serial_ = 0;
  std::list<connection_ptr> connections_;
  std::list<script> control_scripts_;
  bool stopping_ = false;
  bool sources_started_ = false;
  int exit_code_ = 0;
  std::uint64_t connection_count_ = 0, binds_ = 0, binds_refused_ = 0, submits_ = 0, data_sms_ = 0;
  std::uint64_t next_message_id_ = 1;
  std::uint16_t next_ref_ = 1;

  std::vector<mo_state> mos_;
  std::deque<stored_mo> stored_;
  std::map<std::string, std::deque<std::uint64_t>> queues_;
  const std::string empty_;
  std::deque<std::pair<steady::time_point, std::uint64_t>> retry_wait_;
  std::uint64_t pending_receipts_ = 0;
  std::uint64_t deliver_sm_sent_ = 0, acked_ok_ = 0, rejected_ = 0, redelivered_ = 0, failed_ = 0;
  std::vector<std::uint64_t> latencies_, flood_latencies_;

  struct flood_range {
    std::uint64_t first = 0;
    std::uint64_t count = 0;
  };
  std::vector<flood_range> flood_ranges_;
  std::size_t flood_next_range_ = 0;
  std::uint64_t flood_cursor_ = 0;
  std::uint64_t flood_total_ = 0, flood_ok_ = 0, flood_failed_ = 0, flood_first_sent_ = 0;
  steady::time_point flood_started_at_{}, flood_last_ok_{}, rate_epoch_{};
  bool rate_timer_armed_ = false;
  smpp::pdu flood_pdu_{smpp::command_status::esme_rok, 0, smpp::deliver_sm{}};
  std::vector<std::string> flood_segments_;

  std::size_t scripts_running_ = 0, dialogues_running_ = 0;
  std::vector<seen_submit> seen_;
  std::list<std::shared_ptr<dialogue_run>> waiters_;
};

}  // namespace

int run_smsc(smsc_options options) {
  asio::io_context io(1);
  smsc server(io, std::move(options));
  if (int rc = server.start(); rc != 0) return rc;
  io.run();
  return server.exit_code();
}

}  // namespace lapord::smsc_sim
