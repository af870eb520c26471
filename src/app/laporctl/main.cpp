// laporctl: the operator's command line. Subcommands live in their own files (commands.hpp).
#include <exception>
#include <iostream>

#include "app/laporctl/commands.hpp"
#include "lapord/app/config/config_error.hpp"

int main(int argc, char** argv) {
  using namespace lapord::app::laporctl;
  CLI::App app{"laporctl: operate and inspect the lapord SMS/USSD gateway"};
  app.require_subcommand(1);
  command_action action;
  add_parse_command(app, action);
  add_directory_command(app, action);
  add_admin_commands(app, action);
  add_store_command(app, action);
  CLI11_PARSE(app, argc, argv);
  try {
    return action ? action() : 2;
  } catch (const lapord::app::config_error& e) {
    std::cerr << "laporctl: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "laporctl: " << e.what() << "\n";
    return 2;
  }
}
