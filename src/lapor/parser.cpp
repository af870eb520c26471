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
constexpr std::size_t max_kept_words = 256;

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

// The joined key of the first n words, kind words written short, into `out` (cleared first:
// the callers try n = 5, 4, ... 1 in one buffer, allocated once).
void joined_key(std::span<const word> w, std::size_t n, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < n;) {
    // A view: its == against a literal compares the sizes first (std::string's runs strlen).
    const std::string_view k = w[i].key;
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
}

// One message being read: the trimmed text, its words, and the data to read them against.
struct reading {
  std::string_view message;
  std::string_view trimmed;
  std::span<const word> words;
  const directory& dir;
  const word_list& dictionary;
  const greeting_list* greetings;  // null: nothing is set aside

  [[nodiscard]] std::size_t base() const {
    return static_cast<std::size_t>(trimmed.data() - message.data());
  }
};

// The complaint text from word `from` to the end of the (trimmed) message.
void set_text(parsed_message& p, const reading& r, std::size_t from) {
  if (from >= r.words.size()) {
    p.text.clear();
    p.text_offset = r.base() + r.trimmed.size();
    return;
  }
  std::size_t begin = from == 0 ? 0 : r.words[from].begin;
  p.text = std::string(r.trimmed.substr(begin));
  p.text_offset = r.base() + begin;
}

// The name after a title: a base or alias of the title's kind, the first words (up to five)
// joined as for keywords and matched exactly, else the first word corrected by the keyword
// typo rule, among the names of that kind only.
std::optional<keyword_match> match_name(const reading& r, institution_kind kind,
                                        std::span<const word> words) {
  auto found = [&](const std::string* code, bool corrected,
                   std::size_t n) -> std::optional<keyword_match> {
    const institution* inst = r.dir.find_code(*code);
    if (inst == nullptr || inst->keywords.empty()) return std::nullopt;
    return keyword_match{inst, inst->keywords.front(), corrected, n, routing::addressee};
  };
  std::string key;
  for (std::size_t n = std::min(max_joined_words, words.size()); n >= 1; --n) {
    joined_key(words, n, key);
    if (const std::string* code = r.greetings->find_name(kind, key)) {
      return found(code, false, n);
    }
  }
  if (words.empty()) return std::nullopt;
  // A keyword of another place or kind (`Walikota Sleman`) is never corrected into this kind.
  const std::string& first = words[0].key;
  if (count_letters(first) < min_letters_for_correction || r.dir.find_keyword(first) != nullptr ||
      r.dir.is_shared_base(first) || r.dictionary.contains(first)) {
    return std::nullopt;
  }
  auto near = r.greetings->codes_one_edit_from(kind, first);
  if (near.size() != 1) return std::nullopt;
  return found(near[0], true, 1);
}

// An addressee at word `at`: a title, the name of a place of its kind, then optionally the
// letter formula (`di tempat`). `words` is how many it took: the title alone when no name of
// its kind follows (then `match` is empty); 0 when no title is there.
struct addressee_read {
  std::size_t words = 0;
  std::optional<keyword_match> match;
};

addressee_read read_addressee(const reading& r, std::size_t at) {
  addressee_read out;
  auto rest = r.words.subspan(at);
  const lead_phrase* title = r.greetings->match(rest, {lead_kind::title});
  if (title == nullptr) return out;
  out.words = title->keys.size();
  out.match = match_name(r, title->title_of, rest.subspan(out.words));
  if (!out.match) return out;
  out.words += out.match->words;
  if (const lead_phrase* l = r.greetings->match(rest.subspan(out.words), {lead_kind::letter})) {
    out.words += l->keys.size();
  }
  out.match->words = out.words;
  return out;
}

// What is set aside at the start: greetings, forms of address and addressees, any number in
// any order. `next` is the first word after them.
struct opening {
  std::size_t next = 0;
  std::optional<keyword_match> addressee;  // the last addressee with a name
};

opening read_opening(const reading& r) {
  opening o;
  if (r.greetings == nullptr || r.greetings->empty()) return o;
  while (o.next < r.words.size()) {
    auto rest = r.words.subspan(o.next);
    if (const lead_phrase* p =
            r.greetings->match(rest, {lead_kind::greeting, lead_kind::address})) {
      o.next += p->keys.size();
      continue;
    }
    addressee_read a = read_addressee(r, o.next);
    if (a.words == 0) break;
    o.next += a.words;
    if (a.match) o.addressee = std::move(a.match);
  }
  return o;
}

// The too-short rule for the words from `from` on: count_words and count_letters of their text
// (letters are only ever inside words).
bool long_enough(std::span<const word> words, std::size_t from) {
  if (from >= words.size() || words.size() - from < min_complaint_words) return false;
  std::size_t letters = 0;
  for (std::size_t i = from; i < words.size(); ++i)
    letters += words[i].letters;
  return letters >= min_complaint_letters;
}

parsed_message read_complaint(const reading& r, const opening& o, bool from_cek) {
  parsed_message p;
  p.what = command::complaint;
  std::size_t i = o.next;
  bool lapor = false;
  while (i < r.words.size()) {
    if (r.words[i].key == "LAPOR" && !lapor) {
      lapor = true;
    } else if (r.words[i].key == "RAHASIA" && !p.confidential) {
      p.confidential = true;
    } else {
      break;
    }
    ++i;
  }
  // Something recognised after the opening: the text is what follows it. Nothing: the whole
  // message, greetings included, as the citizen wrote it.
  bool recognised = i > o.next || o.addressee.has_value();
  std::optional<keyword_match> addressee = o.addressee;
  if (i > o.next && r.greetings != nullptr && !r.greetings->empty()) {
    // An addressee may also stand right after LAPOR / RAHASIA.
    addressee_read a = read_addressee(r, i);
    if (a.match) {
      addressee = std::move(a.match);
      i += a.words;
    }
  }
  std::size_t text_from = i;
  if (i < r.words.size()) {
    p.keyword = match_keyword(r.dir, r.dictionary, r.words.subspan(i));
    if (p.keyword) {
      text_from = i + p.keyword->words;
      recognised = true;
    }
  }
  if (!p.keyword) p.keyword = std::move(addressee);
  if (!recognised) text_from = 0;
  set_text(p, r, text_from);
  // The length rule counts only what is left after what was set aside: the words from
  // `counted_from` on (the text runs from that word's start to the end of the trimmed message:
  // counted from the split already made, not split and walked again).
  std::size_t counted_from = text_from;
  if (!recognised && o.next > 0) counted_from = o.next;
  if (!long_enough(r.words, counted_from)) {
    p.what = from_cek ? command::cek_help : command::help;
    p.why = help_reason::too_short;
  }
  return p;
}

}  // namespace

bool long_enough_for_complaint(std::string_view text) {
  return count_words(text) >= min_complaint_words && count_letters(text) >= min_complaint_letters;
}

std::optional<keyword_match> match_keyword(const directory& dir, const word_list& dictionary,
                                           std::span<const word> words) {
  std::string key;
  for (std::size_t n = std::min(max_joined_words, words.size()); n >= 1; --n) {
    joined_key(words, n, key);
    if (const institution* inst = dir.find_keyword(key)) {
      return keyword_match{inst, std::move(key), false, n};
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
  // One vector per thread, kept from message to message: the words of an MO are split with no
  // allocation and no count beforehand. Nothing keeps a reference past this call (the result
  // holds strings); a vector grown by a very long message is let go before the next.
  thread_local std::vector<word> words;
  if (words.capacity() > max_kept_words) words = std::vector<word>();
  split_words(trimmed, words);
  const reading r{message, trimmed, words, dir, dictionary, options.greetings};
  parsed_message p;
  p.text_offset = p.set_aside_begin = p.set_aside_end = r.base();
  if (words.empty()) {
    p.what = command::help;
    p.why = help_reason::empty;
    return p;
  }
  const opening o = read_opening(r);
  auto finish = [&](parsed_message&& out) {
    out.set_aside_begin = r.base();
    out.set_aside_end = o.next == 0 ? r.base() : r.base() + words[o.next - 1].end;
    return std::move(out);
  };
  auto rest = r.words.subspan(o.next);
  if (rest.empty()) {
    // Nothing but greetings and addressees: a complaint needs its text.
    p.what = command::help;
    p.why = help_reason::too_short;
    p.text_offset = r.base() + trimmed.size();
    return finish(std::move(p));
  }
  const std::string& first = rest[0].key;
  if (rest.size() == 1 && one_of(first, help_words)) {
    p.what = command::help;
    p.why = help_reason::asked;
    return finish(std::move(p));
  }
  if (one_of(first, status_words)) {
    std::size_t i = 1;
    while (i < rest.size() && i <= max_ref_fillers && one_of(rest[i].key, ref_fillers))
      ++i;
    if (i < rest.size()) {
      // Opening marks such as "(" before the ref are not part of it.
      std::size_t at = rest[i].begin;
      while (at < rest[i].end && static_cast<unsigned char>(trimmed[at]) < 0x80 &&
             std::isalnum(static_cast<unsigned char>(trimmed[at])) == 0) {
        ++at;
      }
      std::string ref = parse_ref(trimmed.substr(at), options.ref_digits);
      if (!ref.empty() && at < rest[i].end) {
        p.what = command::status;
        p.ref = std::move(ref);
        return finish(std::move(p));
      }
    }
    return finish(read_complaint(r, o, true));
  }
  bool alone_or_lapor = rest.size() == 1 || (rest.size() == 2 && rest[1].key == "LAPOR");
  if (alone_or_lapor && one_of(first, stop_words)) {
    p.what = command::stop;
    return finish(std::move(p));
  }
  if (alone_or_lapor && one_of(first, start_words)) {
    p.what = command::start;
    return finish(std::move(p));
  }
  return finish(read_complaint(r, o, false));
}

std::string_view to_string(routing r) {
  switch (r) {
    case routing::keyword:
      return "keyword";
    case routing::addressee:
      return "addressee";
    case routing::national:
      break;
  }
  return "national";
}

}  // namespace lapord::lapor
