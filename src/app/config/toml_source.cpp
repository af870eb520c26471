#include "app/config/toml_source.hpp"

#include <algorithm>
#include <filesystem>

#include "lapord/app/config/config_error.hpp"

namespace lapord::app {
namespace {

std::string number(double v) {
  std::string t = std::to_string(v);
  while (t.find('.') != std::string::npos && (t.back() == '0' || t.back() == '.')) {
    const bool dot = t.back() == '.';
    t.pop_back();
    if (dot) break;
  }
  return t;
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

section_reader::section_reader(const toml::table& document, std::string_view name,
                               const std::string& file, std::span<const std::string_view> known)
    : name_(name), file_(file) {
  const toml::node* node = document.get(name);
  if (node == nullptr) return;
  table_ = node->as_table();
  if (table_ == nullptr) throw config_error(file, line_of(*node), label() + " must be a table");
  for (auto&& [key, value] : *table_) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      throw config_error(file, line_of(value),
                         "unknown key " + label() + " " + std::string(key.str()));
    }
  }
}

int section_reader::line(std::string_view key) const {
  const toml::node* n = get(key);
  return n != nullptr ? line_of(*n) : table_ != nullptr ? line_of(*table_) : 0;
}

void section_reader::fail(std::string_view key, const std::string& what) const {
  fail_with(key, std::string(key) + " " + what);
}

void section_reader::fail_with(std::string_view key, const std::string& text) const {
  throw config_error(file_, line(key), label() + " " + text);
}

std::optional<std::string> section_reader::string(std::string_view key) const {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_string()) fail(key, "must be a string");
  return n->as_string()->get();
}

std::optional<bool> section_reader::boolean(std::string_view key) const {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_boolean()) fail(key, "must be true or false");
  return n->as_boolean()->get();
}

std::optional<std::int64_t> section_reader::integer(std::string_view key, std::int64_t min,
                                                    std::int64_t max) const {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_integer()) fail(key, "must be an integer");
  const std::int64_t v = n->as_integer()->get();
  if (v < min || v > max) {
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                  std::to_string(v));
  }
  return v;
}

std::optional<std::vector<std::string>> section_reader::strings(std::string_view key) const {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  const toml::array* a = n->as_array();
  if (a == nullptr) fail(key, "must be an array of strings");
  std::vector<std::string> out;
  for (const toml::node& e : *a) {
    if (!e.is_string()) {
      throw config_error(file_, line_of(e),
                         label() + " " + std::string(key) + " must hold strings only");
    }
    out.push_back(e.as_string()->get());
  }
  return out;
}

void section_reader::seconds(std::string_view key, double min, double max,
                             std::chrono::milliseconds& out) const {
  const toml::node* n = get(key);
  if (n == nullptr) return;
  double v = 0;
  if (n->is_integer()) {
    v = static_cast<double>(n->as_integer()->get());
  } else if (n->is_floating_point()) {
    v = n->as_floating_point()->get();
  } else {
    fail(key, "must be a number of seconds");
  }
  if (!(v >= min && v <= max)) {
    fail(key,
         "must be between " + number(min) + " and " + number(max) + " seconds, not " + number(v));
  }
  out = std::chrono::milliseconds(static_cast<std::int64_t>(v * 1000.0 + 0.5));
}

}  // namespace lapord::app
