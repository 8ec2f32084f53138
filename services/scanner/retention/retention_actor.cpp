// The retention task's runner: one detached actor per run, so removals and
// their database writes never block the scanner actor.

#include "retention/retention_actor.hpp"

#include "actors.hpp"
#include "kumo/log.hpp"
#include "kumo/storage_subjects.hpp"
#include "kumo/subjects.hpp"
#include "retention/retention_run.hpp"

#include <caf/all.hpp>

namespace kumo::scanner {

void spawn_retention(caf::actor_system& sys, std::string database_url,
                     library_roots roots, storage_limits limits,
                     caf::actor tasks, bus_actor bus) {
  sys.spawn<caf::detached>([database_url = std::move(database_url),
                            roots = std::move(roots), limits,
                            tasks = std::move(tasks), bus = std::move(bus)](
                               caf::event_based_actor* self) {
    const std::string name = "retention";
    auto out = run_retention(database_url, roots, limits);
    if (!out) {
      log::warn("retention failed", {{"error", message_of(out.error())}});
      self->send(tasks, task_done_atom::value, name, std::string("failed"),
                 std::string("{}"), message_of(out.error()));
      return;
    }
    self->send(tasks, task_done_atom::value, name, std::string("complete"),
               out->summary(limits).dump(), std::string());
    self->send(bus, publish_atom::value, std::string(subjects::library_usage),
               nlohmann::json{{"used_bytes", out->used_bytes}}.dump());
  });
}

} // namespace kumo::scanner
