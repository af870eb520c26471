#pragma once
// The real shipped data (config/directory, config/templates-id.txt, config/greetings-id.txt)
// and Debian's hunspell-id,
// loaded once for all tests of the lapor layer.
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "lapord/lapor/service.hpp"

namespace lapord::lapor::testing {

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

inline const directory& real_directory() {
  static const directory dir = directory::load(
      read_file(source_path("config/directory/institutions.tsv")), "institutions.tsv",
      read_file(source_path("config/directory/aliases.tsv")), "aliases.tsv");
  return dir;
}

inline const word_list& real_dictionary() {
  static const word_list words = word_list::from_hunspell(
      read_file("/usr/share/hunspell/id_ID.dic"), read_file("/usr/share/hunspell/id_ID.aff"));
  return words;
}

inline const greeting_list& real_greetings() {
  static const greeting_list list = greeting_list::load(
      read_file(source_path("config/greetings-id.txt")), "greetings-id.txt", real_directory());
  return list;
}

inline const service& real_service() {
  static const service svc = [] {
    service_options options;
    auto templates =
        reply_templates::load(read_file(source_path("config/templates-id.txt")), "templates-id.txt",
                              service::limits_for(real_directory(), options));
    return service(real_directory(), real_dictionary(), std::move(templates), options,
                   real_greetings());
  }();
  return svc;
}

}  // namespace lapord::lapor::testing
