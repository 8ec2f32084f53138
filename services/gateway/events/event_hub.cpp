#include "events/event_hub.hpp"

#include "kumo/bus_calls.hpp"
#include "kumo/errors.hpp"
#include "kumo/log.hpp"
#include "kumo/metrics.hpp"
#include "kumo/subjects.hpp"

#include <caf/all.hpp>
#include <unordered_map>

namespace kumo::gateway {

namespace {

struct hub_metrics {
  prometheus::Counter* fanned_out;
  prometheus::Counter* duplicates;
  prometheus::Counter* malformed;
  prometheus::Counter* slow_clients;
  prometheus::Counter* replayed;
  prometheus::Counter* reinit;
};

hub_metrics make_metrics(metrics& m) {
  auto& events = prometheus::BuildCounter()
                     .Name("kumo_sse_events_total")
                     .Help("Progress events received from the bus, by outcome.")
                     .Register(m.registry());
  auto& slow =
      prometheus::BuildCounter()
          .Name("kumo_sse_slow_clients_total")
          .Help("Event streams cut off because their client fell behind.")
          .Register(m.registry());
  auto& resumes = prometheus::BuildCounter()
                      .Name("kumo_sse_resumes_total")
                      .Help("Reconnects with a last event id, by outcome.")
                      .Register(m.registry());
  return {&events.Add({{"outcome", "fanned_out"}}),
          &events.Add({{"outcome", "duplicate"}}),
          &events.Add({{"outcome", "malformed"}}),
          &slow.Add({}),
          &resumes.Add({{"outcome", "replayed"}}),
          &resumes.Add({{"outcome", "init"}})};
}

struct subscriber {
  std::set<std::string> rooms;
  std::shared_ptr<sse_mailbox> mailbox;
};

struct hub_state {
  static inline const char* name = "kumo.event_hub";

  std::unique_ptr<sse::event_ring> ring;
  std::unordered_map<uint64_t, subscriber> subscribers;
  hub_metrics stats{};
  bool closed = false;

  void close_all() {
    closed = true;
    for (auto& [id, sub] : subscribers)
      sub.mailbox->close();
    subscribers.clear();
  }

  ~hub_state() {
    // Whatever ends the hub, no stream may wait for it forever.
    close_all();
  }
};

using hub_pointer = event_hub_actor::stateful_pointer<hub_state>;

void fan_out(hub_pointer self, const bus_message& msg) {
  auto& st = self->state;
  auto parsed = sse::parse_event(msg.payload);
  if (!parsed) {
    st.stats.malformed->Increment();
    return;
  }
  auto e = std::make_shared<const sse::event>(std::move(*parsed));
  if (!st.ring->push(e)) {
    st.stats.duplicates->Increment();
    return;
  }
  st.stats.fanned_out->Increment();
  for (auto i = st.subscribers.begin(); i != st.subscribers.end();) {
    auto& sub = i->second;
    bool wanted = sub.rooms.empty() || sub.rooms.count(e->room) > 0;
    if (!wanted || sub.mailbox->push(e)) {
      ++i;
      continue;
    }
    if (sub.mailbox->overflowed()) {
      st.stats.slow_clients->Increment();
      log::warn("event stream cut off: client too slow",
                {{"stream", i->first}});
    }
    i = st.subscribers.erase(i);
  }
}

void subscribe(hub_pointer self, const bus_actor& bus, caf::timespan timeout) {
  // No queue group: every gateway instance needs every event.
  kumo::subscribe(self, bus, subjects::events_all, {}, timeout);
}

event_hub_actor::behavior_type event_hub(hub_pointer self, const bus_actor& bus,
                                         hub_config cfg, hub_metrics stats) {
  self->state.ring = std::make_unique<sse::event_ring>(cfg.replay);
  self->state.stats = stats;
  subscribe(self, bus, cfg.subscribe_timeout);
  return {
      [=](const bus_message& msg) { fan_out(self, msg); },
      [=](join_atom, hub_join& join) -> caf::result<hub_welcome> {
        auto& st = self->state;
        if (st.closed)
          return make_error(errc::unavailable, "event hub closed");
        hub_welcome out;
        if (join.resume_from) {
          out.replay = st.ring->replay_after(*join.resume_from, join.rooms);
          (out.replay ? st.stats.replayed : st.stats.reinit)->Increment();
        }
        st.subscribers[join.id] =
            subscriber{std::move(join.rooms), std::move(join.mailbox)};
        return out;
      },
      [=](leave_atom, uint64_t id) { self->state.subscribers.erase(id); },
      [=](close_atom) {
        self->state.close_all();
        return true;
      },
  };
}

} // namespace

event_hub_actor spawn_event_hub(caf::actor_system& sys, bus_actor bus,
                                hub_config cfg, metrics& m) {
  return sys.spawn(event_hub, std::move(bus), cfg, make_metrics(m));
}

} // namespace kumo::gateway
