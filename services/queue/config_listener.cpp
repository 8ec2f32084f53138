#include "config_listener.hpp"

#include "kumo/bus_calls.hpp"
#include "kumo/config_subjects.hpp"
#include "kumo/log.hpp"

#include <caf/all.hpp>

namespace kumo::queue {

namespace {

/// How long the start-up question waits for a gateway; without an answer
/// the queue keeps its own options until the next change.
constexpr auto ask_timeout = std::chrono::seconds(5);

void apply(live_settings& live, const std::string& text, const char* origin) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    log::warn("configuration ignored: malformed JSON", {{"from", origin}});
    return;
  }
  auto changed = live.apply(doc);
  if (!changed) {
    log::warn("configuration ignored", {{"from", origin},
                                        {"field", changed.error().field},
                                        {"error", changed.error().message}});
    return;
  }
  for (const auto& field : *changed)
    log::info("setting applied", {{"field", field}, {"from", origin}});
}

bus_listener::behavior_type
config_listener(bus_listener::stateful_pointer<caf::unit_t> self,
                const bus_actor& bus,
                const std::shared_ptr<live_settings>& live,
                const drainable_actor& service) {
  self->monitor(service);
  self->set_down_handler([self](caf::down_msg&) { self->quit(); });
  subscribe(self, bus, std::string{subjects::config_changed});
  self->request(bus, ask_timeout + std::chrono::seconds(1), request_atom::value,
                std::string{subjects::config_current}, std::string{},
                caf::timespan{ask_timeout})
      .then([live](const std::string& doc) { apply(*live, doc, "gateway"); },
            [](const caf::error& err) {
              log::info("no stored configuration yet; using the options",
                        {{"reason", caf::to_string(err)}});
            });
  return {
      [live](const bus_message& msg) {
        apply(*live, msg.payload, subjects::config_changed);
      },
  };
}

} // namespace

bus_listener spawn_config_listener(caf::actor_system& sys, bus_actor bus,
                                   std::shared_ptr<live_settings> live,
                                   const drainable_actor& service) {
  return sys.spawn(config_listener, std::move(bus), std::move(live), service);
}

} // namespace kumo::queue
