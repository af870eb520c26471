// Parser edge cases beyond the message table: empty input, words, the typo rule's limits.
#include <doctest/doctest.h>

#include "lapor/fixture.hpp"

using namespace lapord::lapor;
using namespace lapord::lapor::testing;

namespace {
parsed_message parse(std::string_view s) {
  return parse_message(s, real_directory(), real_dictionary());
}
}  // namespace

TEST_CASE("words: separators, dashes, keys") {
  auto w = split_words("LAPOR#TANGKAB#jalan  rusak - Toli-Toli: ?");
  REQUIRE(w.size() == 6);
  CHECK(w[0].key == "LAPOR");
  CHECK(w[1].key == "TANGKAB");
  CHECK(w[4].key == "TOLITOLI");
  CHECK(w[5].key == "?");
  CHECK(word_key("LAPOR!") == "LAPOR");
  CHECK(word_key("Café") == "CAFé");
  CHECK(word_key("🙏") == "🙏");
  CHECK(count_letters("Jalan 123 rusak! 😡 é") == 11);
  CHECK(trim_space("\xC2\xA0 x \r\n") == "x");
  CHECK(split_words("\xFF\xFE abc").size() == 2);  // invalid UTF-8 is kept, not a crash
}

TEST_CASE("words: keys longer than the short-string buffer, invalid bytes, count_words") {
  CHECK(word_key("Kabupaten-Tangerang-Selatan!") == "KABUPATENTANGERANGSELATAN");
  CHECK(word_key("Ñandú-Ñandú-Ñandú-Ñandú") == "ÑANDúÑANDúÑANDúÑANDú");
  CHECK(word_key("a\xFF"
                 "b\xC3") == "AB");           // invalid bytes are not letters
  CHECK(word_key("\xFF\xFE") == "\xFF\xFE");  // no letter or digit: as typed
  for (std::string_view s :
       {"", "   ", "LAPOR#TANGKAB#jalan  rusak - Toli-Toli: ?", " - – — ", "a-b --- c",
        "\xFF\xFE abc",
        "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas "
        "dua belas tiga belas empat belas lima belas enam belas tujuh belas delapan belas",
        "x\xC2\xA0y\tz\r\nw", "é/è;ê:ë,ĕ.ē*ė#"}) {
    CAPTURE(s);
    CHECK(count_words(s) == split_words(s).size());
  }
  CHECK(count_words("a - b – c — d") == 4);
}

// The parser counts a complaint's words and letters from its split (parser.cpp, long_enough):
// each word's letters, and the words of any suffix that starts at a word, must be what
// count_letters and split_words find in that text.
TEST_CASE("words: letters per word, the words of a suffix, splitting into a kept vector") {
  CHECK(word_key("Kabupaten-Tangerang-Selatan-Kota-Tangerang-Selatan") ==
        "KABUPATENTANGERANGSELATANKOTATANGERANGSELATAN");  // over 32 bytes: on the heap
  CHECK(word_key("--------------------------------------!!") ==
        "--------------------------------------!!");  // no letter, over 32 bytes: as typed
  std::vector<word> kept;
  for (std::string_view s :
       {"LAPOR#TANGKAB#jalan  rusak - Toli-Toli: ?", "\xFF\xFE abc d\xC3", "a-b --- c 12 ab3",
        "Jalan 123 rusak! 😡 é ÑANDú", "x\xC2\xA0y\tz\r\nw", "é/è;ê:ë,ĕ.ē*ė#", "– — - x"}) {
    CAPTURE(s);
    const auto words = split_words(s);
    split_words(s, kept);
    REQUIRE(kept.size() == words.size());
    for (std::size_t i = 0; i < words.size(); ++i) {
      CAPTURE(i);
      const word& w = words[i];
      CHECK(kept[i].key == w.key);
      CHECK(kept[i].begin == w.begin);
      CHECK(w.letters == count_letters(s.substr(w.begin, w.end - w.begin)));
      const std::string_view rest = s.substr(w.begin);
      CHECK(split_words(rest).size() == words.size() - i);
      std::size_t letters = 0;
      for (std::size_t j = i; j < words.size(); ++j)
        letters += words[j].letters;
      CHECK(letters == count_letters(rest));
    }
  }
}

TEST_CASE("parser: empty and blank messages get help, nothing stored") {
  for (std::string_view s : {"", "   ", "\n\n", "#*:;,./", " - – — "}) {
    auto p = parse(s);
    CHECK(p.what == command::help);
    CHECK(p.why == help_reason::empty);
    CHECK(p.text.empty());
  }
}

TEST_CASE("parser: the typo rule's limits") {
  // Under 5 letters: never corrected (BATAM is 5: BATM is 4).
  CHECK_FALSE(parse("BATM pelabuhan pungli petugas").keyword);
  // A word of the dictionary is never corrected (KAMPUNG -> LAMPUNG).
  CHECK(real_dictionary().contains("KAMPUNG"));
  CHECK(real_directory().keywords_one_edit_from("KAMPUNG").size() == 1);
  CHECK_FALSE(parse("KAMPUNG kami kebanjiran tiap hujan").keyword);
  // A shared base is never corrected (BANDUNG -> BADUNG).
  CHECK(real_directory().keywords_one_edit_from("BANDUNG").size() == 1);
  CHECK_FALSE(parse("BANDUNG jalan rusak parah sekali").keyword);
  // Joined forms are exact only.
  CHECK_FALSE(parse("Kulon Progi jalan rusak parah sekali").keyword);
  // A correction is recorded.
  auto p = parse("SLEMN jalan rusak parah sekali");
  REQUIRE(p.keyword);
  CHECK(p.keyword->corrected);
  CHECK(p.keyword->keyword == "SLEMAN");
}

TEST_CASE("parser: text offsets point into the message") {
  std::string m = "  LAPOR TANGKAB: jalan rusak parah sekali  ";
  auto p = parse(m);
  CHECK(p.text == "jalan rusak parah sekali");
  CHECK(m.substr(p.text_offset, p.text.size()) == p.text);
}

TEST_CASE("dictionary: affix expansion from a small hunspell pair") {
  const char* aff =
      "SET ISO8859-1\nFLAG long\n"
      "SFX a0 Y 1\nSFX a0 0 an .\n"
      "PFX M0 Y 2\nPFX M0 0 mem [bp]\nPFX M0 0 me [lmnr]\n"
      "SFX k0 Y 1\nSFX k0 0 kan/M0 .\n";
  const char* dic = "3\nbantu/a0\nlapor/k0M0\nrusak\n";
  auto w = word_list::from_hunspell(dic, aff, 5);
  CHECK(w.contains("BANTU"));
  CHECK(w.contains("BANTUAN"));
  CHECK(w.contains("LAPORKAN"));
  CHECK(w.contains("MELAPORKAN"));  // continuation: me- on top of -kan, and the cross product
  CHECK(w.contains("RUSAK"));
  CHECK_FALSE(w.contains("RUSAKAN"));
  auto l = word_list::from_lines("# comment\nkampung\n  Sawah \n");
  CHECK(l.contains("KAMPUNG"));
  CHECK(l.contains("SAWAH"));
  CHECK(real_dictionary().contains("BANTUAN"));
  CHECK(real_dictionary().contains("PELAYANAN"));
  CHECK_FALSE(real_dictionary().contains("SLEMN"));
}

TEST_CASE("dictionary: the packed word list finds exactly its words") {
  auto l = word_list::from_lines("zeta\nalpha\nmid\nalpha\nALPHA\nbeta\n");
  CHECK(l.size() == 4u);  // repeats (after folding to keys) kept once
  for (const char* w : {"ALPHA", "BETA", "MID", "ZETA"})
    CHECK(l.contains(w));
  for (const char* w : {"", "A", "ALPH", "ALPHAA", "BETB", "ZETAZ", "ZZZ", "0"})
    CHECK_FALSE(l.contains(w));
  l.add("gamma");
  l.add("beta");
  CHECK(l.size() == 5u);
  CHECK(l.contains("GAMMA"));
  CHECK(l.contains("ALPHA"));
  CHECK(l.contains("ZETA"));
  CHECK_FALSE(word_list().contains("ALPHA"));
  // The real list (hunspell-id expanded) is packed the same way.
  const auto& real = real_dictionary();
  CHECK(real.size() > 100000u);
  CHECK(real.contains("KAMPUNG"));
  CHECK_FALSE(real.contains("KAMPUNGQQ"));
}
