#include "lapord/lapor/service.hpp"

#include <array>
#include <cstdio>

namespace lapord::lapor {
namespace {

constexpr std::array<std::string_view, 6> state_words = {"DITERIMA",   "DIVERIFIKASI", "DITERUSKAN",
                                                         "DITANGGAPI", "SELESAI",      "DITOLAK"};

// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
}

}  // namespace

std::string_view to_string(decision_kind k) {
  switch (k) {
    case decision_kind::complaint:
      return "complaint";
    case decision_kind::status:
      return "status";
    case decision_kind::help:
      return "help";
    case decision_kind::stop:
      return "stop";
    case decision_kind::start:
      return "start";
    case decision_kind::ignore:
      return "ignore";
  }
  return "ignore";
}

std::string_view state_word(complaint_state s) {
  return state_words[static_cast<std::size_t>(s)];
}

std::optional<complaint_state> parse_state(std::string_view word) {
  std::string key = word_key(word);
  for (std::size_t i = 0; i < state_words.size(); ++i) {
    if (state_words[i] == key) return static_cast<complaint_state>(i);
  }
  return std::nullopt;
}

service::service(directory dir, word_list dictionary, reply_templates templates,
                 service_options options, greeting_list greetings)
    : dir_(std::move(dir)),
      dictionary_(std::move(dictionary)),
      templates_(std::move(templates)),
      options_(std::move(options)),
      greetings_(std::move(greetings)) {}

reply_limits service::limits_for(const directory& dir, const service_options& options) {
  reply_limits limits;
  limits.ref_digits = options.ref_digits;
  for (auto& i : dir.institutions())
    limits.institution_names.push_back(i.short_name);
  limits.service_numbers = options.service_numbers;
  limits.hourly_limit = options.hourly_limit;
  return limits;
}

parsed_message service::parse(std::string_view text) const {
  return parse_message(text, dir_, dictionary_, parse_options{options_.ref_digits, &greetings_});
}

std::string service::reply_number(std::string_view to) const {
  auto dest = classify_address(to, 0, 1, options_.country_code);
  for (auto& n : options_.service_numbers) {
    if (classify_address(n, 0, 1, options_.country_code).value == dest.value) return n;
  }
  return options_.service_numbers.empty() ? std::string() : options_.service_numbers.front();
}

std::string service::institution_short_name(std::string_view code) const {
  if (const institution* i = dir_.find_code(code)) return i->short_name;
  return templates_.text(reply::national_desk);
}

std::string service::format_date(std::int64_t unix_seconds) const {
  std::int64_t local = unix_seconds + options_.utc_offset.count() * 60;
  std::int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%02u-%02u-%04d", d, m, y);
  return buf.data();
}

decision service::decide(const inbound& in, const store_facts& facts) const {
  return decide(in, parse(in.text), facts);
}

decision service::decide(const inbound& in, const parsed_message& p,
                         const store_facts& facts) const {
  decision d;
  address from = classify_address(in.from, in.from_ton, in.from_npi, options_.country_code);
  sender_verdict who =
      classify_sender(from, in.is_receipt, options_.service_numbers, options_.country_code);
  if (who != sender_verdict::reporter) {
    d.kind = decision_kind::ignore;
    d.reason = to_string(who);
    return d;
  }
  d.reporter = from.value;
  const std::string number = reply_number(in.to);
  auto reply_with = [&](std::string_view id, reply_params params) {
    d.reply_template = id;
    d.params = std::move(params);
    d.reply = templates_.render(id, d.params);
  };

  switch (p.what) {
    case command::help:
      d.kind = decision_kind::help;
      d.reason = p.why == help_reason::too_short ? "too_short"
                 : p.why == help_reason::empty   ? "empty"
                                                 : "asked";
      reply_with(reply::help, {{"number", number}});
      return d;
    case command::cek_help:
      d.kind = decision_kind::help;
      d.reason = "cek_without_ref";
      reply_with(reply::help_cek, {{"number", number}});
      return d;
    case command::stop:
      d.kind = decision_kind::stop;
      reply_with(reply::stop, {{"number", number}});
      return d;
    case command::start:
      d.kind = decision_kind::start;
      reply_with(reply::start, {{"number", number}});
      return d;
    case command::status:
      d.kind = decision_kind::status;
      d.ref = p.ref;
      d.ref_valid = is_valid_ref(p.ref, options_.ref_digits);
      // A wrong check digit, an unknown ref and someone else's ref all read the same.
      if (d.ref_valid && facts.status) {
        d.reason = "found";
        reply_with(reply::status,
                   {{"ref", p.ref},
                    {"state", std::string(state_word(facts.status->state))},
                    {"institution", institution_short_name(facts.status->institution_code)},
                    {"date", format_date(facts.status->changed_at_unix)}});
      } else {
        d.reason = d.ref_valid ? "not_found" : "bad_ref";
        reply_with(reply::not_found, {{"ref", p.ref}, {"number", number}});
      }
      return d;
    case command::complaint:
      break;
  }

  d.kind = decision_kind::complaint;
  d.confidential = p.confidential;
  d.text = p.text;
  d.duplicate_key = duplicate_key(p.text);
  if (p.keyword) {
    const institution& i = *p.keyword->target;
    d.institution = routed_institution{
        i.code, i.name,        i.short_name, p.keyword->keyword, p.keyword->corrected,
        i.kind, p.keyword->via};
  }
  file(d, p, facts.complaint, number);
  return d;
}

void service::file(decision& d, const parsed_message& p, const complaint_facts& facts,
                   const std::string& number) const {
  if (!apply_filing_rule(d, facts, number)) return;
  d.reason = std::string(to_string(p.routed_by()));
  if (p.keyword && p.keyword->corrected) d.reason += "_corrected";
  d.reply_template = p.keyword ? reply::ack : reply::ack_national;
  // Room for both at once: no list copied in and no vector grown by the second (every MO).
  d.params.clear();
  d.params.reserve(2);
  d.params.emplace_back("number", number);
  if (p.keyword) d.params.emplace_back("institution", p.keyword->target->short_name);
  // the reply waits for the ref: render_reply()
}

decision service::decide_again(const inbound& in, const parsed_message& p, const decision& first,
                               const store_facts& facts) const {
  if (first.kind != decision_kind::complaint) return decide(in, p, facts);
  // What decide() has set when it comes to the filing rule, and nothing else.
  decision d;
  d.kind = first.kind;
  d.reporter = first.reporter;
  d.confidential = first.confidential;
  d.text = first.text;
  d.duplicate_key = first.duplicate_key;
  d.institution = first.institution;
  file(d, p, facts.complaint, reply_number(in.to));
  return d;
}

bool service::decides_as_first(const decision& first, const store_facts& facts) const {
  // decide() read `first` with no facts: the filing rule is all decide_again() decides anew.
  const complaint_facts& f = facts.complaint;
  const complaint_facts none;
  return first.kind == decision_kind::complaint && !f.duplicate_ref &&
         rate_limit(f.complaints_last_hour, options_.hourly_limit, f.told_rate_limit_within_hour) ==
             rate_limit(none.complaints_last_hour, options_.hourly_limit,
                        none.told_rate_limit_within_hour);
}

bool service::apply_filing_rule(decision& d, const complaint_facts& facts,
                                const std::string& number) const {
  const rate_verdict rate = rate_limit(facts.complaints_last_hour, options_.hourly_limit,
                                       facts.told_rate_limit_within_hour);
  // The rule answers for itself (or not at all) in every case but "filed and forwarded".
  auto reply_with = [&](std::string_view id, reply_params params) {
    d.reply_template = id;
    d.params = std::move(params);
    d.reply = templates_.render(id, d.params);
  };
  auto answer_rate = [&] {
    d.reply_template.clear();
    d.params.clear();
    d.reply.clear();
    if (rate == rate_verdict::hold_tell) {
      reply_with(reply::rate_limited,
                 {{"limit", std::to_string(options_.hourly_limit)}, {"number", number}});
    }
  };
  if (facts.duplicate_ref) {
    d.ref = *facts.duplicate_ref;
    d.reason = "duplicate";
    d.create_complaint = false;
    d.forward = false;
    if (rate == rate_verdict::forward) {
      reply_with(reply::duplicate, {{"ref", d.ref}, {"number", number}});
    } else {
      answer_rate();
    }
    return false;
  }
  d.create_complaint = true;
  d.forward = rate == rate_verdict::forward;
  if (d.forward) return true;
  d.reason = rate == rate_verdict::hold_tell ? "rate_limited_told" : "rate_limited";
  answer_rate();
  return false;
}

std::string service::render_reply(const decision& d, std::string_view new_ref) const {
  if (d.reply_template.empty()) return {};
  return templates_.render(d.reply_template, d.params, "ref", new_ref);
}

std::string service::notification(std::string_view ref, complaint_state state,
                                  std::string_view institution_code,
                                  std::string_view message) const {
  return templates_.render(reply::notification,
                           {{"ref", std::string(ref)},
                            {"state", std::string(state_word(state))},
                            {"institution", institution_short_name(institution_code)},
                            {"message", std::string(message)}});
}

}  // namespace lapord::lapor
