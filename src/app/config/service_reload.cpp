#include "lapord/app/config/service_reload.hpp"

#include <fmt/format.h>

namespace lapord::app {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items)
    out += (out.empty() ? "" : ", ") + i;
  return out;
}

// A data file: its path changed (a new file) or its content did.
void file(service_changes& out, std::string_view key, const std::string& running_path,
          const std::string& fresh_path, std::size_t running_hash, std::size_t fresh_hash) {
  if (running_path != fresh_path) {
    out.applied.push_back(fmt::format("[service] {} is now {} (loaded)", key, fresh_path));
  } else if (running_hash != fresh_hash) {
    out.applied.push_back(fmt::format("[service] {} reloaded: {} changed", key, fresh_path));
  }
}

}  // namespace

service_changes compare_service(const service_section& a, const service_sources& af,
                                const service_section& b, const service_sources& bf) {
  service_changes out;
  file(out, "directory", a.directory, b.directory, af.directory, bf.directory);
  file(out, "aliases", a.aliases, b.aliases, af.aliases, bf.aliases);
  file(out, "templates", a.templates, b.templates, af.templates, bf.templates);
  file(out, "greetings", a.greetings, b.greetings, af.greetings, bf.greetings);
  file(out, "dictionary", a.dictionary, b.dictionary, af.dictionary, bf.dictionary);
  if (a.service_numbers != b.service_numbers) {
    out.applied.push_back("[service] service_numbers are now " + join(b.service_numbers));
  }
  if (a.hourly_limit != b.hourly_limit) {
    out.applied.push_back(fmt::format("[service] hourly_limit is now {}", b.hourly_limit));
  }
  if (a.replies_per_hour != b.replies_per_hour) {
    out.applied.push_back(fmt::format("[service] replies_per_hour is now {}", b.replies_per_hour));
  }
  if (a.duplicate_window_hours != b.duplicate_window_hours) {
    out.applied.push_back(
        fmt::format("[service] duplicate_window_hours is now {}", b.duplicate_window_hours));
  }
  if (a.country_code != b.country_code) {
    out.applied.push_back("[service] country_code is now " + b.country_code);
  }
  if (a.utc_offset_minutes != b.utc_offset_minutes) {
    out.applied.push_back(
        fmt::format("[service] utc_offset_minutes is now {}", b.utc_offset_minutes));
  }
  if (a.ref_digits != b.ref_digits) out.need_restart.emplace_back("[service] ref_digits");
  // The key itself is never logged; naming the key that changed is enough.
  if (a.ref_key != b.ref_key) out.need_restart.emplace_back("[service] ref_key");
  if (a.ref_key_env != b.ref_key_env) out.need_restart.emplace_back("[service] ref_key_env");
  return out;
}

service_section for_reload(service_section fresh, const service_section& running) {
  fresh.ref_digits = running.ref_digits;
  return fresh;
}

}  // namespace lapord::app
