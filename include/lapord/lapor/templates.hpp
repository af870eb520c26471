#pragma once
// Reply texts, Indonesian, in a file an operator edits (config/templates-id.txt):
//   id = text with {placeholders}        ('#' comment lines, blank lines ignored, "\n" = line
//   break)
// Every template is known by id with a fixed set of placeholders. At load each one is
// rendered with the longest value each placeholder can take; one that does not fit a single
// GSM 03.38 segment (160 septets, extension characters count 2) or uses a character outside
// the GSM alphabet is an error at load time. Templates that quote someone's text ({message})
// are checked without it: the text layer sends those as UCS-2 or several parts as needed.
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lapord/lapor/data_error.hpp"

namespace lapord::lapor {

// The template ids; each lists its placeholders in the .cpp and in docs/complaint-service.md.
namespace reply {
inline constexpr std::string_view ack = "ack";                    // ref, institution, number
inline constexpr std::string_view ack_national = "ack_national";  // ref, number
inline constexpr std::string_view status = "status";              // ref, state, institution, date
inline constexpr std::string_view not_found = "not_found";        // ref, number
inline constexpr std::string_view help = "help";                  // number
inline constexpr std::string_view help_cek = "help_cek";          // number
inline constexpr std::string_view stop = "stop";                  // number
inline constexpr std::string_view start = "start";                // number
inline constexpr std::string_view duplicate = "duplicate";        // ref, number
inline constexpr std::string_view rate_limited = "rate_limited";  // limit, number
inline constexpr std::string_view notification =
    "notification";  // ref, state, institution, message
inline constexpr std::string_view national_desk = "national_desk";  // the national desk's name
}  // namespace reply

using reply_params = std::vector<std::pair<std::string, std::string>>;

// `t` with each {name} replaced by its value in `params` (unknown names become empty); what
// follows an unclosed '{' is kept as written. Shared by SMS replies and USSD screens.
[[nodiscard]] std::string fill_placeholders(std::string_view t, const reply_params& params);
// The same with one more placeholder after `params` (an acknowledgement's {ref}, known only on
// the store's writer thread, which every MO passes through): `params` not copied.
[[nodiscard]] std::string fill_placeholders(std::string_view t, const reply_params& params,
                                            std::string_view name, std::string_view value);

// The longest values the placeholders can take in this deployment.
struct reply_limits {
  std::size_t ref_digits = 8;
  std::vector<std::string> institution_names;  // every short name a reply may carry
  std::vector<std::string> service_numbers;
  unsigned hourly_limit = 10;
};

class reply_templates {
 public:
  // Throws data_error (source:line) for an unknown id, a missing id, an unknown placeholder, a
  // character outside GSM 03.38, or a template that cannot fit one segment.
  static reply_templates load(std::string_view text, std::string_view source,
                              const reply_limits& limits);

  // Fills the placeholders of template `id` (a placeholder without a value is left empty).
  // Throws std::out_of_range for an unknown id.
  [[nodiscard]] std::string render(std::string_view id, const reply_params& params) const;
  // With one placeholder more (fill_placeholders above).
  [[nodiscard]] std::string render(std::string_view id, const reply_params& params,
                                   std::string_view name, std::string_view value) const;
  [[nodiscard]] const std::string& text(std::string_view id) const;
  // The states a status reply names, in the order of the complaint's life.
  [[nodiscard]] static std::span<const std::string_view> state_words();

 private:
  std::map<std::string, std::string, std::less<>> texts_;
};

// Septets of a GSM 03.38 text, or nullopt when some character is outside the alphabet.
[[nodiscard]] std::optional<std::size_t> gsm_septets(std::string_view utf8);

}  // namespace lapord::lapor
