#include "lapord/net/http/complaint_body.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace lapord::net::http {

std::string e164_msisdn(std::string_view msisdn) {
  std::string digits;
  bool plus = false;
  for (const char c : msisdn) {
    if (c == ' ' || c == '-') continue;
    if (c == '+' && digits.empty() && !plus) {
      plus = true;
      continue;
    }
    if (c < '0' || c > '9') return std::string(msisdn);  // not a number we understand
  }
  for (const char c : msisdn) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.empty()) return std::string(msisdn);
  if (plus) return "+" + digits;
  if (digits.rfind("62", 0) == 0) return "+" + digits;
  if (digits[0] == '0') return "+62" + digits.substr(1);
  if (digits[0] == '8') return "+62" + digits;  // an Indonesian mobile number without its 0
  return "+" + digits;                          // already international without the "+"
}

namespace {

// Does any of the 8 bytes in `v` need an escape (below 0x20, '"' or '\\')? Exact as a whole
// (the bit tricks of "Bit Twiddling Hacks", haszero / hasless), whatever the byte order.
bool word_needs_escape(std::uint64_t v) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  const auto has_zero = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
  return (((v - ones * 0x20) & ~v & highs) | has_zero(v ^ (ones * '"')) |
          has_zero(v ^ (ones * '\\'))) != 0;
}

// Writes through a raw pointer into room made beforehand for the most the body can take (a
// byte escaped as \u00XX is six): std::string's append and push_back checked the capacity at
// every piece, which was most of the ~4k instructions of a body.
struct body_writer {
  char* p;

  void raw(std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  void boolean(bool b) { raw(b ? "true" : "false"); }
  void string(std::string_view s);
};

// JSON string escaping exactly as boost::json::serialize writes it (the body's bytes are what
// the Idempotency-Key and the tests pin down): \" \\ \b \f \n \r \t, \u00XX (lowercase) for the
// other control characters, every other byte as it is (UTF-8 passes through).
void body_writer::string(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  *p++ = '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // Eight bytes at a time while they need no escape: a complaint's text is mostly that.
    if (i + 8 <= s.size()) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if (!word_needs_escape(word)) {
        std::memcpy(p, &word, 8);
        p += 8;
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(s[i++]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      *p++ = static_cast<char>(c);
      continue;
    }
    *p++ = '\\';
    switch (c) {
      case '"':
      case '\\':
        *p++ = static_cast<char>(c);
        break;
      case '\b':
        *p++ = 'b';
        break;
      case '\f':
        *p++ = 'f';
        break;
      case '\n':
        *p++ = 'n';
        break;
      case '\r':
        *p++ = 'r';
        break;
      case '\t':
        *p++ = 't';
        break;
      default:
        raw("u00");
        *p++ = hex[c >> 4];
        *p++ = hex[c & 15];
    }
  }
  *p++ = '"';
}

}  // namespace

// Written directly rather than through a boost::json::object and serialize(): the body is
// built for every complaint, and the object tree (one node and one string copy per field) cost
// ~20k instructions per complaint. complaint_body_test checks the bytes against
// boost::json::serialize.
std::string complaint_body(const complaint_record& c) {
  const std::string received_at = format_rfc3339(c.received_at);
  const std::string msisdn = e164_msisdn(c.reporter_msisdn);
  const std::string_view channel = to_string(c.channel);
  std::size_t strings = c.ref.size() + channel.size() + received_at.size() + c.carrier.size() +
                        c.service_number.size() + msisdn.size() + c.text.size();
  if (c.institution) {
    strings +=
        c.institution->keyword.size() + c.institution->code.size() + c.institution->name.size();
  }
  // The keys, quotes, true/false/null and the segments' digits take less than 320 bytes.
  const std::size_t room = 320 + 6 * strings;
  thread_local std::string scratch;  // keeps its size: no allocation but the result's
  if (scratch.size() < room) scratch.resize(room);
  body_writer w{scratch.data()};
  w.raw(R"({"ref":)");
  w.string(c.ref);
  w.raw(R"(,"channel":)");
  w.string(channel);
  w.raw(R"(,"received_at":)");
  w.string(received_at);
  w.raw(R"(,"carrier":)");
  w.string(c.carrier);
  w.raw(R"(,"service_number":)");
  w.string(c.service_number);
  w.raw(R"(,"reporter":{"msisdn":)");
  w.string(msisdn);
  w.raw(R"(},"confidential":)");
  w.boolean(c.confidential);
  w.raw(R"(,"institution":)");
  if (c.institution) {
    w.raw(R"({"keyword":)");
    w.string(c.institution->keyword);
    w.raw(R"(,"code":)");
    w.string(c.institution->code);
    w.raw(R"(,"name":)");
    w.string(c.institution->name);
    w.raw(R"(,"keyword_corrected":)");
    w.boolean(c.institution->keyword_corrected);
    w.raw("}");
  } else {
    w.raw("null");
  }
  w.raw(R"(,"text":)");
  w.string(c.text);
  w.raw(R"(,"segments":)");
  w.p = std::to_chars(w.p, w.p + 12, c.segments).ptr;
  w.raw(R"(,"incomplete":)");
  w.boolean(c.incomplete);
  w.raw("}");
  return std::string(scratch.data(), static_cast<std::size_t>(w.p - scratch.data()));
}

}  // namespace lapord::net::http
