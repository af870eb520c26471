#include "lapord/lapor/ussd/screens.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "lapor/lines.hpp"
#include "lapord/lapor/service.hpp"
#include "lapord/lapor/words.hpp"
#include "lapord/text/gsm7.hpp"

namespace lapord::lapor::ussd {
namespace {

struct screen_spec {
  std::string_view id;
  std::array<std::string_view, 2> placeholders;
};

constexpr std::array<screen_spec, 18> specs = {{
    {screen::menu, {}},
    {screen::ask_keyword, {}},
    {screen::confirm_keyword, {"institution"}},
    {screen::ask_text, {}},
    {screen::confirm, {"institution"}},
    {screen::filed, {"ref", "institution"}},
    {screen::filed_duplicate, {"ref"}},
    {screen::filing_failed, {"number"}},
    {screen::cancelled, {}},
    {screen::ask_ref, {}},
    {screen::help, {"number"}},
    {screen::too_many_wrong, {}},
    {screen::expired, {}},
    {screen::busy, {}},
    {screen::wrong_choice, {}},
    {screen::unknown_keyword, {}},
    {screen::text_too_short, {}},
    {screen::ref_not_digits, {}},
}};

// Which screens each hint is shown above (the engine's choices).
struct hint_use {
  std::string_view hint;
  std::string_view below;
};
constexpr std::array<hint_use, 6> hint_uses = {{
    {screen::wrong_choice, screen::menu},
    {screen::wrong_choice, screen::confirm_keyword},
    {screen::wrong_choice, screen::confirm},
    {screen::unknown_keyword, screen::ask_keyword},
    {screen::text_too_short, screen::ask_text},
    {screen::ref_not_digits, screen::ask_ref},
}};

const screen_spec* spec_of(std::string_view id) {
  for (auto& s : specs) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

// The value that costs the most septets (an unencodable one counts as the longest).
std::string longest(const std::vector<std::string>& values) {
  std::string best;
  std::size_t best_len = 0;
  for (auto& v : values) {
    std::size_t len = text::gsm_septet_count(v).value_or(v.size() * 2 + 1);
    if (len >= best_len) {
      best = v;
      best_len = len;
    }
  }
  return best;
}

}  // namespace

screen_limits limits_for(const lapor::service& service, std::size_t max_cost) {
  screen_limits limits;
  limits.max_cost = max_cost;
  limits.ref_digits = service.options().ref_digits;
  for (auto& i : service.dir().institutions())
    limits.institution_names.push_back(i.short_name);
  limits.institution_names.push_back(service.institution_short_name(""));
  limits.service_numbers = service.options().service_numbers;
  return limits;
}

screens screens::load(std::string_view text, std::string_view source, const screen_limits& limits) {
  screens s;
  s.source_ = std::string(source);
  std::map<std::string, int, std::less<>> line_of;
  detail::for_each_assignment(text, s.source_, [&](int number, std::string id, std::string body) {
    const screen_spec* spec = spec_of(id);
    if (spec == nullptr) throw data_error(s.source_, number, "unknown USSD screen '" + id + "'");
    if (auto it = line_of.find(id); it != line_of.end()) {
      throw data_error(
          s.source_, number,
          "USSD screen " + id + " given twice (first on line " + std::to_string(it->second) + ")");
    }
    if (body.empty()) throw data_error(s.source_, number, "USSD screen " + id + " is empty");
    for (std::size_t open = body.find('{'); open != std::string::npos;
         open = body.find('{', open + 1)) {
      std::size_t close = body.find('}', open);
      if (close == std::string::npos) {
        throw data_error(s.source_, number, "USSD screen " + id + " has an unclosed '{'");
      }
      std::string name = body.substr(open + 1, close - open - 1);
      if (name.empty() || std::find(spec->placeholders.begin(), spec->placeholders.end(), name) ==
                              spec->placeholders.end()) {
        throw data_error(s.source_, number,
                         "USSD screen " + id + " has unknown placeholder {" + name + "}");
      }
    }
    if (!text::gsm_septet_count(body)) {
      throw data_error(s.source_, number,
                       "USSD screen " + id + " has a character outside the GSM 03.38 alphabet");
    }
    line_of[id] = number;
    s.texts_.emplace(std::move(id), std::move(body));
  });
  for (auto& spec : specs) {
    if (!s.texts_.contains(spec.id)) {
      throw data_error(s.source_, 0, "USSD screen " + std::string(spec.id) + " is missing");
    }
  }

  const reply_params worst = {
      {"institution", longest(limits.institution_names)},
      {"ref", std::string(limits.ref_digits, '9')},
      {"number", longest(limits.service_numbers)},
  };
  for (auto& [id, body] : s.texts_) {
    s.worst_.push_back({id, line_of[id], fill_placeholders(body, worst)});
  }
  for (auto& use : hint_uses) {
    s.worst_.push_back(
        {std::string(use.hint) + " above " + std::string(use.below), line_of[std::string(use.hint)],
         s.with_hint(use.hint, fill_placeholders(s.texts_.find(use.below)->second, worst))});
  }
  s.check_fits(screen_encoding::gsm7, limits.max_cost, "the screen limit");
  return s;
}

std::string screens::render(std::string_view id, const reply_params& params) const {
  auto it = texts_.find(id);
  if (it == texts_.end()) throw std::out_of_range("no USSD screen " + std::string(id));
  return fill_placeholders(it->second, params);
}

std::string screens::with_hint(std::string_view hint_id, std::string_view screen_text) const {
  return render(hint_id) + "\n" + std::string(screen_text);
}

void screens::check_fits(screen_encoding e, std::size_t max, std::string_view who) const {
  for (auto& r : worst_) {
    std::size_t cost = screen_cost(r.text, e);
    if (cost > max) {
      throw data_error(source_, r.line,
                       "USSD screen " + r.id + " takes " + std::to_string(cost) + " " +
                           (e == screen_encoding::ucs2 ? "UTF-16 units" : "characters") + " in " +
                           std::string(to_string(e)) + " with the longest values; " +
                           std::string(who) + " allows " + std::to_string(max));
    }
  }
}

std::size_t screens::worst_cost(screen_encoding e) const {
  std::size_t most = 0;
  for (auto& r : worst_)
    most = std::max(most, screen_cost(r.text, e));
  return most;
}

}  // namespace lapord::lapor::ussd
