// laporctl directory generate: the directory file from the official area data (the rule of
// sms-commands.md); laporctl directory check: load a configuration's directory and say what is in
// it.
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/laporctl/commands.hpp"
#include "lapord/app/config/service_setup.hpp"

namespace lapord::app::laporctl {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int run_generate(const std::string& from, const std::string& output) {
  std::string text =
      lapor::generate_directory(slurp(from + "/provinces.csv"), slurp(from + "/regencies.csv"));
  if (output.empty() || output == "-") {
    std::cout << text;
    return 0;
  }
  // Write next to the target and rename, so a reader never sees half a directory.
  std::string tmp = output + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), output.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + output);
  }
  std::cerr << "laporctl: wrote " << output << "\n";
  return 0;
}

int run_check(const std::string& config) {
  auto setup = load_service(read_service_config_file(config), false);
  const auto& dir = setup.service.dir();
  std::size_t keywords = 0;
  for (auto& i : dir.institutions())
    keywords += i.keywords.size();
  std::cout << "provinsi " << dir.count(lapor::institution_kind::provinsi) << ", kabupaten "
            << dir.count(lapor::institution_kind::kabupaten) << ", kota "
            << dir.count(lapor::institution_kind::kota) << ", lembaga "
            << dir.count(lapor::institution_kind::lembaga) << ", keywords " << keywords
            << ", dictionary words " << setup.service.dictionary().size() << "\n";
  return 0;
}

}  // namespace

void add_directory_command(CLI::App& app, command_action& action) {
  auto* cmd = app.add_subcommand("directory", "The institution directory");
  cmd->require_subcommand(1);
  auto* gen = cmd->add_subcommand("generate",
                                  "Write the directory file from provinces.csv and regencies.csv");
  auto from = std::make_shared<std::string>("config/directory/idn-area");
  auto output = std::make_shared<std::string>("-");
  gen->add_option("--from", *from, "folder with provinces.csv and regencies.csv")
      ->capture_default_str();
  gen->add_option("-o,--output", *output, "file to write ('-' for stdout)")->capture_default_str();
  gen->callback([&action, from, output] {
    action = [from, output] { return run_generate(*from, *output); };
  });
  auto* check = cmd->add_subcommand("check", "Load a configuration's directory and templates");
  auto config = std::make_shared<std::string>(default_config_path);
  check->add_option("--config", *config, "lapord configuration file")->capture_default_str();
  check->callback([&action, config] { action = [config] { return run_check(*config); }; });
}

}  // namespace lapord::app::laporctl
