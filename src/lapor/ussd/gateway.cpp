#include "lapord/lapor/ussd/gateway.hpp"

#include "lapord/text/short_message.hpp"

namespace lapord::lapor::ussd {
namespace {

reply_context context_of(const message_in& m) {
  reply_context c;
  if (m.its_session_info) {
    c.has_its_session_info = true;
    c.its_session_info = *m.its_session_info;
  }
  if (m.user_message_reference) {
    c.has_user_message_reference = true;
    c.user_message_reference = *m.user_message_reference;
  }
  c.source_ton = m.source_addr_ton;
  c.source_npi = m.source_addr_npi;
  c.destination_ton = m.dest_addr_ton;
  c.destination_npi = m.dest_addr_npi;
  return c;
}

action with_reply(message_out reply, bool ended, std::string_view reason) {
  action a;
  a.kind = action_kind::reply;
  a.reply = std::move(reply);
  a.ended = ended;
  a.reason = reason;
  return a;
}

action nothing(std::string_view reason, bool ended) {
  action a;
  a.kind = action_kind::none;
  a.ended = ended;
  a.reason = reason;
  return a;
}

}  // namespace

bool is_ussd(const profile& p, std::string_view service_type,
             std::optional<std::uint8_t> ussd_service_op) {
  return ussd_service_op.has_value() || (!p.service_type.empty() && service_type == p.service_type);
}

bool is_ussd(const profile& p, const message_in& m) {
  return is_ussd(p, m.service_type, m.ussd_service_op);
}

std::string_view to_string(action_kind k) {
  switch (k) {
    case action_kind::reply:
      return "reply";
    case action_kind::file:
      return "file";
    case action_kind::look_up:
      return "look_up";
    case action_kind::none:
      return "none";
  }
  return "none";
}

gateway::gateway(const engine& e, profile p, std::size_t max_dialogues)
    : engine_(&e), profile_(std::move(p)), table_(max_dialogues, e.options().timeout) {
  check(profile_);
  e.texts().check_fits(profile_.encoding, profile_.max_screen,
                       "profile " + profile_.name + "'s max_screen");
}

session_key gateway::key_of(const message_in& m) const {
  return session_key_of(profile_, m);
}

session_key session_key_of(const profile& p, const message_in& m) {
  session_key k{m.source_addr, 0};
  switch (p.session_key) {
    case session_key_source::its_session_info:
      if (m.its_session_info) k.id = 0x10000U | (*m.its_session_info >> 8);
      break;
    case session_key_source::user_message_reference:
      if (m.user_message_reference) k.id = 0x20000U | *m.user_message_reference;
      break;
    case session_key_source::msisdn:
      break;
  }
  return k;
}

message_out gateway::make_reply(std::string_view citizen, std::string_view number,
                                const reply_context& ctx, std::string_view screen,
                                bool last) const {
  message_out s;
  s.service_type = profile_.service_type;
  s.source_addr_ton = ctx.destination_ton;
  s.source_addr_npi = ctx.destination_npi;
  s.source_addr = std::string(number);
  s.dest_addr_ton = ctx.source_ton;
  s.dest_addr_npi = ctx.source_npi;
  s.destination_addr = std::string(citizen);
  s.data_coding = reply_data_coding(profile_);
  // Fixed screens were checked at load; a screen with the store's or the citizen's words is
  // cut here, on a character boundary, to the carrier's limit.
  s.octets =
      encode_screen(fit_screen(screen, profile_.encoding, profile_.max_screen), profile_.encoding);
  s.ussd_service_op = last ? profile_.reply_end_op : profile_.reply_continue_op;
  if (profile_.echo_session_info && ctx.has_its_session_info) {
    s.its_session_info = reply_session_info(ctx.its_session_info, last, profile_.sequence);
  }
  if (profile_.echo_user_message_reference && ctx.has_user_message_reference) {
    s.user_message_reference = ctx.user_message_reference;
  }
  return s;
}

action gateway::finish_step(dialogue_table::entry& e, step s, instant now) {
  switch (s.kind) {
    case step_kind::show: {
      table_.touch(e, now);
      return with_reply(
          make_reply(e.key.msisdn, e.state.service_number, e.context, s.screen, false), false,
          s.reason);
    }
    case step_kind::finish: {
      action a =
          with_reply(make_reply(e.key.msisdn, e.state.service_number, e.context, s.screen, true),
                     true, s.reason);
      a.decision = std::move(s.decision);
      table_.erase(e);
      return a;
    }
    case step_kind::file:
    case step_kind::look_up: {
      table_.touch(e, now);
      action a;
      a.kind = s.kind == step_kind::file ? action_kind::file : action_kind::look_up;
      a.ticket = table_.ticket_of(e);
      a.decision = std::move(s.decision);
      a.reason = s.reason;
      return a;
    }
    case step_kind::wait:
      return nothing(s.reason, false);
    case step_kind::drop:
      break;
  }
  table_.erase(e);
  return nothing(s.reason, true);
}

action gateway::on_deliver(const message_in& pdu, instant now) {
  const session_key key = key_of(pdu);
  dialogue_table::entry* e = table_.find(key, now);
  const op_meaning meaning = meaning_of(profile_, pdu.ussd_service_op, e != nullptr);

  switch (meaning) {
    case op_meaning::end:
    case op_meaning::abort:
      if (e == nullptr) return nothing("unknown_session", true);
      ++stats_.aborted;
      table_.erase(*e);
      return nothing(meaning == op_meaning::abort ? "abort" : "network_end", true);
    case op_meaning::begin: {
      // Dialling again starts fresh, under a new ticket: an answer still due for the old
      // dialogue (a filing, a lookup) must not land on the new one.
      if (e != nullptr) table_.erase(*e);
      e = table_.insert(key, now);
      if (e == nullptr) {
        ++stats_.refused_busy;
        return with_reply(make_reply(pdu.source_addr, pdu.destination_addr, context_of(pdu),
                                     engine_->texts().render(screen::busy), true),
                          true, "busy");
      }
      e->context = context_of(pdu);
      ++stats_.begun;
      step s = engine_->start(
          e->state,
          caller{pdu.source_addr, pdu.source_addr_ton, pdu.source_addr_npi, pdu.destination_addr},
          now);
      return finish_step(*e, std::move(s), now);
    }
    case op_meaning::next:
      break;
  }
  if (e == nullptr) {
    // An answer to a dialogue we no longer have (timed out, or lapord restarted): close the
    // network's side with a last screen.
    return with_reply(make_reply(pdu.source_addr, pdu.destination_addr, context_of(pdu),
                                 engine_->texts().render(screen::expired), true),
                      true, "expired");
  }
  e->context = context_of(pdu);
  text::decode_options options;
  options.gsm_packed = profile_.encoding == screen_encoding::gsm7_packed;
  std::optional<std::string_view> payload;
  if (pdu.message_payload) payload = *pdu.message_payload;
  // The same reader as an SMS's text (text::read_mo_text), in this profile's 7-bit packing.
  const text::mo_text typed =
      text::read_mo_text(pdu.esm_class, pdu.data_coding, pdu.short_message, payload, options);
  step s = engine_->answer(e->state, typed.utf8, now);
  return finish_step(*e, std::move(s), now);
}

bool gateway::continues(const message_in& pdu, instant now) {
  dialogue_table::entry* e = table_.find(key_of(pdu), now);
  if (e == nullptr) return false;
  if (meaning_of(profile_, pdu.ussd_service_op, true) != op_meaning::begin) return true;
  table_.erase(*e);
  return false;
}

action gateway::filed(dialogue_ticket ticket, const filing_result& result, instant now) {
  if (result.outcome != filing_outcome::failed) ++stats_.filed;
  dialogue_table::entry* e = table_.get(ticket, now);
  if (e == nullptr) return nothing("gone", true);
  return finish_step(*e, engine_->filed(e->state, result, now), now);
}

action gateway::looked_up(dialogue_ticket ticket, const lapor::store_facts& facts, instant now) {
  dialogue_table::entry* e = table_.get(ticket, now);
  if (e == nullptr) return nothing("gone", true);
  return finish_step(*e, engine_->looked_up(e->state, facts, now), now);
}

const dialogue_table::entry* gateway::peek(const session_key& key, instant now) {
  return table_.find(key, now);
}

bool gateway::adopt(const session_key& key, dialogue d, const reply_context& c, instant now) {
  dialogue_table::entry* e = table_.find(key, now);
  if (e == nullptr) e = table_.insert(key, now);
  if (e == nullptr) return false;
  e->state = std::move(d);
  e->context = c;
  return true;
}

void gateway::forget(const session_key& key, instant now) {
  if (dialogue_table::entry* e = table_.find(key, now)) table_.erase(*e);
}

std::size_t gateway::expire(instant now) {
  std::size_t n = table_.expire(now);
  stats_.expired += n;
  return n;
}

}  // namespace lapord::lapor::ussd
