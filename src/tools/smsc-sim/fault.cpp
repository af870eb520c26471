#include "fault.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "lapord/smpp/command_id.hpp"
#include "lapord/smpp/command_status.hpp"

namespace lapord::smsc_sim {
namespace {

std::optional<std::uint64_t> parse_number(std::string_view s) {
  std::uint64_t v = 0;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    auto p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

std::optional<request_class> parse_request_class(std::string_view s) {
  if (s == "all") return request_class::all;
  if (s == "submit_sm") return request_class::submit_sm;
  if (s == "data_sm") return request_class::data_sm;
  if (s == "enquire_link") return request_class::enquire_link;
  if (s == "bind") return request_class::bind;
  if (s == "unbind") return request_class::unbind;
  return std::nullopt;
}

bool set_error(std::string& error, std::string text) {
  error = std::move(text);
  return false;
}

// throttle[=all|first:N|every:K]
bool parse_throttle(std::optional<std::string_view> value, fault& f, std::string& error) {
  f.kind = fault_kind::throttle;
  f.status = static_cast<std::uint32_t>(smpp::command_status::esme_rthrottled);
  if (!value || *value == "all") {
    f.throttle = throttle_mode::all;
    return true;
  }
  auto parts = split(*value, ':');
  if (parts.size() == 2 && (parts[0] == "first" || parts[0] == "every")) {
    auto v = parse_number(parts[1]);
    if (!v || *v == 0)
      return set_error(error, "throttle: " + std::string(parts[0]) + ":N needs N >= 1");
    f.throttle = parts[0] == "first" ? throttle_mode::first : throttle_mode::every;
    f.n = *v;
    return true;
  }
  return set_error(error, "throttle: expected all, first:N or every:K, got " + std::string(*value));
}

// malformed=KIND
bool parse_malformed(std::optional<std::string_view> value, fault& f, std::string& error) {
  f.kind = fault_kind::malformed;
  f.n = 1;
  if (!value) return set_error(error, "malformed needs =KIND");
  if (*value == "bad-length") {
    f.malformed = malformed_kind::bad_length;
  } else if (*value == "huge-length") {
    f.malformed = malformed_kind::huge_length;
  } else if (*value == "unknown-command") {
    f.malformed = malformed_kind::unknown_command;
  } else if (*value == "truncated") {
    f.malformed = malformed_kind::truncated;
  } else {
    return set_error(error, "malformed: unknown kind " + std::string(*value) +
                                " (bad-length, huge-length, unknown-command, truncated)");
  }
  return true;
}

// The KIND=VALUE part.
bool parse_kind(std::string_view kind, std::optional<std::string_view> value, fault& f,
                std::string& error) {
  auto need_number = [&](std::string_view what) -> bool {
    if (!value) return set_error(error, std::string(kind) + " needs =" + std::string(what));
    auto v = parse_number(*value);
    if (!v) return set_error(error, std::string(kind) + ": not a number: " + std::string(*value));
    f.n = *v;
    return true;
  };
  if (kind == "drop-after") {
    f.kind = fault_kind::drop_after;
    if (!need_number("N")) return false;
    if (f.n == 0) return set_error(error, "drop-after: N must be at least 1");
    return true;
  }
  if (kind == "drop-after-mo") {
    f.kind = fault_kind::drop_after_mo;
    if (!need_number("N")) return false;
    if (f.n == 0) return set_error(error, "drop-after-mo: N must be at least 1");
    return true;
  }
  if (kind == "delay") {
    f.kind = fault_kind::delay;
    return need_number("MS");
  }
  if (kind == "withhold") {
    f.kind = fault_kind::withhold;
    f.pdu = request_class::submit_sm;
    if (value) {
      auto c = parse_request_class(*value);
      if (!c) return set_error(error, "withhold: unknown request " + std::string(*value));
      f.pdu = *c;
    }
    return true;
  }
  if (kind == "throttle") return parse_throttle(value, f, error);
  if (kind == "refuse-bind") {
    f.kind = fault_kind::refuse_bind;
    f.status = static_cast<std::uint32_t>(smpp::command_status::esme_rbindfail);
    if (value) {
      auto s = parse_status(*value);
      if (!s || *s == 0)
        return set_error(error, "refuse-bind: not an error status: " + std::string(*value));
      f.status = *s;
    }
    return true;
  }
  if (kind == "malformed") return parse_malformed(value, f, error);
  if (kind == "silent") {
    f.kind = fault_kind::silent;
    f.n = 1;
    if (value) return set_error(error, "silent takes no value (use silent,after=N)");
    return true;
  }
  return set_error(error, "unknown fault " + std::string(kind));
}

}  // namespace

std::optional<std::uint32_t> parse_status(std::string_view text) {
  if (auto v = parse_number(text)) {
    if (*v > 0xFFFFFFFFULL) return std::nullopt;
    return static_cast<std::uint32_t>(*v);
  }
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (std::uint32_t code = 0; code <= 0x100; ++code) {
    if (smpp::name(static_cast<smpp::command_status>(code)) == upper) return code;
  }
  return std::nullopt;
}

std::optional<fault> parse_fault(std::string_view spec, std::string& error) {
  fault f;
  f.spec = std::string(spec);
  auto items = split(spec, ',');
  auto head = items[0];
  auto eq = head.find('=');
  std::optional<std::string_view> value;
  if (eq != std::string_view::npos) value = head.substr(eq + 1);
  if (!parse_kind(head.substr(0, eq), value, f, error)) return std::nullopt;
  for (std::size_t i = 1; i < items.size(); ++i) {
    auto item = items[i];
    auto e = item.find('=');
    if (e == std::string_view::npos) {
      error = "expected key=value, got " + std::string(item);
      return std::nullopt;
    }
    auto key = item.substr(0, e);
    auto val = item.substr(e + 1);
    if (key == "status" && (f.kind == fault_kind::throttle || f.kind == fault_kind::refuse_bind)) {
      auto s = parse_status(val);
      if (!s || *s == 0) {
        error = "status: not an error status: " + std::string(val);
        return std::nullopt;
      }
      f.status = *s;
    } else if (key == "pdu" && f.kind == fault_kind::delay) {
      auto c = parse_request_class(val);
      if (!c) {
        error = "pdu: unknown request " + std::string(val);
        return std::nullopt;
      }
      f.pdu = *c;
    } else if (key == "after" &&
               (f.kind == fault_kind::malformed || f.kind == fault_kind::silent)) {
      auto v = parse_number(val);
      if (!v) {
        error = "after: not a number: " + std::string(val);
        return std::nullopt;
      }
      f.n = *v;
    } else if (key == "conn" || key == "times") {
      auto v = parse_number(val);
      if (!v || *v == 0) {
        error = std::string(key) + ": needs a number >= 1, got " + std::string(val);
        return std::nullopt;
      }
      (key == "conn" ? f.conn : f.times) = *v;
    } else {
      error = "unknown key " + std::string(key) + " for this fault";
      return std::nullopt;
    }
  }
  return f;
}

bool matches(request_class c, std::uint32_t id) {
  using smpp::command_id;
  switch (c) {
    case request_class::all:
      return true;
    case request_class::submit_sm:
      return id == static_cast<std::uint32_t>(command_id::submit_sm);
    case request_class::data_sm:
      return id == static_cast<std::uint32_t>(command_id::data_sm);
    case request_class::enquire_link:
      return id == static_cast<std::uint32_t>(command_id::enquire_link);
    case request_class::bind:
      return id == static_cast<std::uint32_t>(command_id::bind_receiver) ||
             id == static_cast<std::uint32_t>(command_id::bind_transmitter) ||
             id == static_cast<std::uint32_t>(command_id::bind_transceiver);
    case request_class::unbind:
      return id == static_cast<std::uint32_t>(command_id::unbind);
  }
  return false;
}

}  // namespace lapord::smsc_sim
