#pragma once
// The one reader of lapord.toml's tables: every reader in app/config takes its keys through it,
// so every mistake is a config_error "FILE:LINE: what" in one wording per kind of mistake:
//   unknown key "windw" in [[carrier]] "tsel"
//   missing required key "host" in [[carrier]] #2
//   "store" must be a table [store]
//   [store] max_batch must be an integer from 1 to 1000000, got 0
//   [log] level must be one of trace, debug, ..., got "loud"
//   [admin] token and token_env are both set: give only one
//   [service] ref_key_env names the environment variable "X", which is not set
//   [ussd] screens names a file that cannot be read: "/etc/lapord/ussd-id.txt"
// A value is shown with its type when the type is wrong; a secret's value is never shown.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace lapord::app {

// The 1-based line a key or value was written on.
int line_of(const toml::source_region& source);
int line_of(const toml::node& node);

// A path written in the configuration file: an absolute one as is, a relative one relative to
// the folder of that file.
std::string resolve(const std::string& config_file, const std::string& path);

// Parses the text of a configuration file; a syntax error is a config_error at its line,
// "not valid TOML: what toml++ says".
toml::table parse_document(std::string_view text, const std::string& file);
// Reads and parses `path`; a missing file is "cannot open the configuration file" at line 0.
toml::table parse_document_file(const std::string& path);

// The top-level table `name` of `document`, or nullptr when it is absent; a value that is not
// a table is an error.
const toml::table* table_at(const toml::table& document, std::string_view name,
                            const std::string& file);
// `"name" must be a table [header]`, at `line`.
[[noreturn]] void not_a_table(const std::string& file, int line, std::string_view name,
                              std::string_view header);

// How errors name a [[carrier]] table: by its name once it has one, else by its place (1-based).
std::string carrier_label(const toml::table& carrier, std::size_t index);

// The wordings shared with readers that check more than one table at once (config_check).
std::string unreadable_file_text(std::string_view subject, const std::string& path);
std::string unset_variable_text(std::string_view subject, const std::string& variable);

// A value as errors show it after "got": `5 (an integer)`, `"x" (a string)`; only the type for a
// secret (password, token, ref_key), an array or a table.
std::string shown(std::string_view key, const toml::node& value);

// One table (or none: an absent table reads as all keys absent). Unknown keys are refused at
// once, before any value is read, so a typo is named as the typo and not as the key it was
// meant to be. The getters return nothing for an absent key and throw for a wrong one.
class table_reader {
 public:
  // `where` names the table in errors: "[store]", "[[carrier]] \"tsel\"", "[ussd.profiles.xl]".
  table_reader(const toml::table* table, const std::string& file, std::string where,
               std::span<const std::string_view> known);
  // The top-level table `name`, which may be absent.
  table_reader(const toml::table& document, std::string_view name, const std::string& file,
               std::span<const std::string_view> known);

  [[nodiscard]] bool present() const { return table_ != nullptr; }
  [[nodiscard]] bool has(std::string_view key) const { return get(key) != nullptr; }
  [[nodiscard]] const std::string& where() const { return where_; }
  [[nodiscard]] const std::string& file() const { return file_; }
  // The line of `key`, else of the table, else 0.
  [[nodiscard]] int line(std::string_view key) const;
  [[nodiscard]] int table_line() const;

  // "WHERE key what", at the line of `key`.
  [[noreturn]] void fail(std::string_view key, const std::string& what) const;
  // "WHERE what", at the line of the table.
  [[noreturn]] void fail_table(const std::string& what) const;
  // "missing required key "key" in WHERE", at the line of the table.
  [[noreturn]] void missing(std::string_view key) const;
  // Both of two keys that exclude each other are set: at the line of `second`.
  [[noreturn]] void both(std::string_view first, std::string_view second) const;
  // "WHERE key names the environment variable "X", which is not set".
  [[noreturn]] void unset_variable(std::string_view key, const std::string& variable) const;

  std::optional<std::string> string(std::string_view key,
                                    std::size_t max_length = max_string) const;
  std::string required_string(std::string_view key, std::size_t max_length = max_string) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min,
                                      std::int64_t max) const;
  std::optional<double> number(std::string_view key, double min, double max) const;
  // Seconds, fractions allowed (0.25 is a quarter of a second), as everywhere in lapord.toml.
  std::optional<std::chrono::milliseconds> seconds(std::string_view key, double min,
                                                   double max) const;
  std::optional<std::string> choice(std::string_view key,
                                    std::span<const std::string_view> choices) const;
  std::optional<std::vector<std::string>> strings(std::string_view key) const;
  std::optional<std::vector<std::int64_t>> integers(std::string_view key, std::int64_t min,
                                                    std::int64_t max) const;

  template <class Int>
  void count(std::string_view key, std::int64_t min, std::int64_t max, Int& out) const {
    if (auto v = integer(key, min, max)) out = static_cast<Int>(*v);
  }
  void seconds(std::string_view key, double min, double max, std::chrono::milliseconds& out) const {
    if (auto v = seconds(key, min, max)) out = *v;
  }

  static constexpr std::size_t max_string = 4096;

 private:
  const toml::node* get(std::string_view key) const {
    return table_ != nullptr ? table_->get(key) : nullptr;
  }
  void refuse_unknown(std::span<const std::string_view> known) const;
  // An integer or a float within [min, max]; `what` names it in the error ("a number").
  std::optional<double> numeric(std::string_view key, double min, double max,
                                std::string_view what) const;

  const toml::table* table_ = nullptr;
  std::string file_;
  std::string where_;
};

}  // namespace lapord::app
