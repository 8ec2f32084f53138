#include "actors.hpp"
#include "kumo/bus_calls.hpp"
#include "kumo/errors.hpp"
#include "kumo/log.hpp"
#include "kumo/metrics.hpp"
#include "kumo/subjects.hpp"

#include <caf/all.hpp>
#include <cstring>
#include <random>

namespace kumo::progress {

namespace {

struct progress_metrics {
  prometheus::Family<prometheus::Counter>* updates;
  prometheus::Family<prometheus::Counter>* events;
  prometheus::Counter* throttled;
  prometheus::Counter* rejected;
  prometheus::Counter* pruned;
  prometheus::Gauge* active;
};

progress_metrics make_metrics(metrics& m) {
  auto& reg = m.registry();
  auto& updates = prometheus::BuildCounter()
                      .Name("kumo_progress_updates_total")
                      .Help("Raw progress updates received, by kind.")
                      .Register(reg);
  auto& events = prometheus::BuildCounter()
                     .Name("kumo_progress_events_total")
                     .Help("Normalized events published, by room.")
                     .Register(reg);
  auto& throttled = prometheus::BuildCounter()
                        .Name("kumo_progress_throttled_total")
                        .Help("Updates coalesced into a trailing event.")
                        .Register(reg);
  auto& rejected = prometheus::BuildCounter()
                       .Name("kumo_progress_rejected_total")
                       .Help("Updates refused as malformed or over a limit.")
                       .Register(reg);
  auto& pruned = prometheus::BuildCounter()
                     .Name("kumo_progress_pruned_total")
                     .Help("Running records dropped after going silent.")
                     .Register(reg);
  auto& active = prometheus::BuildGauge()
                     .Name("kumo_progress_active")
                     .Help("Live progress records.")
                     .Register(reg);
  return {&updates,          &events,         &throttled.Add({}),
          &rejected.Add({}), &pruned.Add({}), &active.Add({})};
}

const std::chrono::seconds prune_interval{60};

struct progress_state {
  static inline const char* name = "kumo.progress";

  system_clock_source clock;
  std::unique_ptr<progress_book> book;
  bus_actor bus;
  progress_metrics stats{};
  std::optional<steady_time> armed; ///< when the next flush tick fires
};

using progress_pointer = progress_actor::stateful_pointer<progress_state>;

void publish(progress_pointer self, const std::vector<progress_event>& events) {
  auto& st = self->state;
  for (const auto& e : events) {
    self->send(st.bus, publish_atom::value, subjects::events(e.room),
               encode(to_wire(e, st.book->epoch())));
    st.stats.events->Add({{"room", e.room}}).Increment();
  }
  st.stats.active->Set(static_cast<double>(st.book->active_count()));
}

/// Makes sure a flush tick fires when the earliest coalesced event is due.
void arm(progress_pointer self) {
  auto& st = self->state;
  auto due = st.book->next_due();
  if (!due || (st.armed && *st.armed <= *due))
    return;
  st.armed = due;
  auto wait = std::max(caf::timespan{0}, *due - st.clock.now());
  self->delayed_send(self, wait, flush_atom::value);
}

void answer_snapshot(progress_pointer self, const bus_message& msg) {
  if (msg.reply.empty())
    return;
  wire::progress_snapshot_request req;
  if (!msg.payload.empty()) {
    auto parsed = decode<wire::progress_snapshot_request>(msg.payload);
    if (parsed)
      req = std::move(*parsed);
  }
  reply(self, self->state.bus, msg,
        encode(self->state.book->snapshot(req.rooms)));
}

void take_update(progress_pointer self, const bus_message& msg) {
  auto& st = self->state;
  static const size_t prefix = std::strlen("kumo.progress.");
  auto kind = msg.subject.size() > prefix ? msg.subject.substr(prefix) : "";
  auto u = decode<wire::progress_update>(msg.payload);
  std::string why = u ? std::string{} : u.error().message;
  if (u && u->kind.empty())
    u->kind = kind;
  if (u && u->kind != kind)
    why = "kind '" + u->kind + "' sent on " + msg.subject;
  apply_result r;
  if (u && why.empty())
    r = st.book->apply(*u);
  else
    r.error = why;
  if (!r.error.empty()) {
    st.stats.rejected->Increment();
    log::debug("progress update refused",
               {{"subject", msg.subject}, {"error", r.error}});
    return;
  }
  st.stats.updates->Add({{"kind", kind}}).Increment();
  if (r.throttled)
    st.stats.throttled->Increment();
  publish(self, r.events);
  arm(self);
}

void subscribe(progress_pointer self, caf::timespan timeout) {
  // One queue group: should a second replica overlap during a rolling
  // update, each update is still handled (and published) once.
  kumo::subscribe(self, self->state.bus, subjects::progress_all,
                  subjects::progress_group, timeout);
}

progress_actor::behavior_type progress(progress_pointer self, bus_actor bus,
                                       progress_config cfg,
                                       progress_metrics stats) {
  auto& st = self->state;
  st.bus = std::move(bus);
  st.stats = stats;
  st.book = std::make_unique<progress_book>(cfg.book, st.clock, cfg.epoch);
  subscribe(self, cfg.subscribe_timeout);
  self->delayed_send(self, prune_interval, prune_atom::value);
  log::info("progress book open",
            {{"epoch", cfg.epoch}, {"history_size", cfg.book.history_size}});
  return {
      [=](const bus_message& msg) {
        if (msg.subject == subjects::progress_snapshot)
          answer_snapshot(self, msg);
        else
          take_update(self, msg);
      },
      [=](flush_atom) {
        self->state.armed.reset();
        publish(self, self->state.book->flush_due());
        arm(self);
      },
      [=](prune_atom) {
        auto n = self->state.book->prune_stale();
        if (n > 0) {
          self->state.stats.pruned->Increment(static_cast<double>(n));
          log::info("dropped silent progress records", {{"count", n}});
          publish(self, {});
        }
        self->delayed_send(self, prune_interval, prune_atom::value);
      },
      [=](drain_atom) {
        publish(self, self->state.book->flush_all());
        return true;
      },
  };
}

} // namespace

std::string make_epoch() {
  std::random_device rd;
  std::uniform_int_distribution<uint64_t> dist;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(dist(rd)));
  return buf;
}

progress_actor spawn_progress(caf::actor_system& sys, bus_actor bus,
                              progress_config cfg, metrics& m) {
  return sys.spawn(progress, std::move(bus), std::move(cfg), make_metrics(m));
}

} // namespace kumo::progress
