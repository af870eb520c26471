#include "app/laporctl/top_view.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <boost/json.hpp>

#include "app/laporctl/table.hpp"

namespace lapord::app::laporctl {
namespace {

namespace json = boost::json;

// name{a="x",b="y"} value [timestamp]; false when the line is not a sample.
bool parse_sample(std::string_view line, metric_sample& s) {
  std::size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ')
    ++i;
  s.name.assign(line.substr(0, i));
  s.labels.clear();
  if (s.name.empty()) return false;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const std::size_t eq = line.find("=\"", i);
      if (eq == std::string_view::npos) return false;
      std::string key(line.substr(i, eq - i));
      std::string value;
      std::size_t j = eq + 2;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size()) {
          ++j;
          value += line[j] == 'n' ? '\n' : line[j];
        } else {
          value += line[j];
        }
      }
      if (j >= line.size()) return false;
      s.labels.emplace_back(std::move(key), std::move(value));
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return false;
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return false;
  const std::string number(line.substr(i + 1, line.find(' ', i + 1) - (i + 1)));
  char* end = nullptr;
  s.value = std::strtod(number.c_str(), &end);
  return end != nullptr && end != number.c_str() && *end == '\0';
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string pad(std::string s, std::size_t width) {
  const std::size_t w = display_width(s);
  if (w < width) s.append(width - w, ' ');
  return s;
}

std::string rate_line(const char* name, bool known, double per_second, double total) {
  return pad(std::string("  ") + name, 14) + pad(known ? fixed(per_second, 1) : "-", 12) +
         fixed(total, 0);
}

std::string binds_text(const std::vector<top_bind>& binds) {
  if (binds.empty()) return "BINDS  none configured";
  std::string out = "BINDS ";
  for (const auto& b : binds)
    out += "  " + b.carrier + "/" + b.bind + (b.up ? " up" : " DOWN");
  return out;
}

// 2026-12-04T03:40:44Z (or with a space) -> 03:40:44; anything else as it came.
std::string clock_of(const std::string& when) {
  if (when.size() >= 19 && (when[10] == 'T' || when[10] == ' ')) return when.substr(11, 8);
  return when;
}

std::string member(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key)) {
    if (v->is_string()) return std::string(v->as_string());
    if (v->is_int64()) return std::to_string(v->as_int64());
  }
  return "";
}

}  // namespace

std::string_view metric_sample::label(std::string_view key) const {
  for (const auto& [k, v] : labels) {
    if (k == key) return v;
  }
  return {};
}

std::vector<metric_sample> parse_metrics(std::string_view text) {
  std::vector<metric_sample> out;
  metric_sample s;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    if (parse_sample(line, s)) out.push_back(s);
  }
  return out;
}

top_snapshot snapshot_of(const std::vector<metric_sample>& samples,
                         std::chrono::steady_clock::time_point at) {
  top_snapshot t;
  t.at = at;
  for (const auto& s : samples) {
    if (s.name == "lapord_carrier_bind_up") {
      t.binds.push_back(
          {std::string(s.label("carrier")), std::string(s.label("bind")), s.value == 1});
    } else if (s.name == "lapord_mo_received_total") {
      t.totals.mo += s.value;
    } else if (s.name == "lapord_complaints_created_total") {
      t.totals.complaints += s.value;
    } else if (s.name == "lapord_replies_sent_total") {
      t.totals.replies += s.value;
    } else if (s.name == "lapord_outbox_forwarded_total") {
      t.totals.forwarded += s.value;
    } else if (s.name == "lapord_outbox_depth") {
      const auto state = s.label("state");
      if (state == "pending") t.pending = s.value;
      if (state == "in_flight") t.in_flight = s.value;
      if (state == "parked") t.parked = s.value;
    } else if (s.name == "lapord_ussd_dialogues_open") {
      t.ussd_open += s.value;
    } else if (s.name == "lapord_ready") {
      t.ready = s.value == 1 ? 1 : 0;
    }
  }
  return t;
}

top_rates rates_between(const top_snapshot& before, const top_snapshot& after) {
  top_rates r;
  const double seconds = std::chrono::duration<double>(after.at - before.at).count();
  if (seconds <= 0) return r;
  auto rate = [seconds](double b, double a) { return (a >= b ? a - b : a) / seconds; };
  r.known = true;
  r.per_second.mo = rate(before.totals.mo, after.totals.mo);
  r.per_second.complaints = rate(before.totals.complaints, after.totals.complaints);
  r.per_second.replies = rate(before.totals.replies, after.totals.replies);
  r.per_second.forwarded = rate(before.totals.forwarded, after.totals.forwarded);
  return r;
}

std::vector<top_complaint> complaints_of(std::string_view json_body) {
  boost::system::error_code ec;
  const json::value v = json::parse(json_body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* list = o ? o->if_contains("complaints") : nullptr;
  if (list == nullptr || !list->is_array()) {
    throw std::runtime_error("the admin API's complaints answer is not {\"complaints\":[...]}");
  }
  std::vector<top_complaint> out;
  for (const auto& item : list->as_array()) {
    const json::object* c = item.if_object();
    if (c == nullptr) continue;
    top_complaint t;
    t.ref = member(*c, "ref");
    t.created = clock_of(member(*c, "created_at"));
    t.carrier = member(*c, "carrier");
    t.reporter = member(*c, "reporter");
    const json::value* inst = c->if_contains("institution");
    t.institution = inst != nullptr && inst->is_object() ? member(inst->as_object(), "code")
                                                         : std::string("national");
    t.status = member(*c, "status");
    t.forwarding = member(*c, "forwarding");
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> render_top(const top_frame& f, std::size_t width, std::size_t height) {
  std::vector<std::string> l;
  std::string state = f.now.ready == 1 ? "ready" : f.now.ready == 0 ? "NOT READY" : "";
  l.push_back("lapord top  " + f.origin + "  " + f.clock + (state.empty() ? "" : "  " + state));
  if (!f.problem.empty()) {
    l.push_back("");
    l.push_back("NO DATA: " + f.problem);
  } else {
    l.push_back(binds_text(f.now.binds));
    l.push_back("");
    l.push_back(pad("", 14) + pad("per second", 12) + "total");
    const bool k = f.rates.known;
    l.push_back(rate_line("MO", k, f.rates.per_second.mo, f.now.totals.mo));
    l.push_back(rate_line("complaints", k, f.rates.per_second.complaints, f.now.totals.complaints));
    l.push_back(rate_line("replies", k, f.rates.per_second.replies, f.now.totals.replies));
    l.push_back(rate_line("forwarded", k, f.rates.per_second.forwarded, f.now.totals.forwarded));
    l.push_back("OUTBOX  pending " + fixed(f.now.pending, 0) + "  in flight " +
                fixed(f.now.in_flight, 0) + "  parked " + fixed(f.now.parked, 0) +
                "    USSD open " + fixed(f.now.ussd_open, 0));
  }
  l.push_back("");
  l.push_back("LAST 10 COMPLAINTS" +
              (f.complaints_note.empty() ? std::string() : "  (" + f.complaints_note + ")"));
  if (!f.complaints.empty()) {
    l.push_back(pad("REF", 10) + pad("TIME", 10) + pad("CARRIER", 9) + pad("REPORTER", 16) +
                pad("INSTITUTION", 13) + pad("STATUS", 10) + "FORWARDING");
  }
  for (std::size_t i = 0; i < f.complaints.size() && i < 10; ++i) {
    const auto& c = f.complaints[i];
    l.push_back(pad(one_line(c.ref, 9), 10) + pad(one_line(c.created, 9), 10) +
                pad(one_line(c.carrier, 8), 9) + pad(one_line(c.reporter, 15), 16) +
                pad(one_line(c.institution, 12), 13) + pad(one_line(c.status, 9), 10) +
                one_line(c.forwarding, 10));
  }
  // The last line of the screen says how to leave, whatever the rows above took.
  const std::string footer = "q quits, refreshed every second";
  if (l.size() + 1 > height) l.resize(height > 0 ? height - 1 : 0);
  l.push_back(footer);
  for (auto& line : l)
    line = one_line(line, width);
  if (l.size() > height) l.resize(height);
  return l;
}

}  // namespace lapord::app::laporctl
