// The scanner service: owns the series catalog, scans the library roots and
// answers kumo.scanner.cmd.* (docs/library.md).

#include "actors.hpp"
#include "kumo/service.hpp"
#include "parse/parse_command.hpp"
#include "walk/walk_command.hpp"

#include <caf/all.hpp>
#include <iostream>
#include <memory>
#include <string_view>

namespace kumo::scanner {
std::vector<migration> migrations();
}

int main(int argc, char** argv) {
  using namespace kumo;
  if (argc >= 2 && std::string_view(argv[1]) == "parse") {
    std::ios::sync_with_stdio(false); // buffered stdin/stdout
    return scanner::run_parse_command(std::cin, std::cout);
  }
  if (argc == 3 && std::string_view(argv[1]) == "walk")
    return scanner::run_walk_command(argv[2], std::cout, std::cerr);
  // Filled once by `configure`, right after the options are loaded.
  auto config = std::make_shared<scanner::scanner_config>();
  service_definition def;
  def.name = "scanner";
  def.options = scanner::scanner_options();
  def.uses_database = true;
  def.migrations = scanner::migrations;
  def.configure = [config](const settings& values) -> result<void> {
    auto parsed = scanner::parse_scanner_config(values);
    if (!parsed)
      return parsed.error();
    *config = std::move(*parsed);
    return {};
  };
  def.start = [config](service_context& ctx) {
    scanner::scanner_settings cfg{*config, ctx.config.text("database_url"),
                                  ctx.instance};
    auto service = scanner::spawn_scanner(ctx.system, std::move(cfg), ctx.bus,
                                          ctx.metrics);
    return caf::actor_cast<drainable_actor>(service);
  };
  return run_service(argc, argv, def);
}
