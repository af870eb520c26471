#include "lapord/lapor/directory.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "lapor/edit_distance.hpp"
#include "lapor/lines.hpp"
#include "lapord/lapor/words.hpp"

namespace lapord::lapor {
namespace {

using detail::for_each_line;

std::vector<std::string_view> split_on(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t p = s.find(sep, start);
    if (p == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, p - start));
    start = p + 1;
  }
}

bool starts_with_word(std::string_view s, std::string_view prefix) {
  return s.size() > prefix.size() && s.starts_with(prefix) && s[prefix.size()] == ' ';
}

std::optional<institution_kind> kind_from(std::string_view s) {
  if (s == "provinsi") return institution_kind::provinsi;
  if (s == "kabupaten") return institution_kind::kabupaten;
  if (s == "kota") return institution_kind::kota;
  if (s == "lembaga") return institution_kind::lembaga;
  return std::nullopt;
}

bool is_keyword_text(std::string_view k) {
  return !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

std::string without_leading(std::string_view name, std::string_view word) {
  if (starts_with_word(name, word)) return std::string(name.substr(word.size() + 1));
  return std::string(name);
}

// "Kabupaten Administrasi Kepulauan Seribu" -> "Kab. Kepulauan Seribu",
// "Provinsi Daerah Khusus Ibukota Jakarta" -> "Prov. DKI Jakarta".
std::string short_name_of(institution_kind kind, std::string_view name) {
  std::string rest;
  switch (kind) {
    case institution_kind::kabupaten:
      rest = without_leading(without_leading(name, "Kabupaten"), "Administrasi");
      return "Kab. " + rest;
    case institution_kind::kota:
      rest = without_leading(without_leading(name, "Kota"), "Administrasi");
      return "Kota " + rest;
    case institution_kind::provinsi:
      rest = without_leading(name, "Provinsi");
      if (starts_with_word(rest, "Daerah Khusus Ibukota")) rest = "DKI" + rest.substr(21);
      if (starts_with_word(rest, "Daerah Istimewa")) rest = "DI" + rest.substr(15);
      return "Prov. " + rest;
    case institution_kind::lembaga:
      break;
  }
  return std::string(name);
}

struct csv_row {
  int line;
  std::vector<std::string> fields;
};

std::vector<csv_row> read_csv(std::string_view text, std::string_view source, std::size_t columns) {
  std::vector<csv_row> rows;
  bool header = true;
  for_each_line(text, [&](int number, std::string_view line) {
    if (line.empty()) return;
    if (header) {
      header = false;
      return;
    }
    std::vector<std::string> fields;
    for (auto f : split_on(line, ',')) {
      if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
      fields.emplace_back(f);
    }
    if (fields.size() != columns) {
      throw directory_error(std::string(source), number,
                            "expected " + std::to_string(columns) + " columns, found " +
                                std::to_string(fields.size()));
    }
    rows.push_back({number, std::move(fields)});
  });
  return rows;
}

constexpr std::array<std::string_view, 14> command_words = {
    "LAPOR", "RAHASIA", "CEK",      "STATUS", "INFO",  "BANTUAN", "HELP",
    "STOP",  "UNREG",   "BERHENTI", "MULAI",  "START", "REG",     "?"};

}  // namespace

std::string_view to_string(institution_kind k) {
  switch (k) {
    case institution_kind::provinsi:
      return "provinsi";
    case institution_kind::kabupaten:
      return "kabupaten";
    case institution_kind::kota:
      return "kota";
    case institution_kind::lembaga:
      return "lembaga";
  }
  return "lembaga";
}

bool is_command_word(std::string_view key) {
  return std::find(command_words.begin(), command_words.end(), key) != command_words.end();
}

std::string keyword_base(std::string_view official_name) {
  std::string name(official_name);
  for (std::string_view kind : {"Kabupaten", "Kota", "Provinsi"}) {
    if (starts_with_word(name, kind)) {
      name = name.substr(kind.size() + 1);
      break;
    }
  }
  for (std::string_view more : {"Administrasi", "Daerah Khusus Ibukota", "Daerah Istimewa"}) {
    if (starts_with_word(name, more)) name = name.substr(more.size() + 1);
  }
  std::string base;
  for (char c : name) {
    if (c >= 'a' && c <= 'z')
      base += static_cast<char>(c - 'a' + 'A');
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
      base += c;
  }
  return base;
}

std::string generate_directory(std::string_view provinces_csv, std::string_view regencies_csv) {
  struct entry {
    std::string code;
    institution_kind kind;
    std::string name;
    std::string base;
  };
  std::vector<entry> entries;
  for (auto& row : read_csv(provinces_csv, "provinces.csv", 2)) {
    entries.push_back({row.fields[0], institution_kind::provinsi, "Provinsi " + row.fields[1],
                       keyword_base(row.fields[1])});
  }
  for (auto& row : read_csv(regencies_csv, "regencies.csv", 3)) {
    const std::string& name = row.fields[2];
    institution_kind kind;
    if (starts_with_word(name, "Kabupaten"))
      kind = institution_kind::kabupaten;
    else if (starts_with_word(name, "Kota"))
      kind = institution_kind::kota;
    else
      throw directory_error("regencies.csv", row.line,
                            "name is neither Kabupaten nor Kota: " + name);
    entries.push_back({row.fields[0], kind, name, keyword_base(name)});
  }
  std::map<std::string, int> base_count;
  for (auto& e : entries) {
    if (e.base.empty()) throw directory_error("idn-area", 0, "no keyword base for " + e.name);
    ++base_count[e.base];
  }
  std::string out =
      "# Institution directory, GENERATED by `laporctl directory generate` from the official\n"
      "# area data in config/directory/idn-area/ (idn-area-data 4.0.1, ODbL: see LICENSE.md\n"
      "# and SOURCE.md there). Edits here are lost on regeneration: put aliases and the\n"
      "# operator's own institutions in aliases.tsv.\n"
      "# code\tkind\tofficial name\tshort name\tkeywords\n"
      "#! governments " +
      std::to_string(entries.size()) +
      "\n"
      "# (checked at load: a government line lost by hand-editing stops the load)\n";
  for (auto& e : entries) {
    std::string prefix = e.kind == institution_kind::kabupaten ? "KAB"
                         : e.kind == institution_kind::kota    ? "KOTA"
                                                               : "PROV";
    std::string keywords = prefix + e.base;
    if (base_count[e.base] == 1) keywords += " " + e.base;
    out += e.code + "\t" + std::string(to_string(e.kind)) + "\t" + e.name + "\t" +
           short_name_of(e.kind, e.name) + "\t" + keywords + "\n";
  }
  // The rule must give every keyword to one institution only: check before anyone loads it.
  (void)directory::load(out, "generated", "", "none");
  return out;
}

// Builds a directory from its two files, remembering where each keyword was given so that a
// clash names both places.
class directory_builder {
 public:
  void read(std::string_view text, const std::string& source, bool allow_alias);
  void check_governments(const std::string& source) const;
  void read_aliases(std::string_view text, const std::string& source);
  directory finish();

 private:
  struct origin {
    std::string source;
    int line;
  };

  void add_keyword(std::size_t index, std::string keyword, const std::string& source, int line);
  void add_institution(const std::vector<std::string_view>& f, const std::string& source, int line);

  directory d_;
  std::unordered_map<std::string, origin> keyword_origin_;
  std::unordered_map<std::string, int> base_count_;
  int expected_governments_ = -1;
  int expected_line_ = 0;
};

void directory_builder::add_keyword(std::size_t index, std::string keyword,
                                    const std::string& source, int line) {
  if (!is_keyword_text(keyword)) {
    throw directory_error(source, line,
                          "keyword '" + keyword + "' must be upper-case letters and digits");
  }
  if (is_command_word(keyword)) {
    throw directory_error(source, line, "keyword " + keyword + " is a command word");
  }
  auto [it, inserted] = d_.by_keyword_.emplace(keyword, index);
  if (!inserted) {
    if (it->second == index) return;  // the same institution twice: harmless
    const institution& other = d_.all_[it->second];
    const origin& o = keyword_origin_[keyword];
    throw directory_error(source, line,
                          "keyword " + keyword + " names both " + other.code + " (" + other.name +
                              ", " + o.source + ":" + std::to_string(o.line) + ") and " +
                              d_.all_[index].code + " (" + d_.all_[index].name + ")");
  }
  keyword_origin_.emplace(keyword, origin{source, line});
  d_.all_[index].keywords.push_back(std::move(keyword));
}

void directory_builder::add_institution(const std::vector<std::string_view>& f,
                                        const std::string& source, int line) {
  auto kind = kind_from(f[1]);
  if (!kind) {
    throw directory_error(
        source, line,
        "kind '" + std::string(f[1]) + "' is not one of provinsi, kabupaten, kota, lembaga");
  }
  if (f[0].empty() || f[0].find(' ') != std::string_view::npos) {
    throw directory_error(source, line, "institution code must be one word");
  }
  if (f[2].empty() || f[3].empty()) {
    throw directory_error(source, line, "official name and short name must not be empty");
  }
  std::string code(f[0]);
  if (d_.by_code_.contains(code)) {
    throw directory_error(source, line, "institution code " + code + " appears twice");
  }
  std::size_t index = d_.all_.size();
  d_.all_.push_back({code, *kind, std::string(f[2]), std::string(f[3]), {}});
  d_.by_code_.emplace(code, index);
  d_.longest_short_ = std::max(d_.longest_short_, f[3].size());
  if (*kind != institution_kind::lembaga) ++base_count_[keyword_base(f[2])];
  std::size_t before = 0;
  for (auto k : split_on(f[4], ' ')) {
    if (k.empty()) continue;
    add_keyword(index, std::string(k), source, line);
    ++before;
  }
  if (before == 0) throw directory_error(source, line, "institution " + code + " has no keyword");
}

// The institutions of one file; the aliases file may hold some too, besides its aliases.
void directory_builder::read(std::string_view text, const std::string& source, bool allow_alias) {
  for_each_line(text, [&](int line, std::string_view l) {
    if (!allow_alias && l.starts_with("#! governments ")) {
      try {
        expected_governments_ = std::stoi(std::string(l.substr(15)));
      } catch (const std::exception&) {
        throw directory_error(source, line, "bad `#! governments N` line");
      }
      expected_line_ = line;
      return;
    }
    if (trim_space(l).empty() || trim_space(l).starts_with('#')) return;
    auto f = split_on(l, '\t');
    for (auto& x : f)
      x = trim_space(x);
    if (f.size() == 5) {
      add_institution(f, source, line);
    } else if (f.size() == 2 && allow_alias) {
      // Aliases are resolved after both files are read, so they may come in any order.
    } else {
      throw directory_error(source, line,
                            allow_alias ? "expected `KEYWORD<TAB>code` or 5 tab-separated "
                                          "fields (code, kind, name, short name, keywords)"
                                        : "expected 5 tab-separated fields (code, kind, name, "
                                          "short name, keywords), found " +
                                              std::to_string(f.size()));
    }
  });
}

// The generated file says how many governments it was made with: a line lost by hand shows.
void directory_builder::check_governments(const std::string& source) const {
  if (expected_governments_ < 0) return;
  auto governments = static_cast<int>(d_.all_.size() - d_.count(institution_kind::lembaga));
  if (governments != expected_governments_) {
    throw directory_error(
        source, expected_line_,
        "the file holds " + std::to_string(governments) + " governments, it was generated with " +
            std::to_string(expected_governments_) + " (a line removed or added by hand?)");
  }
}

void directory_builder::read_aliases(std::string_view text, const std::string& source) {
  for_each_line(text, [&](int line, std::string_view l) {
    if (trim_space(l).empty() || trim_space(l).starts_with('#')) return;
    auto f = split_on(l, '\t');
    if (f.size() != 2) return;
    std::string keyword(trim_space(f[0]));
    std::string code(trim_space(f[1]));
    auto it = d_.by_code_.find(code);
    if (it == d_.by_code_.end()) {
      throw directory_error(source, line,
                            "alias " + keyword + " points to unknown institution code " + code);
    }
    add_keyword(it->second, keyword, source, line);
  });
}

directory directory_builder::finish() {
  for (auto& [base, n] : base_count_) {
    if (n > 1) d_.shared_bases_.insert(base);
  }
  return std::move(d_);
}

directory directory::load(std::string_view generated, std::string_view generated_source,
                          std::string_view aliases, std::string_view aliases_source) {
  directory_builder b;
  const std::string gen_src(generated_source);
  const std::string ali_src(aliases_source);
  b.read(generated, gen_src, false);
  b.check_governments(gen_src);
  b.read(aliases, ali_src, true);
  b.read_aliases(aliases, ali_src);
  return b.finish();
}

const institution* directory::find_keyword(std::string_view key) const {
  auto it = by_keyword_.find(key);
  return it == by_keyword_.end() ? nullptr : &all_[it->second];
}

const institution* directory::find_code(std::string_view code) const {
  auto it = by_code_.find(code);
  return it == by_code_.end() ? nullptr : &all_[it->second];
}

bool directory::is_shared_base(std::string_view key) const {
  return shared_bases_.contains(key);
}

std::vector<std::string_view> directory::keywords_one_edit_from(std::string_view key) const {
  std::vector<std::string_view> out;
  for (auto& [keyword, index] : by_keyword_) {
    (void)index;
    if (detail::one_edit_apart(key, keyword)) out.emplace_back(keyword);
  }
  return out;
}

std::size_t directory::count(institution_kind k) const {
  return static_cast<std::size_t>(
      std::count_if(all_.begin(), all_.end(), [k](const institution& i) { return i.kind == k; }));
}

}  // namespace lapord::lapor
