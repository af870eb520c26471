#pragma once
// The words people open an SMS with, set aside before the command or keyword (sms-commands.md,
// "Greetings and addressees before everything else"): greetings (`Selamat pagi`), forms of
// address (`Pak`, `Yth`), the letter formula (`di tempat`, only right after an addressee) and
// the titles that make an addressee (`Bupati Sleman` names Kab. Sleman). A data file the
// operator can edit (config/greetings-id.txt), read from a string here (the app layer reads the
// file); one entry a line:
//
//   greeting  Selamat pagi        set aside anywhere in the opening
//   address   Pak                 the same (a form of address)
//   letter    di tempat           set aside only right after an addressee
//   kabupaten Bupati              a title: followed by the base of a kabupaten, it names it
//   kota      Wali Kota           (kota, provinsi likewise)
//
// Words are compared by their keys (words.hpp), exactly: no joining, no typo correction.
#include <array>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lapord/lapor/data_error.hpp"
#include "lapord/lapor/directory.hpp"
#include "lapord/lapor/words.hpp"

namespace lapord::lapor {

enum class lead_kind { greeting, address, letter, title };

struct lead_phrase {
  std::vector<std::string> keys;  // the words' keys ("SELAMAT", "PAGI")
  lead_kind kind = lead_kind::greeting;
  institution_kind title_of = institution_kind::lembaga;  // title: the kind it addresses
};

class greeting_list {
 public:
  greeting_list() = default;  // empty: nothing is set aside (the parser's old behaviour)

  // Parses and checks the file against the directory: every line `KIND words...` with a known
  // kind and at least one word with a letter or digit; no entry twice; no word (nor a
  // multi-word entry's joined key, `Wali Kota` -> WALIKOTA) a directory keyword or a command
  // word, which would then never be read as one. Throws data_error "SOURCE:LINE: ...".
  // The names a title accepts are taken from `dir`: for each kabupaten, kota and province its
  // keyword base (keyword_base of its name) and its aliases (keywords other than the generated
  // KAB/KOTA/PROV<base>, e.g. JABAR for Jawa Barat).
  static greeting_list load(std::string_view text, std::string_view source, const directory& dir);

  [[nodiscard]] bool empty() const noexcept { return phrases_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return phrases_.size(); }

  // The longest entry of one of `kinds` at the start of `words`, or nullptr.
  [[nodiscard]] const lead_phrase* match(std::span<const word> words,
                                         std::initializer_list<lead_kind> kinds) const;

  // The institution of kind `k` whose name (base or alias) is `key` exactly: its code, or null.
  [[nodiscard]] const std::string* find_name(institution_kind k, std::string_view key) const;
  // The names of kind `k` one edit from `key`, with their institutions' codes.
  [[nodiscard]] std::vector<const std::string*> codes_one_edit_from(institution_kind k,
                                                                    std::string_view key) const;

 private:
  std::vector<lead_phrase> phrases_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_first_;  // first key -> phrases
  // Per addressable kind (provinsi, kabupaten, kota): name -> institution code.
  std::array<std::unordered_map<std::string, std::string>, 3> names_;
};

}  // namespace lapord::lapor
