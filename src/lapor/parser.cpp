#include "lapord/lapor/parser.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace lapord::lapor {
namespace {

constexpr std::size_t max_joined_words = 5;
constexpr std::size_t min_letters_for_correction = 5;
constexpr std::size_t max_ref_fillers = 3;
constexpr std::size_t min_complaint_words = 3;
constexpr std::size_t min_complaint_letters = 10;

template <std::size_t N>
bool one_of(std::string_view key, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), key) != set.end();
}

constexpr std::array<std::string_view, 4> help_words = {"INFO", "BANTUAN", "HELP", "?"};
constexpr std::array<std::string_view, 2> status_words = {"CEK", "STATUS"};
constexpr std::array<std::string_view, 7> ref_fillers = {"STATUS", "TIKET",   "NO",  "NOMOR",
                                                         "NOMER",  "LAPORAN", "SAYA"};
constexpr std::array<std::string_view, 3> stop_words = {"STOP", "UNREG", "BERHENTI"};
constexpr std::array<std::string_view, 3> start_words = {"MULAI", "START", "REG"};

// The joined key of the first n words, kind words written short.
std::string joined_key(std::span<const word> w, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n;) {
    const std::string& k = w[i].key;
    if (k == "DAERAH" && i + 2 < n && w[i + 1].key == "KHUSUS" && w[i + 2].key == "IBUKOTA") {
      out += "PROV";
      i += 3;
      continue;
    }
    if (k == "DAERAH" && i + 1 < n && w[i + 1].key == "ISTIMEWA") {
      out += "PROV";
      i += 2;
      continue;
    }
    if (k == "KABUPATEN")
      out += "KAB";
    else if (k == "PROVINSI" || k == "PROPINSI")
      out += "PROV";
    else if (k == "KOTAMADYA" || k == "KODYA")
      out += "KOTA";
    else if (k != "ADMINISTRASI")
      out += k;
    ++i;
  }
  return out;
}

// The complaint text from word `from` to the end of the (trimmed) message.
void set_text(parsed_message& p, std::string_view message, std::string_view trimmed,
              std::span<const word> words, std::size_t from) {
  std::size_t base = static_cast<std::size_t>(trimmed.data() - message.data());
  if (from >= words.size()) {
    p.text.clear();
    p.text_offset = base + trimmed.size();
    return;
  }
  std::size_t begin = from == 0 ? 0 : words[from].begin;
  p.text = std::string(trimmed.substr(begin));
  p.text_offset = base + begin;
}

parsed_message read_complaint(std::string_view message, std::string_view trimmed,
                              std::span<const word> words, const directory& dir,
                              const word_list& dictionary, bool from_cek) {
  parsed_message p;
  p.what = command::complaint;
  std::size_t i = 0;
  bool lapor = false;
  while (i < words.size()) {
    if (words[i].key == "LAPOR" && !lapor) {
      lapor = true;
    } else if (words[i].key == "RAHASIA" && !p.confidential) {
      p.confidential = true;
    } else {
      break;
    }
    ++i;
  }
  std::size_t text_from = i;
  if (i < words.size()) {
    p.keyword = match_keyword(dir, dictionary, words.subspan(i));
    if (p.keyword) text_from = i + p.keyword->words;
  }
  set_text(p, message, trimmed, words, text_from);
  if (!long_enough_for_complaint(p.text)) {
    p.what = from_cek ? command::cek_help : command::help;
    p.why = help_reason::too_short;
  }
  return p;
}

}  // namespace

bool long_enough_for_complaint(std::string_view text) {
  return split_words(text).size() >= min_complaint_words &&
         count_letters(text) >= min_complaint_letters;
}

std::optional<keyword_match> match_keyword(const directory& dir, const word_list& dictionary,
                                           std::span<const word> words) {
  for (std::size_t n = std::min(max_joined_words, words.size()); n >= 1; --n) {
    std::string key = joined_key(words, n);
    if (const institution* inst = dir.find_keyword(key)) {
      return keyword_match{inst, key, false, n};
    }
  }
  if (words.empty()) return std::nullopt;
  const std::string& first = words[0].key;
  if (count_letters(first) < min_letters_for_correction || dir.is_shared_base(first) ||
      dictionary.contains(first)) {
    return std::nullopt;
  }
  auto near = dir.keywords_one_edit_from(first);
  if (near.size() != 1) return std::nullopt;
  return keyword_match{dir.find_keyword(near[0]), std::string(near[0]), true, 1};
}

parsed_message parse_message(std::string_view message, const directory& dir,
                             const word_list& dictionary, const parse_options& options) {
  std::string_view trimmed = trim_space(message);
  std::vector<word> words = split_words(trimmed);
  parsed_message p;
  if (words.empty()) {
    p.what = command::help;
    p.why = help_reason::empty;
    p.text_offset = static_cast<std::size_t>(trimmed.data() - message.data());
    return p;
  }
  const std::string& first = words[0].key;
  if (words.size() == 1 && one_of(first, help_words)) {
    p.what = command::help;
    p.why = help_reason::asked;
    p.text_offset = static_cast<std::size_t>(trimmed.data() - message.data());
    return p;
  }
  if (one_of(first, status_words)) {
    std::size_t i = 1;
    while (i < words.size() && i <= max_ref_fillers && one_of(words[i].key, ref_fillers))
      ++i;
    if (i < words.size()) {
      // Opening marks such as "(" before the ref are not part of it.
      std::size_t at = words[i].begin;
      while (at < words[i].end && static_cast<unsigned char>(trimmed[at]) < 0x80 &&
             std::isalnum(static_cast<unsigned char>(trimmed[at])) == 0) {
        ++at;
      }
      std::string ref = parse_ref(trimmed.substr(at), options.ref_digits);
      if (!ref.empty() && at < words[i].end) {
        p.what = command::status;
        p.ref = std::move(ref);
        p.text_offset = static_cast<std::size_t>(trimmed.data() - message.data());
        return p;
      }
    }
    return read_complaint(message, trimmed, words, dir, dictionary, true);
  }
  bool alone_or_lapor = words.size() == 1 || (words.size() == 2 && words[1].key == "LAPOR");
  if (alone_or_lapor && one_of(first, stop_words)) {
    p.what = command::stop;
    p.text_offset = static_cast<std::size_t>(trimmed.data() - message.data());
    return p;
  }
  if (alone_or_lapor && one_of(first, start_words)) {
    p.what = command::start;
    p.text_offset = static_cast<std::size_t>(trimmed.data() - message.data());
    return p;
  }
  return read_complaint(message, trimmed, words, dir, dictionary, false);
}

}  // namespace lapord::lapor
