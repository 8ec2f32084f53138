#include "kumo/service.hpp"
#include "parse/parse_command.hpp"
#include "walk/walk_command.hpp"

#include <caf/all.hpp>
#include <iostream>
#include <string_view>

namespace kumo::scanner {
std::vector<migration> migrations();
}

namespace {

using namespace kumo;

drainable_actor::behavior_type supervisor(drainable_actor::pointer) {
  return {
      [](drain_atom) { return true; },
  };
}

} // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "parse") {
    std::ios::sync_with_stdio(false); // buffered stdin/stdout
    return scanner::run_parse_command(std::cin, std::cout);
  }
  if (argc == 3 && std::string_view(argv[1]) == "walk")
    return scanner::run_walk_command(argv[2], std::cout, std::cerr);
  service_definition def;
  def.name = "scanner";
  def.uses_database = true;
  def.migrations = scanner::migrations;
  def.start = [](service_context& ctx) { return ctx.system.spawn(supervisor); };
  return run_service(argc, argv, def);
}
