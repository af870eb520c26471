#pragma once
// The SMS command parser (sms-commands.md): what a message asks for, which institution it
// names, and the citizen's own text, cut out of the message exactly as typed. Pure: the
// directory and dictionary come in, nothing is stored or sent here.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "lapord/lapor/dictionary.hpp"
#include "lapord/lapor/directory.hpp"
#include "lapord/lapor/greetings.hpp"
#include "lapord/lapor/ref.hpp"
#include "lapord/lapor/words.hpp"

namespace lapord::lapor {

// How a complaint found its institution: a keyword (`SLEMAN ...`), an addressee with a title
// (`Yth Bupati Sleman, ...`), or neither (the national desk).
enum class routing { national, keyword, addressee };
[[nodiscard]] std::string_view to_string(routing r);  // "national", "keyword", "addressee"

struct keyword_match {
  const institution* target = nullptr;  // never null in a match
  std::string keyword;     // the directory keyword it matched ("KABSLEMAN"); for an addressee the
                           // institution's first keyword (its name need not be a keyword)
  bool corrected = false;  // a one-edit typo was corrected to keyword
  std::size_t words = 0;   // how many of the message's words it took
  routing via = routing::keyword;
};

// The first words of `words` as a keyword: the first words, up to five, joined with the kind
// words written short (Kabupaten -> KAB, Provinsi/Propinsi/Daerah Istimewa/Daerah Khusus
// Ibukota -> PROV, Kotamadya/Kodya -> KOTA, Administrasi dropped), longest first, exact only;
// then the first word corrected when it has 5+ letters, is one edit from exactly one keyword,
// and is neither a base several areas share nor a dictionary word. Also used by the USSD
// dialogue ("Kata kunci daerah") on what the citizen typed.
[[nodiscard]] std::optional<keyword_match> match_keyword(const directory& dir,
                                                         const word_list& dictionary,
                                                         std::span<const word> words);

enum class command {
  complaint,  // create a complaint (keyword -> institution, else the national desk)
  status,     // CEK/STATUS <ref>
  help,       // INFO/BANTUAN/HELP/?, an empty message, or a complaint too short to be one
  cek_help,   // CEK/STATUS without a ref and too short to be a complaint
  stop,       // STOP/UNREG/BERHENTI [LAPOR]
  start,      // MULAI/START/REG [LAPOR]
};

enum class help_reason { none, asked, empty, too_short };

struct parsed_message {
  command what = command::help;
  help_reason why = help_reason::none;
  bool confidential = false;             // RAHASIA was given
  std::optional<keyword_match> keyword;  // complaint: the institution; nullopt: national desk
  std::string text;                      // the complaint text, exactly as typed, trimmed
  std::size_t text_offset = 0;           // where text starts in the message (bytes)
  std::string ref;                       // status: the digits typed (not validated)
  // The greetings and addressees set aside at the start: message[set_aside_begin,
  // set_aside_end) ("Selamat pagi, Yth Bupati Sleman"); equal offsets when none.
  std::size_t set_aside_begin = 0;
  std::size_t set_aside_end = 0;

  [[nodiscard]] routing routed_by() const { return keyword ? keyword->via : routing::national; }
};

struct parse_options {
  std::size_t ref_digits = default_ref_digits;
  // The greetings and titles set aside at the start; null or empty: none.
  const greeting_list* greetings = nullptr;
};

// Never throws for any input bytes; text is always a substring of message.
[[nodiscard]] parsed_message parse_message(std::string_view message, const directory& dir,
                                           const word_list& dictionary,
                                           const parse_options& options = {});

// The too-short rule: fewer than 3 words or fewer than 10 letters is no complaint.
[[nodiscard]] bool long_enough_for_complaint(std::string_view text);

}  // namespace lapord::lapor
