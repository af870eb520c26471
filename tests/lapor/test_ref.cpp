#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "lapord/lapor/ref.hpp"

using namespace lapord::lapor;

TEST_CASE("ref: Damm check digit, known values") {
  CHECK(damm_check_digit("572") == '4');  // the textbook example
  CHECK(damm_valid("5724"));
  CHECK_FALSE(damm_valid("5723"));
  CHECK_FALSE(damm_valid(""));
  CHECK_FALSE(damm_valid("57a4"));
  CHECK_THROWS_AS((void)damm_check_digit("12x"), std::invalid_argument);
}

TEST_CASE("ref: every single wrong digit and every swap of neighbours is caught") {
  ref_generator gen("test key for refs, 32 bytes long", 8);
  for (std::uint64_t counter = 0; counter < 2000; ++counter) {
    std::string ref = gen.make(counter);
    REQUIRE(is_valid_ref(ref));
    for (std::size_t pos = 0; pos < ref.size(); ++pos) {
      for (char c = '0'; c <= '9'; ++c) {
        if (c == ref[pos]) continue;
        std::string typo = ref;
        typo[pos] = c;
        CHECK_FALSE(is_valid_ref(typo));
      }
      if (pos + 1 < ref.size() && ref[pos] != ref[pos + 1]) {
        std::string swapped = ref;
        std::swap(swapped[pos], swapped[pos + 1]);
        CHECK_FALSE(is_valid_ref(swapped));
      }
    }
  }
}

TEST_CASE("ref: 1,000,000 consecutive counters give unique, valid, non-monotonic refs") {
  ref_generator gen("another key, also long enough!!", 8);
  std::vector<std::uint64_t> values;
  values.reserve(1'000'000);
  std::size_t rises = 0;
  std::uint64_t previous = 0;
  for (std::uint64_t counter = 0; counter < 1'000'000; ++counter) {
    std::string ref = gen.make(counter);
    REQUIRE(ref.size() == 8);
    REQUIRE(ref[0] != '0');
    REQUIRE(damm_valid(ref));
    std::uint64_t v = std::stoull(ref);
    if (counter > 0 && v > previous) ++rises;
    previous = v;
    values.push_back(v);
  }
  // Not sequential: about half the steps go up, half down (a counter would always go up).
  CHECK(rises > 450'000);
  CHECK(rises < 550'000);
  std::sort(values.begin(), values.end());
  CHECK(std::adjacent_find(values.begin(), values.end()) == values.end());
}

TEST_CASE("ref: the permutation covers the whole space (small ref length, exhaustive)") {
  ref_generator gen("small space key for exhaustive", 4);
  CHECK(gen.capacity() == 900);
  std::vector<std::string> all;
  for (std::uint64_t c = 0; c < gen.capacity(); ++c)
    all.push_back(gen.make(c));
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.front().substr(0, 3) == "100");
  CHECK(all.back().substr(0, 3) == "999");
  CHECK_THROWS_AS((void)gen.make(900), std::out_of_range);
}

TEST_CASE("ref: the key decides the order, and the same key gives the same refs") {
  ref_generator a("key number one, sixteen+ bytes", 8);
  ref_generator b("key number two, sixteen+ bytes", 8);
  ref_generator a2("key number one, sixteen+ bytes", 8);
  int same = 0;
  for (std::uint64_t c = 0; c < 100; ++c) {
    CHECK(a.make(c) == a2.make(c));
    if (a.make(c) == b.make(c)) ++same;
  }
  CHECK(same < 3);
  CHECK_THROWS_AS(ref_generator("k", 3), std::invalid_argument);
  CHECK_THROWS_AS(ref_generator("k", 19), std::invalid_argument);
  ref_generator big("k", 18);
  CHECK(big.make(12345).size() == 18);
  CHECK(damm_valid(big.make(12345)));
}

TEST_CASE("ref: parse_ref reads what a citizen typed") {
  CHECK(parse_ref("48219375") == "48219375");
  CHECK(parse_ref("4821-9375") == "48219375");
  CHECK(parse_ref("4821 9375") == "48219375");
  CHECK(parse_ref("4821.9375") == "48219375");
  CHECK(parse_ref("4821 - 9375") == "48219375");
  CHECK(parse_ref("4821\xE2\x80\x93"
                  "9375") == "48219375");  // en dash
  CHECK(parse_ref("  48 21 93 75") == "48219375");
  CHECK(parse_ref("4821\n9375") == "4821");        // a line break ends it
  CHECK(parse_ref("482193751234") == "48219375");  // at most the ref's length
  CHECK(parse_ref("48219375 terima kasih") == "48219375");
  CHECK(parse_ref("4821-") == "4821");
  CHECK(parse_ref("abc") == "");
  CHECK(parse_ref("") == "");
  CHECK(parse_ref("-4821") == "");
  CHECK(parse_ref("123456", 4) == "1234");
}

TEST_CASE("ref: validation rejects before any lookup") {
  ref_generator gen("validation key, long enough ok", 8);
  std::string ref = gen.make(42);
  CHECK(is_valid_ref(ref));
  CHECK_FALSE(is_valid_ref(ref.substr(0, 7)));
  CHECK_FALSE(is_valid_ref(ref + "0"));
  CHECK_FALSE(is_valid_ref(ref, 9));
  CHECK_FALSE(is_valid_ref("0" + std::string(1, damm_check_digit("0"))));
  CHECK_FALSE(is_valid_ref("00000000"));  // Damm-valid, but no ref starts with 0
}

TEST_CASE("ref: number_of inverts make over many counters, for every digit count") {
  const std::string key = "round trip key, long enough!!!";
  // One generator at the default digit count reads refs of every length made with its key:
  // ref_digits may have been raised since (docs/store.md, "Complaints keyed by their number").
  ref_generator reader(key, default_ref_digits);
  for (std::size_t d = min_ref_digits; d <= max_ref_digits; ++d) {
    CAPTURE(d);
    ref_generator maker(key, d);
    std::vector<std::uint64_t> counters;
    for (std::uint64_t c = 0; c < 2000 && c < maker.capacity(); ++c)
      counters.push_back(c);
    // And the far end of the space, where cycle-walking matters as much.
    for (std::uint64_t c = maker.capacity() > 2000 ? maker.capacity() - 500 : maker.capacity();
         c < maker.capacity(); ++c)
      counters.push_back(c);
    for (std::uint64_t step = maker.capacity() / 997 + 1, c = 0; c < maker.capacity(); c += step)
      counters.push_back(c);
    int wrong = 0;
    for (std::uint64_t c : counters) {
      const std::string ref = maker.make(c);
      if (reader.number_of(ref) != std::optional<std::uint64_t>(c)) ++wrong;
      if (maker.number_of(ref) != std::optional<std::uint64_t>(c)) ++wrong;
    }
    CHECK(wrong == 0);
  }
}

TEST_CASE("ref: number_of covers a small space exhaustively") {
  ref_generator gen("small space key for exhaustive", 4);
  int wrong = 0;
  for (std::uint64_t c = 0; c < gen.capacity(); ++c)
    if (gen.number_of(gen.make(c)) != std::optional<std::uint64_t>(c)) ++wrong;
  CHECK(wrong == 0);
  // Every valid 4-digit ref is some counter's: 900 refs, 900 counters.
  int valid = 0;
  for (int body = 100; body < 1000; ++body) {
    std::string ref = std::to_string(body);
    ref += damm_check_digit(ref);
    auto n = gen.number_of(ref);
    if (n && *n < gen.capacity() && gen.make(*n) == ref) ++valid;
  }
  CHECK(valid == 900);
}

TEST_CASE("ref: number_of refuses what is no ref") {
  ref_generator gen("invalid refs key, long enough!", 8);
  const std::string ref = gen.make(12345);
  REQUIRE(gen.number_of(ref) == std::optional<std::uint64_t>(12345));
  std::string wrong_digit = ref;
  wrong_digit[3] = wrong_digit[3] == '9' ? '0' : static_cast<char>(wrong_digit[3] + 1);
  CHECK_FALSE(gen.number_of(wrong_digit));  // the check digit catches it
  std::string swapped = ref;
  std::swap(swapped[2], swapped[3]);
  if (swapped != ref) CHECK_FALSE(gen.number_of(swapped));
  CHECK_FALSE(gen.number_of(""));
  CHECK_FALSE(gen.number_of("572"));                // too short for any generator
  CHECK_FALSE(gen.number_of("0" + ref.substr(1)));  // no ref starts with 0
  CHECK_FALSE(gen.number_of(ref.substr(0, 4) + "-" + ref.substr(4)));  // not digits only
  CHECK_FALSE(gen.number_of(std::string(19, '1')));                    // longer than any generator
  CHECK_FALSE(gen.number_of("00000000"));
  // Another key reads a valid ref too, as some other counter: only the store's check that the
  // complaint under that number has this ref tells them apart.
  ref_generator other("another key altogether, long!!", 8);
  CHECK(other.number_of(ref).has_value());
  CHECK(other.number_of(ref) != std::optional<std::uint64_t>(12345));
}
