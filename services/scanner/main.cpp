#include "kumo/service.hpp"

#include <caf/all.hpp>

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
  service_definition def;
  def.name = "scanner";
  def.uses_database = true;
  def.migrations = scanner::migrations;
  def.start = [](service_context& ctx) { return ctx.system.spawn(supervisor); };
  return run_service(argc, argv, def);
}
