#pragma once
// The [ussd] table of lapord.toml and each carrier's choice of profile, read into the plain
// lapor::ussd::ussd_settings the engine and the gateways take, and the screens file it names
// (lapor/ussd reads no file and no TOML). Every problem throws config_error naming the file and
// line.
//
//   [ussd]
//   screens = "ussd-id.txt"        # the menu texts, relative to this file's folder
//   timeout_s = 180                # an idle dialogue is dropped after this
//   max_dialogues = 100000         # open dialogues per carrier; beyond, new ones get "busy"
//
//   [ussd.profiles.NAME]           # any number; "default" exists even when not written
//   begin_ops = [1]                # ussd_service_op values (0..255) by meaning
//   continue_ops = [18]
//   end_ops = []
//   abort_ops = [0x81]
//   unknown_op_aborts = true       # an op in no list aborts (false: it just ends, silently)
//   reply_continue_op = 2          # our screen that waits for an answer (USSR request)
//   reply_end_op = 17              # our last screen (PSSR response)
//   session_key = "its_session_info"   # or "user_message_reference" or "msisdn"
//   echo_session_info = true       # replies echo its_session_info, end bit on the last
//   session_sequence = "echo"      # or "increment"
//   echo_user_message_reference = true
//   service_type = "USSD"
//   encoding = "gsm7"              # gsm7, gsm7_packed, ucs2, latin1, ia5
//   data_coding = 0                # optional: the replies' data_coding (default: the encoding's)
//   max_screen = 182               # in the encoding's unit (GSM septets for gsm7)
//
//   [[carrier]]
//   name = "tsel"
//   ussd_profile = "NAME"          # absent: "default"
#include <string>

#include <toml++/toml.h>

#include "lapord/app/config/config_error.hpp"
#include "lapord/lapor/ussd/screens.hpp"
#include "lapord/lapor/ussd/settings.hpp"

namespace lapord::lapor {
class service;
}

namespace lapord::app {

// Reads [ussd] and every [[carrier]]'s ussd_profile from the whole parsed document (a missing
// [ussd] gives the defaults). Throws config_error for an unknown key, a wrong type, a value out
// of range, an op listed with two meanings, or a carrier naming a profile that does not exist.
[[nodiscard]] lapor::ussd::ussd_settings read_ussd_section(const toml::table& document,
                                                           const std::string& file);

// Reads and checks the screens file against the service's longest values and every profile's
// limit and encoding. Throws config_error (the screens file and line, or the [ussd] line when
// the file cannot be read).
[[nodiscard]] lapor::ussd::screens load_screens(const lapor::ussd::ussd_settings& settings,
                                                const lapor::service& service);

}  // namespace lapord::app
