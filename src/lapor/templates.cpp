#include "lapord/lapor/templates.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

#include "lapor/lines.hpp"
#include "lapord/lapor/words.hpp"
#include "lapord/text/gsm7.hpp"

namespace lapord::lapor {
namespace {

constexpr std::size_t segment_septets = 160;

struct template_spec {
  std::string_view id;
  std::array<std::string_view, 4> placeholders;
  bool quotes_text;  // holds someone's text: checked without it
};

constexpr std::array<template_spec, 12> specs = {{
    {reply::ack, {"ref", "institution", "number"}, false},
    {reply::ack_national, {"ref", "number"}, false},
    {reply::status, {"ref", "state", "institution", "date"}, false},
    {reply::not_found, {"ref", "number"}, false},
    {reply::help, {"number"}, false},
    {reply::help_cek, {"number"}, false},
    {reply::stop, {"number"}, false},
    {reply::start, {"number"}, false},
    {reply::duplicate, {"ref", "number"}, false},
    {reply::rate_limited, {"limit", "number"}, false},
    {reply::notification, {"ref", "state", "institution", "message"}, true},
    {reply::national_desk, {}, false},
}};

constexpr std::array<std::string_view, 6> states = {"DITERIMA",   "DIVERIFIKASI", "DITERUSKAN",
                                                    "DITANGGAPI", "SELESAI",      "DITOLAK"};

const template_spec* spec_of(std::string_view id) {
  for (auto& s : specs) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

// Names of the placeholders in a template, in order; nullopt name = an unclosed '{'.
std::vector<std::string> placeholders_in(std::string_view t, bool& unclosed) {
  std::vector<std::string> out;
  unclosed = false;
  for (std::size_t i = t.find('{'); i != std::string_view::npos; i = t.find('{', i + 1)) {
    std::size_t close = t.find('}', i);
    if (close == std::string_view::npos) {
      unclosed = true;
      break;
    }
    out.emplace_back(t.substr(i + 1, close - i - 1));
  }
  return out;
}

// The value of `values` that costs the most septets (an unencodable one counts as too long).
std::string longest(const std::vector<std::string>& values) {
  std::string best;
  std::size_t best_len = 0;
  for (auto& v : values) {
    std::size_t len = gsm_septets(v).value_or(segment_septets + 1);
    if (len >= best_len) {
      best = v;
      best_len = len;
    }
  }
  return best;
}

}  // namespace

std::string fill_placeholders(std::string_view t, const reply_params& params) {
  return fill_placeholders(t, params, {}, {});  // "{}" finds the empty value either way
}

std::string fill_placeholders(std::string_view t, const reply_params& params,
                              std::string_view extra_name, std::string_view extra_value) {
  std::string out;
  out.reserve(t.size() + 64);  // a reply's values: one allocation, not one a doubling
  std::size_t i = 0;
  while (i < t.size()) {
    std::size_t open = t.find('{', i);
    if (open == std::string_view::npos) break;
    std::size_t close = t.find('}', open);
    if (close == std::string_view::npos) break;
    out += t.substr(i, open - i);
    std::string_view name = t.substr(open + 1, close - open - 1);
    auto it = std::find_if(params.begin(), params.end(), [&](auto& p) { return p.first == name; });
    if (it != params.end()) {
      out += it->second;
    } else if (name == extra_name) {
      out += extra_value;
    }
    i = close + 1;
  }
  out += t.substr(i);
  return out;
}

std::optional<std::size_t> gsm_septets(std::string_view utf8) {
  return text::gsm_septet_count(utf8);
}

std::span<const std::string_view> reply_templates::state_words() {
  return states;
}

reply_templates reply_templates::load(std::string_view text, std::string_view source,
                                      const reply_limits& limits) {
  reply_templates t;
  std::string src(source);
  std::map<std::string, int, std::less<>> line_of;
  detail::for_each_assignment(text, src, [&](int number, std::string id, std::string body) {
    const template_spec* spec = spec_of(id);
    if (spec == nullptr) throw data_error(src, number, "unknown reply template '" + id + "'");
    if (t.texts_.contains(id)) {
      throw data_error(src, number,
                       "reply template " + id + " given twice (first on line " +
                           std::to_string(line_of[id]) + ")");
    }
    if (body.empty()) throw data_error(src, number, "reply template " + id + " is empty");
    bool unclosed = false;
    for (auto& name : placeholders_in(body, unclosed)) {
      if (std::find(spec->placeholders.begin(), spec->placeholders.end(), name) ==
              spec->placeholders.end() ||
          name.empty()) {
        throw data_error(src, number,
                         "reply template " + id + " has unknown placeholder {" + name + "}");
      }
    }
    if (unclosed) throw data_error(src, number, "reply template " + id + " has an unclosed '{'");
    if (!gsm_septets(body)) {
      throw data_error(src, number,
                       "reply template " + id + " has a character outside the GSM 03.38 alphabet");
    }
    line_of[id] = number;
    t.texts_.emplace(std::move(id), std::move(body));
  });
  for (auto& s : specs) {
    if (!t.texts_.contains(s.id)) {
      throw data_error(src, 0, "reply template " + std::string(s.id) + " is missing");
    }
  }

  // The worst case of every placeholder, then every template rendered with it.
  std::vector<std::string> names = limits.institution_names;
  names.push_back(t.texts_.at(std::string(reply::national_desk)));
  reply_params worst = {
      {"ref", std::string(limits.ref_digits, '9')},
      {"institution", longest(names)},
      {"number", longest(limits.service_numbers)},
      {"state", longest(std::vector<std::string>(states.begin(), states.end()))},
      {"date", "31-12-2099"},
      {"limit", std::to_string(limits.hourly_limit)},
      {"message", ""},
  };
  for (auto& [id, body] : t.texts_) {
    std::string rendered = fill_placeholders(body, worst);
    auto septets = gsm_septets(rendered);
    const template_spec* spec = spec_of(id);
    if (!septets || *septets > segment_septets) {
      throw data_error(src, line_of[id],
                       "reply template " + id + " takes " +
                           (septets ? std::to_string(*septets) : std::string("non-GSM")) +
                           " septets with the longest values (" + rendered + "); the limit is " +
                           std::to_string(segment_septets) +
                           (spec->quotes_text ? " before the quoted text" : ""));
    }
  }
  return t;
}

const std::string& reply_templates::text(std::string_view id) const {
  auto it = texts_.find(id);
  if (it == texts_.end()) throw std::out_of_range("no reply template " + std::string(id));
  return it->second;
}

std::string reply_templates::render(std::string_view id, const reply_params& params) const {
  return fill_placeholders(text(id), params);
}

std::string reply_templates::render(std::string_view id, const reply_params& params,
                                    std::string_view name, std::string_view value) const {
  return fill_placeholders(text(id), params, name, value);
}

}  // namespace lapord::lapor
