#include "actors.hpp"
#include "kumo/service.hpp"

#include <caf/all.hpp>

namespace kumo::progress {
std::vector<migration> migrations();
}

int main(int argc, char** argv) {
  using namespace kumo;
  service_definition def;
  def.name = "progress";
  def.uses_database = false;
  def.migrations = progress::migrations;
  def.options = {
      {"history_size", option_kind::integer, "200",
       "finished records kept for snapshots", 0, 100'000},
      {"min_interval", option_kind::duration, "250ms",
       "minimum time between two progress events of one operation", 0, 60'000},
      {"max_active", option_kind::integer, "10000",
       "live progress records at most", 1, 1'000'000},
      {"stale_after", option_kind::duration, "1h",
       "drop a running record silent this long", 1'000, 86'400'000},
  };
  def.start = [](service_context& ctx) -> drainable_actor {
    progress::progress_config cfg;
    cfg.book.history_size =
        static_cast<size_t>(ctx.config.integer("history_size"));
    cfg.book.min_interval =
        std::chrono::milliseconds(ctx.config.millis("min_interval"));
    cfg.book.max_active = static_cast<size_t>(ctx.config.integer("max_active"));
    cfg.book.stale_after =
        std::chrono::milliseconds(ctx.config.millis("stale_after"));
    cfg.epoch = progress::make_epoch();
    cfg.subscribe_timeout =
        std::chrono::milliseconds(ctx.config.millis("request_timeout"));
    return progress::spawn_progress(ctx.system, ctx.bus, cfg, ctx.metrics);
  };
  return run_service(argc, argv, def);
}
