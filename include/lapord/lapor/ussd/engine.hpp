#pragma once
// The USSD dialogue engine (shared/spec/ussd.md, "The menu"): a dialogue's state, what the
// citizen typed and the time in, the next screen out, and at the end the same decision the SMS
// path produces (lapor::decision: a complaint, a status request, help). Pure: the daemon does
// the filing and the status lookup and hands the result back (file -> filed(),
// look_up -> looked_up()); the keyword lookup, the too-short rule, refs and the status reply
// are the complaint service's own.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lapord/lapor/service.hpp"
#include "lapord/lapor/ussd/dialogue.hpp"
#include "lapord/lapor/ussd/screens.hpp"

namespace lapord::lapor::ussd {

enum class step_kind : std::uint8_t {
  show,     // send `screen`; the dialogue goes on (wait for the citizen's answer)
  finish,   // send `screen` as the last screen; the dialogue is over
  file,     // file the complaint `decision` (see complaint_decision), then call filed()
  look_up,  // look up `decision.ref` for `decision.reporter`, then call looked_up()
  wait,     // nothing to send: the dialogue waits for the daemon (filing or lookup)
  drop,     // nothing to send; the dialogue is over (the caller is no reporter)
};

[[nodiscard]] std::string_view to_string(step_kind k);

struct step {
  step_kind kind = step_kind::drop;
  std::string screen;        // show / finish: UTF-8, not yet fitted to a carrier (the gateway does)
  lapor::decision decision;  // file / look_up; finish of a status or help: the decision made
  std::string_view reason;   // for logs: "menu", "wrong_choice", "too_many_wrong", "timeout", ...
};

enum class filing_outcome : std::uint8_t {
  created,    // a new complaint with `ref` (forwarded or held by the hourly limit)
  duplicate,  // the same text within the duplicate window: `ref` is the first complaint's
  failed,     // the store could not take it (the citizen is told to try again)
};

struct filing_result {
  filing_outcome outcome = filing_outcome::failed;
  std::string ref;
};

// Who dialled: the deliver_sm's source (with its TON/NPI) and the number dialled.
struct caller {
  std::string_view source;
  std::uint8_t source_ton = 0;
  std::uint8_t source_npi = 1;
  std::string_view service_number;
};

struct engine_options {
  std::chrono::seconds timeout{180};  // idle longer than this: the dialogue is dropped
  unsigned max_wrong = 2;             // a screen is repeated (with a hint) at most this often
  std::size_t max_text_bytes = 640;   // a longer complaint text is cut (on a character boundary)
};

class engine {
 public:
  // `service` must outlive the engine.
  engine(const lapor::service& service, screens texts, engine_options options = {});

  // A fresh dialogue for a caller who just dialled (whatever `d` held before is forgotten):
  // the menu, or drop when the caller is no reporter (alphanumeric, our own number, invalid).
  [[nodiscard]] step start(dialogue& d, const caller& who, instant now) const;
  // The citizen's answer to the last screen (decoded UTF-8). A dialogue idle past the timeout
  // finishes with the "expired" screen and files nothing.
  [[nodiscard]] step answer(dialogue& d, std::string_view input, instant now) const;
  // The daemon filed (or failed to file) the complaint of a `file` step: the last screen.
  [[nodiscard]] step filed(dialogue& d, const filing_result& result, instant now) const;
  // The daemon looked the ref of a `look_up` step up: `facts.status` set only when the
  // complaint exists and belongs to this reporter. The last screen: the same answer as CEK.
  [[nodiscard]] step looked_up(dialogue& d, const lapor::store_facts& facts, instant now) const;

  [[nodiscard]] bool expired(const dialogue& d, instant now) const;

  // The final complaint decision from a `file` step's decision and what the store knows (the
  // duplicate within the window, the hourly limit), by the same rules as service::decide:
  // create_complaint / forward / ref (duplicate) / reply (the SMS to queue; empty for an ack,
  // which service::render_reply makes once the ref is known).
  [[nodiscard]] lapor::decision complaint_decision(const lapor::decision& filing,
                                                   const lapor::complaint_facts& facts) const;

  [[nodiscard]] const screens& texts() const noexcept { return texts_; }
  [[nodiscard]] const engine_options& options() const noexcept { return options_; }
  [[nodiscard]] const lapor::service& service() const noexcept { return *service_; }

 private:
  // answer() at each stage: what the citizen typed (trimmed) to the menu, the keyword, ...
  [[nodiscard]] step on_menu(dialogue& d, std::string_view typed) const;
  [[nodiscard]] step on_keyword(dialogue& d, std::string_view typed) const;
  [[nodiscard]] step on_confirm_keyword(dialogue& d, std::string_view typed) const;
  [[nodiscard]] step on_text(dialogue& d, std::string_view typed) const;
  [[nodiscard]] step on_confirm(dialogue& d, std::string_view typed) const;
  [[nodiscard]] step on_ref(dialogue& d, std::string_view typed) const;
  [[nodiscard]] step wrong(dialogue& d, std::string_view hint, std::string screen_text) const;
  [[nodiscard]] std::string institution_name(const dialogue& d) const;
  [[nodiscard]] std::string number_for(const dialogue& d) const;
  [[nodiscard]] lapor::decision filing_decision(const dialogue& d) const;
  [[nodiscard]] lapor::decision status_decision(const dialogue& d,
                                                const lapor::store_facts& facts) const;

  const lapor::service* service_;
  screens texts_;
  engine_options options_;
};

}  // namespace lapord::lapor::ussd
