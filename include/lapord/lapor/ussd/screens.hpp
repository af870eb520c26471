#pragma once
// The USSD menu's texts, Indonesian, in a file an operator edits (config/ussd-id.txt), in the
// same line format as the SMS reply templates:
//   id = text with {placeholders}     ('#' comment lines, blank lines ignored, "\n" = new line)
// Their own file, because the reply-template loader accepts only the SMS reply ids.
// At load every screen is rendered with the longest values its placeholders can take (and each
// hint together with the screen it is shown above); a screen that does not fit the limit, or
// has a character outside GSM 03.38, is an error naming the file and line. A carrier profile
// with a smaller limit or another encoding is checked again with check_fits().
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/lapor/data_error.hpp"
#include "lapord/lapor/templates.hpp"
#include "lapord/lapor/ussd/screen_text.hpp"

namespace lapord::lapor {
class service;
}

namespace lapord::lapor::ussd {

// The screen ids; placeholders in the comment.
namespace screen {
inline constexpr std::string_view menu = "menu";                        // -
inline constexpr std::string_view ask_keyword = "ask_keyword";          // -
inline constexpr std::string_view confirm_keyword = "confirm_keyword";  // institution
inline constexpr std::string_view ask_text = "ask_text";                // -
inline constexpr std::string_view confirm = "confirm";                  // institution
inline constexpr std::string_view filed = "filed";                      // ref, institution
inline constexpr std::string_view filed_duplicate = "filed_duplicate";  // ref
inline constexpr std::string_view filing_failed = "filing_failed";      // number
inline constexpr std::string_view cancelled = "cancelled";              // -
inline constexpr std::string_view ask_ref = "ask_ref";                  // -
inline constexpr std::string_view help = "help";                        // number
inline constexpr std::string_view too_many_wrong = "too_many_wrong";    // -
inline constexpr std::string_view expired = "expired";                  // -
inline constexpr std::string_view busy = "busy";                        // -
// Hints, shown on the line above the screen they repeat.
inline constexpr std::string_view wrong_choice = "wrong_choice";        // -
inline constexpr std::string_view unknown_keyword = "unknown_keyword";  // -
inline constexpr std::string_view text_too_short = "text_too_short";    // -
inline constexpr std::string_view ref_not_digits = "ref_not_digits";    // -
}  // namespace screen

// The longest values placeholders can take in this deployment.
struct screen_limits {
  std::size_t max_cost = 182;  // the tightest carrier's limit, GSM septets
  std::size_t ref_digits = 8;
  std::vector<std::string> institution_names;  // every short name a screen may show
  std::vector<std::string> service_numbers;
};

// From the loaded complaint service: its directory's short names and the national desk's name,
// its service numbers and ref length.
[[nodiscard]] screen_limits limits_for(const lapor::service& service, std::size_t max_cost = 182);

class screens {
 public:
  // Throws data_error (source:line): unknown or repeated id, missing id, unknown placeholder, a
  // character outside GSM 03.38, or a screen (or hint + screen) longer than limits.max_cost.
  static screens load(std::string_view text, std::string_view source, const screen_limits& limits);

  // Fills the placeholders (a placeholder without a value is left empty). Throws
  // std::out_of_range for an unknown id.
  [[nodiscard]] std::string render(std::string_view id, const reply_params& params = {}) const;
  // A hint on the line above a screen: "Pilihan salah.\n<screen>".
  [[nodiscard]] std::string with_hint(std::string_view hint_id, std::string_view screen_text) const;

  // Throws data_error naming the screen when one of the fixed screens, rendered with the
  // longest values, costs more than `max` in `e` (a carrier profile's limit).
  void check_fits(screen_encoding e, std::size_t max, std::string_view who) const;
  // The most any fixed screen costs in `e` with the longest values.
  [[nodiscard]] std::size_t worst_cost(screen_encoding e) const;

  // The same texts (a reload swaps the menu only when they, or its settings, changed).
  [[nodiscard]] bool operator==(const screens& other) const { return texts_ == other.texts_; }

 private:
  struct rendered {
    std::string id;
    int line = 0;
    std::string text;  // with the longest values
  };
  std::string source_;
  std::map<std::string, std::string, std::less<>> texts_;
  std::vector<rendered> worst_;
};

}  // namespace lapord::lapor::ussd
