#include "lapord/lapor/ref.hpp"

#include <bit>

namespace lapord::lapor {
namespace {

// The Damm quasigroup of order 10 (weakly totally anti-symmetric).
constexpr std::array<std::array<std::uint8_t, 10>, 10> damm_table = {{
    {0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
    {7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
    {4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
    {1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
    {6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
    {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
    {5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
    {8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
    {9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
    {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}};

int damm_interim(std::string_view digits) {
  int interim = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') throw std::invalid_argument("damm: not a digit");
    interim = damm_table[static_cast<std::size_t>(interim)][static_cast<std::size_t>(c - '0')];
  }
  return interim;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::uint64_t rotl(std::uint64_t x, int b) {
  return std::rotl(x, b);
}

// SipHash-2-4 of one 64-bit word: a keyed pseudo-random function for the Feistel rounds.
std::uint64_t siphash_word(const std::array<std::uint64_t, 2>& k, std::uint64_t m) {
  std::uint64_t v0 = 0x736f6d6570736575ULL ^ k[0];
  std::uint64_t v1 = 0x646f72616e646f6dULL ^ k[1];
  std::uint64_t v2 = 0x6c7967656e657261ULL ^ k[0];
  std::uint64_t v3 = 0x7465646279746573ULL ^ k[1];
  auto round = [&] {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  };
  auto compress = [&](std::uint64_t w) {
    v3 ^= w;
    round();
    round();
    v0 ^= w;
  };
  compress(m);
  compress(std::uint64_t{8} << 56);  // the length block of an 8-byte message
  v2 ^= 0xff;
  round();
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}

// Folds the configured secret into a 128-bit SipHash key, 8 bytes at a time.
std::array<std::uint64_t, 2> derive_key(std::string_view secret) {
  std::array<std::uint64_t, 2> k = {0x6c61706f72642d31ULL, 0x7265662d6b657921ULL};
  std::uint64_t block = 0;
  std::size_t n = 0;
  auto absorb = [&](std::uint64_t b) {
    k[0] = siphash_word(k, b ^ k[1]);
    k[1] = siphash_word(k, b + 0x9e3779b97f4a7c15ULL);
  };
  for (char c : secret) {
    block = (block << 8) | static_cast<unsigned char>(c);
    if (++n % 8 == 0) {
      absorb(block);
      block = 0;
    }
  }
  absorb(block ^ (static_cast<std::uint64_t>(secret.size()) << 56));
  return k;
}

std::uint64_t pow10(std::size_t n) {
  std::uint64_t p = 1;
  for (std::size_t i = 0; i < n; ++i)
    p *= 10;
  return p;
}

constexpr unsigned feistel_rounds = 8;

// Refs without the check digit of `digits` digits: [10^(d-2), 10^(d-1)), 9 * 10^(d-2) of them.
std::uint64_t space_of(std::size_t digits) {
  return 9 * pow10(digits - 2);
}

// Half the bits of the smallest power of 4 that holds the space: the Feistel network's halves.
unsigned half_bits_of(std::uint64_t space) {
  return (static_cast<unsigned>(std::bit_width(space - 1)) + 1) / 2;
}

}  // namespace

char damm_check_digit(std::string_view digits) {
  return static_cast<char>('0' + damm_interim(digits));
}

bool damm_valid(std::string_view digits) {
  if (digits.empty()) return false;
  for (char c : digits) {
    if (!is_digit(c)) return false;
  }
  return damm_interim(digits) == 0;
}

bool is_valid_ref(std::string_view ref, std::size_t digits) {
  return ref.size() == digits && ref[0] != '0' && damm_valid(ref);
}

std::string parse_ref(std::string_view typed, std::size_t digits) {
  std::size_t i = 0;
  while (i < typed.size() && (typed[i] == ' ' || typed[i] == '\t'))
    ++i;
  std::string out;
  while (i < typed.size() && out.size() < digits) {
    if (is_digit(typed[i])) {
      out += typed[i++];
      continue;
    }
    // A run of group separators counts only when a digit follows it on the same line.
    std::size_t j = i;
    for (;;) {
      if (j < typed.size() &&
          (typed[j] == ' ' || typed[j] == '\t' || typed[j] == '-' || typed[j] == '.')) {
        ++j;
      } else if (typed.substr(j).starts_with("\xE2\x80\x93") ||
                 typed.substr(j).starts_with("\xE2\x80\x94")) {
        j += 3;  // en dash, em dash
      } else {
        break;
      }
    }
    if (j == i || out.empty() || j >= typed.size() || !is_digit(typed[j])) break;
    i = j;
  }
  return out;
}

ref_generator::ref_generator(std::string_view key, std::size_t digits)
    : digits_(digits), space_(0), half_bits_(0), key_(derive_key(key)) {
  if (digits < min_ref_digits || digits > max_ref_digits) {
    throw std::invalid_argument("ref digits must be between " + std::to_string(min_ref_digits) +
                                " and " + std::to_string(max_ref_digits));
  }
  space_ = space_of(digits);
  half_bits_ = half_bits_of(space_);
}

std::uint64_t ref_generator::round_function(unsigned round, std::uint64_t half,
                                            unsigned half_bits) const {
  return siphash_word(key_, (static_cast<std::uint64_t>(round) << 56) ^ half) &
         ((std::uint64_t{1} << half_bits) - 1);
}

std::uint64_t ref_generator::permute(std::uint64_t x) const {
  // A balanced Feistel network is a permutation of [0, 2^(2h)); cycle-walking (applying it
  // again until the value falls inside the space) makes it a permutation of [0, space_).
  const std::uint64_t mask = (std::uint64_t{1} << half_bits_) - 1;
  do {
    std::uint64_t left = x >> half_bits_;
    std::uint64_t right = x & mask;
    for (unsigned r = 0; r < feistel_rounds; ++r) {
      std::uint64_t next = left ^ round_function(r, right, half_bits_);
      left = right;
      right = next;
    }
    x = (left << half_bits_) | right;
  } while (x >= space_);
  return x;
}

std::string ref_generator::make(std::uint64_t counter) const {
  if (counter >= space_) {
    throw std::out_of_range("ref space exhausted: counter " + std::to_string(counter) +
                            " >= " + std::to_string(space_) + "; configure more ref_digits");
  }
  std::string body = std::to_string(pow10(digits_ - 2) + permute(counter));
  return body + damm_check_digit(body);
}

std::uint64_t ref_generator::unpermute(std::uint64_t y, std::uint64_t space,
                                       unsigned half_bits) const {
  // Each round undone, last first: a round maps (l, r) to (r, l ^ F(r)), so (l', r') came from
  // (r' ^ F(l'), l'). Walking back through values outside the space finds the one inside that
  // permute() started from (the cycle through y holds it, and permute() stopped at y).
  const std::uint64_t mask = (std::uint64_t{1} << half_bits) - 1;
  do {
    std::uint64_t left = y >> half_bits;
    std::uint64_t right = y & mask;
    for (unsigned r = feistel_rounds; r-- > 0;) {
      std::uint64_t prev = right ^ round_function(r, left, half_bits);
      right = left;
      left = prev;
    }
    y = (left << half_bits) | right;
  } while (y >= space);
  return y;
}

std::optional<std::uint64_t> ref_generator::number_of(std::string_view ref) const {
  const std::size_t digits = ref.size();
  if (digits < min_ref_digits || digits > max_ref_digits || !is_valid_ref(ref, digits))
    return std::nullopt;
  std::uint64_t body = 0;
  for (char c : ref.substr(0, digits - 1))
    body = body * 10 + static_cast<std::uint64_t>(c - '0');
  const std::uint64_t space = digits == digits_ ? space_ : space_of(digits);
  const unsigned half_bits = digits == digits_ ? half_bits_ : half_bits_of(space);
  return unpermute(body - pow10(digits - 2), space, half_bits);
}

}  // namespace lapord::lapor
