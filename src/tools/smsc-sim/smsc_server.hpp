#pragma once
// The simulated SMSC's insides (smsc.hpp is the entry point): the per-connection and per-MO
// state and the `smsc` class, an Asio shell (single-threaded io_context, C++20 coroutines) around
// lapord's own SMPP codec. Its member functions live in one file per job, named in the class.

#include <sys/resource.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fault.hpp"
#include "lapord/smpp/codec.hpp"
#include "lapord/smpp/framer.hpp"
#include "latency.hpp"
#include "records.hpp"
#include "script.hpp"
#include "smsc.hpp"
#include "spread.hpp"

namespace lapord::smsc_sim {
namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(use_awaitable);

inline std::uint32_t raw(smpp::command_id id) {
  return static_cast<std::uint32_t>(id);
}
inline std::uint32_t raw(smpp::command_status s) {
  return static_cast<std::uint32_t>(s);
}
inline std::string status_name(std::uint32_t s) {
  return std::string(smpp::name(static_cast<smpp::command_status>(s)));
}

enum class bind_mode { none, transmitter, receiver, transceiver };

inline const char* mode_name(bind_mode m) {
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

// One receiving bind's part of the flood, for the flood_done report (kept after it closes).
struct bind_share {
  std::uint64_t conn = 0;
  std::string system_id;
  std::uint64_t deliver_sm = 0, acked_ok = 0;
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
  bind_share* share = nullptr;                // receiving binds: its part of the flood

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
  smsc(asio::io_context& io, smsc_options o);
  static bool flood_template(const std::string& tmpl, std::vector<std::string>& segments,
                             std::string& error);
  int start();
  int exit_code() const { return exit_code_; }

 private:
  // smsc.cpp: start-up, sockets (accept, read, batched writes, close), keepalive, shutdown
  void log(int level, const std::string& line);
  awaitable<void> accept_loop();
  awaitable<void> read_loop(connection_ptr c);
  void send_bytes(const connection_ptr& c, const std::vector<std::uint8_t>& bytes);
  void send(const connection_ptr& c, const smpp::pdu& p);
  void flush(const connection_ptr& c);
  awaitable<void> write_loop(connection_ptr c);
  void close_after_write(const connection_ptr& c, std::string reason);
  void close(const connection_ptr& c, const std::string& reason);
  awaitable<void> enquire_loop(connection_ptr c);
  void begin_shutdown();
  awaitable<void> shutdown();
  awaitable<void> flush_loop();

  // smsc_pdus.cpp: incoming PDUs: binds, enquire_link, unbind, submit_sm / data_sm, MO responses
  void on_frame(const connection_ptr& c, std::span<const std::uint8_t> frame);
  template <class Bind>
  void on_bind(const connection_ptr& c, const smpp::pdu& p, const Bind& b, bind_mode mode);
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::bind_transmitter& b);
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::bind_receiver& b);
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::bind_transceiver& b);
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::enquire_link&);
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::enquire_link_resp&);
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::unbind&);
  void on_pdu(const connection_ptr& c, const smpp::pdu&, const smpp::unbind_resp&);
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::submit_sm& s);
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::data_sm& d);
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::deliver_sm_resp&);
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::data_sm_resp&);
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::generic_nack&);
  template <class Body>
  void on_pdu(const connection_ptr& c, const smpp::pdu& p, const Body&);
  std::uint32_t submit_status(const connection_ptr& c, bool is_data);
  template <class Sm>
  void on_submit(const connection_ptr& c, const smpp::pdu& p, const Sm& s, bool is_data);

  // smsc_faults.cpp: fault injection: which fault applies, malformed PDUs, withheld and delayed
  // responses
  fault* active_fault(fault_kind kind, const connection_ptr& c);
  void note_fault(const connection_ptr& c, fault& f, const std::string& what);
  void check_malformed(const connection_ptr& c);
  void respond(const connection_ptr& c, std::uint32_t request_id, const smpp::pdu& resp);
  awaitable<void> delay_loop(connection_ptr c);
  static bool withholds(const fault& f, const connection_ptr& c, std::uint32_t request_id);
  bool withheld(const connection_ptr& c, std::uint32_t request_id) const;

  // smsc_receipts.cpp: delivery receipts for accepted submit_sm
  void schedule_receipt(std::string system_id, std::string src, std::uint8_t src_ton,
                        std::uint8_t src_npi, std::string dst, std::uint8_t dst_ton,
                        std::uint8_t dst_npi, std::string message_id, std::string sent_text);
  static std::string format_message_id(std::uint64_t value, bool hex);
  static std::uint8_t message_state_of(const std::string& stat);
  static std::string receipt_date();

  // smsc_mo.cpp: the MO queue: stored and flood MO, the pump that fills the windows, responses,
  // redelivery
  std::uint64_t add_stored(smpp::pdu_body body, const std::string& system_id,
                           std::shared_ptr<dialogue_run> waiter, json::object extra);
  void reserve_flood(std::uint64_t n);
  std::deque<std::uint64_t>& queue_for(const std::string& system_id) { return queues_[system_id]; }
  void requeue_front(std::uint64_t mo);
  bool record_mo(std::uint64_t mo) const { return opt_.flood_records || !mos_[mo].flood; }
  std::optional<std::uint64_t> next_mo(const std::string& system_id, bool& rate_limited);
  void pump();
  std::vector<connection_ptr> pumpable(std::vector<bind_room>& rooms) const;
  void send_mo(const connection_ptr& c, std::uint64_t mo, steady::time_point now);
  void make_flood_message(std::uint64_t n, smpp::deliver_sm& d);
  std::string flood_source(std::uint64_t n) const;
  void on_mo_resp(const connection_ptr& c, std::uint32_t seq, std::uint32_t status,
                  const char* what);
  void finish_mo(std::uint64_t mo, bool ok);
  void schedule_retry(std::uint64_t mo);
  awaitable<void> retry_loop();
  awaitable<void> timeout_loop();

  // smsc_scripts.cpp: scripts: dialogues, their MO and wait steps
  void start_sources();
  std::size_t receiving_binds() const;
  void start_script(const script& s);
  awaitable<void> run_dialogue(std::shared_ptr<dialogue_run> r);
  awaitable<std::string> run_mo_step(std::shared_ptr<dialogue_run> r, const mo_step& mo,
                                     json::object base);
  awaitable<std::string> run_wait_step(std::shared_ptr<dialogue_run> r, const wait_step& w,
                                       json::object base);
  void end_dialogue(dialogue_run& r, std::size_t line, const std::string& error);
  void offer_submit(seen_submit s);

  // smsc_control.cpp: the control channel, the flood report, stats, --exit-when-done
  void report_flood();
  json::array flood_shares() const;
  static double cpu_seconds();
  static json::object latency_json(const latency_summary& l);
  json::object stats();
  void write_stats();
  void check_done();
  bool open_control();
  awaitable<void> control_loop();
  void on_control(const std::string& line);

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
  round_robin spread_;             // which bind gets the next MO
  std::deque<bind_share> shares_;  // every receiving bind so far (deque: connections point in)
  smpp::pdu flood_pdu_{smpp::command_status::esme_rok, 0, smpp::deliver_sm{}};
  std::vector<std::string> flood_segments_;

  std::size_t scripts_running_ = 0, dialogues_running_ = 0;
  std::vector<seen_submit> seen_;
  std::list<std::shared_ptr<dialogue_run>> waiters_;
};

}  // namespace lapord::smsc_sim
