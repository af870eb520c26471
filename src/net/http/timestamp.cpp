#include "lapord/net/http/timestamp.hpp"

#include <array>
#include <cstdio>

namespace lapord::net::http {
namespace {

using namespace std::chrono;

// Reads exactly `n` digits at `pos`, advancing it.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

std::optional<sys_seconds> civil(int y, int mo, int d, int h, int mi, int sec) {
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec};
}

constexpr std::array<std::string_view, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::optional<int> month_of(std::string_view s, std::size_t& pos) {
  if (pos + 3 > s.size()) return std::nullopt;
  for (std::size_t i = 0; i < month_names.size(); ++i) {
    if (s.substr(pos, 3) == month_names[i]) {
      pos += 3;
      return static_cast<int>(i) + 1;
    }
  }
  return std::nullopt;
}

// "HH:MM:SS"
bool clock_of(std::string_view s, std::size_t& pos, int& h, int& mi, int& sec) {
  auto hh = digits(s, pos, 2);
  if (!hh || !expect(s, pos, ':')) return false;
  auto mm = digits(s, pos, 2);
  if (!mm || !expect(s, pos, ':')) return false;
  auto ss = digits(s, pos, 2);
  if (!ss) return false;
  h = *hh;
  mi = *mm;
  sec = *ss;
  return true;
}

}  // namespace

std::optional<utc_instant> parse_rfc3339(std::string_view s) {
  std::size_t pos = 0;
  auto y = digits(s, pos, 4);
  if (!y || !expect(s, pos, '-')) return std::nullopt;
  auto mo = digits(s, pos, 2);
  if (!mo || !expect(s, pos, '-')) return std::nullopt;
  auto d = digits(s, pos, 2);
  if (!d || pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return std::nullopt;
  ++pos;
  int h = 0, mi = 0, sec = 0;
  if (!clock_of(s, pos, h, mi, sec)) return std::nullopt;
  milliseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    int ms = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 3) ms = ms * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (std::size_t n = pos - start; n < 3; ++n)
      ms *= 10;
    frac = milliseconds{ms};
  }
  if (pos >= s.size()) return std::nullopt;
  minutes offset{0};
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const bool east = s[pos] == '+';
    ++pos;
    auto oh = digits(s, pos, 2);
    if (!oh || !expect(s, pos, ':')) return std::nullopt;
    auto om = digits(s, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset = hours{*oh} + minutes{*om};
    if (!east) offset = -offset;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  auto base = civil(*y, *mo, *d, h, mi, sec);
  if (!base) return std::nullopt;
  return time_point_cast<milliseconds>(*base) + frac - offset;
}

std::string format_rfc3339(utc_instant t) {
  const auto day_start = floor<days>(t);
  const year_month_day ymd{day_start};
  const hh_mm_ss<milliseconds> hms{t - day_start};
  std::array<char, 40> buf{};
  const int y = static_cast<int>(ymd.year());
  const auto mo = static_cast<unsigned>(ymd.month());
  const auto d = static_cast<unsigned>(ymd.day());
  const auto h = static_cast<long>(hms.hours().count());
  const auto mi = static_cast<long>(hms.minutes().count());
  const auto sec = static_cast<long>(hms.seconds().count());
  const auto ms = static_cast<long>(hms.subseconds().count());
  if (y >= 0 && y <= 9999) {
    // By hand: snprintf was ~3.5k instructions, and every forwarded complaint's body has one.
    auto put = [](char* p, long v, int width) {
      for (int i = width - 1; i >= 0; --i, v /= 10)
        p[i] = static_cast<char>('0' + v % 10);
      return p + width;
    };
    char* p = buf.data();
    p = put(p, y, 4);
    *p++ = '-';
    p = put(p, mo, 2);
    *p++ = '-';
    p = put(p, d, 2);
    *p++ = 'T';
    p = put(p, h, 2);
    *p++ = ':';
    p = put(p, mi, 2);
    *p++ = ':';
    p = put(p, sec, 2);
    if (ms != 0) {
      *p++ = '.';
      p = put(p, ms, 3);
    }
    *p++ = 'Z';
    return std::string(buf.data(), p);
  }
  int n = 0;
  if (ms != 0) {
    n = std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", y, mo, d,
                      h, mi, sec, ms);
  } else {
    n = std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", y, mo, d, h, mi,
                      sec);
  }
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

std::optional<sys_seconds> parse_http_date(std::string_view s) {
  // The day name is not checked against the date: RFC 9110 says recipients parse the date.
  const auto comma = s.find(',');
  int h = 0, mi = 0, sec = 0;
  if (comma == 3) {  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    std::size_t pos = 3;
    if (!expect(s, pos, ',') || !expect(s, pos, ' ')) return std::nullopt;
    auto d = digits(s, pos, 2);
    if (!d || !expect(s, pos, ' ')) return std::nullopt;
    auto mo = month_of(s, pos);
    if (!mo || !expect(s, pos, ' ')) return std::nullopt;
    auto y = digits(s, pos, 4);
    if (!y || !expect(s, pos, ' ') || !clock_of(s, pos, h, mi, sec)) return std::nullopt;
    if (s.substr(pos) != " GMT") return std::nullopt;
    return civil(*y, *mo, *d, h, mi, sec);
  }
  if (comma != std::string_view::npos && comma > 3) {  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
    std::size_t pos = comma + 1;
    if (!expect(s, pos, ' ')) return std::nullopt;
    auto d = digits(s, pos, 2);
    if (!d || !expect(s, pos, '-')) return std::nullopt;
    auto mo = month_of(s, pos);
    if (!mo || !expect(s, pos, '-')) return std::nullopt;
    auto yy = digits(s, pos, 2);
    if (!yy || !expect(s, pos, ' ') || !clock_of(s, pos, h, mi, sec)) return std::nullopt;
    if (s.substr(pos) != " GMT") return std::nullopt;
    // Two-digit years (an obsolete form): 00-69 are read as 20xx, 70-99 as 19xx.
    const int y = *yy < 70 ? 2000 + *yy : 1900 + *yy;
    return civil(y, *mo, *d, h, mi, sec);
  }
  if (comma == std::string_view::npos && s.size() == 24) {  // asctime: "Sun Nov  6 08:49:37 1994"
    std::size_t pos = 4;
    auto mo = month_of(s, pos);
    if (!mo || !expect(s, pos, ' ')) return std::nullopt;
    int d = 0;
    if (s[pos] == ' ') {  // days 1-9 are space-padded
      ++pos;
      auto d1 = digits(s, pos, 1);
      if (!d1) return std::nullopt;
      d = *d1;
    } else {
      auto d2 = digits(s, pos, 2);
      if (!d2) return std::nullopt;
      d = *d2;
    }
    if (!expect(s, pos, ' ') || !clock_of(s, pos, h, mi, sec) || !expect(s, pos, ' ')) {
      return std::nullopt;
    }
    auto y = digits(s, pos, 4);
    if (!y || pos != s.size()) return std::nullopt;
    return civil(*y, *mo, d, h, mi, sec);
  }
  return std::nullopt;
}

}  // namespace lapord::net::http
