#include "kumo/bus_calls.hpp"
#include "kumo/log.hpp"
#include "kumo/subjects.hpp"
#include "notify_actors.hpp"
#include "notify_events.hpp"
#include "notify_send.hpp"
#include "notify_store.hpp"

#include <caf/all.hpp>

namespace kumo::queue::notify {

namespace {

using json = nlohmann::json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

struct store_state {
  static inline const char* name = "kumo.queue.notify.store";
  std::unique_ptr<notify_store> store;
};

notify_store_actor::behavior_type
store_worker(notify_store_actor::stateful_pointer<store_state> self,
             const notify_settings& cfg) {
  self->state.store = std::make_unique<notify_store>(cfg.database_url,
                                                     cfg.targets, cfg.retries);
  return {
      [=](api_atom, const std::string& op, const std::string& body) {
        auto doc = json::parse(body, nullptr, false);
        if (!doc.is_object())
          return dump({{"error",
                        {{"code", "invalid_argument"},
                         {"message", "the body must be a JSON object"}}}});
        return dump(self->state.store->handle(op, doc));
      },
      [=](record_atom, const std::string& event, const std::string& payload,
          const std::string& key) {
        self->state.store->record(event, json::parse(payload, nullptr, false),
                                  key);
      },
  };
}

struct sender_state {
  static inline const char* name = "kumo.queue.notify.sender";
  std::unique_ptr<notify_store> store;
};

/// One attempt, logged without secrets (the shown URL only).
void attempt(notify_store& store, const claimed& c,
             const notify_settings& cfg) {
  auto call = build_call(c.to, c.what, c.unix_now);
  auto r = send_call(call, cfg.targets, cfg.timeout);
  store.finish(c, r);
  json fields = {{"delivery", c.what.id}, {"event", c.what.event},
                 {"target", c.to.id},     {"kind", c.to.kind},
                 {"url", call.shown_url}, {"attempt", c.what.attempts},
                 {"status", r.status}};
  if (r.error.empty()) {
    log::info("notification delivered", fields);
    return;
  }
  fields["error"] = r.error;
  log::warn("notification attempt failed", fields);
}

notify_sender_actor::behavior_type
sender(notify_sender_actor::stateful_pointer<sender_state> self,
       const notify_settings& cfg) {
  self->state.store = std::make_unique<notify_store>(cfg.database_url,
                                                     cfg.targets, cfg.retries);
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        auto batch = self->state.store->claim(cfg.batch, cfg.lease_ms);
        for (const auto& c : batch)
          attempt(*self->state.store, c, cfg);
        // A full batch means more may be due: go on at once.
        auto next = static_cast<int>(batch.size()) == cfg.batch
                        ? std::chrono::milliseconds(0)
                        : cfg.poll;
        self->delayed_send(self, next, tick_atom::value);
      },
  };
}

struct edge_state {
  static inline const char* name = "kumo.queue.notify.edge";
};

using edge_actor = caf::typed_actor<caf::reacts_to<bus_message>>;

constexpr auto api_timeout = std::chrono::seconds(15);

void on_api(edge_actor::stateful_pointer<edge_state> self,
            const notify_store_actor& store, const bus_actor& bus,
            const bus_message& msg, const std::string& op) {
  self->request(store, api_timeout, api_atom::value, op, msg.payload)
      .then([=](const std::string& answer) { reply(self, bus, msg, answer); },
            [=](const caf::error&) {
              reply(self, bus, msg,
                    dump({{"error",
                           {{"code", "unavailable"},
                            {"message", "the notification store did not "
                                        "answer in time"}}}}));
            });
}

edge_actor::behavior_type edge(edge_actor::stateful_pointer<edge_state> self,
                               const bus_actor& bus,
                               const notify_store_actor& store,
                               const notify_sender_actor& sender_handle,
                               const caf::actor_addr& owner) {
  self->link_to(owner);
  subscribe(self, bus, subjects::queue_notify_all, subjects::queue_group);
  for (const auto& subject : event_subjects())
    subscribe(self, bus, subject, subjects::notify_group);
  self->attach_functor([store, sender_handle] {
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(sender_handle, caf::exit_reason::user_shutdown);
  });
  static const std::string api_prefix = "kumo.queue.notify.";
  return {
      [=](const bus_message& msg) {
        if (msg.subject.rfind(api_prefix, 0) == 0) {
          on_api(self, store, bus, msg, msg.subject.substr(api_prefix.size()));
          return;
        }
        auto ev = event_from_bus(msg.subject, msg.payload);
        if (!ev)
          return;
        self->send(store, record_atom::value, ev->name, dump(ev->payload),
                   ev->key);
      },
  };
}

} // namespace

void spawn_notify(caf::actor_system& sys, notify_settings cfg, bus_actor bus,
                  const caf::actor_addr& owner) {
  auto store = sys.spawn<caf::detached>(store_worker, cfg);
  auto send = sys.spawn<caf::detached>(sender, cfg);
  sys.spawn(edge, std::move(bus), store, send, owner);
}

} // namespace kumo::queue::notify
