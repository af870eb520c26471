// The simulated SMSC: start-up, the sockets and shutdown. One reader coroutine per connection;
// writes are batched into one buffer per connection so that a flood costs one write() per many
// PDUs. The rest of the class is in one file per job (see smsc_server.hpp).

#include <cstdio>
#include <fstream>
#include <iostream>

#include "smsc_server.hpp"

namespace lapord::smsc_sim {

smsc::smsc(asio::io_context& io, smsc_options o)
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
bool smsc::flood_template(const std::string& tmpl, std::vector<std::string>& segments,
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

int smsc::start() {
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

void smsc::log(int level, const std::string& line) {
  if (level >= opt_.log_level) std::cerr << "smsc-sim: " << line << "\n";
}

awaitable<void> smsc::accept_loop() {
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

awaitable<void> smsc::read_loop(connection_ptr c) {
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

void smsc::send_bytes(const connection_ptr& c, const std::vector<std::uint8_t>& bytes) {
  if (c->closed || c->silent) return;
  c->out.insert(c->out.end(), bytes.begin(), bytes.end());
}

void smsc::send(const connection_ptr& c, const smpp::pdu& p) {
  if (c->closed || c->silent) return;
  auto ec = smpp::encode(p, c->out);
  if (ec) log(2, "cannot encode " + std::string(smpp::name(p.command())) + ": " + ec.message());
}

void smsc::flush(const connection_ptr& c) {
  if (c->write_active || c->closed) return;
  if (c->out.empty()) {
    if (c->close_after_write) close(c, c->close_reason);
    return;
  }
  c->write_active = true;
  asio::co_spawn(io_, write_loop(c), asio::detached);
}

awaitable<void> smsc::write_loop(connection_ptr c) {
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

void smsc::close_after_write(const connection_ptr& c, std::string reason) {
  if (c->close_after_write) return;
  c->close_after_write = true;
  c->close_reason = std::move(reason);
  flush(c);
}

void smsc::close(const connection_ptr& c, const std::string& reason) {
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

awaitable<void> smsc::enquire_loop(connection_ptr c) {
  while (!c->closed) {
    c->enquire_timer.expires_after(std::chrono::milliseconds(opt_.enquire_link_ms));
    auto [ec] = co_await c->enquire_timer.async_wait(use_tuple);
    if (ec || c->closed || stopping_) co_return;
    send(c, smpp::pdu{smpp::command_status::esme_rok, c->take_seq(), smpp::enquire_link{}});
    flush(c);
  }
}

void smsc::begin_shutdown() {
  if (stopping_) return;
  stopping_ = true;
  asio::co_spawn(io_, shutdown(), asio::detached);
}

awaitable<void> smsc::shutdown() {
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

awaitable<void> smsc::flush_loop() {
  while (!stopping_) {
    flush_timer_.expires_after(std::chrono::milliseconds(5));
    co_await flush_timer_.async_wait(use_tuple);
    records_.flush();
  }
}

int run_smsc(smsc_options options) {
  asio::io_context io(1);
  smsc server(io, std::move(options));
  if (int rc = server.start(); rc != 0) return rc;
  io.run();
  return server.exit_code();
}

}  // namespace lapord::smsc_sim
