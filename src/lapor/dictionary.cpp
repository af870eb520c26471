#include "lapord/lapor/dictionary.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "lapor/lines.hpp"
#include "lapord/lapor/words.hpp"

namespace lapord::lapor {
namespace {

struct char_class {
  std::string chars;
  bool negated = false;
  bool any = false;
  [[nodiscard]] bool matches(char c) const {
    if (any) return true;
    bool in = chars.find(c) != std::string::npos;
    return negated ? !in : in;
  }
};

std::vector<char_class> parse_condition(std::string_view cond) {
  std::vector<char_class> out;
  for (std::size_t i = 0; i < cond.size(); ++i) {
    char_class cc;
    if (cond[i] == '.') {
      cc.any = true;
    } else if (cond[i] == '[') {
      std::size_t close = cond.find(']', i);
      if (close == std::string_view::npos) close = cond.size();
      std::string_view inner = cond.substr(i + 1, close - i - 1);
      if (inner.starts_with('^')) {
        cc.negated = true;
        inner.remove_prefix(1);
      }
      for (char c : inner) {
        if (c != '^') cc.chars += c;  // id_ID writes [^k^m^p]: every '^' after the first is noise
      }
      i = close;
    } else {
      cc.chars = std::string(1, cond[i]);
    }
    out.push_back(std::move(cc));
  }
  return out;
}

struct affix_rule {
  std::string strip;
  std::string add;
  std::string continuation;  // flags of the affix itself ("an/B1l0A1")
  std::vector<char_class> condition;
};

struct affix_class {
  bool prefix = false;
  bool cross = false;
  std::vector<affix_rule> rules;
};

std::vector<std::string_view> tokens(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
      ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t')
      ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

class affix_table {
 public:
  explicit affix_table(std::string_view aff) {
    std::size_t start = 0;
    std::map<std::string, int> pending;
    while (start < aff.size()) {
      std::size_t end = aff.find('\n', start);
      if (end == std::string_view::npos) end = aff.size();
      auto t = tokens(aff.substr(start, end - start));
      start = end + 1;
      if (t.empty()) continue;
      if (t[0] == "FLAG" && t.size() > 1) {
        if (t[1] == "long")
          long_flags_ = true;
        else if (t[1] == "num")
          throw std::runtime_error("hunspell .aff: FLAG num is not supported");
      } else if (t[0] == "SET" && t.size() > 1) {
        utf8_ = t[1] == "UTF-8";
      } else if ((t[0] == "PFX" || t[0] == "SFX") && t.size() >= 4) {
        std::string flag(t[1]);
        auto& cls = classes_[flag];
        if (pending[flag] == 0) {  // the class header: PFX flag Y|N count
          cls.prefix = t[0] == "PFX";
          cls.cross = t[2] == "Y";
          try {
            pending[flag] = std::stoi(std::string(t[3]));
          } catch (const std::exception&) {
            throw std::runtime_error("hunspell .aff: bad affix header for flag " + flag);
          }
          continue;
        }
        --pending[flag];
        affix_rule r;
        if (t[2] != "0") r.strip = text(t[2]);
        std::string_view add = t[3];
        if (auto slash = add.find('/'); slash != std::string_view::npos) {
          r.continuation = std::string(add.substr(slash + 1));
          add = add.substr(0, slash);
        }
        if (add != "0") r.add = text(add);
        std::string_view cond = t.size() >= 5 && !t[4].starts_with('#') ? t[4] : ".";
        r.condition = parse_condition(text(cond));
        cls.rules.push_back(std::move(r));
      }
    }
  }

  [[nodiscard]] std::string text(std::string_view s) const {
    return utf8_ ? std::string(s) : latin1_to_utf8(s);
  }

  [[nodiscard]] std::vector<std::string> split_flags(std::string_view flags) const {
    std::vector<std::string> out;
    std::size_t step = long_flags_ ? 2 : 1;
    for (std::size_t i = 0; i + step <= flags.size(); i += step) {
      out.emplace_back(flags.substr(i, step));
    }
    return out;
  }

  [[nodiscard]] const affix_class* find(const std::string& flag) const {
    auto it = classes_.find(flag);
    return it == classes_.end() ? nullptr : &it->second;
  }

  // Applies one rule to a word; nullopt when its condition does not hold.
  static std::optional<std::string> apply(const affix_class& cls, const affix_rule& r,
                                          const std::string& w) {
    std::size_t n = r.condition.size();
    if (w.size() < n || w.size() < r.strip.size()) return std::nullopt;
    if (cls.prefix) {
      for (std::size_t i = 0; i < n; ++i) {
        if (!r.condition[i].matches(w[i])) return std::nullopt;
      }
      if (!w.starts_with(r.strip)) return std::nullopt;
      return r.add + w.substr(r.strip.size());
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!r.condition[i].matches(w[w.size() - n + i])) return std::nullopt;
    }
    if (!w.ends_with(r.strip)) return std::nullopt;
    return w.substr(0, w.size() - r.strip.size()) + r.add;
  }

 private:
  bool long_flags_ = false;
  bool utf8_ = false;
  std::map<std::string, affix_class> classes_;
};

}  // namespace

void word_list::gathered::add(std::string_view key) {
  if (key.size() > 0xFFFF || raw.size() + key.size() > 0xFFFFFFFFu) {
    throw std::runtime_error("word list: a word over 64 KB, or over 4 GB of words");
  }
  keys.push_back(static_cast<std::uint64_t>(raw.size()) << 16 | key.size());
  raw += key;
}

void word_list::pack(gathered&& g) {
  auto view = [&](std::uint64_t k) {
    return std::string_view(g.raw).substr(static_cast<std::size_t>(k >> 16),
                                          static_cast<std::size_t>(k & 0xFFFF));
  };
  std::vector<std::uint64_t>& keys = g.keys;
  std::sort(keys.begin(), keys.end(),
            [&](std::uint64_t a, std::uint64_t b) { return view(a) < view(b); });
  keys.erase(std::unique(keys.begin(), keys.end(),
                         [&](std::uint64_t a, std::uint64_t b) { return view(a) == view(b); }),
             keys.end());
  std::size_t bytes = 0;
  for (const std::uint64_t k : keys)
    bytes += static_cast<std::size_t>(k & 0xFFFF);
  std::string blob;
  blob.reserve(bytes);
  std::vector<std::uint32_t> starts;
  starts.reserve(keys.size());
  for (const std::uint64_t k : keys) {
    starts.push_back(static_cast<std::uint32_t>(blob.size()));
    blob += view(k);
  }
  g = gathered{};  // freed before the list is kept
  blob_ = std::move(blob);
  starts_ = std::move(starts);
}

std::string_view word_list::key_at(std::size_t i) const noexcept {
  const std::size_t begin = starts_[i];
  const std::size_t end = i + 1 < starts_.size() ? starts_[i + 1] : blob_.size();
  return std::string_view(blob_).substr(begin, end - begin);
}

void word_list::add(std::string_view word) {
  gathered g;
  for (std::size_t i = 0; i < size(); ++i)
    g.add(key_at(i));
  g.add(word_key(word));
  pack(std::move(g));
}

bool word_list::contains(std::string_view key) const {
  std::size_t low = 0;
  std::size_t high = size();
  while (low < high) {
    const std::size_t mid = low + (high - low) / 2;
    if (key_at(mid) < key) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low < size() && key_at(low) == key;
}

word_list word_list::from_lines(std::string_view text) {
  word_list list;
  gathered keys;
  detail::for_each_entry(text, [&](int, std::string_view line) { keys.add(word_key(line)); });
  list.pack(std::move(keys));
  return list;
}

word_list word_list::from_hunspell(std::string_view dic, std::string_view aff,
                                   std::size_t min_letters) {
  affix_table table(aff);
  word_list list;
  gathered keys;
  auto keep = [&](const std::string& form) {
    const std::string key = word_key(form);
    if (count_letters(key) >= min_letters) keys.add(key);
  };
  // Applies the continuation flags of an affix to the form it made (the second half of a
  // circumfix such as ber-an), one level, no further.
  auto continue_with = [&](const std::string& form, const std::string& flags) {
    for (auto& f : table.split_flags(flags)) {
      if (const auto* cls = table.find(f)) {
        for (auto& r : cls->rules) {
          if (auto w = affix_table::apply(*cls, r, form)) keep(*w);
        }
      }
    }
  };
  std::size_t start = 0;
  bool first = true;
  while (start < dic.size()) {
    std::size_t end = dic.find('\n', start);
    if (end == std::string_view::npos) end = dic.size();
    std::string_view line = dic.substr(start, end - start);
    start = end + 1;
    if (first) {  // the first line is the stem count
      first = false;
      continue;
    }
    auto t = tokens(line);
    if (t.empty()) continue;
    std::string_view entry = t[0];
    std::string_view flags;
    if (auto slash = entry.find('/'); slash != std::string_view::npos) {
      flags = entry.substr(slash + 1);
      entry = entry.substr(0, slash);
    }
    std::string stem = table.text(entry);
    keep(stem);
    std::vector<std::pair<std::string, std::string>> suffixed;  // form, continuation
    std::vector<std::pair<const affix_class*, const affix_rule*>> cross_prefixes;
    for (auto& f : table.split_flags(flags)) {
      const auto* cls = table.find(f);
      if (cls == nullptr) continue;
      for (auto& r : cls->rules) {
        if (auto w = affix_table::apply(*cls, r, stem)) {
          keep(*w);
          continue_with(*w, r.continuation);
          if (!cls->prefix && cls->cross) suffixed.emplace_back(*w, r.continuation);
        }
        if (cls->prefix && cls->cross) cross_prefixes.emplace_back(cls, &r);
      }
    }
    for (auto& [form, cont] : suffixed) {
      (void)cont;
      for (auto& [cls, r] : cross_prefixes) {
        if (auto w = affix_table::apply(*cls, *r, form)) keep(*w);
      }
    }
  }
  list.pack(std::move(keys));
  return list;
}

}  // namespace lapord::lapor
