#pragma once
// The real shipped data (config/directory, config/templates-id.txt, config/ussd-id.txt) and
// Debian's hunspell-id, loaded once for all USSD tests, plus a clock the tests move by hand.
#include <chrono>
#include <string>

#include "lapor/fixture.hpp"
#include "lapord/lapor/service.hpp"
#include "lapord/lapor/ussd/engine.hpp"

namespace lapord::lapor::ussd::testing {

using lapor::testing::read_file;
using lapor::testing::source_path;

// The lapor layer's shipped data as a service without greetings, as the USSD tests have had it.
inline const lapor::service& real_service() {
  static const lapor::service svc = [] {
    const directory& dir = lapor::testing::real_directory();
    service_options options;
    auto templates =
        reply_templates::load(read_file(source_path("config/templates-id.txt")), "templates-id.txt",
                              lapor::service::limits_for(dir, options));
    return lapor::service(dir, lapor::testing::real_dictionary(), std::move(templates), options);
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
