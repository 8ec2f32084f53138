#include <caf/all.hpp>

#include "kumo/service.hpp"

namespace kumo::downloader {
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
  def.name = "downloader";
  def.uses_database = false;
  def.migrations = downloader::migrations;
  def.start = [](service_context& ctx) { return ctx.system.spawn(supervisor); };
  return run_service(argc, argv, def);
}
