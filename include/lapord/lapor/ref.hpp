#pragma once
// Complaint refs: what a citizen writes down and types back on a keypad. Digits only (8 by
// default), the first never 0, the last a Damm check digit that catches every single wrong
// digit and every swap of neighbours. A ref is made from the store's counter (1, 2, 3, ...)
// by a keyed permutation (a Feistel network over the ref space with cycle-walking), so refs
// are unique without any collision check and do not reveal their order or the volume.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lapord::lapor {

inline constexpr std::size_t default_ref_digits = 8;
inline constexpr std::size_t min_ref_digits = 4;
inline constexpr std::size_t max_ref_digits = 18;

// The Damm check digit of a string of decimal digits ('0' if empty); throws
// std::invalid_argument on a non-digit.
[[nodiscard]] char damm_check_digit(std::string_view digits);
// True when digits is non-empty, all decimal, and its last digit is the Damm check digit.
[[nodiscard]] bool damm_valid(std::string_view digits);

// True when ref has exactly `digits` digits, no leading 0 and a correct check digit: the only
// refs worth a store lookup.
[[nodiscard]] bool is_valid_ref(std::string_view ref, std::size_t digits = default_ref_digits);

// The digits of a ref as a citizen typed it: leading white space skipped, then digits with
// spaces, dashes (- – —) and dots between groups ignored ("4821-9375", "4821 . 9375"); a line
// break or anything else ends it, and at most `digits` digits are taken. Empty when the text
// does not start with a digit. No validation: see is_valid_ref.
[[nodiscard]] std::string parse_ref(std::string_view typed,
                                    std::size_t digits = default_ref_digits);

class ref_generator {
 public:
  // key: any secret bytes (at least 16 recommended); the same key must be used for the life of
  // the store, or new refs may repeat old ones. Throws std::invalid_argument for a digit count
  // outside [min_ref_digits, max_ref_digits].
  ref_generator(std::string_view key, std::size_t digits = default_ref_digits);

  // The ref of the n-th complaint, n in [0, capacity()). Throws std::out_of_range beyond.
  [[nodiscard]] std::string make(std::uint64_t counter) const;
  // The inverse of make(): the counter a ref was made from, by a generator with this key and
  // the ref's own number of digits (any count in [min_ref_digits, max_ref_digits], not only
  // digits()): ref_digits may be raised when the space runs out, the key never changes, and the
  // counter goes on, so a ref's length says which generator made it and every complaint keeps
  // its counter whatever was configured later. nullopt when ref is not a valid ref of any
  // length (is_valid_ref: digits only, no leading 0, the check digit right). A valid ref of a
  // length this store never used still gives a number: a store looking it up must confirm
  // that the complaint under that number has this very ref.
  [[nodiscard]] std::optional<std::uint64_t> number_of(std::string_view ref) const;
  // How many distinct refs exist: 9 * 10^(digits-2).
  [[nodiscard]] std::uint64_t capacity() const noexcept { return space_; }
  [[nodiscard]] std::size_t digits() const noexcept { return digits_; }

 private:
  [[nodiscard]] std::uint64_t permute(std::uint64_t x) const;
  // permute()'s inverse over a space of `space` values (the space of another digit count).
  [[nodiscard]] std::uint64_t unpermute(std::uint64_t y, std::uint64_t space,
                                        unsigned half_bits) const;
  [[nodiscard]] std::uint64_t round_function(unsigned round, std::uint64_t half,
                                             unsigned half_bits) const;

  std::size_t digits_;
  std::uint64_t space_;  // refs without the check digit: [10^(d-2), 10^(d-1))
  unsigned half_bits_;   // the Feistel network works on 2 * half_bits_ bits >= space_
  std::array<std::uint64_t, 2> key_{};  // SipHash key derived from the configured secret
};

}  // namespace lapord::lapor
