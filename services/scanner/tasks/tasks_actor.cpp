// The scheduler of the scanner's tasks: a detached actor with its own
// database connection. Every few seconds (and at once after a "run now")
// it claims the due tasks of this replica and hands each to the scanner
// actor, which runs it and reports the end; it answers the bus requests
// `tasks` and `task_run` forwarded by the scanner actor.

#include "actors.hpp"
#include "catalog/replies.hpp"
#include "kumo/log.hpp"
#include "tasks/task_store.hpp"

#include <caf/all.hpp>

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

constexpr auto poll_every = std::chrono::seconds(5);

struct tasks_state {
  static inline const char* name = "kumo.scanner.tasks";
  std::unique_ptr<task_store> store;
  std::vector<task_definition> defs;
  std::string instance;
  bus_actor bus;
  caf::actor runner; ///< the scanner actor
  bool stopping = false;
};

using pointer = caf::stateful_actor<tasks_state>*;

const task_definition* find_def(pointer self, const std::string& name) {
  for (const auto& d : self->state.defs)
    if (d.name == name)
      return &d;
  return nullptr;
}

json list_json(pointer self) {
  json tasks = json::array();
  for (const auto& row : self->state.store->list())
    if (const auto* def = find_def(self, row.name))
      tasks.push_back(task_json(*def, row));
  return {{"tasks", tasks}};
}

void claim_and_run(pointer self) {
  auto& st = self->state;
  if (st.stopping)
    return;
  for (const auto& name : st.store->claim_due(st.defs, st.instance)) {
    log::info("task started", {{"task", name}});
    self->send(st.runner, run_task_atom::value, name);
  }
}

/// Runs one bus request; a database failure becomes an "unavailable" reply.
std::string answer_request(pointer self, const std::string& op,
                           const std::string& payload) {
  if (op == "tasks")
    return list_json(self).dump();
  auto body = json::parse(payload, nullptr, false);
  auto name = check_task_name(body, self->state.defs);
  if (!name)
    return error_body(name.error().code, name.error().field,
                      name.error().message);
  if (!self->state.store->request_run(*name))
    return error_body(errc::conflict, "name",
                      "task '" + *name + "' is running now");
  self->send(self, tick_atom::value);
  return json{{"task", task_json(*find_def(self, *name),
                                 self->state.store->get(*name))}}
      .dump();
}

caf::behavior tasks(pointer self, const std::string& database_url,
                    std::vector<task_definition> defs, std::string instance,
                    bus_actor bus, caf::actor runner) {
  auto& st = self->state;
  st.store = std::make_unique<task_store>(database_url);
  st.defs = std::move(defs);
  st.instance = std::move(instance);
  st.bus = std::move(bus);
  st.runner = std::move(runner);
  st.store->sync(st.defs);
  self->delayed_send(self, poll_every, tick_atom::value);
  return {
      [=](tick_atom) {
        try {
          claim_and_run(self);
        } catch (const std::exception& e) {
          log::warn("task schedule failed", {{"error", e.what()}});
        }
        if (!self->state.stopping)
          self->delayed_send(self, poll_every, tick_atom::value);
      },
      [=](const bus_message& msg) {
        static const std::string prefix = "kumo.scanner.cmd.";
        std::string body;
        try {
          body = answer_request(self, msg.subject.substr(prefix.size()),
                                msg.payload);
        } catch (const std::exception& e) {
          log::warn("task request failed", {{"error", e.what()}});
          body = error_body(errc::unavailable, "", "the task store failed");
        }
        if (!msg.reply.empty())
          self->send(self->state.bus, publish_atom::value, msg.reply, body);
      },
      [=](task_done_atom, const std::string& name, const std::string& outcome,
          const std::string& summary, const std::string& error) {
        auto doc = json::parse(summary, nullptr, false);
        if (!doc.is_object())
          doc = json::object();
        try {
          if (!self->state.store->finish(name, self->state.instance, outcome,
                                         doc, error))
            log::warn("task ended after its claim ran out", {{"task", name}});
        } catch (const std::exception& e) {
          log::warn("task end not recorded",
                    {{"task", name}, {"error", e.what()}});
        }
        log::info("task finished", {{"task", name}, {"outcome", outcome}});
      },
      [=](task_every_atom, const std::string& name, std::int64_t seconds) {
        for (auto& d : self->state.defs)
          if (d.name == name && d.interval.count() != seconds) {
            d.interval = std::chrono::seconds(seconds);
            try {
              self->state.store->sync({d});
            } catch (const std::exception& e) {
              log::warn("task interval not stored",
                        {{"task", name}, {"error", e.what()}});
            }
          }
      },
      [=](drain_atom) { self->state.stopping = true; },
  };
}

} // namespace

caf::actor spawn_tasks(caf::actor_system& sys, std::string database_url,
                       std::vector<task_definition> defs, std::string instance,
                       bus_actor bus, caf::actor runner) {
  return sys.spawn<caf::detached>(tasks, std::move(database_url),
                                  std::move(defs), std::move(instance),
                                  std::move(bus), std::move(runner));
}

} // namespace kumo::scanner
