#pragma once
// The institution directory: which keyword names which institution. Two files an operator can
// edit, both read from strings here (the app layer reads the files):
//   - the generated file (config/directory/institutions.tsv), one institution a line:
//       code <TAB> kind <TAB> official name <TAB> short name <TAB> KEYWORD KEYWORD ...
//     written by generate_directory() from the official area data;
//   - the aliases file (config/directory/aliases.tsv), kept by hand so that regenerating loses
//     nothing: `KEYWORD <TAB> code` adds an alias to an institution; a five-field line as
//     above adds an institution of the operator (kind `lembaga`: ministries, agencies).
// '#' starts a comment line; blank lines are ignored.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lapord/lapor/data_error.hpp"

namespace lapord::lapor {

enum class institution_kind { provinsi, kabupaten, kota, lembaga };

[[nodiscard]] std::string_view to_string(institution_kind k);

struct institution {
  std::string code;  // Kemendagri area code ("36.03") or the operator's own ("KEMENSOS")
  institution_kind kind = institution_kind::lembaga;
  std::string name;                   // official name ("Kabupaten Tangerang")
  std::string short_name;             // for replies ("Kab. Tangerang")
  std::vector<std::string> keywords;  // upper-case letters and digits, aliases included
};

using directory_error = data_error;  // kept for readability at call sites

// The keyword base of an official name: the name without its leading kind (Kabupaten, Kota,
// Provinsi, then Administrasi, or Daerah Khusus Ibukota / Daerah Istimewa), upper-cased,
// letters and digits only. "Kabupaten Toli-Toli" -> "TOLITOLI".
[[nodiscard]] std::string keyword_base(std::string_view official_name);

// The generated directory file from the official CSVs (provinces.csv: code,name;
// regencies.csv: code,province_code,name). Throws directory_error when a row is malformed or
// the rule would give one keyword to two institutions.
[[nodiscard]] std::string generate_directory(std::string_view provinces_csv,
                                             std::string_view regencies_csv);

// Hashes a string and a string_view alike, so that a look-up by string_view builds no string:
// the parser looks up several candidate keys per message, some longer than the small-string
// buffer (one allocation each otherwise).
struct key_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view key) const noexcept {
    return std::hash<std::string_view>{}(key);
  }
};
template <typename T>
using key_map = std::unordered_map<std::string, T, key_hash, std::equal_to<>>;

class directory {
 public:
  // Parses and checks both files: every institution has a keyword, no keyword names two
  // institutions (the error names both), no keyword is a command word, aliases point to
  // existing codes. Throws directory_error.
  static directory load(std::string_view generated, std::string_view generated_source,
                        std::string_view aliases, std::string_view aliases_source);

  // Exact lookup of an upper-case key; nullptr when no keyword.
  [[nodiscard]] const institution* find_keyword(std::string_view key) const;
  [[nodiscard]] const institution* find_code(std::string_view code) const;
  // True when several areas share this base (BANDUNG, TANGERANG): never a keyword, never the
  // target of a typo correction.
  [[nodiscard]] bool is_shared_base(std::string_view key) const;
  // Keywords one edit (insertion, deletion, substitution, adjacent transposition) from key.
  [[nodiscard]] std::vector<std::string_view> keywords_one_edit_from(std::string_view key) const;

  [[nodiscard]] const std::vector<institution>& institutions() const noexcept { return all_; }
  [[nodiscard]] std::size_t count(institution_kind k) const;
  [[nodiscard]] std::size_t longest_short_name() const noexcept { return longest_short_; }

 private:
  friend class directory_builder;  // directory.cpp: load
  std::vector<institution> all_;
  key_map<std::size_t> by_keyword_;
  key_map<std::size_t> by_code_;
  std::unordered_set<std::string, key_hash, std::equal_to<>> shared_bases_;
  std::size_t longest_short_ = 0;
};

// The words that are commands (LAPOR, CEK, STOP, ...): a keyword may not be one of them, since
// the command would always win.
[[nodiscard]] bool is_command_word(std::string_view key);

}  // namespace lapord::lapor
