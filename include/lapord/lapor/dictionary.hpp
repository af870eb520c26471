#pragma once
// The Indonesian words that must never be "corrected" into a keyword (KAMPUNG is one edit from
// LAMPUNG but is a word). Read from Debian's hunspell-id (MPL-2.0) where Debian installs it
// (/usr/share/hunspell/id_ID.dic + .aff): the project ships no copy, the package is a runtime
// dependency. Hunspell stores stems with affix flags; we expand each stem with the affix rules
// its flags name, one level deep plus the rules those affixes continue with (ber-an, ke-an,
// me-kan ...), which covers the everyday derived forms (bantuan, pelayanan, kerusakan).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lapord::lapor {

class word_list {
 public:
  word_list() = default;
  // From a hunspell .dic and .aff (ISO-8859-1 as Debian ships them, or UTF-8 when the .aff
  // says `SET UTF-8`). Only forms of `min_letters` or more are kept: shorter words are never
  // corrected anyway. Throws std::runtime_error on an .aff it cannot read.
  static word_list from_hunspell(std::string_view dic, std::string_view aff,
                                 std::size_t min_letters = 5);
  // One word a line (tests, an operator's own list); '#' lines are comments.
  static word_list from_lines(std::string_view text);

  // `key` as words.hpp makes it (upper-case letters and digits).
  [[nodiscard]] bool contains(std::string_view key) const;
  [[nodiscard]] std::size_t size() const noexcept { return starts_.size(); }
  // One more word (lays the list out again: for a few words, not for loading a list).
  void add(std::string_view word);

 private:
  // Keys gathered while loading: back to back in `raw`, each as (offset << 16 | length).
  struct gathered {
    std::string raw;
    std::vector<std::uint64_t> keys;
    void add(std::string_view key);
  };
  // Sorts the keys, drops repeats and lays them out; `g` is consumed. The keys are sorted in
  // place and the block is allocated once at its final size: loading hunspell-id this way
  // peaks ~5 MB lower (a copy of the keys and a doubling block were lapord's peak RSS).
  void pack(gathered&& g);
  [[nodiscard]] std::string_view key_at(std::size_t i) const noexcept;

  // The keys sorted, back to back in one block, and where each starts: hunspell-id expands to
  // ~200,000 forms, which took ~10 MB as hash-set nodes and take ~2.5 MB here (lapord's RSS
  // budget is 30 MB). contains() is a binary search, run at most once per message.
  std::string blob_;
  std::vector<std::uint32_t> starts_;
};

}  // namespace lapord::lapor
