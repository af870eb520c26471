#pragma once
// The real shipped data (config/directory, config/templates-id.txt, config/ussd-id.txt) and
// Debian's hunspell-id, loaded once for all USSD tests, plus a clock the tests move by hand.
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "lapord/lapor/service.hpp"
#include "lapord/lapor/ussd/engine.hpp"

namespace lapord::lapor::ussd::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string source_path(const std::string& relative) {
  return std::string(LAPORD_SOURCE_DIR) + "/" + relative;
}

inline const lapor::service& real_service() {
  static const lapor::service svc = [] {
    auto dir = directory::load(
        read_file(source_path("config/directory/institutions.tsv")), "institutions.tsv",
        read_file(source_path("config/directory/aliases.tsv")), "aliases.tsv");
    auto words = word_list::from_hunspell(read_file("/usr/share/hunspell/id_ID.dic"),
                                          read_file("/usr/share/hunspell/id_ID.aff"));
    service_options options;
    auto templates =
        reply_templates::load(read_file(source_path("config/templates-id.txt")), "templates-id.txt",
                              lapor::service::limits_for(dir, options));
    return lapor::service(std::move(dir), std::move(words), std::move(templates), options);
  }();
  return svc;
}

inline std::string shipped_screens_text() {
  return read_file(source_path("config/ussd-id.txt"));
}

inline screens shipped_screens() {
  return screens::load(shipped_screens_text(), "ussd-id.txt", limits_for(real_service()));
}

inline const engine& real_engine() {
  static const engine e(real_service(), shipped_screens());
  return e;
}

// A fixed origin for the dialogue clock; tests add seconds to it.
inline instant t0() {
  return instant{} + std::chrono::hours(1000);
}
inline instant at(int seconds) {
  return t0() + std::chrono::seconds(seconds);
}

}  // namespace lapord::lapor::ussd::testing
