// laporctl parse: operators who change keywords or templates see the effect before a citizen
// does. The same files the daemon loads, the same decide(); no store, so a complaint's ack shows
// an example ref and a status request the "not found" answer.
#include <iostream>
#include <string>

#include <boost/json.hpp>

#include "app/laporctl/commands.hpp"
#include "lapord/app/config/service_setup.hpp"

namespace lapord::app::laporctl {
namespace {

namespace json = boost::json;

constexpr const char* default_sender = "081234567890";

// A ref of the configured length with a correct check digit, for showing acknowledgements.
std::string example_ref(std::size_t digits) {
  std::string body;
  for (std::size_t i = 0; i + 1 < digits; ++i)
    body += static_cast<char>('1' + i % 9);
  return body + lapor::damm_check_digit(body);
}

json::object to_json(const lapor::service& svc, const lapor::decision& d,
                     const lapor::parsed_message& p, std::string_view message) {
  json::object o;
  o["decision"] = std::string(lapor::to_string(d.kind));
  // What was set aside before the command or keyword ("Selamat pagi, Yth Bupati Sleman").
  o["set_aside"] = message.substr(p.set_aside_begin, p.set_aside_end - p.set_aside_begin);
  if (d.kind == lapor::decision_kind::complaint && d.institution) {
    o["institution"] = json::object{{"code", d.institution->code},
                                    {"name", d.institution->name},
                                    {"short_name", d.institution->short_name},
                                    {"keyword", d.institution->keyword},
                                    {"corrected", d.institution->corrected}};
  } else {
    o["institution"] = nullptr;
  }
  // How the complaint was routed: "keyword", "addressee" or "national" (desk).
  if (d.kind == lapor::decision_kind::complaint) {
    o["routed_by"] = d.institution ? lapor::to_string(d.institution->via)
                                   : lapor::to_string(lapor::routing::national);
  } else {
    o["routed_by"] = nullptr;
  }
  o["confidential"] = d.confidential;
  o["text"] = d.text;
  if (d.kind == lapor::decision_kind::status || !d.ref.empty()) {
    o["ref"] = d.ref;
  } else {
    o["ref"] = nullptr;
  }
  std::string reply = d.reply;
  if (reply.empty() && d.create_complaint && !d.reply_template.empty()) {
    reply = svc.render_reply(d, example_ref(svc.options().ref_digits));
  }
  if (d.reply_template.empty()) {
    o["reply"] = nullptr;
  } else {
    o["reply"] = reply;
  }
  o["reply_template"] = d.reply_template;
  o["reason"] = d.reason;
  return o;
}

int run_parse(const std::string& config_path, bool json_in) {
  auto section = read_service_config_file(config_path);
  auto setup = load_service(section, false);
  int status = 0;
  std::string line;
  long number = 0;
  while (std::getline(std::cin, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lapor::inbound in;
    in.from = default_sender;
    in.to = section.service_numbers.front();
    if (json_in) {
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      const json::object* obj = ec ? nullptr : v.if_object();
      const json::value* text = obj ? obj->if_contains("text") : nullptr;
      if (obj == nullptr || text == nullptr || !text->is_string()) {
        std::string error =
            "line " + std::to_string(number) + ": expected a JSON object with a string \"text\"";
        std::cerr << "laporctl parse: " << error << "\n";
        std::cout << json::serialize(json::object{{"error", error}}) << "\n";
        status = 1;
        continue;
      }
      in.text = std::string(text->as_string());
      if (const json::value* from = obj->if_contains("from"); from && from->is_string()) {
        in.from = std::string(from->as_string());
      }
      if (const json::value* to = obj->if_contains("to"); to && to->is_string()) {
        in.to = std::string(to->as_string());
      }
      if (const json::value* ton = obj->if_contains("ton"); ton && ton->is_int64()) {
        in.from_ton = static_cast<std::uint8_t>(ton->as_int64());
      }
    } else {
      in.text = line;
    }
    const lapor::parsed_message parsed = setup.service.parse(in.text);
    const lapor::decision d = setup.service.decide(in, parsed, {});
    std::cout << json::serialize(to_json(setup.service, d, parsed, in.text)) << "\n";
  }
  return status;
}

}  // namespace

void add_parse_command(CLI::App& app, command_action& action) {
  auto* cmd = app.add_subcommand(
      "parse", "Read messages from stdin (one a line) and print the decision for each as JSON");
  auto config = std::make_shared<std::string>(default_config_path);
  auto json_in = std::make_shared<bool>(false);
  cmd->add_option("--config", *config, "lapord configuration file")->capture_default_str();
  cmd->add_flag("--json-in", *json_in,
                "stdin holds JSON lines with \"text\" (and optional \"from\", \"to\", \"ton\")");
  cmd->callback([&action, config, json_in] {
    action = [config, json_in] { return run_parse(*config, *json_in); };
  });
}

}  // namespace lapord::app::laporctl
