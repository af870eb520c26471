#pragma once
// The JSON body of POST {store.url}/complaints (shared/spec/store-api.md). The integration builds
// it once, when the complaint is created, and the outbox keeps it as the exact bytes to send, so
// a retry after a restart sends the same thing.
#include <optional>
#include <string>
#include <string_view>

#include "lapord/lapor/channel.hpp"
#include "lapord/net/http/timestamp.hpp"

namespace lapord::net::http {

struct complaint_institution {
  std::string keyword;             // as the citizen meant it, e.g. "TANGKAB"
  std::string code;                // e.g. "36.03"
  std::string name;                // e.g. "Kabupaten Tangerang"
  bool keyword_corrected = false;  // true when the citizen's keyword was a typo we corrected
};

struct complaint_record {
  std::string ref;  // the gateway's ref, also the Idempotency-Key
  lapor::channel channel = lapor::channel::sms;
  utc_instant received_at{};
  std::string carrier;          // carrier name from the configuration, e.g. "telkomsel"
  std::string service_number;   // the short code the citizen wrote to, e.g. "1708"
  std::string reporter_msisdn;  // any of "+62812...", "62812...", "0812..." (see e164_msisdn)
  bool confidential = false;
  std::optional<complaint_institution> institution;  // nullopt: the national desk (JSON null)
  std::string text;                                  // UTF-8
  unsigned segments = 1;
  bool incomplete = false;  // true when parts of a long message never arrived
};

// The body as compact JSON, keys in the order of the spec.
[[nodiscard]] std::string complaint_body(const complaint_record& c);

// E.164 with "+" from the national forms carriers hand over: "0812..." -> "+62812...",
// "62812..." -> "+62812...", "812..." -> "+62812...", "+..." unchanged. Spaces and dashes are
// dropped. Anything else (letters, empty) is returned as given, so nothing is lost; the store then
// sees it verbatim.
[[nodiscard]] std::string e164_msisdn(std::string_view msisdn);

}  // namespace lapord::net::http
