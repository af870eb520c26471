#include "lapord/lapor/greetings.hpp"

#include <algorithm>
#include <optional>

#include "lapor/edit_distance.hpp"
#include "lapor/lines.hpp"

namespace lapord::lapor {
namespace {

std::optional<lead_phrase> kind_of(std::string_view word) {
  lead_phrase p;
  if (word == "greeting") {
    p.kind = lead_kind::greeting;
  } else if (word == "address") {
    p.kind = lead_kind::address;
  } else if (word == "letter") {
    p.kind = lead_kind::letter;
  } else if (word == "kabupaten" || word == "kota" || word == "provinsi") {
    p.kind = lead_kind::title;
    p.title_of = word == "kabupaten" ? institution_kind::kabupaten
                 : word == "kota"    ? institution_kind::kota
                                     : institution_kind::provinsi;
  } else {
    return std::nullopt;
  }
  return p;
}

// The slot of an addressable kind in names_, or none for lembaga.
std::optional<std::size_t> slot(institution_kind k) {
  switch (k) {
    case institution_kind::provinsi:
      return 0;
    case institution_kind::kabupaten:
      return 1;
    case institution_kind::kota:
      return 2;
    case institution_kind::lembaga:
      break;
  }
  return std::nullopt;
}

std::string_view generated_prefix(institution_kind k) {
  return k == institution_kind::kabupaten ? "KAB" : k == institution_kind::kota ? "KOTA" : "PROV";
}

std::string joined(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys)
    out += k;
  return out;
}

}  // namespace

greeting_list greeting_list::load(std::string_view text, std::string_view source,
                                  const directory& dir) {
  greeting_list g;
  const std::string src(source);
  std::unordered_map<std::string, int> seen;  // joined entry -> its line
  auto check_word = [&](const std::string& key, int line, std::string_view what) {
    if (dir.find_keyword(key) != nullptr) {
      throw data_error(src, line,
                       std::string(what) + " " + key + " is a keyword of " +
                           dir.find_keyword(key)->code + " (" + dir.find_keyword(key)->name +
                           "): it would be set aside and never route");
    }
    if (is_command_word(key)) {
      throw data_error(src, line,
                       std::string(what) + " " + key + " is a command word: it would never work");
    }
  };
  detail::for_each_entry(text, [&](int number, std::string_view line) {
    std::size_t space = line.find_first_of(" \t");
    std::string_view kind_word = line.substr(0, space);
    auto phrase = kind_of(kind_word);
    if (!phrase) {
      throw data_error(src, number,
                       "'" + std::string(kind_word) +
                           "' is not one of greeting, address, letter, kabupaten, kota, provinsi");
    }
    std::string_view rest = space == std::string_view::npos ? "" : line.substr(space);
    for (const word& w : split_words(rest)) {
      if (count_letters(w.key) == 0 &&
          std::none_of(w.key.begin(), w.key.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        throw data_error(src, number, "'" + w.key + "' has no letter or digit");
      }
      check_word(w.key, number, "word");
      phrase->keys.push_back(w.key);
    }
    if (phrase->keys.empty())
      throw data_error(src, number, "no words after " + std::string(kind_word));
    std::string whole = joined(phrase->keys);
    if (phrase->keys.size() > 1) check_word(whole, number, "entry");
    // Word for word: `di tempat` and `ditempat` are two entries.
    std::string spaced;
    for (const auto& k : phrase->keys)
      spaced += (spaced.empty() ? "" : " ") + k;
    if (auto [it, inserted] = seen.emplace(spaced, number); !inserted) {
      throw data_error(src, number,
                       "entry " + spaced + " is already on line " + std::to_string(it->second));
    }
    g.by_first_[phrase->keys.front()].push_back(g.phrases_.size());
    g.phrases_.push_back(std::move(*phrase));
  });
  for (const institution& i : dir.institutions()) {
    auto s = slot(i.kind);
    if (!s) continue;
    const std::string base = keyword_base(i.name);
    auto& names = g.names_[*s];
    names.emplace(base, i.code);
    const std::string prefix = std::string(generated_prefix(i.kind)) + base;
    for (const std::string& k : i.keywords) {
      if (k != prefix && k != base) names.emplace(k, i.code);
    }
  }
  return g;
}

const lead_phrase* greeting_list::match(std::span<const word> words,
                                        std::initializer_list<lead_kind> kinds) const {
  if (words.empty()) return nullptr;
  auto it = by_first_.find(words[0].key);
  if (it == by_first_.end()) return nullptr;
  const lead_phrase* best = nullptr;
  for (std::size_t index : it->second) {
    const lead_phrase& p = phrases_[index];
    if (std::find(kinds.begin(), kinds.end(), p.kind) == kinds.end()) continue;
    if (p.keys.size() > words.size() || (best != nullptr && best->keys.size() >= p.keys.size())) {
      continue;
    }
    bool all = true;
    for (std::size_t k = 1; k < p.keys.size() && all; ++k)
      all = words[k].key == p.keys[k];
    if (all) best = &p;
  }
  return best;
}

const std::string* greeting_list::find_name(institution_kind k, std::string_view key) const {
  auto s = slot(k);
  if (!s) return nullptr;
  auto it = names_[*s].find(std::string(key));
  return it == names_[*s].end() ? nullptr : &it->second;
}

std::vector<const std::string*> greeting_list::codes_one_edit_from(institution_kind k,
                                                                   std::string_view key) const {
  std::vector<const std::string*> out;
  auto s = slot(k);
  if (!s) return out;
  // (An entry, not a structured binding: clang 14 cannot capture a binding in a lambda.)
  for (const auto& entry : names_[*s]) {
    const std::string& code = entry.second;
    if (detail::one_edit_apart(key, entry.first) &&
        std::find_if(out.begin(), out.end(), [&](const std::string* c) { return *c == code; }) ==
            out.end()) {
      out.push_back(&code);
    }
  }
  return out;
}

}  // namespace lapord::lapor
