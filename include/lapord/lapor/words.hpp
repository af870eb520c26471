#pragma once
// How a keypad message is cut into words (sms-commands.md, "Reading a message"): white space
// and the separators # * : ; , . / split, a dash standing alone is a separator, and a word is
// compared by its letters and digits only. Words keep their byte offsets so that the complaint
// text can be cut out of the original exactly as typed.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lapord::lapor {

struct word {
  std::size_t begin = 0;  // byte offsets into the text that was split
  std::size_t end = 0;
  std::string key;  // letters and digits upper-cased ("Toli-Toli" -> "TOLITOLI"), or as typed
                    // when the word has no letter or digit ("?")
  std::size_t letters = 0;  // count_letters of the word: the too-short rule adds them up
};

// Splits UTF-8 text into words. Invalid UTF-8 bytes are kept inside words as they are.
[[nodiscard]] std::vector<word> split_words(std::string_view text);

// The same words, into `out` (cleared first): a caller that splits one message after another
// keeps one vector and its room, with no count of the words beforehand.
void split_words(std::string_view text, std::vector<word>& out);

// split_words(text).size(), without building the words.
[[nodiscard]] std::size_t count_words(std::string_view text);

// The comparison key of one word (see word::key). ASCII letters are upper-cased; other
// letters (accented Latin and other scripts) are kept as written; symbols, punctuation and
// emoji are dropped.
[[nodiscard]] std::string word_key(std::string_view w);

// Alphabetic characters in text (ASCII letters and letters of other scripts; not digits,
// punctuation or emoji), for the "fewer than 10 letters" rule.
[[nodiscard]] std::size_t count_letters(std::string_view text);

// Drops leading and trailing white space (ASCII white space and no-break space).
[[nodiscard]] std::string_view trim_space(std::string_view text);

}  // namespace lapord::lapor
