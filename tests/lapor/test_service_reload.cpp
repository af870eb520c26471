// What a reload changes in the complaint service: data files by content or path, [service]
// keys, and the ref key and length that only a restart may change (refs stay unique).
#include <doctest/doctest.h>

#include "lapord/app/config/service_reload.hpp"

using lapord::app::compare_service;
using lapord::app::for_reload;
using lapord::app::service_section;
using lapord::app::service_sources;
using names = std::vector<std::string>;

namespace {

service_section section() {
  service_section s;
  s.directory = "/etc/lapord/directory/institutions.tsv";
  s.aliases = "/etc/lapord/directory/aliases.tsv";
  s.templates = "/etc/lapord/templates-id.txt";
  s.greetings = "/etc/lapord/greetings-id.txt";
  s.dictionary = "/usr/share/hunspell/id_ID.dic";
  s.ref_key_env = "LAPORD_REF_KEY";
  return s;
}

const service_sources files{1, 2, 3, 4};

}  // namespace

TEST_CASE("the same section and the same files: nothing to swap") {
  const auto c = compare_service(section(), files, section(), files);
  CHECK_FALSE(c.swap());
  CHECK(c.applied.empty());
  CHECK(c.need_restart.empty());
}

TEST_CASE("a data file whose content changed is reloaded, one line per file") {
  service_sources edited = files;
  edited.templates = 30;
  edited.aliases = 20;
  edited.greetings = 50;
  const auto c = compare_service(section(), files, section(), edited);
  CHECK(c.swap());
  CHECK(c.applied == names{"[service] aliases reloaded: /etc/lapord/directory/aliases.tsv changed",
                           "[service] templates reloaded: /etc/lapord/templates-id.txt changed",
                           "[service] greetings reloaded: /etc/lapord/greetings-id.txt changed"});
  CHECK(c.need_restart.empty());
}

TEST_CASE("a new path or a new value of a [service] key is applied and named") {
  auto b = section();
  b.templates = "/etc/lapord/templates-en.txt";
  b.hourly_limit = 3;
  b.service_numbers = {"1708", "17080"};
  b.utc_offset_minutes = 480;
  const auto c = compare_service(section(), files, b, files);
  CHECK(c.applied == names{"[service] templates is now /etc/lapord/templates-en.txt (loaded)",
                           "[service] service_numbers are now 1708, 17080",
                           "[service] hourly_limit is now 3",
                           "[service] utc_offset_minutes is now 480"});
}

TEST_CASE("the ref key and length need a restart, and the key is never in a line") {
  auto b = section();
  b.ref_key_env.reset();
  b.ref_key = "a-brand-new-secret-ref-key";
  b.ref_digits = 10;
  const auto c = compare_service(section(), files, b, files);
  CHECK_FALSE(c.swap());
  CHECK(c.need_restart ==
        names{"[service] ref_digits", "[service] ref_key", "[service] ref_key_env"});
  for (const auto& l : c.need_restart)
    CHECK(l.find("brand-new") == std::string::npos);
  // The new service keeps reading refs of the running length.
  CHECK(for_reload(b, section()).ref_digits == section().ref_digits);
  CHECK(for_reload(b, section()).hourly_limit == b.hourly_limit);
}
