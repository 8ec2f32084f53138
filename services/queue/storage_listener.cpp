#include "storage_listener.hpp"

#include "kumo/bus_calls.hpp"
#include "kumo/config_subjects.hpp"
#include "kumo/log.hpp"
#include "kumo/storage_subjects.hpp"
#include "kumo/subjects.hpp"
#include "kumo/wire.hpp"

#include <caf/all.hpp>

namespace kumo::queue {

namespace {

using json = nlohmann::json;

/// How long the start-up questions wait; without answers nothing is held
/// back until the first change or usage message.
constexpr auto ask_timeout = std::chrono::seconds(5);

using pointer = bus_listener::stateful_pointer<caf::unit_t>;

/// One progress event for a transition of the gate.
wire::progress_update storage_event(bool full, const storage_view& v) {
  wire::progress_update u;
  u.id = "storage_limit";
  u.kind = "storage_limit";
  u.status = full ? "paused" : "completed";
  u.title = full ? "Storage limit reached" : "Storage limit no longer reached";
  u.message = full ? "new downloads wait until the library is under its "
                     "storage limit"
                   : "downloads start again";
  u.current = v.used_bytes;
  u.total = v.limit_bytes;
  u.metadata = {{"used_bytes", v.used_bytes},
                {"limit_bytes", v.limit_bytes},
                {"state", full ? "reached" : "released"}};
  return u;
}

void after_change(pointer self, const bus_actor& bus, storage_gate& gate) {
  auto moved = gate.take_transition();
  if (!moved)
    return;
  auto v = gate.view();
  if (*moved)
    log::warn("storage limit reached: no new download starts",
              {{"used_bytes", v.used_bytes}, {"limit_bytes", v.limit_bytes}});
  else
    log::info("under the storage limit again: downloads start",
              {{"used_bytes", v.used_bytes}, {"limit_bytes", v.limit_bytes}});
  self->send(bus, publish_atom::value, subjects::progress("storage_limit"),
             json(storage_event(*moved, v)).dump());
  if (!*moved)
    self->send(bus, publish_atom::value, std::string(subjects::jobs_available),
               json{{"pending", 1}}.dump());
}

void apply(pointer self, const bus_actor& bus, storage_gate& gate,
           const std::string& subject, const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  if (subject == subjects::library_usage ||
      subject == subjects::scanner_usage) {
    if (auto ok = gate.apply_usage(doc); !ok)
      log::warn("library usage ignored", {{"error", ok.error().message}});
  } else {
    auto changed = gate.apply_config(doc);
    if (!changed)
      log::warn("configuration ignored", {{"field", changed.error().field},
                                          {"error", changed.error().message}});
    else
      for (const auto& field : *changed)
        log::info("setting applied", {{"field", field}, {"from", subject}});
  }
  after_change(self, bus, gate);
}

void ask(pointer self, const bus_actor& bus,
         const std::shared_ptr<storage_gate>& gate, const char* subject) {
  std::string s = subject;
  self->request(bus, ask_timeout + std::chrono::seconds(1), request_atom::value,
                s, std::string{}, caf::timespan{ask_timeout})
      .then([=](const std::string& doc) { apply(self, bus, *gate, s, doc); },
            [s](const caf::error& err) {
              log::info("no answer at start",
                        {{"subject", s}, {"reason", caf::to_string(err)}});
            });
}

bus_listener::behavior_type listener(pointer self, const bus_actor& bus,
                                     const std::shared_ptr<storage_gate>& gate,
                                     const drainable_actor& service) {
  self->monitor(service);
  self->set_down_handler([self](caf::down_msg&) { self->quit(); });
  subscribe(self, bus, std::string{subjects::config_changed});
  subscribe(self, bus, std::string{subjects::library_usage});
  ask(self, bus, gate, subjects::config_current);
  ask(self, bus, gate, subjects::scanner_usage);
  return {
      [=](const bus_message& msg) {
        apply(self, bus, *gate, msg.subject, msg.payload);
      },
  };
}

} // namespace

bus_listener spawn_storage_listener(caf::actor_system& sys, bus_actor bus,
                                    std::shared_ptr<storage_gate> gate,
                                    const drainable_actor& service) {
  return sys.spawn(listener, std::move(bus), std::move(gate), service);
}

} // namespace kumo::queue
