#include "lapord/text/receipt.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

namespace lapord::text {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

enum class field : std::uint8_t { id, sub, dlvrd, submit_date, done_date, stat, err, text };

struct label {
  std::string_view first;
  std::string_view second;  // empty for one-word labels
  field which;
};

// The labels receipts use, and the spellings seen in the wild ("submit date", "submit_date",
// "submitdate"; "status" for "stat").
constexpr std::array<label, 9> labels = {{
    {"id", "", field::id},
    {"sub", "", field::sub},
    {"dlvrd", "", field::dlvrd},
    {"submit", "date", field::submit_date},
    {"done", "date", field::done_date},
    {"stat", "", field::stat},
    {"status", "", field::stat},
    {"err", "", field::err},
    {"text", "", field::text},
}};

bool word_at(std::string_view s, std::size_t& pos, std::string_view word) {
  if (s.size() - pos < word.size() || !equal_ignoring_case(s.substr(pos, word.size()), word)) {
    return false;
  }
  pos += word.size();
  return true;
}

void skip_spaces(std::string_view s, std::size_t& pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t'))
    ++pos;
}

// A label (followed by optional spaces and ':') at `pos`: its field, and `pos` moved past ':'.
std::optional<field> label_at(std::string_view s, std::size_t& pos) {
  for (const auto& candidate : labels) {
    std::size_t at = pos;
    if (!word_at(s, at, candidate.first)) continue;
    if (!candidate.second.empty()) {
      if (at < s.size() && (s[at] == ' ' || s[at] == '_')) ++at;
      if (!word_at(s, at, candidate.second)) continue;
    }
    skip_spaces(s, at);
    if (at < s.size() && s[at] == ':') {
      pos = at + 1;
      return candidate.which;
    }
  }
  return std::nullopt;
}

std::optional<unsigned> number_of(std::string_view digits) {
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  unsigned value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

std::optional<std::uint64_t> parse_number(std::string_view digits, unsigned base) {
  if (digits.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : digits) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (base == 16 && lower(c) >= 'a' && lower(c) <= 'f') {
      digit = static_cast<unsigned>(lower(c) - 'a' + 10);
    } else {
      return std::nullopt;
    }
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / base) return std::nullopt;
    value = value * base + digit;
  }
  return value;
}

void fill_from_text(delivery_receipt& receipt, std::string_view text, std::string& text_id) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (is_space(text[pos])) {
      ++pos;
      continue;
    }
    const bool at_word_start = pos == 0 || is_space(text[pos - 1]);
    std::size_t after = pos;
    const auto which = at_word_start ? label_at(text, after) : std::nullopt;
    if (!which) {
      while (pos < text.size() && !is_space(text[pos]))
        ++pos;  // an unknown word: skip it
      continue;
    }
    receipt.text_parsed = true;
    pos = after;
    skip_spaces(text, pos);
    if (*which == field::text) {
      receipt.text = std::string(trim(text.substr(pos)));
      return;
    }
    std::string_view value;
    std::size_t probe = pos;
    if (!label_at(text, probe)) {  // "err: text:..." leaves err empty, not "text:..."
      const std::size_t start = pos;
      while (pos < text.size() && !is_space(text[pos]))
        ++pos;
      value = text.substr(start, pos - start);
    }
    switch (*which) {
      case field::id:
        text_id = std::string(value);
        break;
      case field::sub:
        receipt.submitted = number_of(value);
        break;
      case field::dlvrd:
        receipt.delivered = number_of(value);
        break;
      case field::submit_date:
        receipt.submit_date = std::string(value);
        break;
      case field::done_date:
        receipt.done_date = std::string(value);
        break;
      case field::stat:
        receipt.stat = std::string(value);
        break;
      case field::err:
        receipt.error = std::string(value);
        break;
      case field::text:
        break;
    }
  }
}

}  // namespace

receipt_kind receipt_kind_of(std::uint8_t esm_class) {
  switch (esm_class & 0x3C) {
    case 0x00:
      return receipt_kind::none;
    case 0x04:
      return receipt_kind::smsc_delivery_receipt;
    case 0x08:
      return receipt_kind::sme_delivery_ack;
    case 0x10:
      return receipt_kind::sme_manual_ack;
    case 0x20:
      return receipt_kind::intermediate_notification;
    default:
      return receipt_kind::other;
  }
}

bool is_delivery_receipt(std::uint8_t esm_class) {
  return receipt_kind_of(esm_class) != receipt_kind::none;
}

const char* to_string(message_state state) {
  switch (state) {
    case message_state::scheduled:
      return "SCHEDULED";
    case message_state::enroute:
      return "ENROUTE";
    case message_state::delivered:
      return "DELIVERED";
    case message_state::expired:
      return "EXPIRED";
    case message_state::deleted:
      return "DELETED";
    case message_state::undeliverable:
      return "UNDELIVERABLE";
    case message_state::accepted:
      return "ACCEPTED";
    case message_state::unknown:
      return "UNKNOWN";
    case message_state::rejected:
      return "REJECTED";
    case message_state::skipped:
      return "SKIPPED";
  }
  return "UNKNOWN";
}

std::optional<message_state> state_of_stat(std::string_view stat) {
  struct entry {
    std::string_view word;
    message_state state;
  };
  static constexpr std::array<entry, 21> words = {{
      {"DELIVRD", message_state::delivered},
      {"DELIVERED", message_state::delivered},
      {"EXPIRED", message_state::expired},
      {"DELETED", message_state::deleted},
      {"UNDELIV", message_state::undeliverable},
      {"UNDELIVERABLE", message_state::undeliverable},
      {"UNDELIVERED", message_state::undeliverable},
      {"FAILED", message_state::undeliverable},
      {"ACCEPTD", message_state::accepted},
      {"ACCEPTED", message_state::accepted},
      {"UNKNOWN", message_state::unknown},
      {"REJECTD", message_state::rejected},
      {"REJECTED", message_state::rejected},
      {"ENROUTE", message_state::enroute},
      {"SCHEDULED", message_state::scheduled},
      {"SKIPPED", message_state::skipped},
      {"EXPIRD", message_state::expired},
      {"DELETD", message_state::deleted},
      {"UNKNWN", message_state::unknown},
      {"BUFFRED", message_state::enroute},
      {"BUFFERED", message_state::enroute},
  }};
  const auto word = trim(stat);
  for (const auto& candidate : words) {
    if (equal_ignoring_case(word, candidate.word)) return candidate.state;
  }
  return std::nullopt;
}

bool is_final(message_state state) {
  switch (state) {
    case message_state::delivered:
    case message_state::expired:
    case message_state::deleted:
    case message_state::undeliverable:
    case message_state::accepted:
    case message_state::rejected:
    case message_state::skipped:
      return true;
    default:
      return false;
  }
}

std::string canonical_message_id(std::string_view id) {
  id = trim(id);
  std::string canonical;
  for (const char c : id)
    canonical.push_back(lower(c));
  const auto first = canonical.find_first_not_of('0');
  if (first == std::string::npos) return canonical.empty() ? canonical : std::string("0");
  return canonical.substr(first);
}

std::optional<receipt_id_form> receipt_id_form_of(std::string_view word) {
  if (word == "auto") return receipt_id_form::automatic;
  if (word == "hex") return receipt_id_form::hex;
  if (word == "decimal") return receipt_id_form::decimal;
  if (word == "as_is") return receipt_id_form::as_is;
  return std::nullopt;
}

const char* to_string(receipt_id_form form) {
  switch (form) {
    case receipt_id_form::automatic:
      return "auto";
    case receipt_id_form::hex:
      return "hex";
    case receipt_id_form::decimal:
      return "decimal";
    case receipt_id_form::as_is:
      return "as_is";
  }
  return "auto";
}

std::optional<std::string> decimal_id_to_hex(std::string_view id) {
  const auto value = parse_number(id, 10);
  if (!value) return std::nullopt;
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  std::uint64_t v = *value;
  do {
    out.push_back(digits[v % 16]);
    v /= 16;
  } while (v != 0);
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<std::string> hex_id_to_decimal(std::string_view id) {
  if (id.size() > 2 && id[0] == '0' && lower(id[1]) == 'x') id.remove_prefix(2);
  const auto value = parse_number(id, 16);
  if (!value) return std::nullopt;
  return std::to_string(*value);
}

std::vector<std::string> receipt_lookup_ids(const delivery_receipt& receipt, receipt_id_form form) {
  std::vector<std::string> out;
  const auto add = [&out](std::optional<std::string> id) {
    if (!id || id->empty() || std::find(out.begin(), out.end(), *id) != out.end()) return;
    out.push_back(std::move(*id));
  };
  const auto as_given = [](std::string_view id) -> std::optional<std::string> {
    if (id.empty()) return std::nullopt;
    return canonical_message_id(id);
  };
  const std::string_view tlv = trim(receipt.tlv_id);
  const std::string_view text = trim(receipt.text_id);
  // SMPP 3.4 (5.3.2.12): the TLV repeats the submit_sm_resp id, so it goes first as written.
  add(as_given(tlv));
  if (form == receipt_id_form::automatic || form == receipt_id_form::as_is) add(as_given(text));
  if (form == receipt_id_form::automatic || form == receipt_id_form::decimal) {
    for (auto id : {tlv, text})
      add(decimal_id_to_hex(id));
  }
  if (form == receipt_id_form::automatic || form == receipt_id_form::hex) {
    for (auto id : {tlv, text})
      add(hex_id_to_decimal(id));
  }
  return out;
}

delivery_receipt read_receipt(std::uint8_t esm_class, std::string_view text,
                              const receipt_tlvs& tlvs) {
  delivery_receipt receipt;
  receipt.kind = receipt_kind_of(esm_class);
  std::string text_id;
  fill_from_text(receipt, text, text_id);

  receipt.text_id = text_id;
  if (tlvs.receipted_message_id && !trim(*tlvs.receipted_message_id).empty()) {
    receipt.tlv_id = *tlvs.receipted_message_id;
    receipt.raw_id = *tlvs.receipted_message_id;
    receipt.message_id = canonical_message_id(receipt.raw_id);
  } else if (!trim(text_id).empty()) {
    receipt.raw_id = text_id;
    receipt.message_id = canonical_message_id(text_id);
  }

  if (tlvs.message_state &&
      *tlvs.message_state <= static_cast<std::uint8_t>(message_state::skipped)) {
    receipt.state = static_cast<message_state>(*tlvs.message_state);
  } else if (!receipt.stat.empty()) {
    receipt.state = state_of_stat(receipt.stat);
  }
  return receipt;
}

}  // namespace lapord::text
