#include "app/config/table_reader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "lapord/app/config/config_error.hpp"

namespace lapord::app {
namespace {

// Keys whose values are secrets: a mistyped secret is still a secret, so errors name its type.
constexpr std::string_view secret_keys[] = {"password", "token", "ref_key"};

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

// A value of the right type that is out of range: the value alone.
std::string plain(const toml::node& node) {
  if (const auto* s = node.as_string()) {
    std::string v = s->get();
    if (v.size() > 40) v = v.substr(0, 40) + "...";  // keep the line short
    return fmt::format("\"{}\"", v);
  }
  if (const auto* i = node.as_integer()) return fmt::format("{}", i->get());
  if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  return type_name(node);
}

bool is_secret(std::string_view key) {
  return std::find(std::begin(secret_keys), std::end(secret_keys), key) != std::end(secret_keys);
}

std::string list(std::span<const std::string_view> items) {
  std::string out;
  for (auto i : items)
    out += (out.empty() ? "" : ", ") + std::string(i);
  return out;
}

}  // namespace

int line_of(const toml::source_region& source) {
  return static_cast<int>(source.begin.line);
}

int line_of(const toml::node& node) {
  return line_of(node.source());
}

std::string resolve(const std::string& config_file, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return p.string();
  return (std::filesystem::path(config_file).parent_path() / p).lexically_normal().string();
}

toml::table parse_document(std::string_view text, const std::string& file) {
  try {
    return toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    // toml++ descriptions are one line; keep the first line in case a future one is not.
    std::string what(e.description());
    what = what.substr(0, what.find('\n'));
    throw config_error(file, line_of(e.source()), "not valid TOML: " + what);
  }
}

toml::table parse_document_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path, 0, "cannot open the configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_document(text.str(), path);
}

void not_a_table(const std::string& file, int line, std::string_view name,
                 std::string_view header) {
  throw config_error(file, line, fmt::format("\"{}\" must be a table {}", name, header));
}

const toml::table* table_at(const toml::table& document, std::string_view name,
                            const std::string& file) {
  const toml::node* node = document.get(name);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) not_a_table(file, line_of(*node), name, fmt::format("[{}]", name));
  return node->as_table();
}

std::string carrier_label(const toml::table& carrier, std::size_t index) {
  if (const auto* n = carrier.get_as<std::string>("name"))
    return fmt::format("[[carrier]] \"{}\"", n->get());
  return fmt::format("[[carrier]] #{}", index + 1);
}

std::string unreadable_file_text(std::string_view subject, const std::string& path) {
  return fmt::format("{} names a file that cannot be read: \"{}\"", subject, path);
}

std::string unset_variable_text(std::string_view subject, const std::string& variable) {
  return fmt::format("{} names the environment variable \"{}\", which is not set", subject,
                     variable);
}

table_reader::table_reader(const toml::table* table, const std::string& file, std::string where,
                           std::span<const std::string_view> known)
    : table_(table), file_(file), where_(std::move(where)) {
  refuse_unknown(known);
}

table_reader::table_reader(const toml::table& document, std::string_view name,
                           const std::string& file, std::span<const std::string_view> known)
    : table_(table_at(document, name, file)), file_(file), where_(fmt::format("[{}]", name)) {
  refuse_unknown(known);
}

void table_reader::refuse_unknown(std::span<const std::string_view> known) const {
  if (table_ == nullptr) return;
  for (auto&& [key, value] : *table_) {
    (void)value;
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      throw config_error(file_, line_of(key.source()),
                         fmt::format("unknown key \"{}\" in {}", key.str(), where_));
    }
  }
}

int table_reader::table_line() const {
  return table_ != nullptr ? line_of(*table_) : 0;
}

int table_reader::line(std::string_view key) const {
  const toml::node* n = get(key);
  return n != nullptr ? line_of(*n) : table_line();
}

void table_reader::fail(std::string_view key, const std::string& what) const {
  throw config_error(file_, line(key), fmt::format("{} {} {}", where_, key, what));
}

void table_reader::fail_table(const std::string& what) const {
  throw config_error(file_, table_line(), fmt::format("{} {}", where_, what));
}

void table_reader::missing(std::string_view key) const {
  throw config_error(file_, table_line(),
                     fmt::format("missing required key \"{}\" in {}", key, where_));
}

void table_reader::both(std::string_view first, std::string_view second) const {
  throw config_error(
      file_, line(second),
      fmt::format("{} {} and {} are both set: give only one", where_, first, second));
}

void table_reader::unset_variable(std::string_view key, const std::string& variable) const {
  throw config_error(file_, line(key),
                     unset_variable_text(fmt::format("{} {}", where_, key), variable));
}

std::string shown(std::string_view key, const toml::node& value) {
  if (is_secret(key)) return type_name(value);
  if (value.is_array() || value.is_table()) return type_name(value);
  return fmt::format("{} ({})", plain(value), type_name(value));
}

std::optional<std::string> table_reader::string(std::string_view key,
                                                std::size_t max_length) const {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  const auto* s = n->as_string();
  if (s == nullptr) fail(key, "must be a string, got " + shown(key, *n));
  if (s->get().size() > max_length) {
    fail(key, fmt::format("must be at most {} characters, got {}", max_length, s->get().size()));
  }
  return s->get();
}

std::string table_reader::required_string(std::string_view key, std::size_t max_length) const {
  auto v = string(key, max_length);
  if (!v) missing(key);
  return *v;
}

std::optional<bool> table_reader::boolean(std::string_view key) const {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  const auto* b = n->as_boolean();
  if (b == nullptr) fail(key, "must be true or false, got " + shown(key, *n));
  return b->get();
}

std::optional<std::int64_t> table_reader::integer(std::string_view key, std::int64_t min,
                                                  std::int64_t max) const {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  const auto* i = n->as_integer();
  if (i == nullptr || i->get() < min || i->get() > max) {
    fail(key, fmt::format("must be an integer from {} to {}, got {}", min, max,
                          i != nullptr ? plain(*n) : shown(key, *n)));
  }
  return i->get();
}

std::optional<double> table_reader::number(std::string_view key, double min, double max) const {
  return numeric(key, min, max, "a number");
}

std::optional<std::chrono::milliseconds> table_reader::seconds(std::string_view key, double min,
                                                               double max) const {
  const auto v = numeric(key, min, max, "a number of seconds");
  if (!v) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(*v * 1000.0)));
}

std::optional<double> table_reader::numeric(std::string_view key, double min, double max,
                                            std::string_view what) const {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  const bool is_number = n->is_integer() || n->is_floating_point();
  const double v = n->is_integer() ? static_cast<double>(n->as_integer()->get())
                   : is_number     ? n->as_floating_point()->get()
                                   : 0.0;
  if (!is_number || !std::isfinite(v) || v < min || v > max) {
    fail(key, fmt::format("must be {} from {} to {}, got {}", what, min, max,
                          is_number ? plain(*n) : shown(key, *n)));
  }
  return v;
}

std::optional<std::string> table_reader::choice(std::string_view key,
                                                std::span<const std::string_view> choices) const {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  const auto* s = n->as_string();
  if (s == nullptr || std::find(choices.begin(), choices.end(), s->get()) == choices.end()) {
    fail(key, fmt::format("must be one of {}, got {}", list(choices),
                          s != nullptr ? plain(*n) : shown(key, *n)));
  }
  return s->get();
}

std::optional<std::vector<std::string>> table_reader::strings(std::string_view key) const {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  const auto* a = n->as_array();
  if (a == nullptr) fail(key, "must be an array of strings, got " + shown(key, *n));
  std::vector<std::string> out;
  for (const toml::node& e : *a) {
    if (!e.is_string()) {
      throw config_error(file_, line_of(e),
                         fmt::format("{} {} must be an array of strings, got an element {}", where_,
                                     key, shown(key, e)));
    }
    out.push_back(e.as_string()->get());
  }
  return out;
}

std::optional<std::vector<std::int64_t>> table_reader::integers(std::string_view key,
                                                                std::int64_t min,
                                                                std::int64_t max) const {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  const auto what = fmt::format("must be an array of integers from {} to {}, got", min, max);
  const auto* a = n->as_array();
  if (a == nullptr) fail(key, fmt::format("{} {}", what, shown(key, *n)));
  std::vector<std::int64_t> out;
  for (const toml::node& e : *a) {
    const auto* i = e.as_integer();
    if (i == nullptr || i->get() < min || i->get() > max) {
      throw config_error(file_, line_of(e),
                         fmt::format("{} {} {} an element {}", where_, key, what,
                                     i != nullptr ? plain(e) : shown(key, e)));
    }
    out.push_back(i->get());
  }
  return out;
}

}  // namespace lapord::app
