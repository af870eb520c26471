#pragma once
// The decision API: one inbound message (SMS, or a USSD dialogue's result) and what the store
// knows about its reporter in, one decision out: create a complaint (for which institution,
// confidential or not, with which text), answer a status request, help, stop/start
// notifications, or ignore — plus the reply. Pure: the store engineer calls decide() twice at
// most (once to learn the duplicate key / ref to look up, once with the answers), or once with
// the answers already at hand; parsing again is cheap.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lapord/lapor/channel.hpp"
#include "lapord/lapor/dictionary.hpp"
#include "lapord/lapor/directory.hpp"
#include "lapord/lapor/parser.hpp"
#include "lapord/lapor/policy.hpp"
#include "lapord/lapor/templates.hpp"

namespace lapord::lapor {

enum class decision_kind { complaint, status, help, stop, start, ignore };
[[nodiscard]] std::string_view to_string(decision_kind k);

// A complaint's life, as the status reply names it.
enum class complaint_state { diterima, diverifikasi, diteruskan, ditanggapi, selesai, ditolak };
[[nodiscard]] std::string_view state_word(complaint_state s);  // "DITERIMA", ...
[[nodiscard]] std::optional<complaint_state> parse_state(std::string_view word);

struct inbound {
  std::string from;  // source_addr as the carrier gave it
  std::uint8_t from_ton = 0;
  std::uint8_t from_npi = 1;
  std::string to;           // destination_addr: which of our numbers it was sent to
  std::string text;         // decoded and reassembled UTF-8
  bool is_receipt = false;  // a delivery receipt (esm_class), never a complaint
  channel via = channel::sms;
};

// What the store knows; all default to "nothing known".
struct complaint_facts {
  // The ref of this reporter's complaint with the same duplicate_key() within the duplicate
  // window, if any.
  std::optional<std::string> duplicate_ref;
  unsigned complaints_last_hour = 0;  // this reporter's complaints in the last hour, not this
  bool told_rate_limit_within_hour = false;
};

struct status_facts {
  complaint_state state = complaint_state::diterima;
  std::string institution_code;      // empty: the national desk
  std::int64_t changed_at_unix = 0;  // the last change of state
};

struct store_facts {
  complaint_facts complaint;
  // The complaint with the typed ref, only when it exists AND belongs to this reporter;
  // nullopt gives the "not found" answer.
  std::optional<status_facts> status;
};

struct routed_institution {
  std::string code;
  std::string name;
  std::string short_name;
  std::string keyword;
  bool corrected = false;
  institution_kind kind = institution_kind::lembaga;  // the directory's kind (for metrics)
  routing via = routing::keyword;  // a keyword, or an addressee (`Yth Bupati Sleman, ...`)
  bool operator==(const routed_institution&) const = default;
};

struct decision {
  decision_kind kind = decision_kind::ignore;
  std::string reporter;  // E.164 of the sender ("+6281234567890"); empty when ignored
  // complaint: the institution, nullopt for the national desk
  std::optional<routed_institution> institution;
  bool confidential = false;
  std::string text;               // complaint: the citizen's text exactly as typed
  std::string duplicate_key;      // complaint: duplicate_key(text), what duplicates are found by
  std::string ref;                // status: the digits typed; duplicate: the first complaint's ref
  bool ref_valid = false;         // status: right length and check digit, worth a store lookup
  bool create_complaint = false;  // store a new complaint
  bool forward = false;           // and forward it (false when over the hourly limit)
  std::string reply_template;     // template id; empty when nothing is sent back
  reply_params params;            // its placeholders (an ack's {ref} comes from the store)
  std::string reply;              // the rendered reply; empty for an ack until the ref is known
  std::string reason;             // why, for logs: "too_short", "duplicate", "receipt", ...
  bool operator==(const decision&) const = default;
};

struct service_options {
  std::vector<std::string> service_numbers{"1708"};
  std::size_t ref_digits = default_ref_digits;
  unsigned hourly_limit = 10;
  // Answers that are not a new complaint's acknowledgement (help, status, not_found, duplicate,
  // stop/start) per reporter an hour; past it the message is kept and not answered. The count
  // is the store's (replies queued to that number), applied where the reply is recorded.
  unsigned replies_per_hour = 20;
  std::chrono::hours duplicate_window{24};
  std::string country_code = "62";
  std::chrono::minutes utc_offset{7 * 60};  // dates in replies: WIB by default
};

class service {
 public:
  // `greetings`: what is set aside at the start of a message (config/greetings-id.txt, loaded
  // against `dir`); empty: nothing is.
  service(directory dir, word_list dictionary, reply_templates templates, service_options options,
          greeting_list greetings = {});

  // The worst-case placeholder values for loading templates against this directory.
  [[nodiscard]] static reply_limits limits_for(const directory& dir,
                                               const service_options& options);

  [[nodiscard]] decision decide(const inbound& in, const store_facts& facts = {}) const;
  // The same with the text already parsed (`parsed` == parse(in.text)): the store's two passes
  // (without facts, then with them) parse each message once.
  [[nodiscard]] decision decide(const inbound& in, const parsed_message& parsed,
                                const store_facts& facts) const;
  [[nodiscard]] parsed_message parse(std::string_view text) const;
  // decide(in, parsed, facts), given first == decide(in, parsed, {}): a complaint's reading
  // (sender, text, duplicate key, institution) is taken from `first` and only the filing rule
  // is decided again (the store's second pass runs on the writer thread, which every MO
  // passes through); anything else is decided again whole.
  [[nodiscard]] decision decide_again(const inbound& in, const parsed_message& parsed,
                                      const decision& first, const store_facts& facts) const;
  // True when decide_again(in, parsed, first, facts) gives `first` itself: a complaint whose
  // facts change nothing of its filing (no duplicate; the rate verdict of no complaint this
  // hour). The writer then keeps the first reading instead of building it again (~2.3k
  // instructions a MO, callgrind).
  [[nodiscard]] bool decides_as_first(const decision& first, const store_facts& facts) const;

  // The filing rule of a complaint, the same for SMS and USSD, once the store has answered
  // (`facts`): a text this reporter filed within the duplicate window is not filed again and is
  // answered with the first ref ("duplicate"); past the hourly limit it is filed and held, the
  // reporter told once an hour ("rate_limited_told" / "rate_limited"); else it is filed and
  // forwarded. Sets d.create_complaint, d.forward, and for the first two cases d.ref (duplicate),
  // d.reason and d's reply (cleared when none is due). Returns true for "filed and forwarded":
  // then d's reason and reply are the caller's (the acknowledgement, rendered with the new ref).
  [[nodiscard]] bool apply_filing_rule(decision& d, const complaint_facts& facts,
                                       const std::string& number) const;
  // A complaint's decision from its reading on: the filing rule, then the acknowledgement.
  void file(decision& d, const parsed_message& p, const complaint_facts& facts,
            const std::string& number) const;

  // The acknowledgement of a new complaint once the store gave it its ref.
  [[nodiscard]] std::string render_reply(const decision& d, std::string_view new_ref) const;
  // The SMS that tells a reporter about a store event (state change, the institution's answer).
  [[nodiscard]] std::string notification(std::string_view ref, complaint_state state,
                                         std::string_view institution_code,
                                         std::string_view message) const;
  // "Kab. Tangerang", or the national desk's name for an empty or unknown code.
  [[nodiscard]] std::string institution_short_name(std::string_view code) const;
  // DD-MM-YYYY in the configured offset.
  [[nodiscard]] std::string format_date(std::int64_t unix_seconds) const;

  [[nodiscard]] const directory& dir() const noexcept { return dir_; }
  [[nodiscard]] const word_list& dictionary() const noexcept { return dictionary_; }
  [[nodiscard]] const reply_templates& templates() const noexcept { return templates_; }
  [[nodiscard]] const service_options& options() const noexcept { return options_; }
  [[nodiscard]] const greeting_list& greetings() const noexcept { return greetings_; }

 private:
  [[nodiscard]] std::string reply_number(std::string_view to) const;

  directory dir_;
  word_list dictionary_;
  reply_templates templates_;
  service_options options_;
  greeting_list greetings_;
};

}  // namespace lapord::lapor
