#include "disk_guard_listener.hpp"

#include "kumo/bus_calls.hpp"
#include "kumo/config_subjects.hpp"
#include "kumo/log.hpp"

#include <caf/all.hpp>

namespace kumo::downloader {

namespace {

/// How long the start-up question waits for a gateway; without an answer
/// the worker keeps the floor of its options until the next change.
constexpr auto ask_timeout = std::chrono::seconds(5);

void apply(disk_guard& guard, const std::string& text, const char* origin) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    log::warn("configuration ignored: malformed JSON", {{"from", origin}});
    return;
  }
  auto before = guard.floor();
  auto next = floor_from_config(doc, before);
  if (!next) {
    log::warn("configuration ignored", {{"from", origin},
                                        {"field", next.error().field},
                                        {"error", next.error().message}});
    return;
  }
  if (next->min_free_bytes == before.min_free_bytes &&
      next->min_free_percent == before.min_free_percent)
    return;
  guard.set_floor(*next);
  log::info("free-space floor applied",
            {{"min_free_bytes", next->min_free_bytes},
             {"min_free_percent", next->min_free_percent},
             {"from", origin}});
}

bus_listener::behavior_type
listener(bus_listener::stateful_pointer<caf::unit_t> self, const bus_actor& bus,
         const std::shared_ptr<disk_guard>& guard,
         const drainable_actor& worker) {
  self->monitor(worker);
  self->set_down_handler([self](caf::down_msg&) { self->quit(); });
  subscribe(self, bus, std::string{subjects::config_changed});
  self->request(bus, ask_timeout + std::chrono::seconds(1), request_atom::value,
                std::string{subjects::config_current}, std::string{},
                caf::timespan{ask_timeout})
      .then([guard](const std::string& doc) { apply(*guard, doc, "gateway"); },
            [](const caf::error& err) {
              log::info("no stored configuration yet; keeping the floor of "
                        "the options",
                        {{"reason", caf::to_string(err)}});
            });
  return {
      [guard](const bus_message& msg) {
        apply(*guard, msg.payload, subjects::config_changed);
      },
  };
}

} // namespace

bus_listener spawn_disk_guard_listener(caf::actor_system& sys, bus_actor bus,
                                       std::shared_ptr<disk_guard> guard,
                                       const drainable_actor& worker) {
  return sys.spawn(listener, std::move(bus), std::move(guard), worker);
}

} // namespace kumo::downloader
