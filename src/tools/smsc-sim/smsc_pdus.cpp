// Incoming PDUs: each frame decoded once and dispatched by type; binds, enquire_link, unbind,
// submit_sm / data_sm (recorded, answered, offered to waiting dialogues) and MO responses.

#include "smsc_server.hpp"

namespace lapord::smsc_sim {

void smsc::on_frame(const connection_ptr& c, std::span<const std::uint8_t> frame) {
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

template <class Bind>
void smsc::on_bind(const connection_ptr& c, const smpp::pdu& p, const Bind& b, bind_mode mode) {
  using resp_t =
      std::conditional_t<std::is_same_v<Bind, smpp::bind_transmitter>, smpp::bind_transmitter_resp,
                         std::conditional_t<std::is_same_v<Bind, smpp::bind_receiver>,
                                            smpp::bind_receiver_resp, smpp::bind_transceiver_resp>>;
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
  if (c->receives()) {
    shares_.push_back(bind_share{c->id, c->system_id});
    c->share = &shares_.back();
    start_sources();
  }
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::bind_transmitter& b) {
  on_bind(c, p, b, bind_mode::transmitter);
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::bind_receiver& b) {
  on_bind(c, p, b, bind_mode::receiver);
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::bind_transceiver& b) {
  on_bind(c, p, b, bind_mode::transceiver);
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::enquire_link&) {
  bool answered = !withheld(c, raw(smpp::command_id::enquire_link));
  json::object o{{"conn", c->id}, {"answered", answered}};
  if (!c->system_id.empty()) o["system_id"] = c->system_id;
  records_.write("enquire_link", o);
  respond(c, raw(smpp::command_id::enquire_link),
          smpp::pdu{smpp::command_status::esme_rok, p.sequence_number, smpp::enquire_link_resp{}});
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::enquire_link_resp&) {
  records_.write("enquire_link_resp", {{"conn", c->id}, {"seq", p.sequence_number}});
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::unbind&) {
  records_.write("unbind", {{"conn", c->id}, {"system_id", c->system_id}, {"by", "esme"}});
  respond(c, raw(smpp::command_id::unbind),
          smpp::pdu{smpp::command_status::esme_rok, p.sequence_number, smpp::unbind_resp{}});
  close_after_write(c, "unbind");
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu&, const smpp::unbind_resp&) {
  close(c, c->unbinding ? "shutdown" : "unbind_resp");
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::submit_sm& s) {
  on_submit(c, p, s, false);
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::data_sm& d) {
  on_submit(c, p, d, true);
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::deliver_sm_resp&) {
  on_mo_resp(c, p.sequence_number, raw(p.status), "deliver_sm_resp");
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::data_sm_resp&) {
  on_mo_resp(c, p.sequence_number, raw(p.status), "data_sm_resp");
}

void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const smpp::generic_nack&) {
  records_.write("generic_nack", {{"conn", c->id},
                                  {"seq", p.sequence_number},
                                  {"status", raw(p.status)},
                                  {"status_name", status_name(raw(p.status))}});
  if (c->flights.count(p.sequence_number))
    on_mo_resp(c, p.sequence_number,
               p.status == smpp::command_status::esme_rok ? raw(smpp::command_status::esme_rsyserr)
                                                          : raw(p.status),
               "generic_nack");
}

// Anything else an ESME has no business sending to an SMSC.
template <class Body>
void smsc::on_pdu(const connection_ptr& c, const smpp::pdu& p, const Body&) {
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

// The status a submit_sm / data_sm gets: ESME_RINVBNDSTS on a receiver, or a throttle fault's.
std::uint32_t smsc::submit_status(const connection_ptr& c, bool is_data) {
  if (!c->transmits()) return raw(smpp::command_status::esme_rinvbndsts);
  auto* f = active_fault(fault_kind::throttle, c);
  if (!f) return 0;
  ++f->seen;
  bool hit = f->throttle == throttle_mode::all ||
             (f->throttle == throttle_mode::first && f->seen <= f->n) ||
             (f->throttle == throttle_mode::every && f->seen % f->n == 0);
  if (!hit) return 0;
  note_fault(c, *f,
             "answered " + std::string(is_data ? "data_sm" : "submit_sm") + " with " +
                 status_name(f->status));
  return f->status;
}

template <class Sm>
void smsc::on_submit(const connection_ptr& c, const smpp::pdu& p, const Sm& s, bool is_data) {
  auto request_id = raw(Sm::id);
  std::uint32_t status = submit_status(c, is_data);
  std::string message_id;
  if (status == 0) message_id = format_message_id(next_message_id_++, opt_.message_id_hex);
  bool answered = !withheld(c, request_id);
  const bool receipt =
      status == 0 &&
      (opt_.receipts == receipts_mode::all ||
       (opt_.receipts == receipts_mode::requested && (s.registered_delivery & 0x03) != 0));
  const bool offered = status == 0 && dialogues_running_ > 0;
  // The text is read from the record's JSON (one decoding for both). With --no-submit-records
  // the JSON is made only when a receipt or a waiting dialogue needs the text: a benchmark's
  // replies then cost the simulator no JSON at all.
  std::string text;
  if (opt_.submit_records || receipt || offered) {
    json::object o;
    if constexpr (std::is_same_v<Sm, smpp::data_sm>) {
      o = data_sm_json(s);
    } else {
      o = sm_json(s);
    }
    if (auto it = o.find("text"); it != o.end()) text = std::string(it->value().get_string());
    if (opt_.submit_records) {
      o["conn"] = c->id;
      o["system_id"] = c->system_id;
      o["seq"] = p.sequence_number;
      o["status"] = status;
      o["status_name"] = status_name(status);
      o["message_id"] = message_id;
      o["answered"] = answered;
      records_.write(is_data ? "data_sm" : "submit_sm", o);
    }
  }
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
  if (receipt)
    schedule_receipt(c->system_id, s.source_addr, s.source_addr_ton, s.source_addr_npi,
                     s.destination_addr, s.dest_addr_ton, s.dest_addr_npi, message_id, text);
  if (!offered) return;
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

}  // namespace lapord::smsc_sim
