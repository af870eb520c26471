#include "lapord/lapor/ussd/engine.hpp"

#include <algorithm>
#include <array>

#include "lapord/lapor/parser.hpp"
#include "lapord/lapor/policy.hpp"
#include "lapord/lapor/ref.hpp"
#include "lapord/lapor/words.hpp"
#include "lapord/text/utf8.hpp"

namespace lapord::lapor::ussd {
namespace {

constexpr std::array<std::string_view, 9> stage_names = {"menu", "keyword",    "confirm_keyword",
                                                         "text", "confirm",    "filing",
                                                         "ref",  "looking_up", "ended"};
constexpr std::array<std::string_view, 6> step_names = {"show",    "finish", "file",
                                                        "look_up", "wait",   "drop"};

step make(step_kind kind, std::string screen, std::string_view reason) {
  step s;
  s.kind = kind;
  s.screen = std::move(screen);
  s.reason = reason;
  return s;
}

// A menu answer: "1", " 1 ", "1." all read as "1".
std::string choice_of(std::string_view input) {
  auto words = split_words(input);
  return words.size() == 1 ? words[0].key : std::string();
}

// The first `max` bytes of `s`, cut on a UTF-8 character boundary.
std::string cut_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t end = 0;
  for (std::size_t pos = 0; pos < s.size();) {
    std::size_t before = pos;
    (void)text::next_code_point(s, pos);
    if (pos > max) {
      end = before;
      break;
    }
    end = pos;
  }
  return std::string(s.substr(0, end));
}

}  // namespace

std::string_view to_string(stage s) {
  return stage_names[static_cast<std::size_t>(s)];
}

std::string_view to_string(step_kind k) {
  return step_names[static_cast<std::size_t>(k)];
}

engine::engine(const lapor::service& service, screens texts, engine_options options)
    : service_(&service), texts_(std::move(texts)), options_(options) {}

bool engine::expired(const dialogue& d, instant now) const {
  return now - d.last_input >= options_.timeout;
}

std::string engine::institution_name(const dialogue& d) const {
  if (d.institution < 0) return service_->institution_short_name("");
  return service_->dir().institutions()[static_cast<std::size_t>(d.institution)].short_name;
}

// The service number replies name: the configured one the dialled string contains ("*1708#"
// holds "1708"), else the first configured.
std::string engine::number_for(const dialogue& d) const {
  const auto& numbers = service_->options().service_numbers;
  for (auto& n : numbers) {
    if (!n.empty() && d.service_number.find(n) != std::string::npos) return n;
  }
  return numbers.empty() ? std::string() : numbers.front();
}

step engine::start(dialogue& d, const caller& who, instant now) const {
  d = dialogue{};
  d.last_input = now;
  const auto& opts = service_->options();
  address from = classify_address(who.source, who.source_ton, who.source_npi, opts.country_code);
  sender_verdict verdict = classify_sender(from, false, opts.service_numbers, opts.country_code);
  if (verdict != sender_verdict::reporter) {
    d.at = stage::ended;
    return make(step_kind::drop, {}, to_string(verdict));
  }
  d.reporter = from.value;
  d.service_number = std::string(who.service_number);
  return make(step_kind::show, texts_.render(screen::menu), "menu");
}

step engine::wrong(dialogue& d, std::string_view hint, std::string screen_text) const {
  if (++d.wrong > options_.max_wrong) {
    d.at = stage::ended;
    return make(step_kind::finish, texts_.render(screen::too_many_wrong), "too_many_wrong");
  }
  return make(step_kind::show, texts_.with_hint(hint, screen_text), "wrong_choice");
}

step engine::answer(dialogue& d, std::string_view input, instant now) const {
  if (d.at == stage::ended) {
    return make(step_kind::finish, texts_.render(screen::expired), "ended");
  }
  if (d.at == stage::filing || d.at == stage::looking_up) {
    return make(step_kind::wait, {}, "waiting");  // the network waits for our screen anyway
  }
  if (expired(d, now)) {
    d.at = stage::ended;
    return make(step_kind::finish, texts_.render(screen::expired), "timeout");
  }
  d.last_input = now;
  const std::string_view typed = trim_space(input);
  switch (d.at) {
    case stage::menu:
      return on_menu(d, typed);
    case stage::keyword:
      return on_keyword(d, typed);
    case stage::confirm_keyword:
      return on_confirm_keyword(d, typed);
    case stage::text:
      return on_text(d, typed);
    case stage::confirm:
      return on_confirm(d, typed);
    case stage::ref:
      return on_ref(d, typed);
    case stage::filing:
    case stage::looking_up:
    case stage::ended:
      break;
  }
  return make(step_kind::finish, texts_.render(screen::expired), "ended");
}

step engine::on_menu(dialogue& d, std::string_view typed) const {
  const std::string c = choice_of(typed);
  if (c == "1") {
    d.at = stage::keyword;
    d.wrong = 0;
    return make(step_kind::show, texts_.render(screen::ask_keyword), "ask_keyword");
  }
  if (c == "2") {
    d.at = stage::ref;
    d.wrong = 0;
    return make(step_kind::show, texts_.render(screen::ask_ref), "ask_ref");
  }
  if (c == "3") {
    d.at = stage::ended;
    step s =
        make(step_kind::finish, texts_.render(screen::help, {{"number", number_for(d)}}), "help");
    s.decision.kind = decision_kind::help;
    s.decision.reporter = d.reporter;
    s.decision.reason = "asked";
    return s;
  }
  return wrong(d, screen::wrong_choice, texts_.render(screen::menu));
}

step engine::on_keyword(dialogue& d, std::string_view typed) const {
  std::vector<word> words = split_words(typed);
  if (words.size() == 1 && words[0].key == "0") {
    d.institution = -1;
    d.corrected = false;
    d.at = stage::text;
    d.wrong = 0;
    return make(step_kind::show, texts_.render(screen::ask_text), "ask_text");
  }
  auto match =
      words.empty() ? std::nullopt : match_keyword(service_->dir(), service_->dictionary(), words);
  // The whole answer must be the keyword: "tangkab jalan rusak" is not an answer to this.
  if (!match || match->words != words.size()) {
    return wrong(d, screen::unknown_keyword, texts_.render(screen::ask_keyword));
  }
  const auto& all = service_->dir().institutions();
  d.institution = static_cast<std::int32_t>(match->target - all.data());
  const auto& keywords = match->target->keywords;
  d.keyword = static_cast<std::uint16_t>(
      std::find(keywords.begin(), keywords.end(), match->keyword) - keywords.begin());
  d.corrected = match->corrected;
  d.wrong = 0;
  if (d.corrected) {
    d.at = stage::confirm_keyword;
    return make(step_kind::show,
                texts_.render(screen::confirm_keyword, {{"institution", institution_name(d)}}),
                "confirm_keyword");
  }
  d.at = stage::text;
  return make(step_kind::show, texts_.render(screen::ask_text), "ask_text");
}

step engine::on_confirm_keyword(dialogue& d, std::string_view typed) const {
  const std::string c = choice_of(typed);
  if (c == "1") {
    d.at = stage::text;
    d.wrong = 0;
    return make(step_kind::show, texts_.render(screen::ask_text), "ask_text");
  }
  if (c == "2") {
    d.at = stage::keyword;
    d.institution = -1;
    d.corrected = false;
    d.wrong = 0;
    return make(step_kind::show, texts_.render(screen::ask_keyword), "ask_keyword");
  }
  return wrong(d, screen::wrong_choice,
               texts_.render(screen::confirm_keyword, {{"institution", institution_name(d)}}));
}

step engine::on_text(dialogue& d, std::string_view typed) const {
  if (!long_enough_for_complaint(typed)) {
    return wrong(d, screen::text_too_short, texts_.render(screen::ask_text));
  }
  d.input = cut_utf8(typed, options_.max_text_bytes);
  d.at = stage::confirm;
  d.wrong = 0;
  return make(step_kind::show,
              texts_.render(screen::confirm, {{"institution", institution_name(d)}}), "confirm");
}

step engine::on_confirm(dialogue& d, std::string_view typed) const {
  const std::string c = choice_of(typed);
  if (c == "1") {
    d.at = stage::filing;
    d.wrong = 0;
    step s = make(step_kind::file, {}, "file");
    s.decision = filing_decision(d);
    return s;
  }
  if (c == "2") {
    d.at = stage::ended;
    d.input.clear();
    return make(step_kind::finish, texts_.render(screen::cancelled), "cancelled");
  }
  return wrong(d, screen::wrong_choice,
               texts_.render(screen::confirm, {{"institution", institution_name(d)}}));
}

step engine::on_ref(dialogue& d, std::string_view typed) const {
  std::string ref = parse_ref(typed, service_->options().ref_digits);
  if (ref.empty()) return wrong(d, screen::ref_not_digits, texts_.render(screen::ask_ref));
  d.input = std::move(ref);
  d.wrong = 0;
  lapor::decision first = status_decision(d, {});
  if (!first.ref_valid) {
    // A wrong check digit needs no lookup: the same "not found" as CEK by SMS.
    d.at = stage::ended;
    step s = make(step_kind::finish, first.reply, "bad_ref");
    s.decision = std::move(first);
    return s;
  }
  d.at = stage::looking_up;
  step s = make(step_kind::look_up, {}, "look_up");
  s.decision = std::move(first);
  return s;
}

step engine::filed(dialogue& d, const filing_result& result, instant now) const {
  (void)now;  // the citizen waits for this screen: a slow store does not time them out
  if (d.at != stage::filing) return make(step_kind::drop, {}, "not_filing");
  d.at = stage::ended;
  switch (result.outcome) {
    case filing_outcome::created:
      return make(
          step_kind::finish,
          texts_.render(screen::filed, {{"ref", result.ref}, {"institution", institution_name(d)}}),
          "filed");
    case filing_outcome::duplicate:
      return make(step_kind::finish, texts_.render(screen::filed_duplicate, {{"ref", result.ref}}),
                  "duplicate");
    case filing_outcome::failed:
      break;
  }
  return make(step_kind::finish, texts_.render(screen::filing_failed, {{"number", number_for(d)}}),
              "filing_failed");
}

step engine::looked_up(dialogue& d, const lapor::store_facts& facts, instant now) const {
  (void)now;
  if (d.at != stage::looking_up) return make(step_kind::drop, {}, "not_looking_up");
  d.at = stage::ended;
  step s = make(step_kind::finish, {}, "status");
  s.decision = status_decision(d, facts);
  s.screen = s.decision.reply;
  s.reason = facts.status ? "found" : "not_found";
  return s;
}

// Exactly what CEK <ref> by SMS decides for this reporter: the service parses the same words.
lapor::decision engine::status_decision(const dialogue& d, const lapor::store_facts& facts) const {
  lapor::inbound in;
  in.from = d.reporter;
  in.from_ton = 1;
  in.from_npi = 1;
  in.to = number_for(d);
  in.text = "CEK " + d.input;
  in.via = channel::ussd;
  return service_->decide(in, facts);
}

lapor::decision engine::filing_decision(const dialogue& d) const {
  lapor::decision out;
  out.kind = decision_kind::complaint;
  out.reporter = d.reporter;
  out.text = d.input;
  out.duplicate_key = duplicate_key(d.input);
  out.create_complaint = true;
  out.forward = true;
  out.params = {{"number", number_for(d)}};
  if (d.institution >= 0) {
    const institution& i = service_->dir().institutions()[static_cast<std::size_t>(d.institution)];
    std::string keyword = d.keyword < i.keywords.size() ? i.keywords[d.keyword] : std::string();
    out.institution =
        routed_institution{i.code, i.name, i.short_name, keyword, d.corrected, i.kind};
    out.reply_template = reply::ack;
    out.params.emplace_back("institution", i.short_name);
    out.reason = d.corrected ? "keyword_corrected" : "keyword";
  } else {
    out.reply_template = reply::ack_national;
    out.reason = "national";
  }
  return out;
}

lapor::decision engine::complaint_decision(const lapor::decision& filing,
                                           const lapor::complaint_facts& facts) const {
  lapor::decision d = filing;
  std::string number;
  for (auto& [k, v] : filing.params) {
    if (k == "number") number = v;
  }
  // Filed and forwarded: the filing's acknowledgement stands.
  (void)service_->apply_filing_rule(d, facts, number);
  return d;
}

}  // namespace lapord::lapor::ussd
